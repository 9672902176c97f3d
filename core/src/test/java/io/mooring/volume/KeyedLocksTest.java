package io.mooring.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mooring.errors.StorageException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
}
