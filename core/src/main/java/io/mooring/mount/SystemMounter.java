package io.mooring.mount;

import io.mooring.exec.Command;
import io.mooring.exec.CommandRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link Mounter} through mount(8) and umount(8), run by the shared command runner. */
public final class SystemMounter implements Mounter {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final CommandRunner runner;

  public SystemMounter(CommandRunner runner) {
    this.runner = runner;
  }

  @Override
  public void mount(
      String source, Path target, String fsType, List<String> options, Optional<Path> cgroup) {
    List<String> argv = new ArrayList<>(List.of("setsid", "mount", "-t", fsType));
    if (!options.isEmpty()) {
      argv.add("-o");
      argv.add(String.join(",", options));
    }
    argv.add(source);
    argv.add(target.toString());
    runner.run(Command.of(argv).withTimeout(TIMEOUT).inCgroup(cgroup));
  }

  @Override
  public void bind(Path source, Path target, boolean readOnly, List<String> flags) {
    runner.run(
        Command.of("mount", "--bind", source.toString(), target.toString()).withTimeout(TIMEOUT));
    if (readOnly || !flags.isEmpty()) {
      // A bind mount takes per-mount flags only through a remount (mount(8), "bind" section).
      List<String> opts = new ArrayList<>(List.of("remount", "bind"));
      if (readOnly) {
        opts.add("ro");
      }
      opts.addAll(flags);
      runner.run(
          Command.of("mount", "-o", String.join(",", opts), target.toString())
              .withTimeout(TIMEOUT));
    }
  }

  @Override
  public void unmount(Path target, boolean lazy) {
    List<String> argv = new ArrayList<>(List.of("umount"));
    if (lazy) {
      argv.add("-l");
    }
    argv.add(target.toString());
    runner.run(Command.of(argv).withTimeout(TIMEOUT));
  }

  @Override
  public MountTable table() {
    return MountTable.read();
  }
}
