package io.mooring.controller.backend.gluster;

import io.mooring.controller.backend.CopyWait;
import io.mooring.controller.backend.GroupRecord;
import io.mooring.controller.backend.SnapshotRecord;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import io.mooring.volume.VolumeNames;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Snapshots of Gluster directory volumes, which have none of their own: a snapshot is a copy of the
 * volume's tree ({@link io.mooring.copy.TreeCopy}) in {@value #AREA} below the base path, a restore
 * or clone a copy into a new volume. Files are copied one by one while the volume may be written: a
 * snapshot is not of one instant. Names starting with a dot are no volume names, so neither area is
 * ever listed or taken as a volume.
 *
 * <p>A snapshot is {@code AREA/<snapshot>}, its record in attribute {@value #RECORD} (state
 * copying, then ready), the copy in {@code data} below it. A volume being made from a source is
 * {@code COPIES/<volume>}, its request in attribute {@value #RECORD}, the copy in {@code data},
 * moved into place once complete; then it gets its limit and volume record as any new volume.
 * Copies run in the background ({@link Copies}); a call waits for one within its deadline and else
 * answers BUSY (ABORTED: the sidecars retry), so a snapshot is never reported before its copy is
 * complete. A copy cut short by a controller's death is redone by the retry.
 */
final class GlusterSnapshots implements Snapshots {

  static final String AREA = ".snapshots";
  static final String COPIES = ".copies";
  static final String RECORD = "mooring.copy";
  private static final String DATA = "data";
  private static final String READY = "ready";
  private static final String COPYING = "copying";

  private final GlusterBackend backend;
  private final Copies copies;
  private final Clock clock;

  GlusterSnapshots(GlusterBackend backend, Copies copies, Clock clock) {
    this.backend = backend;
    this.copies = copies;
    this.clock = clock;
  }

  @Override
  public boolean hasGroups() {
    return false; // copies of several volumes would be no more consistent as a group than apart
  }

  @Override
  public Optional<SnapshotRecord> get(String snapshot, Map<String, String> secrets) {
    return read(snapshot).filter(GlusterSnapshots::ready).map(p -> record(snapshot, p));
  }

  @Override
  public SnapshotRecord create(
      VolumeRecord source,
      String snapshot,
      String requestName,
      String group,
      Map<String, String> secrets) {
    if (!group.isEmpty()) {
      throw noGroups();
    }
    Path at = snapshotPath(snapshot);
    Optional<Properties> existing = read(snapshot);
    if (existing.isPresent()
        && !(existing.get().getProperty("dir", "").equals(source.dir())
            && existing.get().getProperty("name", "").equals(requestName))) {
      throw new StorageException(
          Kind.ALREADY_EXISTS,
          "snapshot name "
              + requestName
              + " is taken by a snapshot of volume "
              + existing.get().getProperty("dir"));
    }
    if (existing.isPresent() && ready(existing.get())) {
      return record(snapshot, existing.get());
    }
    Properties record = existing.orElseGet(() -> newRecord(source, requestName));
    Path data = at.resolve(DATA);
    try {
      if (existing.isEmpty()) {
        Files.createDirectories(at);
        Xattr.writeRecord(at, RECORD, record);
      }
      copies.start(
          backend.volumePath(source.dir()),
          data,
          () -> {
            Xattr.remove(data, GlusterBackend.XATTR); // the source's volume record
            record.setProperty("state", READY);
            record.setProperty("created", clock.instant().toString());
            Xattr.writeRecord(at, RECORD, record);
          });
      if (!copies.await(data, CopyWait.left())) {
        throw stillCopying(
            "snapshot " + snapshot + " of volume " + source.dir(), record.getProperty("started"));
      }
    } catch (IOException | StorageException e) {
      throw failed(e, at, data, "snapshot " + snapshot + " of volume " + source.dir());
    }
    return record(snapshot, read(snapshot).orElse(record));
  }

  private Properties newRecord(VolumeRecord source, String requestName) {
    Properties record = new Properties();
    record.setProperty("name", requestName);
    record.setProperty("dir", source.dir());
    record.setProperty("size", Long.toString(source.capacityBytes()));
    record.setProperty("state", COPYING);
    record.setProperty("started", clock.instant().toString());
    return record;
  }

  @Override
  public void delete(String dir, String snapshot, Map<String, String> secrets) {
    Path at = snapshotPath(snapshot);
    Optional<Properties> record = read(snapshot);
    if (record.isPresent() && !record.get().getProperty("dir", "").equals(dir)) {
      return; // another volume's
    }
    Path data = at.resolve(DATA);
    if (copies.readingFrom(data)) {
      throw new StorageException(
          Kind.FAILED_PRECONDITION,
          "snapshot "
              + snapshot
              + " of volume "
              + dir
              + " is still being copied into a new volume: delete it once the restore is done");
    }
    copies.stop(data);
    try {
      Trees.deleteIfExists(at); // also a directory left without its record by a crash
    } catch (IOException e) {
      throw StorageException.internal("cannot delete snapshot %s: %s", snapshot, e.getMessage());
    }
  }

  @Override
  public List<SnapshotRecord> list() {
    Path area = backend.base().resolve(AREA);
    List<SnapshotRecord> out = new ArrayList<>();
    try (DirectoryStream<Path> children = Files.newDirectoryStream(area)) {
      for (Path child : children) {
        String name = child.getFileName().toString();
        if (VolumeNames.isSnapshotName(name)) {
          read(name).filter(GlusterSnapshots::ready).ifPresent(p -> out.add(record(name, p)));
        }
      }
    } catch (NoSuchFileException e) {
      return List.of(); // no snapshot taken yet
    } catch (IOException e) {
      throw StorageException.internal("cannot list %s: %s", area, e.getMessage());
    }
    out.sort(Comparator.comparing(SnapshotRecord::dir).thenComparing(SnapshotRecord::snapshot));
    return out;
  }

  @Override
  public VolumeRecord restore(
      SnapshotRecord snapshot,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    return fill(
        snapshotPath(snapshot.snapshot()).resolve(DATA),
        "snapshot " + snapshot.snapshot(),
        dir,
        requestName,
        capacityBytes,
        parameters);
  }

  @Override
  public VolumeRecord cloneVolume(
      VolumeRecord source,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    return fill(
        backend.volumePath(source.dir()),
        "volume " + source.dir(),
        dir,
        requestName,
        capacityBytes,
        parameters);
  }

  /**
   * Makes volume {@code dir} (which has no record: the caller looked) a copy of {@code from}, or
   * goes on making it.
   */
  private VolumeRecord fill(
      Path from,
      String source,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters) {
    Path staging = copyPath(dir);
    Path data = staging.resolve(DATA);
    Path target = backend.volumePath(dir);
    String what = "volume " + dir + " from " + source;
    try {
      Optional<Properties> request = Xattr.readRecord(staging, RECORD);
      if (request.isPresent()
          && !(request.get().getProperty("name", "").equals(requestName)
              && request.get().getProperty("source", "").equals(source))) {
        throw new StorageException(
            Kind.ALREADY_EXISTS,
            "volume "
                + dir
                + " is being made from "
                + request.get().getProperty("source")
                + " for "
                + request.get().getProperty("name"));
      }
      boolean movedIntoPlace =
          request.isPresent()
              && !copies.known(data)
              && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS);
      if (!movedIntoPlace) {
        Properties started = request.orElseGet(() -> newRequest(requestName, source));
        if (request.isEmpty()) {
          adoptEmpty(target, dir);
          Files.createDirectories(staging);
          Xattr.writeRecord(staging, RECORD, started);
        }
        copies.start(
            from,
            data,
            () -> {
              Xattr.remove(data, GlusterBackend.XATTR); // the source's volume record
              Files.move(data, target);
            });
        if (!copies.await(data, CopyWait.left())) {
          throw stillCopying(what, started.getProperty("started"));
        }
      }
    } catch (IOException | StorageException e) {
      throw failed(e, staging, data, what);
    }
    VolumeRecord made = backend.commit(dir, requestName, capacityBytes, parameters);
    try {
      Trees.deleteIfExists(staging);
    } catch (IOException ignored) {
      // an empty leftover, removed with the volume
    }
    return made;
  }

  private Properties newRequest(String requestName, String source) {
    Properties request = new Properties();
    request.setProperty("name", requestName);
    request.setProperty("source", source);
    request.setProperty("started", clock.instant().toString());
    return request;
  }

  /**
   * Removes the directory of {@code dir} if it is empty (left by a create cut short); one with data
   * is a retained volume's, which a copy must not overwrite.
   */
  private static void adoptEmpty(Path target, String dir) throws IOException {
    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(target)) {
      if (children.iterator().hasNext()) {
        throw new StorageException(
            Kind.ALREADY_EXISTS,
            "the directory of volume "
                + dir
                + " holds data but no volume record (kept by onDelete: retain?): move it away"
                + " before a volume of this name is made from a source");
      }
    }
    Files.delete(target);
  }

  /**
   * Before volume {@code dir} is deleted: a volume being copied is not, and a copy into it is
   * stopped and removed.
   */
  void beforeDelete(String dir) {
    if (copies.readingFrom(backend.volumePath(dir))) {
      throw new StorageException(
          Kind.FAILED_PRECONDITION,
          "volume "
              + dir
              + " is being copied (a snapshot or clone of it): delete it once the copy is done");
    }
    copies.stop(copyPath(dir).resolve(DATA));
    try {
      Trees.deleteIfExists(copyPath(dir));
    } catch (IOException e) {
      throw StorageException.internal("cannot remove the copy area of %s: %s", dir, e.getMessage());
    }
  }

  @Override
  public Optional<GroupRecord> group(String group, Map<String, String> secrets) {
    return Optional.empty();
  }

  @Override
  public void putGroup(GroupRecord group, Map<String, String> secrets) {
    throw noGroups();
  }

  @Override
  public void removeGroup(String group, Map<String, String> secrets) {
    throw noGroups();
  }

  private static StorageException noGroups() {
    return new StorageException(
        Kind.UNIMPLEMENTED, "GlusterFS volumes have no group snapshots (snapshots are copies)");
  }

  private static StorageException stillCopying(String what, String started) {
    return new StorageException(
        Kind.BUSY,
        what
            + " is still being copied (since "
            + started
            + "); the copy goes on, and a retry of this request finds it");
  }

  /**
   * A failure to make a copy: the partial copy at {@code at} is removed with its record, unless the
   * copy to {@code data} goes on (the call only stopped waiting) or {@code at} is another
   * request's. A retry starts afresh.
   */
  private StorageException failed(Exception e, Path at, Path data, String what) {
    StorageException out =
        e instanceof StorageException se
            ? se
            : StorageException.internal("cannot make %s: %s", what, e.getMessage());
    if (out.kind() != Kind.ALREADY_EXISTS && !copies.known(data)) {
      try {
        Trees.deleteIfExists(at);
      } catch (IOException ignored) {
        // the retry removes the partial copy before it copies again
      }
    }
    return out;
  }

  private Optional<Properties> read(String snapshot) {
    try {
      return Xattr.readRecord(snapshotPath(snapshot), RECORD);
    } catch (IOException e) {
      throw StorageException.internal(
          "cannot read the record of snapshot %s: %s", snapshot, e.getMessage());
    }
  }

  private static boolean ready(Properties record) {
    return READY.equals(record.getProperty("state"));
  }

  private static SnapshotRecord record(String snapshot, Properties p) {
    try {
      return new SnapshotRecord(
          p.getProperty("dir", ""),
          snapshot,
          p.getProperty("name", ""),
          Long.parseLong(p.getProperty("size", "0")),
          Instant.parse(p.getProperty("created", p.getProperty("started"))),
          "");
    } catch (RuntimeException e) {
      throw StorageException.internal(
          "the record of snapshot %s is damaged: %s", snapshot, e.getMessage());
    }
  }

  private Path snapshotPath(String snapshot) {
    if (!VolumeNames.isSnapshotName(snapshot)) {
      throw StorageException.invalid("%s is not a Mooring snapshot name", snapshot);
    }
    return backend.base().resolve(AREA).resolve(snapshot);
  }

  private Path copyPath(String dir) {
    return backend.volumePath(dir).resolveSibling(COPIES).resolve(dir);
  }
}
