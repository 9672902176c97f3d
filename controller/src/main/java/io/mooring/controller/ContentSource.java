package io.mooring.controller;

import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeContentSource;
import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.SnapshotRecord;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import io.mooring.volume.Capabilities;
import io.mooring.volume.SnapshotId;
import io.mooring.volume.VolumeId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a new volume's content comes from (CreateVolume's {@code volume_content_source}): a
 * snapshot or another volume, on the backend the new volume is made on. Its ID is stored with the
 * volume ({@link CreateParameters#CONTENT_SOURCE}), so that a repeated request must name the same
 * source and every answer about the volume names it.
 */
sealed interface ContentSource {

  /** The source's CSI ID. */
  String id();

  /** The backend the source is on. */
  String backend();

  /** The size a volume needs to hold the source, and is given when the request names none. */
  long sizeBytes(Snapshots snapshots, Backend backend, Map<String, String> secrets);

  /**
   * Makes volume {@code dir} with the source's content, or goes on making it.
   *
   * @throws StorageException NOT_FOUND when the source is gone; BUSY while the copy goes on
   */
  VolumeRecord populate(
      Snapshots snapshots,
      Backend backend,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> stored,
      Map<String, String> secrets);

  record FromSnapshot(SnapshotId snapshot) implements ContentSource {
    @Override
    public String id() {
      return snapshot.toString();
    }

    @Override
    public String backend() {
      return snapshot.volume().backend();
    }

    @Override
    public long sizeBytes(Snapshots snapshots, Backend backend, Map<String, String> secrets) {
      return record(snapshots, secrets).sizeBytes();
    }

    @Override
    public VolumeRecord populate(
        Snapshots snapshots,
        Backend backend,
        String dir,
        String requestName,
        long capacityBytes,
        Map<String, String> stored,
        Map<String, String> secrets) {
      return snapshots.restore(
          record(snapshots, secrets), dir, requestName, capacityBytes, stored, secrets);
    }

    /** Makes volume {@code dir} a read-only view of the snapshot ({@link Snapshots#back}). */
    VolumeRecord back(
        Snapshots snapshots,
        String dir,
        String requestName,
        long capacityBytes,
        Map<String, String> stored,
        Map<String, String> secrets) {
      return snapshots.back(
          record(snapshots, secrets), dir, requestName, capacityBytes, stored, secrets);
    }

    private SnapshotRecord record(Snapshots snapshots, Map<String, String> secrets) {
      return snapshots
          .get(snapshot.snapshot(), secrets)
          .filter(r -> r.dir().equals(snapshot.volume().dir()))
          .orElseThrow(() -> StorageException.notFound("snapshot %s does not exist", snapshot));
    }
  }

  record FromVolume(VolumeId volume) implements ContentSource {
    @Override
    public String id() {
      return volume.toString();
    }

    @Override
    public String backend() {
      return volume.backend();
    }

    @Override
    public long sizeBytes(Snapshots snapshots, Backend backend, Map<String, String> secrets) {
      return record(backend, secrets).capacityBytes();
    }

    @Override
    public VolumeRecord populate(
        Snapshots snapshots,
        Backend backend,
        String dir,
        String requestName,
        long capacityBytes,
        Map<String, String> stored,
        Map<String, String> secrets) {
      return snapshots.cloneVolume(
          record(backend, secrets), dir, requestName, capacityBytes, stored, secrets);
    }

    private VolumeRecord record(Backend backend, Map<String, String> secrets) {
      return backend
          .get(volume.dir(), secrets)
          .orElseThrow(() -> StorageException.notFound("source volume %s does not exist", volume));
    }
  }

  /**
   * The request's source, if it names one.
   *
   * @throws StorageException NOT_FOUND for an ID that is not ours; INVALID_ARGUMENT for a malformed
   *     one or an empty source
   */
  static Optional<ContentSource> of(VolumeContentSource source, boolean present) {
    if (!present) {
      return Optional.empty();
    }
    if (source.hasSnapshot()) {
      String text = source.getSnapshot().getSnapshotId();
      return Optional.of(
          new FromSnapshot(
              SnapshotId.lookup(text)
                  .orElseThrow(
                      () ->
                          StorageException.notFound(
                              "snapshot %s does not exist", Untrusted.quote(text)))));
    }
    if (source.hasVolume()) {
      String text = source.getVolume().getVolumeId();
      return Optional.of(
          new FromVolume(
              VolumeId.lookup(text)
                  .orElseThrow(
                      () ->
                          StorageException.notFound(
                              "source volume %s does not exist", Untrusted.quote(text)))));
    }
    throw StorageException.invalid("volume_content_source names neither a snapshot nor a volume");
  }

  /**
   * The snapshot a volume with StorageClass parameter {@link Snapshots#BACKING_SNAPSHOT} is to be a
   * view of: the request must name one, and ask for reading only, as in ceph-csi.
   *
   * @throws StorageException INVALID_ARGUMENT when it names no snapshot or asks to write
   */
  static FromSnapshot backing(Optional<ContentSource> source, List<VolumeCapability> caps) {
    if (source.isEmpty() || !(source.get() instanceof FromSnapshot snapshot)) {
      throw StorageException.invalid(
          "parameter %s=true makes a read-only view of a snapshot: the request needs a snapshot"
              + " as its volume_content_source (a claim with a VolumeSnapshot dataSource)",
          Snapshots.BACKING_SNAPSHOT);
    }
    if (!caps.stream().allMatch(Capabilities::readOnly)) {
      throw StorageException.invalid(
          "a volume backed by a snapshot (parameter %s=true) is read-only: ask for access mode"
              + " ReadOnlyMany (MULTI_NODE_READER_ONLY or SINGLE_NODE_READER_ONLY) only",
          Snapshots.BACKING_SNAPSHOT);
    }
    return snapshot;
  }

  /** The source recorded with a volume, as CSI answers name it. */
  static Optional<VolumeContentSource> stored(Map<String, String> parameters) {
    String id = parameters.get(CreateParameters.CONTENT_SOURCE);
    if (id == null) {
      return Optional.empty();
    }
    VolumeContentSource.Builder out = VolumeContentSource.newBuilder();
    if (SnapshotId.lookup(id).isPresent()) {
      out.getSnapshotBuilder().setSnapshotId(id);
    } else {
      out.getVolumeBuilder().setVolumeId(id);
    }
    return Optional.of(out.build());
  }

  /**
   * The snapshots of {@code backend} if it can make a volume from {@code source}, checked before
   * anything is looked at.
   *
   * @throws StorageException INVALID_ARGUMENT for another backend's source; UNIMPLEMENTED where the
   *     backend has no snapshots (nor clones)
   */
  static Snapshots requireOn(ContentSource source, Backend backend) {
    if (!source.backend().equals(backend.name())) {
      throw StorageException.invalid(
          "%s is on backend %s: a volume can be made from it only there, not on %s",
          source.id(), source.backend(), backend.name());
    }
    return ControllerSnapshots.of(backend);
  }

  /**
   * The size of a volume made from a source of {@code sourceBytes}: the source's without a capacity
   * range, else {@code size} if the source fits.
   */
  static long sizeFor(CapacityRange range, Backend backend, long sourceBytes, long size) {
    if (range.getRequiredBytes() == 0 && range.getLimitBytes() == 0) {
      return backend.roundUp(sourceBytes);
    }
    if (size < sourceBytes) {
      throw new StorageException(
          StorageException.Kind.OUT_OF_RANGE,
          "a volume of "
              + size
              + " bytes cannot hold the content of a "
              + sourceBytes
              + "-byte source");
    }
    return size;
  }
}
