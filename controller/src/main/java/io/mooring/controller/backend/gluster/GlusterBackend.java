package io.mooring.controller.backend.gluster;

import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.DeletePolicy;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.controller.config.GlusterConfig;
import io.mooring.copy.TreeCopy;
import io.mooring.errors.StorageException;
import io.mooring.exec.CommandRunner;
import io.mooring.mount.MountProbe;
import io.mooring.mount.Mounter;
import io.mooring.volume.GlusterContext;
import io.mooring.volume.VolumeId;
import io.mooring.volume.VolumeNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * GlusterFS backend: one directory per volume below {@code basePath} on a shared Gluster volume,
 * its size enforced by a Gluster directory quota. What the controller must remember about a volume
 * is kept in an extended attribute ({@code user.mooring}) on the directory itself; its presence
 * also marks a creation as complete.
 */
public final class GlusterBackend implements Backend {

  static final String XATTR = "mooring";
  static final String ARCHIVE_DIR = ".archive";

  /** The record's key for {@link VolumeRecord#created()}; absent in older records. */
  private static final String CREATED = "created";

  private static final int RECORD_READERS = 8;

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final GlusterConfig config;
  private final GlusterCli cli;
  private final VolumeMount mount;
  private final Clock clock;
  private final AtomicBoolean quotaReady = new AtomicBoolean();
  private final VolumeDirs dirs;
  private final Copies copies;
  private final GlusterSnapshots snapshots;

  /**
   * Reads a ListVolumes page's records: each read waits on a FUSE round trip, so several in flight
   * (measured: 8 read 2000 records in 0.26 s, one at a time 1.0-1.4 s).
   */
  private final ExecutorService readers =
      Executors.newFixedThreadPool(
          RECORD_READERS,
          r -> {
            Thread t = new Thread(r, "gluster-list");
            t.setDaemon(true);
            return t;
          });

  GlusterBackend(
      GlusterConfig config, GlusterCli cli, VolumeMount mount, Copies copies, Clock clock) {
    this.config = config;
    this.cli = cli;
    this.mount = mount;
    this.clock = clock;
    this.dirs = new VolumeDirs(clock);
    this.copies = copies;
    this.snapshots = new GlusterSnapshots(this, copies, clock);
  }

  /**
   * @param stateDir where the controller keeps its mounts and ssh connections
   */
  public static GlusterBackend create(
      GlusterConfig config, CommandRunner runner, Mounter mounter, Path stateDir) {
    GlusterTransport transport =
        config.management() instanceof GlusterConfig.Ssh ssh
            ? SshTransport.create(runner, config.servers(), ssh, stateDir.resolve("ssh"))
            : new LocalTransport(
                runner, Path.of(((GlusterConfig.Local) config.management()).glusterdSocket()));
    return new GlusterBackend(
        config,
        new GlusterCli(transport, config.volume()),
        new VolumeMount(
            config,
            mounter,
            new MountProbe(VolumeMount.CHECK_TIMEOUT),
            stateDir.resolve("mounts").resolve(config.name())),
        new Copies(new TreeCopy(runner), Copies.TIMEOUT),
        Clock.systemUTC());
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public Set<String> fsTypes() {
    return GlusterContext.FS_TYPES;
  }

  @Override
  public long roundUp(long bytes) {
    return bytes; // Gluster quotas take any byte count
  }

  @Override
  public Optional<VolumeRecord> get(String dir) {
    Path path = volumePath(dir);
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    return readRecord(dir, path);
  }

  @Override
  public VolumeRecord create(
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    ensureQuotaEnabled();
    Path path = volumePath(dir);
    try {
      Files.createDirectories(path.getParent());
      if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(path);
      }
      return commit(dir, requestName, capacityBytes, parameters);
    } catch (IOException | RuntimeException e) {
      // Made now or found without a record (left by an interrupted create of this name, or a
      // retained volume): either way this create set the limit, and an empty directory holds
      // nothing anyone could miss.
      undoCreate(dir, path);
      if (e instanceof StorageException se) {
        throw se;
      }
      throw StorageException.internal(
          "cannot create %s on Gluster volume %s: %s", dir, config.volume(), e);
    }
  }

