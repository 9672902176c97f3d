package io.mooring.tools.bench;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.GetCapacityRequest;
import csi.v1.Csi.ListVolumesRequest;
import csi.v1.Csi.ListVolumesResponse;
import csi.v1.Csi.ProbeRequest;
import csi.v1.IdentityGrpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The scale section (--scale N) for one backend, on a controller plugin of its own so that its
 * restart finds this backend's N volumes and nothing else: N volumes made through the controller's
 * socket, then what grows with them. CreateVolume is timed one call at a time for the first {@value
 * #SAMPLE} volumes and for the last {@value #SAMPLE} (those in between are made {@value
 * #BULK_CONCURRENCY} at a time); then ListVolumes of all of them in pages of {@value #PAGE} and as
 * one page, GetCapacity, a restart of the controller (SIGTERM, then spawn to first Probe, to Probe
 * ready, to its first ListVolumes page) and DeleteVolume of all of them. A backend with commands of
 * its own that may grow with the volumes (GlusterFS quotas) is measured with {@value #SAMPLE} and
 * with N volumes ({@link BenchBackend#quotaAt}).
 */
final class Scale {

  static final int SAMPLE = 100;
  static final int PAGE = 500;
  static final int BULK_CONCURRENCY = 8;
  private static final int CAPACITY_CALLS = 20;
  private static final long DEADLINE_S = 600;
  private static final long READY_TIMEOUT_MS = 120_000;

  /**
   * One listing of every volume.
   *
   * @param listed entries in all pages; @param ours how many of them are the section's volumes
   * @param duplicates entries listed more than once
   */
  record Listing(
      int pages, int listed, int ours, int duplicates, double totalMs, double slowestPageMs) {}

  /** Times from just before the restarted controller was spawned. */
  record Restart(double probeMs, double readyMs, double firstPageMs) {}

  /**
   * A backend's own commands with {@code volumes} volumes present.
   *
   * @param list listing every quota limit; @param listed limits that listing showed
   * @param limitUsage setting one volume's limit again; @param confBytes glusterd's quota.conf
   */
  record Quota(
      int volumes, Stats.Summary list, int listed, Stats.Summary limitUsage, long confBytes) {}

  record Result(
      String backend,
      int n,
      Stats.Summary first,
      Stats.Summary last,
      Load.Result bulk,
      Listing paged,
      Listing whole,
      Stats.Summary capacity,
      Restart restart,
      Load.Result delete,
      List<Quota> quota) {}

  private final BenchBackend backend;
  private final Path root;
  private final Path work;
  private final Plugin.Spec spec;
  private final CsiClient csi;
  private final long bytes;
  private final String runId;
  private final int n;

  /**
   * @param spec the controller plugin, with a backends file of this backend only
   * @param n volumes to make (at least 2 x SAMPLE, so that the samples do not overlap)
   */
  Scale(
      BenchBackend backend,
      Path root,
      Path work,
      Plugin.Spec spec,
      CsiClient csi,
      long bytes,
      String runId,
      int n) {
    if (n < 2 * SAMPLE) {
      throw new IllegalArgumentException("--scale needs at least " + 2 * SAMPLE + " volumes");
    }
    this.backend = backend;
    this.root = root;
    this.work = work;
    this.spec = spec;
    this.csi = csi;
    this.bytes = bytes;
    this.runId = runId;
    this.n = n;
  }

  Result run() throws Exception {
    String type = backend.type();
    CsiClient.Requests requests = backend.requests();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < n; i++) {
      ids.add(requests.id(name(i)));
    }
    Plugin controller = Plugin.start(root, work, spec, csi);
    boolean deleted = false;
    try {
      ControllerGrpc.ControllerBlockingStub stub = stub(controller);
      Progress.say("scale %s: %d creates one at a time", type, SAMPLE);
      Load.Result first = creates(stub, requests, 0, SAMPLE, 1);
      List<Quota> quota = new ArrayList<>();
      Quota early = backend.quotaAt(SAMPLE, dir(0), bytes);
      if (early != null) {
        quota.add(early);
      }
      Progress.say("scale %s: %d creates, %d in flight", type, n - 2 * SAMPLE, BULK_CONCURRENCY);
      Load.Result bulk = creates(stub, requests, SAMPLE, n - SAMPLE, BULK_CONCURRENCY);
      Progress.say("scale %s: %d creates one at a time, at %d volumes", type, SAMPLE, n);
      Load.Result last = creates(stub, requests, n - SAMPLE, n, 1);
      Quota atN = backend.quotaAt(n, dir(n - 1), bytes);
      if (atN != null) {
        quota.add(atN);
      }
      Progress.say("scale %s: ListVolumes in pages of %d, and as one page", type, PAGE);
      Listing paged = list(stub, PAGE, ids);
      Listing whole = list(stub, 0, ids);
      GetCapacityRequest capacity =
          GetCapacityRequest.newBuilder().putParameters("backend", type).build();
      Stats.Summary capacities =
          Load.run(1, CAPACITY_CALLS, i -> stub.getCapacity(capacity)).summary();
      Progress.say("scale %s: restarting the controller with %d volumes", type, n);
      controller.close();
      controller = Plugin.start(root, work, spec, csi);
      Restart restart = startUp(controller);
      Progress.say("scale %s: DeleteVolume of all %d, %d in flight", type, n, BULK_CONCURRENCY);
      ControllerGrpc.ControllerBlockingStub again = stub(controller);
      Load.Result delete =
          Load.run(
              BULK_CONCURRENCY, n, i -> again.deleteVolume(requests.delete(requests.id(name(i)))));
      deleted = delete.summary().errors() == 0;
      return new Result(
          type,
          n,
          first.summary(),
          last.summary(),
          bulk,
          paged,
          whole,
          capacities,
          restart,
          delete,
          quota);
    } finally {
      if (!deleted) {
        tidyUp(controller, requests);
      }
      controller.close();
    }
  }

  private Load.Result creates(
      ControllerGrpc.ControllerBlockingStub stub,
      CsiClient.Requests requests,
      int from,
      int to,
      int concurrency)
      throws InterruptedException {
    Load.Result r =
        Load.run(
            concurrency, to - from, i -> stub.createVolume(requests.create(name(from + i), bytes)));
    if (r.summary().errors() > 0) {
      throw new IllegalStateException(
          "CreateVolume failed " + r.summary().errors() + " times: " + r.errorText());
    }
    return r;
  }

  /** Every page until there is no next token; checks that the section's volumes are all there. */
  private Listing list(
      ControllerGrpc.ControllerBlockingStub stub, int maxEntries, Set<String> ids) {
    Set<String> seen = new HashSet<>();
    int pages = 0;
    int listed = 0;
    int duplicates = 0;
    double slowest = 0;
    String token = "";
    long t0 = System.nanoTime();
    do {
      long p0 = System.nanoTime();
      ListVolumesResponse page =
          stub.listVolumes(
              ListVolumesRequest.newBuilder()
                  .setMaxEntries(maxEntries)
                  .setStartingToken(token)
                  .build());
      slowest = Math.max(slowest, (System.nanoTime() - p0) / 1e6);
      pages++;
      for (var entry : page.getEntriesList()) {
        listed++;
        if (!seen.add(entry.getVolume().getVolumeId())) {
          duplicates++;
        }
      }
      token = page.getNextToken();
      if (pages > n) {
        throw new IllegalStateException("ListVolumes did not end after " + pages + " pages");
      }
    } while (!token.isEmpty());
    double total = (System.nanoTime() - t0) / 1e6;
    seen.retainAll(ids);
    if (seen.size() != ids.size()) {
      Progress.say(
          "warning: ListVolumes (max_entries %d) showed %d of the %d volumes",
          maxEntries, seen.size(), ids.size());
    }
    return new Listing(pages, listed, seen.size(), duplicates, total, slowest);
  }

  /** From spawn to the first Probe, to the first Probe that says ready, to a first page. */
  private Restart startUp(Plugin controller) throws InterruptedException {
    double probe = controller.startToProbeMs();
    double ready = controller.ready() ? probe : Double.NaN;
    IdentityGrpc.IdentityBlockingStub identity = IdentityGrpc.newBlockingStub(controller.channel());
    while (Double.isNaN(ready) && controller.sinceSpawnMs() < READY_TIMEOUT_MS) {
      Thread.sleep(Plugin.POLL.toMillis());
      var r =
          identity.withDeadlineAfter(5, TimeUnit.SECONDS).probe(ProbeRequest.getDefaultInstance());
      if (!r.hasReady() || r.getReady().getValue()) {
        ready = controller.sinceSpawnMs();
      }
    }
    stub(controller).listVolumes(ListVolumesRequest.newBuilder().setMaxEntries(PAGE).build());
    double firstPage = controller.sinceSpawnMs();
    Progress.say(
        "  restarted: Probe after %.0f ms, ready after %.0f ms, first page after %.0f ms",
        probe, ready, firstPage);
    return new Restart(probe, ready, firstPage);
  }

  /** After a failure: deletes whatever the section may have made (not measured). */
  private void tidyUp(Plugin controller, CsiClient.Requests requests) {
    Progress.say("scale %s: deleting the section's volumes after a failure", backend.type());
    try {
      ControllerGrpc.ControllerBlockingStub stub = stub(controller);
      Load.run(BULK_CONCURRENCY, n, i -> stub.deleteVolume(requests.delete(requests.id(name(i)))));
    } catch (RuntimeException | InterruptedException e) {
      Progress.say("warning: could not delete the scale section's volumes: %s", e);
    }
  }

  /** A stub whose calls each get {@link #DEADLINE_S} (withDeadlineAfter fixes one instant). */
  private static ControllerGrpc.ControllerBlockingStub stub(Plugin controller) {
    return ControllerGrpc.newBlockingStub(controller.channel())
        .withInterceptors(
            new io.grpc.ClientInterceptor() {
              @Override
              public <Q, A> io.grpc.ClientCall<Q, A> interceptCall(
                  io.grpc.MethodDescriptor<Q, A> method,
                  io.grpc.CallOptions options,
                  io.grpc.Channel next) {
                return next.newCall(
                    method, options.withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS));
              }
            });
  }

  private String name(int i) {
    return "bench-" + runId + "-s-" + i;
  }

  private String dir(int i) {
    return io.mooring.volume.VolumeNames.dirFor(name(i));
  }

  // ---- tables and targets ---------------------------------------------------------------------

  static Table table(List<Result> results) {
    Table t =
        new Table(
            "scale",
            "Scale: N volumes per backend through the controller's socket",
            "backend",
            "n",
            "measure",
            "value",
            "unit");
    for (Result r : results) {
      Row row =
          (measure, value, decimals, unit) ->
              t.row(r.backend(), r.n(), measure, Table.Num.of(value, decimals), unit);
      row.add("CreateVolume p50, first " + SAMPLE + ", one at a time", r.first().p50(), 1, "ms");
      row.add(
          "CreateVolume p50, last " + SAMPLE + " (at N), one at a time", r.last().p50(), 1, "ms");
      row.add(
          "  ratio at N / first " + SAMPLE, Stats.ratio(r.last().p50(), r.first().p50()), 2, "x");
      row.add(
          "creates/s in between, " + BULK_CONCURRENCY + " in flight",
          r.bulk().summary().okPerSecond(),
          1,
          "/s");
      row.add("ListVolumes, all in pages of " + PAGE + ": total", r.paged().totalMs(), 0, "ms");
      row.add("  slowest page", r.paged().slowestPageMs(), 0, "ms");
      row.add("  pages", r.paged().pages(), 0, "");
      row.add("  volumes listed (of N)", r.paged().ours(), 0, "");
      row.add("ListVolumes, all as one page", r.whole().totalMs(), 0, "ms");
      row.add("  volumes listed (of N)", r.whole().ours(), 0, "");
      row.add("GetCapacity p50 (" + CAPACITY_CALLS + " calls)", r.capacity().p50(), 1, "ms");
      row.add("restart with N volumes: spawn to first Probe", r.restart().probeMs(), 0, "ms");
      row.add("  spawn to Probe ready", r.restart().readyMs(), 0, "ms");
      row.add("  spawn to first ListVolumes page", r.restart().firstPageMs(), 0, "ms");
      Stats.Summary d = r.delete().summary();
      row.add(
          "DeleteVolume of all N, " + BULK_CONCURRENCY + " in flight: total",
          d.wallMillis() / 1000,
          1,
          "s");
      row.add("  deletes/s", d.okPerSecond(), 1, "/s");
      row.add("  errors", d.errors(), 0, "");
    }
    t.note(
        "ListVolumes totals include every page's round trip; \"of N\" counts the section's own"
            + " volumes among the entries (duplicates: "
            + String.join(
                ", ",
                results.stream()
                    .map(r -> r.backend() + " " + (r.paged().duplicates() + r.whole().duplicates()))
                    .toList())
            + ").");
    t.note(
        "restart: SIGTERM, then times from just before scripts/mooring is spawned again; Probe"
            + " polled every "
            + Plugin.POLL.toMillis()
            + " ms.");
    return t;
  }

  private interface Row {
    void add(String measure, double value, int decimals, String unit);
  }

  /** Null when no backend has commands of its own measured. */
  static Table quotaTable(List<Result> results) {
    Table t =
        new Table(
            "scale-quota",
            "GlusterFS quota commands on the storage host as volumes grow",
            "backend",
            "volumes",
            "quota list p50 ms",
            "limits listed",
            "limit-usage p50 ms",
            "quota.conf bytes");
    for (Result r : results) {
      for (Quota q : r.quota()) {
        t.row(
            r.backend(),
            q.volumes(),
            Table.Num.of(q.list().p50(), 0),
            q.listed(),
            Table.Num.of(q.limitUsage().p50(), 0),
            q.confBytes());
      }
    }
    t.note(
        "gluster --mode=script --xml volume quota VOL list, and limit-usage of one volume's"
            + " directory to its own size again, run on the storage host (nsenter): glusterd's"
            + " own cost, without SSH.");
    return t.rows().isEmpty() ? null : t;
  }

  static List<Targets.Scaled> targetInputs(List<Result> results) {
    return results.stream()
        .map(
            r ->
                new Targets.Scaled(
                    r.backend(), r.n(), r.first().p50(), r.last().p50(), r.paged().totalMs()))
        .toList();
  }
}
