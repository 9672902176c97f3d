package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import io.mooring.mount.Mounter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Mounter} that only keeps a mount table, in mountinfo format, the way the kernel would: a
 * mount gets a new device, a bind shares its source's device and records the subdirectory as root.
 * Directories are not touched.
 */
final class FakeMounter implements Mounter {

  private final List<String> lines = new ArrayList<>();
  private final List<String> calls = new ArrayList<>();
  private int nextId = 100;
  private int nextMinor = 50;

  /** When set, bind() waits for it: lets a test hold an RPC in the middle. */
  volatile CountDownLatch bindGate;

  final AtomicInteger waitingAtGate = new AtomicInteger();

  /**
   * Runs after each unmount with its mount point: what a fake client filled in is emptied again.
   */
  volatile java.util.function.Consumer<Path> afterUnmount = target -> {};

  @Override
  public synchronized void mount(
      String source,
      Path target,
      String fsType,
      List<String> options,
      java.util.Optional<Path> cgroup) {
    calls.add("mount " + source + " " + target);
    add("0:" + nextMinor++, "/", target, "rw,relatime", "fuse." + fsType, firstServer(source));
  }

  @Override
  public void bind(Path source, Path target, boolean readOnly, List<String> flags) {
    CountDownLatch gate = bindGate;
    if (gate != null) {
      waitingAtGate.incrementAndGet();
      try {
        gate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        waitingAtGate.decrementAndGet();
      }
    }
    synchronized (this) {
      calls.add(
          "bind "
              + source
              + " "
              + target
              + (readOnly ? " ro" : "")
              + (flags.isEmpty() ? "" : " " + flags));
      MountEntry from =
          table().entries().stream()
              .filter(e -> source.startsWith(e.mountPoint()))
              .max(Comparator.comparingInt(e -> e.mountPoint().getNameCount()))
              .orElseThrow(() -> StorageException.internal("fake: %s is on no mount", source));
      String root =
          Path.of(from.root()).resolve(from.mountPoint().relativize(source)).normalize().toString();
      List<String> options = new ArrayList<>(List.of(readOnly ? "ro" : "rw"));
      options.addAll(flags);
      options.add("relatime");
      add(from.device(), root, target, String.join(",", options), from.fsType(), from.source());
    }
  }

  @Override
  public synchronized void unmount(Path target, boolean lazy) {
    calls.add((lazy ? "umount -l " : "umount ") + target);
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (MountTable.parse(lines.get(i)).entries().get(0).mountPoint().equals(target)) {
        lines.remove(i);
        afterUnmount.accept(target);
        return;
      }
    }
    throw StorageException.internal("fake: %s is not mounted", target);
  }

  @Override
  public synchronized MountTable table() {
    return MountTable.parse(String.join("\n", lines));
  }

  /**
   * A FUSE client started directly (ceph-fuse), with its own device and the source it was given.
   */
  synchronized void addMount(String source, Path mountPoint, String fsType) {
    add("0:" + nextMinor++, "/", mountPoint, "rw,nosuid,nodev,relatime", fsType, source);
  }

  /** Adds a mount made by someone else, e.g. the root filesystem of a test directory. */
  synchronized void add(
      String device, String root, Path mountPoint, String options, String fsType, String source) {
    lines.add(
        nextId++
            + " 1 "
            + device
            + " "
            + root
            + " "
            + mountPoint
            + " "
            + options
            + " - "
            + fsType
            + " "
            + source
            + " rw");
  }

  synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  synchronized long count(String prefix) {
    return calls.stream().filter(c -> c.startsWith(prefix)).count();
  }

  /** mount.glusterfs names only the first server in mountinfo. */
  private static String firstServer(String source) {
    int colon = source.lastIndexOf(":/");
    return source.substring(0, colon).split(",")[0] + source.substring(colon);
  }
}
