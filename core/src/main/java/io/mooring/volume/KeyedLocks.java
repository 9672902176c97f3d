package io.mooring.volume;

import io.grpc.Context;
import io.mooring.errors.StorageException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per key (a volume name or ID). Waiting is bounded: a caller that cannot get the lock in
 * time gets BUSY (gRPC ABORTED), as the CSI spec asks for an operation already in progress.
 */
public final class KeyedLocks {

  /** A held lock; closing it releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock();
    int users;
  }

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final Duration wait;

  public KeyedLocks(Duration wait) {
    this.wait = wait;
  }

  public Held acquire(String key) {
    Entry entry =
        entries.compute(
            key,
            (k, e) -> {
              Entry v = e == null ? new Entry() : e;
              v.users++;
              return v;
            });
    boolean locked = false;
    try {
      locked = entry.lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!locked) {
      release(key, entry, false);
      throw new StorageException(
          StorageException.Kind.BUSY,
          "an operation on " + key + " is already in progress; retry later");
    }
    // A call whose caller gave up while it waited must not act after the calls that came since
    // (a create cut off by its deadline running after the retried delete leaves an orphan).
    if (Context.current().isCancelled()) {
      release(key, entry, true);
      throw new StorageException(
          StorageException.Kind.CANCELLED,
          "the caller gave up on the operation on " + key + " while it waited; nothing was done");
    }
    return () -> release(key, entry, true);
  }

  private void release(String key, Entry entry, boolean unlock) {
    if (unlock) {
      entry.lock.unlock();
    }
    entries.computeIfPresent(key, (k, e) -> --e.users == 0 ? null : e);
  }

  /** Keys currently held or waited for; for tests and metrics. */
  int size() {
    return entries.size();
  }
}