  /**
   * Completes volume {@code dir}, whose directory exists (empty, or with what it was made from):
   * gives it its limit, then its record. A retry after a failure does it again.
   */
  VolumeRecord commit(
      String dir, String requestName, long capacityBytes, Map<String, String> parameters) {
    ensureQuotaEnabled();
    Path path = volumePath(dir);
    cli.limitUsage(quotaPath(dir), capacityBytes);
    mount.awaitLimit(path);
    VolumeRecord record =
        new VolumeRecord(dir, requestName, capacityBytes, parameters, Optional.of(clock.instant()));
    try {
      writeRecord(path, record);
    } catch (IOException e) {
      throw StorageException.internal("cannot record volume %s: %s", dir, e.getMessage());
    }
    return record;
  }

  /** A volume without its size limit is a broken promise: take it all back. */
  private void undoCreate(String dir, Path path) {
    try {
      cli.removeLimit(quotaPath(dir));
    } catch (RuntimeException ignored) {
      // the limit was probably never set
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // not empty (a retained volume's data stays), or the volume cannot be reached now: an
      // empty directory without a record is adopted by the next create of that name
    }
  }

  @Override
  public VolumeRecord resize(VolumeRecord volume, long capacityBytes, Map<String, String> secrets) {
    cli.limitUsage(quotaPath(volume.dir()), capacityBytes);
    VolumeRecord resized = volume.withCapacity(capacityBytes);
    try {
      writeRecord(volumePath(volume.dir()), resized);
    } catch (IOException e) {
      throw StorageException.internal(
          "cannot record new size of %s: %s", volume.dir(), e.getMessage());
    }
    return resized;
  }

  @Override
  public void delete(String dir, DeletePolicy policy, Map<String, String> secrets) {
    snapshots.beforeDelete(dir);
    Path path = volumePath(dir);
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    cli.removeLimit(quotaPath(dir));
    try {
      switch (policy) {
        case DELETE -> Trees.deleteIfExists(path);
        case RETAIN -> Xattr.remove(path, XATTR);
        case ARCHIVE -> {
          Path archive = base().resolve(ARCHIVE_DIR);
          Files.createDirectories(archive);
          Xattr.remove(path, XATTR);
          Files.move(path, archive.resolve(dir + "-" + STAMP.format(clock.instant())));
        }
      }
    } catch (IOException e) {
      throw StorageException.internal("cannot %s %s: %s", policy.name().toLowerCase(), dir, e);
    }
  }

  /**
   * Reads the records of as many names as the page still needs, in flight together, until the page
   * is full: names without a record (a create cut short) are skipped.
   */
  @Override
  public List<VolumeRecord> list(String from, int limit) {
    Path base = base();
    List<String> names;
    try {
      names = dirs.from(base, from);
    } catch (IOException e) {
      throw StorageException.internal("cannot list %s: %s", base, e.getMessage());
    }
    List<VolumeRecord> page = new ArrayList<>();
    int at = 0;
    while (at < names.size() && (limit == 0 || page.size() < limit)) {
      int to = limit == 0 ? names.size() : Math.min(names.size(), at + limit - page.size());
      List<Future<Optional<VolumeRecord>>> reads = new ArrayList<>();
      for (String dir : names.subList(at, to)) {
        reads.add(readers.submit(() -> readRecord(dir, base.resolve(dir))));
      }
      for (Future<Optional<VolumeRecord>> read : reads) {
        await(read).ifPresent(page::add);
      }
      at = to;
    }
    return page;
  }

