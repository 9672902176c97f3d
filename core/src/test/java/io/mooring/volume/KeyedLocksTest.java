package io.mooring.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Context;
import io.mooring.errors.StorageException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeyedLocksTest {

  @Test
  void sameKeyWaitsThenAborts() throws Exception {
    KeyedLocks locks = new KeyedLocks(Duration.ofMillis(100));
    try (KeyedLocks.Held held = locks.acquire("vol-a")) {
      StorageException e =
          CompletableFuture.supplyAsync(
                  () -> assertThrows(StorageException.class, () -> locks.acquire("vol-a")))
              .get();
      assertEquals(StorageException.Kind.BUSY, e.kind());
      CompletableFuture.runAsync(() -> locks.acquire("vol-b").close()).get();
    }
    assertEquals(0, locks.size());
    locks.acquire("vol-a").close();
    assertEquals(0, locks.size());
  }

  /** A call whose caller gave up while it waited does nothing, and leaves the lock free. */
  @Test
  void aCallCancelledWhileItWaitedIsCancelledAndFreesTheLock() throws Exception {
    KeyedLocks locks = new KeyedLocks(Duration.ofSeconds(5));
    Context.CancellableContext call = Context.current().withCancellation();
    CompletableFuture<StorageException> waiter = new CompletableFuture<>();
    try (KeyedLocks.Held first = locks.acquire("v1:a:pvc-1")) {
      Runnable waiting =
          () ->
              waiter.complete(
                  assertThrows(StorageException.class, () -> locks.acquire("v1:a:pvc-1")));
      new Thread(call.wrap(waiting)).start();
      Thread.sleep(100); // the waiter is blocked on the lock
      call.cancel(null);
    }
    StorageException e = waiter.get(5, TimeUnit.SECONDS);
    assertEquals(StorageException.Kind.CANCELLED, e.kind());
    try (KeyedLocks.Held again = locks.acquire("v1:a:pvc-1")) {
      assertEquals(1, locks.size(), "the cancelled call released the lock");
    }
    assertEquals(0, locks.size());
  }
}
