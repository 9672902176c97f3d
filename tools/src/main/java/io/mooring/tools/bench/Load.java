package io.mooring.tools.bench;

import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Runs N operations with a pool of C threads, all released at once, and times each one. */
final class Load {

  private Load() {}

  /** One operation on item {@code i}; returning normally is success, throwing is an error. */
  interface Op {
    void run(int i) throws Exception;
  }

  /**
   * Every operation's time, the batch's wall time, and the distinct error messages with their
   * counts.
   */
  record Result(List<Stats.Sample> samples, double wallMillis, Map<String, Integer> errors) {

    Stats.Summary summary() {
      return Stats.summarize(samples, wallMillis);
    }

    /** Batches run one after another, as one: samples and errors pooled, wall times added. */
    static Result merge(List<Result> batches) {
      List<Stats.Sample> samples = new ArrayList<>();
      Map<String, Integer> errors = new TreeMap<>();
      double wall = 0;
      for (Result r : batches) {
        samples.addAll(r.samples());
        r.errors().forEach((k, v) -> errors.merge(k, v, Integer::sum));
        wall += r.wallMillis();
      }
      return new Result(List.copyOf(samples), wall, errors);
    }

    String errorText() {
      List<String> parts = new ArrayList<>();
      errors.forEach((msg, count) -> parts.add(count + "x " + msg));
      return String.join("; ", parts);
    }
  }

  static Result run(int concurrency, int n, Op op) throws InterruptedException {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            concurrency,
            r -> {
              Thread t = new Thread(r, "bench-load");
              t.setDaemon(true);
              return t;
            });
    ((ThreadPoolExecutor) pool).prestartAllCoreThreads();
    CountDownLatch go = new CountDownLatch(1);
    List<Stats.Sample> samples = Collections.synchronizedList(new ArrayList<>());
    Map<String, Integer> errors = Collections.synchronizedMap(new TreeMap<>());
    AtomicLong lastEnd = new AtomicLong();
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int item = i;
      futures.add(
          pool.submit(
              () -> {
                go.await();
                long start = System.nanoTime();
                boolean ok = true;
                try {
                  op.run(item);
                } catch (Exception e) {
                  ok = false;
                  errors.merge(describe(e), 1, Integer::sum);
                }
                long end = System.nanoTime();
                lastEnd.accumulateAndGet(end, Math::max);
                samples.add(new Stats.Sample((end - start) / 1e6, ok));
                return null;
              }));
    }
    long start = System.nanoTime();
    go.countDown();
    pool.shutdown();
    if (!pool.awaitTermination(30, TimeUnit.MINUTES)) {
      pool.shutdownNow();
      throw new IllegalStateException("operations did not finish within 30 minutes");
    }
    double wall = (lastEnd.get() - start) / 1e6;
    return new Result(List.copyOf(samples), wall, new TreeMap<>(errors));
  }

  /** An error message fit for grouping: gRPC code and description, volume names elided. */
  static String describe(Exception e) {
    String text =
        e instanceof StatusRuntimeException s
            ? s.getStatus().getCode() + ": " + s.getStatus().getDescription()
            : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return tidy(text);
  }

  /** An error text fit for grouping: volume names elided, one line, at most 200 characters. */
  static String tidy(String text) {
    String t = text.replaceAll("bench-[a-z0-9-]+", "bench-*").replaceAll("\\s+", " ").strip();
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }
}
