package io.mooring.tools.bench;

import csi.v1.Csi.ProbeRequest;
import csi.v1.Csi.ProbeResponse;
import csi.v1.IdentityGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A plugin process the benchmark started: {@code scripts/mooring MODE ...} (or, to measure the
 * launcher's own cost, {@code java ... -jar} directly), timed from just before it is spawned to its
 * first successful Probe, polled every 10 ms over its socket. The launcher execs java, so the
 * spawned PID is the JVM's.
 */
final class Plugin implements AutoCloseable {

  static final Duration POLL = Duration.ofMillis(10);

  /** Covers a launcher that rebuilds the jar first because someone edited a source. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

  private static final Duration PROBE_DEADLINE = Duration.ofSeconds(5);
  private static final String REBUILD_MARK = "mooring: building";

  /**
   * How to start a plugin.
   *
   * @param javaOpts the JVM flags (MOORING_JAVA_OPTS), or null for the launcher's defaults
   * @param env extra environment
   * @param direct run {@code java OPTS -jar JAR} without the launcher (javaOpts required)
   */
  record Spec(
      String name,
      String mode,
      List<String> args,
      String javaOpts,
      Map<String, String> env,
      boolean direct) {

    Spec withJava(String opts, Map<String, String> extraEnv, boolean noLauncher) {
      return new Spec(name, mode, args, opts, extraEnv, noLauncher);
    }

    /** The same plugin under another name (socket, log and pid file are named after it). */
    Spec rename(String newName) {
      return new Spec(newName, mode, args, javaOpts, env, direct);
    }
  }

  private final Spec spec;
  private final Process process;
  private final Path socket;
  private final Path log;
  private final Path pidFile;
  private final ManagedChannel channel;
  private final long logOffset;
  private final long spawnNanos;
  private final double startToProbeMs;
  private final long cpuMsAtProbe;
  private final boolean ready;

  private Plugin(
      Spec spec,
      Process process,
      Path socket,
      Path log,
      long logOffset,
      Path pidFile,
      ManagedChannel channel,
      long spawnNanos,
      double startToProbeMs,
      long cpuMsAtProbe,
      boolean ready) {
    this.spec = spec;
    this.process = process;
    this.socket = socket;
    this.log = log;
    this.logOffset = logOffset;
    this.pidFile = pidFile;
    this.channel = channel;
    this.spawnNanos = spawnNanos;
    this.startToProbeMs = startToProbeMs;
    this.cpuMsAtProbe = cpuMsAtProbe;
    this.ready = ready;
  }

  /**
   * Starts the plugin and returns after its first successful Probe.
   *
   * @param work holds the socket ({@code NAME.sock}), log ({@code NAME.log}, appended) and pid file
   *     ({@code pids/NAME.pid}, which scripts/bench uses to stop it if the benchmark dies)
   */
  static Plugin start(Path root, Path work, Spec spec, CsiClient csi)
      throws IOException, InterruptedException {
    Path socket = work.resolve(spec.name() + ".sock");
    Path log = work.resolve(spec.name() + ".log");
    Path pidFile = work.resolve("pids").resolve(spec.name() + ".pid");
    Files.createDirectories(pidFile.getParent());
    Files.deleteIfExists(socket);
    List<String> argv = new ArrayList<>();
    if (spec.direct()) {
      argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      argv.addAll(List.of(spec.javaOpts().trim().split("\\s+")));
      argv.addAll(List.of("-jar", root.resolve("app/target/mooring-all.jar").toString()));
    } else {
      argv.add(root.resolve("scripts/mooring").toString());
    }
    argv.add(spec.mode());
    argv.addAll(spec.args());
    argv.addAll(List.of("--endpoint", "unix://" + socket));
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().remove("MOORING_JAVA_OPTS");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().remove("JDK_JAVA_OPTIONS");
    if (spec.javaOpts() != null && !spec.direct()) {
      builder.environment().put("MOORING_JAVA_OPTS", spec.javaOpts());
    }
    builder.environment().putAll(spec.env());
    Files.writeString(
        log,
        "---- "
            + String.join(" ", argv)
            + (spec.javaOpts() == null ? "" : "  [java opts: " + spec.javaOpts() + "]")
            + "\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    long logOffset = Files.size(log);

    long t0 = System.nanoTime();
    Process process = builder.start();
    Files.writeString(pidFile, process.pid() + "\n");
    long deadline = t0 + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        Files.deleteIfExists(pidFile);
        throw new IllegalStateException(
            spec.name()
                + " exited with "
                + process.exitValue()
                + " before answering"
                + " Probe; last lines of "
                + log
                + ":\n"
                + tail(log, 15));
      }
      if (Files.exists(socket)) {
        ManagedChannel channel = csi.channel(socket);
        try {
          ProbeResponse r =
              IdentityGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(PROBE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                  .probe(ProbeRequest.getDefaultInstance());
          double ms = (System.nanoTime() - t0) / 1e6;
          long cpu = Procs.cpuMillis(process.pid());
          return new Plugin(
              spec,
              process,
              socket,
              log,
              logOffset,
              pidFile,
              channel,
              t0,
              ms,
              cpu,
              !r.hasReady() || r.getReady().getValue());
        } catch (StatusRuntimeException e) {
          channel.shutdownNow();
        }
      }
      Thread.sleep(POLL.toMillis());
    }
    process.destroyForcibly();
    Files.deleteIfExists(pidFile);
    throw new IllegalStateException(
        spec.name()
            + " did not answer Probe within "
            + START_TIMEOUT.toSeconds()
            + " s; last lines of "
            + log
            + ":\n"
            + tail(log, 15));
  }

  Spec spec() {
    return spec;
  }

  long pid() {
    return process.pid();
  }

  ManagedChannel channel() {
    return channel;
  }

  double startToProbeMs() {
    return startToProbeMs;
  }

  /** Milliseconds from just before the plugin was spawned until now. */
  double sinceSpawnMs() {
    return (System.nanoTime() - spawnNanos) / 1e6;
  }

  /** CPU the process had used when it first answered Probe (JVM start-up, JIT, class loading). */
  long cpuMsAtProbe() {
    return cpuMsAtProbe;
  }

  boolean ready() {
    return ready;
  }

  /**
   * Whether the launcher rebuilt the jar during this start (the start time is then meaningless).
   */
  boolean rebuilt() {
    try {
      String all = Files.readString(log, StandardCharsets.ISO_8859_1);
      return all.length() > logOffset && all.substring((int) logOffset).contains(REBUILD_MARK);
    } catch (IOException e) {
      return false;
    }
  }

  Path log() {
    return log;
  }

  Procs.Memory memory() {
    return Procs.memory(process.pid());
  }

  long cpuMillis() {
    return Procs.cpuMillis(process.pid());
  }

  /** SIGTERM, as the kubelet sends it; SIGKILL if it has not exited within 30 s. */
  @Override
  public void close() {
    channel.shutdownNow();
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(pidFile);
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // scripts/bench removes the work directory anyway
    }
  }

  /** Exit code after {@link #close}. */
  int exitCode() {
    return process.isAlive() ? -1 : process.exitValue();
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(" + e.getMessage() + ")";
    }
  }
}
