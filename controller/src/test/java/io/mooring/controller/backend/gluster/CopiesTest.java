package io.mooring.controller.backend.gluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.copy.TreeCopy;
import io.mooring.errors.StorageException;
import io.mooring.exec.CommandRunner;
import io.mooring.exec.ProcessCommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopiesTest {

  @TempDir Path tmp;
  Path from;
  Path to;

  /** cp runs once released; the copy is held until then, as a large one would be. */
  final CountDownLatch started = new CountDownLatch(1);

  final CountDownLatch release = new CountDownLatch(1);
  final CommandRunner real = new ProcessCommandRunner();
  final CommandRunner held =
      command -> {
        started.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StorageException(StorageException.Kind.UNAVAILABLE, "interrupted");
        }
        return real.run(command);
      };

  Copies copies;

  @BeforeEach
  void tree() throws IOException {
    from = Files.createDirectories(tmp.resolve("from/sub"));
    Files.writeString(from.resolve("file"), "data");
    from = from.getParent();
    to = tmp.resolve("area/data");
    Files.createDirectories(to.getParent());
    copies = new Copies(new TreeCopy(held), Duration.ofSeconds(30));
  }

  @AfterEach
  void close() {
    release.countDown();
    copies.close();
  }

  @Test
  void aCopyOutlivesTheWaitAndIsSeenDoneOnce() throws Exception {
    AtomicInteger then = new AtomicInteger();
    copies.start(from, to, then::incrementAndGet);
    copies.start(from, to, then::incrementAndGet); // known: not started again
    assertTrue(started.await(10, TimeUnit.SECONDS));
    assertFalse(copies.await(to, Duration.ZERO), "still copying");
    assertTrue(copies.known(to));
    assertTrue(copies.readingFrom(from));
    assertFalse(copies.readingFrom(from.resolve("sub")), "only below where it reads");

    release.countDown();
    assertTrue(copies.await(to, Duration.ofSeconds(30)));
    assertEquals("data", Files.readString(to.resolve("sub/file")));
    assertEquals(1, then.get());
    assertFalse(copies.known(to), "forgotten once seen done");
    assertFalse(copies.readingFrom(from));
  }

  @Test
  void aCopyRemovesWhatAnEarlierOneLeft() throws Exception {
    Files.createDirectories(to.resolve("partial"));
    release.countDown();
    copies.start(from, to, () -> {});
    assertTrue(copies.await(to, Duration.ofSeconds(30)));
    assertFalse(Files.exists(to.resolve("partial")));
    assertTrue(Files.exists(to.resolve("sub/file")));
  }

  @Test
  void aFailedCopyIsRemovedAndReportedOnce() throws Exception {
    release.countDown();
    copies.start(
        from,
        to,
        () -> {
          throw new IOException("cannot move it into place");
        });
    StorageException e =
        assertThrows(StorageException.class, () -> copies.await(to, Duration.ofSeconds(30)));
    assertTrue(e.getMessage().contains("cannot move it into place"), e.getMessage());
    assertFalse(Files.exists(to), "the partial copy is removed");
    assertFalse(copies.known(to));
    assertTrue(copies.await(to, Duration.ZERO), "nothing known any more");
  }

  @Test
  void stopEndsARunningCopyAndRemovesIt() throws Exception {
    copies.start(from, to, () -> {});
    assertTrue(started.await(10, TimeUnit.SECONDS));
    copies.stop(to);
    assertFalse(copies.known(to));
    assertFalse(Files.exists(to));
    copies.stop(to); // nothing known: fine
  }
}