  private static Optional<VolumeRecord> await(Future<Optional<VolumeRecord>> read) {
    try {
      return read.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StorageException se) {
        throw se;
      }
      throw StorageException.internal("cannot read a volume record: %s", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE, "interrupted while reading volume records");
    }
  }

  @Override
  public Optional<Snapshots> snapshots() {
    return Optional.of(snapshots);
  }

  @Override
  public long availableBytes() {
    return mount.usableBytes();
  }

  @Override
  public Map<String, String> volumeContext(String dir) {
    return new GlusterContext(
            new VolumeId(config.name(), dir), config.servers(), config.volume(), quotaPath(dir))
        .toMap();
  }

  @Override
  public Optional<String> unhealthyReason() {
    Optional<String> dead = mount.deadReason();
    return dead.isPresent() ? dead : checkManagement();
  }

  /**
   * Checks now that glusterd takes our management commands (for the start: a server that is down
   * then makes the plugin not ready, not fail). Until quotas are on, the check is enabling them,
   * which glusterd refuses to a CLI it serves read-only; then a read-only call.
   *
   * @return why management does not work, or empty
   */
  public Optional<String> checkManagement() {
    try {
      if (quotaReady.get()) {
        cli.checkVolume();
      } else {
        ensureQuotaEnabled();
      }
      return Optional.empty();
    } catch (StorageException e) {
      return Optional.of(e.getMessage());
    }
  }

  /** Unmounts the controller's mount and closes the connections to glusterd. */
  @Override
  public void close() {
    readers.shutdownNow();
    copies.close();
    mount.unmount();
    cli.close();
  }

  Path base() {
    return mount.root().resolve(config.basePath().substring(1));
  }

  /** The directory of a volume; {@code dir} has passed VolumeId's strict pattern already. */
  Path volumePath(String dir) {
    if (!VolumeNames.isName(dir)) {
      throw StorageException.invalid("%s is not a Mooring volume name", dir);
    }
    Path base = base();
    Path path = base.resolve(dir).normalize();
    if (!path.getParent().equals(base)) {
      throw StorageException.invalid("%s resolves outside %s", dir, config.basePath());
    }
    return path;
  }

  /** The directory as Gluster's quota commands name it: relative to the volume root. */
  private String quotaPath(String dir) {
    return config.basePath() + "/" + dir;
  }

  private void ensureQuotaEnabled() {
    if (quotaReady.get()) {
      return;
    }
    synchronized (quotaReady) {
      if (!quotaReady.get()) {
        cli.enableQuota();
        quotaReady.set(true);
      }
    }
  }

  private static Optional<VolumeRecord> readRecord(String dir, Path path) {
    try {
      Optional<Properties> read = Xattr.readRecord(path, XATTR);
      if (read.isEmpty()) {
        return Optional.empty();
      }
      Properties props = read.get();
      Map<String, String> params = new HashMap<>();
      for (String key : props.stringPropertyNames()) {
        if (key.startsWith("param.")) {
          params.put(key.substring("param.".length()), props.getProperty(key));
        }
      }
      String created = props.getProperty(CREATED);
      return Optional.of(
          new VolumeRecord(
              dir,
              props.getProperty("name", ""),
              Long.parseLong(props.getProperty("capacity", "0")),
              params,
              created == null ? Optional.empty() : Optional.of(Instant.parse(created))));
    } catch (IOException | NumberFormatException | DateTimeParseException e) {
      throw StorageException.internal("cannot read the record of %s: %s", dir, e.getMessage());
    }
  }

  private static void writeRecord(Path path, VolumeRecord record) throws IOException {
    Properties props = new Properties();
    props.setProperty("name", record.requestName());
    props.setProperty("capacity", Long.toString(record.capacityBytes()));
    record.parameters().forEach((k, v) -> props.setProperty("param." + k, v));
    record.created().ifPresent(at -> props.setProperty(CREATED, at.toString()));
    Xattr.writeRecord(path, XATTR, props);
  }
}
