package io.mooring.controller.backend.cephfs;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How a process that uses librados ends. The JVM's exit, too, ends in C's {@code exit()}, which
 * runs the exit handlers and destroys the static objects of libceph-common while the threads of
 * every librados handle not shut down (messengers, timers, the callers blocked in a command) may go
 * on using them, which is undefined: a controller SIGTERMed with a command hanging in a hung mgr
 * died once of glibc's "double free or corruption". A handle with a call in flight is never shut
 * down (its late reply would land in freed memory), so a process that still has one must not run
 * {@code exit()}: {@link #end} ends it with {@code _exit(2)} instead, once everything else is
 * closed. Nothing is lost by skipping the handlers: librados keeps no files here (no log, no admin
 * socket) and the kernel closes its sockets; the one file the JVM removes at exit, its perf data,
 * is removed first.
 */
public final class LibradosExit {

  private static final AtomicInteger OPEN = new AtomicInteger();

  private LibradosExit() {}

  interface LibC extends Library {
    void _exit(int status);
  }

  static void opened() {
    OPEN.incrementAndGet();
  }

  static void shutDown() {
    OPEN.decrementAndGet();
  }

  /** Handles made and not shut down (yet), in this process. */
  public static int open() {
    return OPEN.get();
  }

  /**
   * Ends the process at once with {@code status}, without C's exit handlers: the last step of a
   * shutdown that leaves handles {@link #open}.
   */
  public static void end(int status) {
    System.out.flush();
    System.err.flush();
    try {
      // HotSpot keeps it in /tmp whatever java.io.tmpdir says
      Files.deleteIfExists(
          Path.of(
              "/tmp",
              "hsperfdata_" + System.getProperty("user.name"),
              Long.toString(ProcessHandle.current().pid())));
    } catch (Exception e) {
      // a leftover file in /tmp, no more
    }
    Native.load("c", LibC.class)._exit(status);
  }
}
