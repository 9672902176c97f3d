package io.mooring.controller.backend;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A group snapshot as its backend records it: written before its members are taken (without {@code
 * takenAt}) and again after, so that a create cut off in between is finished by its retry.
 *
 * @param group the group's name ({@link io.mooring.volume.VolumeNames#groupSnapshotFor})
 * @param members the member snapshots' names, by source volume
 */
public record GroupRecord(
    String group,
    String requestName,
    SortedMap<String, String> members,
    Optional<Instant> takenAt) {

  public GroupRecord {
    members = new TreeMap<>(members);
  }

  public static GroupRecord pending(String group, String requestName, Map<String, String> members) {
    return new GroupRecord(group, requestName, new TreeMap<>(members), Optional.empty());
  }

  public boolean complete() {
    return takenAt.isPresent();
  }

  public GroupRecord taken(Instant at) {
    return new GroupRecord(group, requestName, members, Optional.of(at));
  }
}
