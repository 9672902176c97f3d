package io.mooring.kube.audit;

import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.DeletePolicy;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.errors.StorageException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** A backend's volume records in memory: what the audit reads, and the deletes it asks for. */
final class MemoryBackend implements Backend {

  final TreeMap<String, VolumeRecord> volumes = new TreeMap<>();

  /** "dir policy" of each delete, in order. */
  final List<String> deletes = new ArrayList<>();

  StorageException listFailure;
  StorageException deleteFailure;
  private final String name;

  MemoryBackend(String name) {
    this.name = name;
  }

  /** Adds a volume as a create at {@code created} (null: unrecorded) would leave it. */
  MemoryBackend add(String dir, String requestName, long bytes, String onDelete, Instant created) {
    volumes.put(
        dir,
        new VolumeRecord(
            dir,
            requestName,
            bytes,
            onDelete == null ? Map.of() : Map.of(DeletePolicy.PARAMETER, onDelete),
            Optional.ofNullable(created)));
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Set<String> fsTypes() {
    return Set.of();
  }

  @Override
  public long roundUp(long bytes) {
    return bytes;
  }

  @Override
  public Optional<VolumeRecord> get(String dir) {
    return Optional.ofNullable(volumes.get(dir));
  }

  @Override
  public VolumeRecord create(
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    throw new UnsupportedOperationException("the audit never creates");
  }

  @Override
  public VolumeRecord resize(VolumeRecord volume, long capacityBytes, Map<String, String> secrets) {
    throw new UnsupportedOperationException("the audit never resizes");
  }

  @Override
  public void delete(String dir, DeletePolicy policy, Map<String, String> secrets) {
    if (deleteFailure != null) {
      throw deleteFailure;
    }
    deletes.add(dir + " " + policy);
    volumes.remove(dir);
  }

  @Override
  public List<VolumeRecord> list(String from, int limit) {
    if (listFailure != null) {
      throw listFailure;
    }
    return List.copyOf(volumes.tailMap(from).values());
  }

  @Override
  public long availableBytes() {
    return 0;
  }

  @Override
  public Map<String, String> volumeContext(String dir) {
    return Map.of();
  }

  @Override
  public Optional<String> unhealthyReason() {
    return Optional.empty();
  }

  @Override
  public void close() {}
}
