package io.mooring.controller.backend.cephfs;

import io.mooring.ceph.CephCredentials;
import io.mooring.controller.backend.GroupRecord;
import io.mooring.errors.StorageException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The volume records of one backend in the omap of one RADOS object ({@value #OBJECT_PREFIX} +
 * subvolume group) in namespace {@value #NAMESPACE} of the file system's metadata pool: read and
 * written straight on the OSDs over the librados connection, never through the mgr (which runs a
 * file system's subvolume commands one at a time). Keys are per subvolume; a subvolume's name is a
 * function of the request name ({@code VolumeNames.dirFor}), so they are per request name too.
 *
 * <p>A create is {@link #reserve}d ({@value #RESERVED}dir) before the subvolume is made and {@link
 * #commit}ted ({@value #VOLUME}dir) after, in one atomic write that drops the reservation: a create
 * interrupted in between leaves a reservation its retry finds and finishes.
 */
final class OmapRecords {

  static final String NAMESPACE = "mooring";
  static final String OBJECT_PREFIX = "volumes.";
  static final String RESERVED = "reserved.";
  static final String VOLUME = "volume.";
  static final String SNAPSHOT = "snapshot.";
  static final String GROUP = "group.";

  /** A volume backed by a snapshot: {@code backing.<snapshot>.<dir>}, which keeps it. */
  static final String BACKING = "backing.";

  /** An archived volume: "time record", so that an admin sees when and what. */
  static final String ARCHIVED = "archived.";

  /** Present once the metadata records of earlier versions are imported. */
  static final String IMPORTED = "imported-metadata";

  /**
   * What the omap holds for one subvolume.
   *
   * @param archived since when, if the subvolume holds an archived volume
   */
  record Entry(
      Optional<SubvolumeRecord> committed,
      Optional<SubvolumeRecord> reserved,
      Optional<String> archived) {

    static final Entry NONE = new Entry(Optional.empty(), Optional.empty(), Optional.empty());

    boolean isEmpty() {
      return equals(NONE);
    }
  }

  private final CephClient client;
  private final String group;
  private final Function<CephCredentials, String> metadataPool;

  /**
   * @param metadataPool the file system's metadata pool (asked once, cached by the caller)
   */
  OmapRecords(CephClient client, String group, Function<CephCredentials, String> metadataPool) {
    this.client = client;
    this.group = group;
    this.metadataPool = metadataPool;
  }

  Entry get(String dir, CephCredentials credentials) {
    SortedMap<String, String> values =
        client.omapRead(
            object(credentials), Set.of(VOLUME + dir, RESERVED + dir, ARCHIVED + dir), credentials);
    return new Entry(
        decode(values, VOLUME + dir, credentials),
        decode(values, RESERVED + dir, credentials),
        Optional.ofNullable(values.get(ARCHIVED + dir)).map(v -> v.split(" ", 2)[0]));
  }

  boolean imported(CephCredentials credentials) {
    return !client.omapRead(object(credentials), Set.of(IMPORTED), credentials).isEmpty();
  }

  /**
   * Writes the records earlier versions kept as subvolume metadata, and the mark that they are
   * here, in one atomic write.
   *
   * @param archived when each archived subvolume was archived
   */
  void importMetadata(
      Map<String, SubvolumeRecord> volumes,
      Map<String, String> archived,
      CephCredentials credentials) {
    Map<String, String> set = new TreeMap<>();
    volumes.forEach((dir, r) -> set.put(VOLUME + dir, r.encode()));
    archived.forEach((dir, at) -> set.put(ARCHIVED + dir, at));
    set.put(IMPORTED, volumes.size() + " volumes, " + archived.size() + " archived");
    client.omapWrite(object(credentials), set, Set.of(), credentials);
  }

  /** Marks the subvolume archived, keeping its record with the time; the volume is gone. */
  void archive(String dir, String at, SubvolumeRecord record, CephCredentials credentials) {
    client.omapWrite(
        object(credentials),
        Map.of(ARCHIVED + dir, at + " " + record.encode()),
        Set.of(VOLUME + dir, RESERVED + dir),
        credentials);
  }

  /** Every committed record, by subvolume name: one read per thousand volumes. */
  SortedMap<String, SubvolumeRecord> committed(CephCredentials credentials) {
    return all(VOLUME, SubvolumeRecord::decode, credentials);
  }

  /**
   * The committed records of subvolume {@code from} and those after it, at most {@code limit} (all
   * when 0): one read of the first key and one of the rest, however many volumes there are.
   */
  SortedMap<String, SubvolumeRecord> committed(
      String from, int limit, CephCredentials credentials) {
    SortedMap<String, SubvolumeRecord> out = new TreeMap<>();
    if (!from.isEmpty()) {
      get(from, credentials).committed().ifPresent(r -> out.put(from, r));
    }
    if (limit == 0 || out.size() < limit) {
      out.putAll(
          range(
              VOLUME,
              from.isEmpty() ? "" : VOLUME + from,
              limit == 0 ? 0 : limit - out.size(),
              SubvolumeRecord::decode,
              credentials));
    }
    return out;
  }

  /** Every snapshot entry, complete or not, by snapshot name. */
  SortedMap<String, SnapshotEntry> snapshots(CephCredentials credentials) {
    return all(SNAPSHOT, SnapshotEntry::decode, credentials);
  }

  Optional<SnapshotEntry> snapshot(String snapshot, CephCredentials credentials) {
    OmapObject object = object(credentials);
    String key = SNAPSHOT + snapshot;
    String value = client.omapRead(object, Set.of(key), credentials).get(key);
    return value == null
        ? Optional.empty()
        : Optional.of(decode(object, key, value, SnapshotEntry::decode));
  }

  void putSnapshot(String snapshot, SnapshotEntry entry, CephCredentials credentials) {
    client.omapWrite(
        object(credentials), Map.of(SNAPSHOT + snapshot, entry.encode()), Set.of(), credentials);
  }

  void removeSnapshot(String snapshot, CephCredentials credentials) {
    client.omapWrite(object(credentials), Map.of(), Set.of(SNAPSHOT + snapshot), credentials);
  }

  Optional<GroupRecord> group(String group, CephCredentials credentials) {
    OmapObject object = object(credentials);
    String key = GROUP + group;
    String value = client.omapRead(object, Set.of(key), credentials).get(key);
    return value == null
        ? Optional.empty()
        : Optional.of(decode(object, key, value, v -> decodeGroup(group, v)));
  }

  void putGroup(GroupRecord group, CephCredentials credentials) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", group.requestName());
    json.put("members", new TreeMap<String, Object>(group.members()));
    json.put("taken", group.takenAt().map(Instant::toString).orElse(""));
    client.omapWrite(
        object(credentials),
        Map.of(GROUP + group.group(), RecordCodec.encode(json)),
        Set.of(),
        credentials);
  }

  void removeGroup(String group, CephCredentials credentials) {
    client.omapWrite(object(credentials), Map.of(), Set.of(GROUP + group), credentials);
  }

  private static GroupRecord decodeGroup(String group, String value) {
    Map<String, Object> json = RecordCodec.decode(value);
    SortedMap<String, String> members = new TreeMap<>();
    Json.object(json.get("members"), "members")
        .forEach((k, v) -> members.put(k, Json.string(v, k)));
    String taken = Json.string(json.get("taken"), "taken");
    try {
      return new GroupRecord(
          group,
          Json.string(json.get("name"), "name"),
          members,
          taken.isEmpty() ? Optional.empty() : Optional.of(Instant.parse(taken)));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("taken is not a time: " + taken, e);
    }
  }

  /** The values of the keys starting with {@code prefix}, by the rest of the key. */
  private <T> SortedMap<String, T> all(
      String prefix, Function<String, T> decoder, CephCredentials credentials) {
    return range(prefix, "", 0, decoder, credentials);
  }

  /**
   * The values of the keys starting with {@code prefix} after key {@code after} (from the first
   * when empty), at most {@code max} (all when 0), by the rest of the key.
   */
  private <T> SortedMap<String, T> range(
      String prefix,
      String after,
      int max,
      Function<String, T> decoder,
      CephCredentials credentials) {
    SortedMap<String, T> out = new TreeMap<>();
    OmapObject object = object(credentials);
    client
        .omapRange(object, prefix, after, max, credentials)
        .forEach(
            (key, value) ->
                out.put(key.substring(prefix.length()), decode(object, key, value, decoder)));
    return out;
  }

  /**
   * Commits the record of a volume backed by {@code snapshot} with the reference that keeps the
   * snapshot, in one atomic write.
   */
  void commitBacked(
      String dir, String snapshot, SubvolumeRecord record, CephCredentials credentials) {
    client.omapWrite(
        object(credentials),
        Map.of(VOLUME + dir, record.encode(), backing(snapshot, dir), dir),
        Set.of(RESERVED + dir),
        credentials);
  }

  /** Removes the record of a volume backed by {@code snapshot} and its reference, atomically. */
  void removeBacked(String dir, String snapshot, CephCredentials credentials) {
    client.omapWrite(
        object(credentials),
        Map.of(),
        Set.of(VOLUME + dir, RESERVED + dir, ARCHIVED + dir, backing(snapshot, dir)),
        credentials);
  }

  /** The volumes backed by {@code snapshot}, at most {@code max} of them: one ranged read. */
  Set<String> backedBy(String snapshot, int max, CephCredentials credentials) {
    return new TreeSet<>(
        client
            .omapRange(object(credentials), backing(snapshot, ""), "", max, credentials)
            .values());
  }

  private static String backing(String snapshot, String dir) {
    return BACKING + snapshot + "." + dir;
  }

  void reserve(String dir, SubvolumeRecord record, CephCredentials credentials) {
    client.omapWrite(
        object(credentials), Map.of(RESERVED + dir, record.encode()), Set.of(), credentials);
  }

  void commit(String dir, SubvolumeRecord record, CephCredentials credentials) {
    client.omapWrite(
        object(credentials),
        Map.of(VOLUME + dir, record.encode()),
        Set.of(RESERVED + dir),
        credentials);
  }

  /** Removes the record, reservation and archive mark of {@code dir}. */
  void remove(String dir, CephCredentials credentials) {
    client.omapWrite(
        object(credentials),
        Map.of(),
        Set.of(VOLUME + dir, RESERVED + dir, ARCHIVED + dir),
        credentials);
  }

  OmapObject object(CephCredentials credentials) {
    return new OmapObject(metadataPool.apply(credentials), NAMESPACE, OBJECT_PREFIX + group);
  }

  private Optional<SubvolumeRecord> decode(
      Map<String, String> values, String key, CephCredentials credentials) {
    String value = values.get(key);
    return value == null
        ? Optional.empty()
        : Optional.of(decode(object(credentials), key, value, SubvolumeRecord::decode));
  }

  private static <T> T decode(
      OmapObject object, String key, String value, Function<String, T> decoder) {
    try {
      return decoder.apply(value);
    } catch (IllegalArgumentException e) {
      throw StorageException.internal(
          "omap key %s of RADOS object %s holds a value Mooring cannot read (%s); fix or remove it"
              + " with 'rados rmomapkey'",
          key, object, e.getMessage());
    }
  }
}
