package io.mooring.mount;

import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The FUSE client processes (glusterfs, ceph-fuse) behind mounts. Only processes this plugin can
 * see count, so a plugin must share the PID namespace of the clients it starts (it does: it starts
 * them).
 */
public final class FuseClients {

  private FuseClients() {}

  /** Whether a client process serving {@code mountPoint} is alive. */
  public static boolean running(Path mountPoint) {
    return ProcessHandle.allProcesses().anyMatch(p -> serves(p, mountPoint));
  }

  /**
   * Kills (SIGKILL) the client processes serving {@code mountPoint} and waits for them to exit: for
   * a client that is of no use any more but would never exit by itself (an evicted ceph-fuse).
   */
  public static void stop(Path mountPoint) {
    for (ProcessHandle process :
        ProcessHandle.allProcesses().filter(p -> serves(p, mountPoint)).toList()) {
      process.destroyForcibly();
      try {
        process.onExit().get(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException e) {
        // a process stuck in the kernel; the lazy unmount detaches its mount anyway
      }
    }
  }

  /**
   * The command is the executable (glusterfs links to glusterfsd; ceph-fuse); the mount point is
   * the last argument of both as Mooring starts them.
   */
  public static boolean serves(ProcessHandle process, Path mountPoint) {
    ProcessHandle.Info info = process.info();
    String[] args = info.arguments().orElse(new String[0]);
    return info.command().orElse("").matches(".*/(glusterfsd?|ceph-fuse)")
        && args.length > 0
        && args[args.length - 1].equals(mountPoint.toString());
  }
}
