package io.mooring.tools.bench;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.ControllerGetCapabilitiesRequest;
import csi.v1.Csi.ControllerServiceCapability;
import csi.v1.Csi.CreateSnapshotRequest;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.DeleteSnapshotRequest;
import csi.v1.Csi.ListSnapshotsRequest;
import csi.v1.Csi.Snapshot;
import csi.v1.Csi.Volume;
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeCapability.AccessMode;
import csi.v1.Csi.VolumeContentSource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The snapshot section (--snapshots) for one backend, on a controller plugin of its own (the
 * snapshot capabilities are the plugin's: advertised only where every configured backend has
 * snapshots), all through CSI as the external-snapshotter and -provisioner call it. A source volume
 * gets {@code dataMiB} of data, written in 64 MiB files with an fsync each straight into the
 * backend (its whole storage mounted on this side, {@link BenchBackend#mountWhole}); then:
 * CreateSnapshot (until ready_to_use) and DeleteSnapshot, {@code rounds} times; a restore of a
 * snapshot and a clone of the volume (CreateVolume retried on ABORTED, as the provisioner does,
 * until the copy is done; the copy's bytes are checked); and a read-only volume backed by the
 * snapshot ({@code backingSnapshot: "true"}) where the backend has them. A backend whose controller
 * does not advertise CREATE_DELETE_SNAPSHOT is skipped, and the table says why.
 */
final class SnapshotBench {

  private static final long MIB = 1L << 20;
  private static final int FILE_MIB = 64;
  private static final long DEADLINE_S = 120;
  private static final long COPY_TIMEOUT_MS = 1_800_000;
  private static final long RETRY_MS = 250;

  static final VolumeCapability ROX =
      CsiClient.RWX.toBuilder()
          .setAccessMode(AccessMode.newBuilder().setMode(AccessMode.Mode.MULTI_NODE_READER_ONLY))
          .build();

  /**
   * What one backend measured; {@code skipped} says why it was not, and then the rest is empty.
   *
   * @param createMs CreateSnapshot until ready_to_use; @param restoreMs and @param cloneMs until
   *     CreateVolume answered the volume; @param backed null when the backend has no such volumes,
   *     with {@code backedNote} saying why
   */
  record Result(
      String backend,
      String skipped,
      long dataMiB,
      Stats.Summary createMs,
      Stats.Summary deleteMs,
      double restoreMs,
      double cloneMs,
      Stats.Summary backed,
      String backedNote) {}

  private final BenchBackend backend;
  private final Path root;
  private final Path work;
  private final Plugin.Spec spec;
  private final CsiClient csi;
  private final String runId;
  private final long dataMiB;
  private final int rounds;
  private final List<Runnable> undo = new ArrayList<>();

  SnapshotBench(
      BenchBackend backend,
      Path root,
      Path work,
      Plugin.Spec spec,
      CsiClient csi,
      String runId,
      long dataMiB,
      int rounds) {
    this.backend = backend;
    this.root = root;
    this.work = work;
    this.spec = spec;
    this.csi = csi;
    this.runId = runId;
    this.dataMiB = dataMiB;
    this.rounds = rounds;
  }

  Result run() throws Exception {
    String type = backend.type();
    CsiClient.Requests requests = backend.requests();
    try (Plugin controller = Plugin.start(root, work, spec, csi)) {
      Supplier<ControllerGrpc.ControllerBlockingStub> stub =
          () ->
              ControllerGrpc.newBlockingStub(controller.channel())
                  .withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS);
      boolean advertised =
          stub
              .get()
              .controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance())
              .getCapabilitiesList()
              .stream()
              .anyMatch(
                  c ->
                      c.getRpc().getType()
                          == ControllerServiceCapability.RPC.Type.CREATE_DELETE_SNAPSHOT);
      if (!advertised) {
        String why = "its controller does not advertise CREATE_DELETE_SNAPSHOT";
        Progress.say("snapshots %s: skipped, %s", type, why);
        return new Result(type, why, dataMiB, null, null, Double.NaN, Double.NaN, null, "");
      }
      try (WholeMount storage = backend.mountWhole(work.resolve("snap-" + type))) {
        return measure(stub, requests, storage);
      } finally {
        for (int i = undo.size() - 1; i >= 0; i--) {
          try {
            undo.get(i).run();
          } catch (RuntimeException e) {
            Progress.say("snapshots %s: clean-up failed: %s", type, e.getMessage());
          }
        }
      }
    }
  }

  private Result measure(
      Supplier<ControllerGrpc.ControllerBlockingStub> stub,
      CsiClient.Requests requests,
      WholeMount storage)
      throws Exception {
    String type = backend.type();
    long capacity = (dataMiB + dataMiB / 4 + 4) * MIB;
    Volume source = stub.get().createVolume(requests.create(name("source"), capacity)).getVolume();
    undo.add(() -> stub.get().deleteVolume(requests.delete(source.getVolumeId())));
    Progress.say("snapshots %s: writing %d MiB into the source volume", type, dataMiB);
    Path data = storage.dir(source).resolve("bench-data");
    write(data, dataMiB);

    Progress.say("snapshots %s: %d x CreateSnapshot + DeleteSnapshot", type, rounds);
    List<Stats.Sample> creates = new ArrayList<>();
    List<Stats.Sample> deletes = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      Snapshot s = snapshot(stub, requests, name("snap-" + i), source.getVolumeId());
      creates.add(new Stats.Sample(ms(t0), true));
      long t1 = System.nanoTime();
      deleteSnapshot(stub, requests, s.getSnapshotId());
      deletes.add(new Stats.Sample(ms(t1), true));
    }
    Snapshot kept = snapshot(stub, requests, name("snap-kept"), source.getVolumeId());
    undo.add(() -> deleteSnapshot(stub, requests, kept.getSnapshotId()));

    Progress.say("snapshots %s: restore of %d MiB", type, dataMiB);
    VolumeContentSource.Builder fromSnapshot = VolumeContentSource.newBuilder();
    fromSnapshot.getSnapshotBuilder().setSnapshotId(kept.getSnapshotId());
    long t2 = System.nanoTime();
    Volume restored =
        populate(
            stub,
            requests.create(name("restored"), capacity).toBuilder()
                .setVolumeContentSource(fromSnapshot)
                .build());
    double restoreMs = ms(t2);
    undo.add(() -> stub.get().deleteVolume(requests.delete(restored.getVolumeId())));
    check(storage.dir(restored).resolve("bench-data"), "the restore");

    Progress.say("snapshots %s: clone of the %d MiB volume", type, dataMiB);
    VolumeContentSource.Builder fromVolume = VolumeContentSource.newBuilder();
    fromVolume.getVolumeBuilder().setVolumeId(source.getVolumeId());
    long t3 = System.nanoTime();
    Volume clone =
        populate(
            stub,
            requests.create(name("clone"), capacity).toBuilder()
                .setVolumeContentSource(fromVolume)
                .build());
    double cloneMs = ms(t3);
    undo.add(() -> stub.get().deleteVolume(requests.delete(clone.getVolumeId())));
    check(storage.dir(clone).resolve("bench-data"), "the clone");

    Progress.say("snapshots %s: %d read-only volumes backed by the snapshot", type, rounds);
    List<Stats.Sample> backed = new ArrayList<>();
    String backedNote = "";
    for (int i = 0; i < rounds && backedNote.isEmpty(); i++) {
      CreateVolumeRequest view =
          requests.create(name("view-" + i), capacity).toBuilder()
              .clearVolumeCapabilities()
              .addVolumeCapabilities(ROX)
              .putParameters("backingSnapshot", "true")
              .setVolumeContentSource(fromSnapshot)
              .build();
      long t4 = System.nanoTime();
      try {
        Volume v = stub.get().createVolume(view).getVolume();
        backed.add(new Stats.Sample(ms(t4), true));
        undo.add(() -> stub.get().deleteVolume(requests.delete(v.getVolumeId())));
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT
            && e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
          throw e;
        }
        backedNote = "not offered: " + e.getStatus().getDescription();
      }
    }
    return new Result(
        type,
        "",
        dataMiB,
        Stats.summarize(creates, Double.NaN),
        Stats.summarize(deletes, Double.NaN),
        restoreMs,
        cloneMs,
        backed.isEmpty() ? null : Stats.summarize(backed, Double.NaN),
        backedNote);
  }

  /** CreateSnapshot, retried as the snapshotter does, then waited for until ready_to_use. */
  private static Snapshot snapshot(
      Supplier<ControllerGrpc.ControllerBlockingStub> stub,
      CsiClient.Requests requests,
      String name,
      String volumeId)
      throws InterruptedException {
    CreateSnapshotRequest req =
        CreateSnapshotRequest.newBuilder()
            .setName(name)
            .setSourceVolumeId(volumeId)
            .putAllSecrets(requests.secrets())
            .build();
    long until = System.currentTimeMillis() + COPY_TIMEOUT_MS;
    while (true) {
      Snapshot s = retried(() -> stub.get().createSnapshot(req).getSnapshot(), until);
      if (s.getReadyToUse()) {
        return s;
      }
      if (System.currentTimeMillis() > until) {
        throw new IllegalStateException("snapshot " + name + " not ready to use in time");
      }
      Thread.sleep(RETRY_MS);
      boolean ready =
          stub
              .get()
              .listSnapshots(
                  ListSnapshotsRequest.newBuilder().setSnapshotId(s.getSnapshotId()).build())
              .getEntriesList()
              .stream()
              .anyMatch(e -> e.getSnapshot().getReadyToUse());
      if (ready) {
        return s;
      }
    }
  }

  private static void deleteSnapshot(
      Supplier<ControllerGrpc.ControllerBlockingStub> stub,
      CsiClient.Requests requests,
      String id) {
    stub.get()
        .deleteSnapshot(
            DeleteSnapshotRequest.newBuilder()
                .setSnapshotId(id)
                .putAllSecrets(requests.secrets())
                .build());
  }

  /** CreateVolume from a source, retried on ABORTED (the copy goes on) as the provisioner does. */
  private static Volume populate(
      Supplier<ControllerGrpc.ControllerBlockingStub> stub, CreateVolumeRequest req)
      throws InterruptedException {
    return retried(
        () -> stub.get().createVolume(req).getVolume(),
        System.currentTimeMillis() + COPY_TIMEOUT_MS);
  }

  private static <T> T retried(Supplier<T> call, long untilMillis) throws InterruptedException {
    while (true) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED
            || System.currentTimeMillis() > untilMillis) {
          throw e;
        }
        Thread.sleep(RETRY_MS);
      }
    }
  }

  /** {@code mib} MiB of incompressible data in files of {@value #FILE_MIB} MiB, each fsync'd. */
  private static void write(Path dir, long mib) throws IOException {
    Files.createDirectories(dir);
    byte[] block = new byte[(int) MIB];
    new Random(mib).nextBytes(block);
    for (long written = 0, file = 0; written < mib; file++) {
      try (FileChannel out =
          FileChannel.open(
              dir.resolve("f" + file), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        for (int i = 0; i < FILE_MIB && written < mib; i++, written++) {
          block[0] = (byte) written; // no two MiB alike
          out.write(ByteBuffer.wrap(block));
        }
        out.force(true);
      }
    }
  }

  /** Checks that a copy holds every byte that was written. */
  private void check(Path dir, String what) throws IOException {
    long bytes;
    try (Stream<Path> files = Files.list(dir)) {
      bytes =
          files
              .mapToLong(
                  f -> {
                    try {
                      return Files.size(f);
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .sum();
    }
    if (bytes != dataMiB * MIB) {
      throw new IllegalStateException(
          what + " holds " + bytes + " bytes, not the " + dataMiB * MIB + " written");
    }
  }

  private String name(String what) {
    return "bench-" + runId + "-" + what;
  }

  private static double ms(long t0) {
    return (System.nanoTime() - t0) / 1e6;
  }

  static Table table(List<Result> results) {
    Table t =
        new Table(
            "snapshots",
            "Snapshots through CSI: create/delete latency, restore and clone per GiB, read-only"
                + " volumes backed by a snapshot",
            "backend",
            "what",
            "n",
            "p50 ms",
            "p95 ms",
            "s per GiB");
    for (Result r : results) {
      if (!r.skipped().isEmpty()) {
        t.row(r.backend(), "skipped: " + r.skipped(), 0, null, null, null);
        continue;
      }
      double gib = r.dataMiB() / 1024.0;
      t.row(
          r.backend(),
          "CreateSnapshot until ready, of " + r.dataMiB() + " MiB",
          r.createMs().count(),
          Table.Num.of(r.createMs().p50(), 1),
          Table.Num.of(r.createMs().p95(), 1),
          null);
      t.row(
          r.backend(),
          "DeleteSnapshot",
          r.deleteMs().count(),
          Table.Num.of(r.deleteMs().p50(), 1),
          Table.Num.of(r.deleteMs().p95(), 1),
          null);
      t.row(
          r.backend(),
          "restore of " + r.dataMiB() + " MiB (CreateVolume until done)",
          1,
          Table.Num.of(r.restoreMs(), 0),
          null,
          Table.Num.of(r.restoreMs() / 1000 / gib, 1));
      t.row(
          r.backend(),
          "clone of a volume with " + r.dataMiB() + " MiB",
          1,
          Table.Num.of(r.cloneMs(), 0),
          null,
          Table.Num.of(r.cloneMs() / 1000 / gib, 1));
      if (r.backed() != null) {
        t.row(
            r.backend(),
            "CreateVolume backed by a snapshot (read-only, no copy)",
            r.backed().count(),
            Table.Num.of(r.backed().p50(), 1),
            Table.Num.of(r.backed().p95(), 1),
            null);
      } else {
        t.row(r.backend(), "backed by a snapshot: " + r.backedNote(), 0, null, null, null);
      }
    }
    return t;
  }
}
