package io.mooring.controller;

import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.DeletePolicy;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory backend for service-level unit tests. */
final class FakeBackend implements Backend {

  final TreeMap<String, VolumeRecord> volumes = new TreeMap<>();
  final List<String> deleted = new ArrayList<>();
  final AtomicInteger creates = new AtomicInteger();
  final AtomicInteger gets = new AtomicInteger();

  /** Records ListVolumes read: what a page costs. */
  final AtomicInteger listed = new AtomicInteger();

  boolean closed;
  RuntimeException closeFailure;
  private final String name;
  long available = 100L << 30;
  String unhealthy;
  int healthChecks;
  FakeSnapshots snapshots;

  /** {@link #parameters()}: none, as Gluster's. */
  Set<String> parameters = Set.of();

  /** What the next CreateVolume throws, if set. */
  RuntimeException createFailure;

  FakeBackend(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Set<String> parameters() {
    return parameters;
  }

  @Override
  public Set<String> fsTypes() {
    return Set.of("glusterfs");
  }

  @Override
  public long roundUp(long bytes) {
    return (bytes + 4095) / 4096 * 4096;
  }

  @Override
  public synchronized Optional<VolumeRecord> get(String dir) {
    gets.incrementAndGet();
    return Optional.ofNullable(volumes.get(dir));
  }

  @Override
  public synchronized VolumeRecord create(
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    creates.incrementAndGet();
    if (createFailure != null) {
      throw createFailure;
    }
    VolumeRecord record =
        new VolumeRecord(dir, requestName, capacityBytes, parameters, Optional.empty());
    volumes.put(dir, record);
    return record;
  }

  @Override
  public synchronized VolumeRecord resize(
      VolumeRecord volume, long capacityBytes, Map<String, String> secrets) {
    VolumeRecord resized = volume.withCapacity(capacityBytes);
    volumes.put(volume.dir(), resized);
    return resized;
  }

  @Override
  public synchronized void delete(String dir, DeletePolicy policy, Map<String, String> secrets) {
    volumes.remove(dir);
    deleted.add(dir + ":" + policy);
  }

  @Override
  public synchronized List<VolumeRecord> list(String from, int limit) {
    List<VolumeRecord> page =
        volumes.tailMap(from).values().stream().limit(limit == 0 ? Long.MAX_VALUE : limit).toList();
    listed.addAndGet(page.size());
    return page;
  }

  @Override
  public Optional<Snapshots> snapshots() {
    return Optional.ofNullable(snapshots);
  }

  @Override
  public long availableBytes() {
    return available;
  }

  @Override
  public Map<String, String> volumeContext(String dir) {
    return Map.of("backend", name, "path", "/mooring/" + dir);
  }

  @Override
  public Optional<String> unhealthyReason() {
    healthChecks++;
    return Optional.ofNullable(unhealthy);
  }

  @Override
  public void close() {
    closed = true;
    if (closeFailure != null) {
      throw closeFailure;
    }
  }
}
