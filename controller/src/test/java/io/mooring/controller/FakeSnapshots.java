package io.mooring.controller;

import io.mooring.controller.backend.GroupRecord;
import io.mooring.controller.backend.SnapshotRecord;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.errors.StorageException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/** In-memory snapshots of a {@link FakeBackend}. */
final class FakeSnapshots implements Snapshots {

  final Map<String, SnapshotRecord> snapshots = new TreeMap<>();
  final Map<String, GroupRecord> groups = new TreeMap<>();
  final AtomicInteger creates = new AtomicInteger();

  /** Volumes made by {@link #back}, by the snapshot backing them. */
  final Map<String, String> backed = new TreeMap<>();

  /** Whether these snapshots come with group snapshots (CephFS's do, GlusterFS's do not). */
  volatile boolean groupsToo = true;

  private final FakeBackend backend;

  FakeSnapshots(FakeBackend backend) {
    this.backend = backend;
  }

  @Override
  public boolean hasGroups() {
    return groupsToo;
  }

  @Override
  public synchronized Optional<SnapshotRecord> get(String snapshot, Map<String, String> secrets) {
    return Optional.ofNullable(snapshots.get(snapshot));
  }

  @Override
  public synchronized SnapshotRecord create(
      VolumeRecord source,
      String snapshot,
      String requestName,
      String group,
      Map<String, String> secrets) {
    creates.incrementAndGet();
    SnapshotRecord made =
        new SnapshotRecord(
            source.dir(),
            snapshot,
            requestName,
            source.capacityBytes(),
            Instant.ofEpochSecond(1_700_000_000L + snapshots.size()),
            group);
    snapshots.put(snapshot, made);
    return made;
  }

  @Override
  public synchronized void requireUnused(String snapshot, Map<String, String> secrets) {
    if (backed.containsValue(snapshot)) {
      throw new StorageException(StorageException.Kind.FAILED_PRECONDITION, "in use");
    }
  }

  @Override
  public synchronized void delete(String dir, String snapshot, Map<String, String> secrets) {
    requireUnused(snapshot, secrets);
    snapshots.remove(snapshot);
  }

  @Override
  public synchronized Optional<GroupRecord> group(String group, Map<String, String> secrets) {
    return Optional.ofNullable(groups.get(group));
  }

  @Override
  public synchronized void putGroup(GroupRecord group, Map<String, String> secrets) {
    groups.put(group.group(), group);
  }

  @Override
  public synchronized void removeGroup(String group, Map<String, String> secrets) {
    groups.remove(group);
  }

  @Override
  public synchronized List<SnapshotRecord> list() {
    return new ArrayList<>(snapshots.values());
  }

  @Override
  public VolumeRecord restore(
      SnapshotRecord snapshot,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    return backend.create(dir, requestName, capacityBytes, parameters, secrets);
  }

  @Override
  public synchronized VolumeRecord back(
      SnapshotRecord snapshot,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    backed.put(dir, snapshot.snapshot());
    return backend.create(dir, requestName, capacityBytes, parameters, secrets);
  }

  @Override
  public VolumeRecord cloneVolume(
      VolumeRecord source,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    return backend.create(dir, requestName, capacityBytes, parameters, secrets);
  }
}
