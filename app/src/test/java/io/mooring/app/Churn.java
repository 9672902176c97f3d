package io.mooring.app;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.DeleteVolumeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Claims come and go the way external-provisioner drives a controller, while a killer SIGKILLs the
 * controller at random moments and starts it again. Each claim is a name: CreateVolume(name) is
 * called until it answers, with the provisioner's retries (UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED,
 * a dead socket) and with deadlines often too short, so that calls are cut off while the controller
 * goes on with them. Some claims are deleted while their create is in flight: the provisioner still
 * waits for a final answer and then calls DeleteVolume(id) until it is OK, or, if the final answer
 * was an error, gives up on the claim — then nothing may be left of it.
 */
final class Churn {

  /**
   * Answers after which the provisioner calls again because the call may still be in progress
   * (external-provisioner's isFinalError); every other code is final. A dead socket is UNAVAILABLE.
   */
  private static final Set<Status.Code> RETRIED =
      EnumSet.of(
          Status.Code.UNAVAILABLE,
          Status.Code.ABORTED,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.CANCELLED,
          Status.Code.RESOURCE_EXHAUSTED);

  /** Final errors a claim that lives on may see before the test calls it stuck. */
  private static final int MAX_FINAL_ERRORS = 10;

  /** Starts the controller (a fresh process each time) and returns once it serves. */
  interface Starter {
    RunningPlugin start(int generation) throws Exception;
  }

  private final Starter starter;
  private final CreateVolumeRequest.Builder template;
  private final AtomicReference<RunningPlugin> controller = new AtomicReference<>();
  private final List<RunningPlugin> started = new ArrayList<>();
  private final Map<String, AtomicInteger> answers = new ConcurrentSkipListMap<>();
  private final Map<String, String> firstErrors = new ConcurrentSkipListMap<>();
  private final List<Long> restartMs = new ArrayList<>();
  private final AtomicInteger finished = new AtomicInteger();

  /** Volume ID by claim name, of the claims that are alive: created and not deleted. */
  final Map<String, String> alive = new ConcurrentHashMap<>();

  Churn(Starter starter) {
    this.starter = starter;
    this.template =
        CreateVolumeRequest.newBuilder()
            .addVolumeCapabilities(NodeRestartIT.RWX)
            .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(4L << 20));
  }

  /**
   * Runs {@code claims} claims on {@code workers} threads, every other one deleted, and {@code
   * kills} SIGKILLs at random points between 5% and 90% of the claims finished; returns when every
   * claim is finished.
   */
  void run(int claims, int workers, int kills) throws Exception {
    controller.set(start());
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    ExecutorService killer = Executors.newSingleThreadExecutor();
    try {
      List<Future<?>> claimsDone = new ArrayList<>();
      for (int i = 0; i < claims; i++) {
        String name = "pvc-churn-" + i;
        boolean deleted = i % 2 == 1;
        claimsDone.add(pool.submit(() -> claim(name, deleted)));
      }
      Future<?> killed = killer.submit(() -> kill(claims, kills));
      for (Future<?> done : claimsDone) {
        done.get();
      }
      killed.get();
    } finally {
      pool.shutdownNow();
      killer.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
      killer.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  /** The controller serving now. */
  RunningPlugin controller() {
    return controller.get();
  }

  private RunningPlugin start() throws Exception {
    synchronized (started) {
      RunningPlugin plugin = starter.start(started.size());
      started.add(plugin);
      return plugin;
    }
  }

  private Void claim(String name, boolean deletedWhileCreating) {
    try {
      provision(name, deletedWhileCreating);
      return null;
    } finally {
      finished.incrementAndGet();
    }
  }

  private void provision(String name, boolean deletedWhileCreating) {
    CreateVolumeRequest create = template.clone().setName(name).build();
    for (int finalErrors = 0; ; finalErrors++) {
      Optional<String> id =
          untilAnswered("CreateVolume", s -> s.createVolume(create).getVolume().getVolumeId());
      if (id.isEmpty() && deletedWhileCreating) {
        return; // the provisioner forgets a deleted claim whose create failed
      }
      if (id.isPresent()) {
        if (!deletedWhileCreating) {
          alive.put(name, id.get());
          return;
        }
        DeleteVolumeRequest delete = DeleteVolumeRequest.newBuilder().setVolumeId(id.get()).build();
        while (untilAnswered("DeleteVolume", s -> s.deleteVolume(delete)).isEmpty()) {
          pause(500); // a final error: the provisioner retries DeleteVolume with a backoff
        }
        return;
      }
      if (finalErrors >= MAX_FINAL_ERRORS) {
        throw new AssertionError("CreateVolume " + name + " keeps failing: " + answers);
      }
      pause(500);
    }
  }

  /**
   * Calls {@code rpc} until it answers OK (its result) or with a final error (empty). A quarter of
   * the calls get a deadline so short that the controller usually still works on them when it
   * passes.
   */
  private <T> Optional<T> untilAnswered(
      String method, Function<ControllerGrpc.ControllerBlockingStub, T> rpc) {
    while (true) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      long deadlineMs = random.nextInt(4) == 0 ? random.nextLong(20, 400) : 30_000;
      try {
        T result =
            rpc.apply(
                ControllerGrpc.newBlockingStub(controller.get().channel())
                    .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS));
        count(method + " OK");
        return Optional.of(result);
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        count(method + " " + code);
        firstErrors.putIfAbsent(
            method + " " + code, String.valueOf(e.getStatus().getDescription()));
        if (!RETRIED.contains(code)) {
          return Optional.empty();
        }
        pause(100);
      }
    }
  }

  /**
   * SIGKILLs the controller {@code kills} times, each when a random share of the claims is finished
   * (plus up to 300 ms), and starts it again each time.
   */
  private Void kill(int claims, int kills) throws Exception {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long[] points = random.longs(kills, claims / 20, claims * 9L / 10).sorted().toArray();
    for (long point : points) {
      while (finished.get() < point) {
        Thread.sleep(10);
      }
      Thread.sleep(random.nextLong(300));
      controller.get().kill();
      long t0 = System.nanoTime();
      controller.set(start());
      restartMs.add((System.nanoTime() - t0) / 1_000_000);
    }
    return null;
  }

  private void count(String answer) {
    answers.computeIfAbsent(answer, a -> new AtomicInteger()).incrementAndGet();
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** How many calls answered how, by method and code. */
  Map<String, Integer> answers() {
    Map<String, Integer> out = new TreeMap<>();
    answers.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** The first message of each method and error code, to tell why calls were retried. */
  Map<String, String> firstErrors() {
    return Map.copyOf(firstErrors);
  }

  int kills() {
    return restartMs.size();
  }

  List<Long> restartMs() {
    return List.copyOf(restartMs);
  }

  /** Stops every controller this churn started (SIGTERM) and closes their channels. */
  void close() throws InterruptedException {
    synchronized (started) {
      for (RunningPlugin plugin : started) {
        plugin.close();
      }
    }
  }
}
