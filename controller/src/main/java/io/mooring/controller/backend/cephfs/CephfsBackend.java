package io.mooring.controller.backend.cephfs;

import io.mooring.ceph.CephCredentials;
import io.mooring.ceph.Keyrings;
import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.DeletePolicy;
import io.mooring.controller.backend.SnapshotRecord;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.controller.config.CephConfig;
import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import io.mooring.errors.Untrusted;
import io.mooring.exec.CommandRunner;
import io.mooring.rpc.Metrics;
import io.mooring.volume.CephContext;
import io.mooring.volume.VolumeId;
import io.mooring.volume.VolumeNames;
import java.nio.file.Path;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * CephFS backend: one subvolume per volume ({@code fs subvolume create}) in the subvolume group
 * {@code subvolumeGroup} of the file system {@code fsName}, named like the volume's directory; Ceph
 * enforces its size as a quota. What Mooring must remember about a volume ({@link SubvolumeRecord})
 * is kept in RADOS omap ({@link OmapRecords}: reserved before the subvolume is made, committed
 * after; the committed record marks a creation as complete). Records that earlier versions kept as
 * subvolume metadata (under {@value #RECORD_KEY}) are imported once; where the client has no omap
 * (the CLI client, without librados) records stay in subvolume metadata.
 *
 * <p>Delete policies: DELETE removes the subvolume ({@code fs subvolume rm}, Ceph purges it in the
 * background), then the record. RETAIN removes only the record: the subvolume, its data and its
 * quota stay and Mooring no longer lists it. ARCHIVE keeps the subvolume and marks it archived with
 * the time and the record: Mooring no longer lists it, and a new CreateVolume of the same name is
 * refused rather than handed the archived data.
 *
 * <p>Credentials: create, resize and delete use the request's secrets ({@code adminID}, {@code
 * adminKey}, as ceph-csi's provisioner secrets), else the files in {@code adminSecretDir}; the
 * requests that carry no secrets (get, list, capacity, health) use {@code adminSecretDir}.
 */
public final class CephfsBackend implements Backend {

  static final String RECORD_KEY = "mooring-volume";
  static final String ARCHIVED_KEY = "mooring-archived";

  /** The unit statfs reports quotas in (CEPH_BLOCK). */
  static final long QUOTA_BLOCK = 4L << 20;

  private static final long ABSENT_TTL_MS = 2_000;
  private static final String FS_NAME_PARAMETER = "fsName";
  private static final String POOL_PARAMETER = "pool";
  private static final Pattern POOL = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  private final CephConfig config;
  private final CephClient client;
  private final Clock clock;

  /** Subvolume paths by name, as recorded; a path never changes while its subvolume exists. */
  private final Map<String, String> paths = new ConcurrentHashMap<>();

  /** When a lookup last found no subvolume, by name ({@link #lookedUpAbsent}). */
  private final Map<String, Long> absent = new ConcurrentHashMap<>();

  private final AtomicBoolean groupReady = new AtomicBoolean();
  private volatile Pools pools;

  /** The records in omap, or null where the client has no omap (the CLI): metadata, as before. */
  private final OmapRecords omap;

  /** Whether this backend's metadata records are known to be in omap ({@link #records}). */
  private final AtomicBoolean importDone = new AtomicBoolean();

  /** Snapshots, kept in omap like the records: none where the client has no omap. */
  private final CephfsSnapshots snapshots;

  private final CephClones clones;

  CephfsBackend(CephConfig config, CephClient client, Clock clock) {
    this.config = config;
    this.client = client;
    this.clock = clock;
    this.omap =
        client.hasOmap()
            ? new OmapRecords(client, config.subvolumeGroup(), c -> pools(c).metadata())
            : null;
    this.snapshots = omap != null ? new CephfsSnapshots(this, client, clock) : null;
    this.clones = new CephClones(this, client, config.fsName(), config.subvolumeGroup());
  }

  /**
   * A backend that talks to Ceph over persistent librados connections, or through the {@code ceph}
   * CLI where librados cannot be loaded.
   */
  public static CephfsBackend create(CephConfig config, CommandRunner runner) {
    return create(config, runner, Metrics.OFF);
  }

  /**
   * As {@link #create(CephConfig, CommandRunner)}, reporting each librados call to {@code metrics}.
   */
  public static CephfsBackend create(CephConfig config, CommandRunner runner, Metrics metrics) {
    // a name no other user of the tmp dir can guess and make first; created on first use
    Keyrings keyrings =
        new Keyrings(
            Path.of(System.getProperty("java.io.tmpdir"), "mooring-ceph-" + UUID.randomUUID()));
    CephClient cli = new CliCephClient(runner, config.monitors(), keyrings);
    return new CephfsBackend(
        config, RadosCephClient.loadOr(config.monitors(), cli, metrics), Clock.systemUTC());
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public Set<String> fsTypes() {
    return CephContext.FS_TYPES;
  }

  /**
   * Whole 4 MiB blocks. Ceph quotas take any byte count, but both ceph-fuse and the kernel client
   * report a quota to statfs (df) in 4 MiB blocks, rounded down: a 10 MiB volume would show as 8
   * MiB. ceph-csi rounds the same way.
   */
  @Override
  public long roundUp(long bytes) {
    if (bytes > Long.MAX_VALUE - QUOTA_BLOCK + 1) {
      throw new StorageException(Kind.OUT_OF_RANGE, bytes + " bytes is more than any Ceph quota");
    }
    return Math.max(QUOTA_BLOCK, (bytes + QUOTA_BLOCK - 1) / QUOTA_BLOCK * QUOTA_BLOCK);
  }

  @Override
  public Optional<VolumeRecord> get(String dir) {
    return read(check(dir), adminCredentials("looking up a volume")).map(r -> r.volume(dir));
  }

  /**
   * Like {@link #get(String)}, with the request's credentials when it has some (CreateVolume,
   * DeleteVolume and ControllerExpandVolume do), so that those work without adminSecretDir.
   */
  @Override
  public Optional<VolumeRecord> get(String dir, Map<String, String> secrets) {
    return read(check(dir), credentials(secrets, "looking up a volume")).map(r -> r.volume(dir));
  }

  /**
   * {@code fsName} as in ceph-csi, but only to confirm the backend's file system: a volume ID names
   * its backend, not its file system, so another file system is another backend. {@code pool}: the
   * data pool of the subvolume's files ({@code pool_layout}), one of the file system's data pools.
   */
  @Override
  public Set<String> parameters() {
    return Set.of(FS_NAME_PARAMETER, POOL_PARAMETER, Snapshots.BACKING_SNAPSHOT);
  }

  @Override
  public void checkParameters(Map<String, String> parameters) {
    String fsName = parameters.getOrDefault(FS_NAME_PARAMETER, config.fsName());
    if (!fsName.equals(config.fsName())) {
      throw StorageException.invalid(
          "parameter fsName %s is not the file system of backend %s (%s): declare a backend for"
              + " that file system in the backends file and name it with the parameter backend",
          Untrusted.quote(fsName), config.name(), config.fsName());
    }
    String pool = parameters.get(POOL_PARAMETER);
    if (pool != null && !POOL.matcher(pool).matches()) {
      throw StorageException.invalid(
          "parameter pool %s is not a Ceph pool name", Untrusted.quote(pool));
    }
  }

  @Override
  public VolumeRecord create(
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    check(dir);
    CephCredentials credentials = credentials(secrets, "CreateVolume");
    ensureGroup(credentials);
    if (omap != null) {
      return createRecorded(
          dir,
          requestName,
          capacityBytes,
          parameters,
          credentials,
          () -> createSubvolume(dir, capacityBytes, parameters.get(POOL_PARAMETER), credentials),
          () -> {});
    }
    Optional<Map<String, Object>> metadata =
        lookedUpAbsent(dir) ? Optional.empty() : metadataIfExists(dir, credentials);
    boolean fresh = metadata.isEmpty();
    if (metadata.isPresent()) {
      Optional<SubvolumeRecord> completed = ownRecord(dir, requestName, metadata.get());
      if (completed.isPresent()) { // completed meanwhile (another controller replica?)
        return completed.get().volume(dir);
      }
      // a subvolume without a record: an interrupted create (or a retained volume) to complete
    }
    try {
      createSubvolume(dir, capacityBytes, parameters.get(POOL_PARAMETER), credentials);
      String path = getpath(dir, credentials);
      SubvolumeRecord record =
          new SubvolumeRecord(
              requestName, capacityBytes, parameters, path, Optional.of(clock.instant()));
      setMetadata(dir, RECORD_KEY, record.encode(), credentials);
      paths.put(dir, path);
      return record.volume(dir);
    } catch (RuntimeException e) {
      if (fresh) {
        undoCreate(dir, credentials);
      }
      throw e;
    }
  }

  /**
   * Reserve → make → finish → commit, the records in omap: the mgr gets what makes the subvolume
   * and {@code getpath} only. A reservation left by an interrupted create (this name's: the
   * subvolume name is a function of the request name) is finished; a subvolume without any record
   * (a retained volume) is taken over, as with metadata records.
   *
   * @param make makes the subvolume, or does nothing when it is made already (runs again on a
   *     retry); when Ceph refuses it on a fresh reservation, the reservation is dropped (not when
   *     it goes unanswered: it may still happen)
   * @param finish waits for the subvolume to be complete; when it fails, the reservation stays for
   *     the retry
   */
  private VolumeRecord createRecorded(
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      CephCredentials credentials,
      Runnable make,
      Runnable finish) {
    OmapRecords records = records(credentials);
    OmapRecords.Entry entry =
        lookedUpAbsent(dir) ? OmapRecords.Entry.NONE : records.get(dir, credentials);
    if (entry.archived().isPresent()) {
      throw archived(dir, entry.archived().get());
    }
    Optional<SubvolumeRecord> existing = entry.committed().or(entry::reserved);
    if (existing.isPresent() && !existing.get().requestName().equals(requestName)) {
      throw new StorageException(
          Kind.ALREADY_EXISTS, "subvolume " + dir + " belongs to another request name");
    }
    if (entry.reserved().isPresent() && !entry.reserved().get().parameters().equals(parameters)) {
      throw new StorageException(
          Kind.ALREADY_EXISTS,
          "volume "
              + requestName
              + " is being created with parameters "
              + entry.reserved().get().parameters()
              + ", not "
              + parameters);
    }
    if (entry.committed().isPresent()) { // completed meanwhile (another controller replica?)
      return entry.committed().get().volume(dir);
    }
    boolean fresh = entry.reserved().isEmpty();
    SubvolumeRecord reserved =
        entry
            .reserved()
            .orElseGet(
                () ->
                    new SubvolumeRecord(
                        requestName, capacityBytes, parameters, "", Optional.of(clock.instant())));
    if (fresh) {
      records.reserve(dir, reserved, credentials);
    }
    try {
      make.run();
    } catch (RuntimeException e) {
      // Ceph refused: nothing was made, leave nothing. Unanswered: the subvolume may still be made
      // (the mgr works through its queue), and the reservation is what lets the retry, which the
      // provisioner owes a non-final error, finish it; a later failure leaves what a retry
      // finishes.
      if (fresh && !mayStillHappen(e)) {
        try {
          records.remove(dir, credentials);
        } catch (RuntimeException ignored) {
          // a reservation without a subvolume: the next create of this name takes it over
        }
      }
      throw e;
    }
    finish.run();
    String path = getpath(dir, credentials);
    SubvolumeRecord record =
        new SubvolumeRecord(requestName, capacityBytes, parameters, path, reserved.created());
    records.commit(dir, record, credentials);
    paths.put(dir, path);
    return record.volume(dir);
  }

  /**
   * Whether what a failed call asked Ceph for may still happen: it was not answered (UNAVAILABLE),
   * or its caller stopped waiting (DEADLINE_EXCEEDED, CANCELLED); the RPC's error is then one the
   * provisioner retries.
   */
  private static boolean mayStillHappen(RuntimeException e) {
    return !(e instanceof StorageException s)
        || s.kind() == Kind.UNAVAILABLE
        || s.kind() == Kind.DEADLINE_EXCEEDED
        || s.kind() == Kind.CANCELLED;
  }

  /**
   * The omap records, once every record kept as subvolume metadata by earlier versions is in them
   * too: a one-time import ({@code subvolume ls}, then {@code metadata ls} per subvolume), marked
   * in the omap, after which a name without an omap record has no volume and nothing asks the mgr
   * about it.
   */
  OmapRecords records(CephCredentials credentials) {
    if (importDone.get()) {
      return omap;
    }
    synchronized (importDone) {
      if (!importDone.get() && !omap.imported(credentials)) {
        Map<String, SubvolumeRecord> volumes = new TreeMap<>();
        Map<String, String> archived = new TreeMap<>();
        for (String dir : subvolumeNames(credentials)) {
          Optional<Map<String, Object>> metadata = metadataIfExists(dir, credentials);
          if (metadata.isEmpty()) {
            continue;
          }
          Object at = metadata.get().get(ARCHIVED_KEY);
          if (at != null) {
            archived.put(dir, at.toString());
          } else {
            decode(dir, metadata.get()).ifPresent(r -> volumes.put(dir, r));
          }
        }
        omap.importMetadata(volumes, archived, credentials);
      }
      importDone.set(true);
      return omap;
    }
  }

  private StorageException archived(String dir, String since) {
    return new StorageException(
        Kind.ALREADY_EXISTS,
        "subvolume "
            + dir
            + " of "
            + where()
            + " holds the data"
            + " of an archived volume of the same name (since "
            + since
            + "); remove it with"
            + " 'ceph fs subvolume rm "
            + config.fsName()
            + " "
            + dir
            + " --group_name "
            + config.subvolumeGroup()
            + "' to create the volume again");
  }

  /**
   * The record of an existing subvolume, if it has one, refusing a subvolume that another request
   * name owns or that holds an archived volume.
   */
  private Optional<SubvolumeRecord> ownRecord(
      String dir, String requestName, Map<String, Object> metadata) {
    if (metadata.containsKey(ARCHIVED_KEY)) {
      throw archived(dir, String.valueOf(metadata.get(ARCHIVED_KEY)));
    }
    Optional<SubvolumeRecord> existing = decode(dir, metadata);
    if (existing.isPresent() && !existing.get().requestName().equals(requestName)) {
      throw new StorageException(
          Kind.ALREADY_EXISTS, "subvolume " + dir + " belongs to another request name");
    }
    return existing;
  }

  /** A subvolume without its record would be adopted by the next create; still, leave nothing. */
  private void undoCreate(String dir, CephCredentials credentials) {
    try {
      client.run(subvolume("fs subvolume rm", dir), credentials);
    } catch (RuntimeException ignored) {
      // the next CreateVolume of this name completes it, or DeleteVolume never sees it
    }
    paths.remove(dir);
  }

  /**
   * @param pool the data pool, or null for the file system's default
   */
  private void createSubvolume(String dir, long bytes, String pool, CephCredentials credentials) {
    CephCommand create = subvolume("fs subvolume create", dir).with("size", bytes);
    if (pool != null) {
      create = create.with("pool_layout", pool);
    }
    try {
      try {
        client.run(create, credentials);
      } catch (CephError e) {
        // the group was removed behind our back: make it again, once
        if (e.errno() != CephError.ENOENT || !groupReady.getAndSet(false)) {
          throw e;
        }
        ensureGroup(credentials);
        client.run(create, credentials);
      }
    } catch (CephError e) {
      if (pool != null && e.errno() == CephError.EINVAL) {
        throw StorageException.invalid(
            "parameter pool %s is not a data pool of CephFS %s (ceph fs add_data_pool"
                + " adds one): %s",
            pool, config.fsName(), e.getMessage());
      }
      throw e;
    }
  }

  @Override
  public VolumeRecord resize(VolumeRecord volume, long capacityBytes, Map<String, String> secrets) {
    String dir = check(volume.dir());
    CephCredentials credentials = credentials(secrets, "ControllerExpandVolume");
    try {
      client.run(
          subvolume("fs subvolume resize", dir)
              .with("new_size", Long.toString(capacityBytes))
              .with("no_shrink", true),
          credentials);
      String path = paths.get(dir);
      if (path == null) {
        path = getpath(dir, credentials);
      }
      SubvolumeRecord record = SubvolumeRecord.of(volume, path).withCapacity(capacityBytes);
      if (omap != null) {
        records(credentials).commit(dir, record, credentials);
      } else {
        setMetadata(dir, RECORD_KEY, record.encode(), credentials);
      }
      return record.volume(dir);
    } catch (CephError e) {
      if (e.errno() == CephError.ENOENT) {
        throw StorageException.notFound("volume %s no longer exists on %s", dir, where());
      }
      throw e;
    }
  }

  @Override
  public void delete(String dir, DeletePolicy policy, Map<String, String> secrets) {
    check(dir);
    CephCredentials credentials = credentials(secrets, "DeleteVolume");
    if (omap != null) {
      deleteRecorded(dir, policy, credentials);
      return;
    }
    try {
      switch (policy) {
        case DELETE -> client.run(subvolume("fs subvolume rm", dir), credentials);
        case RETAIN ->
            client.run(
                subvolume("fs subvolume metadata rm", dir)
                    .with("key_name", RECORD_KEY)
                    .with("force", true),
                credentials);
        case ARCHIVE ->
            setMetadata(
                dir,
                ARCHIVED_KEY,
                clock.instant().truncatedTo(ChronoUnit.SECONDS).toString(),
                credentials);
      }
    } catch (CephError e) {
      if (e.errno() == CephError.ENOTEMPTY) {
        throw snapshots(dir);
      }
      if (e.errno() != CephError.ENOENT) {
        throw e;
      }
    } finally {
      paths.remove(dir);
    }
  }

  /**
   * The subvolume first, then its record: a crash in between leaves a record of a subvolume that is
   * gone, which the retry (the provisioner's, or the volume's next DeleteVolume) removes.
   */
  private void deleteRecorded(String dir, DeletePolicy policy, CephCredentials credentials) {
    OmapRecords records = records(credentials);
    // the path is known from the lookup DeleteVolume makes first; else it is read
    Optional<String> backing =
        Optional.ofNullable(paths.get(dir))
            .or(() -> records.get(dir, credentials).committed().map(SubvolumeRecord::path))
            .flatMap(CephContext::backingSnapshotOf);
    if (backing.isPresent()) { // no data of its own: whatever the policy, only the record goes
      records.removeBacked(dir, backing.get(), credentials);
      paths.remove(dir);
      return;
    }
    try {
      switch (policy) {
        case DELETE -> removeSubvolume(dir, credentials);
        case RETAIN -> {}
        case ARCHIVE -> {
          OmapRecords.Entry entry = records.get(dir, credentials);
          if (entry.committed().isPresent()) {
            records.archive(
                dir,
                clock.instant().truncatedTo(ChronoUnit.SECONDS).toString(),
                entry.committed().get(),
                credentials);
          }
          return;
        }
      }
      records.remove(dir, credentials);
    } finally {
      paths.remove(dir);
    }
  }

  /**
   * Snapshots outlive their volume, as Kubernetes lets them: Ceph removes the data and keeps the
   * snapshots ({@code --retain-snapshots}), and purges the subvolume with its last snapshot.
   */
  private void removeSubvolume(String dir, CephCredentials credentials) {
    CephCommand rm = subvolume("fs subvolume rm", dir);
    try {
      try {
        client.run(rm, credentials);
      } catch (CephError e) {
        if (e.errno() != CephError.ENOTEMPTY) {
          throw e;
        }
        client.run(rm.with("retain_snapshots", true), credentials);
      }
    } catch (CephError e) {
      if (e.errno() != CephError.ENOENT) {
        throw e;
      }
    }
  }

  private StorageException snapshots(String dir) {
    return new StorageException(
        Kind.FAILED_PRECONDITION,
        "subvolume "
            + dir
            + " of "
            + where()
            + " has snapshots Mooring did not make; remove them (ceph fs subvolume snapshot"
            + " ls/rm) and retry");
  }

  @Override
  public Optional<Snapshots> snapshots() {
    return Optional.ofNullable(snapshots);
  }

  /**
   * {@link Snapshots#restore} and {@link Snapshots#cloneVolume}: a clone of {@code snapshot}, made
   * and recorded like a create.
   *
   * @param temporary whether the snapshot is taken for this clone, and removed once it is done
   */
  VolumeRecord createFrom(
      SnapshotRecord snapshot,
      boolean temporary,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    check(dir);
    CephCredentials credentials = credentials(secrets, "CreateVolume");
    ensureGroup(credentials);
    return createRecorded(
        dir,
        requestName,
        capacityBytes,
        parameters,
        credentials,
        () -> clones.start(snapshot, temporary, dir, parameters.get(POOL_PARAMETER), credentials),
        () -> clones.await(snapshot, temporary, dir, capacityBytes, credentials));
  }

  /**
   * Records volume {@code dir} as backed by {@code snapshot} ({@link Snapshots#back}): no
   * subvolume, only the record, committed with the reference that keeps the snapshot.
   */
  VolumeRecord recordBacked(
      String dir, String snapshot, SubvolumeRecord record, CephCredentials credentials) {
    check(dir);
    OmapRecords records = records(credentials);
    OmapRecords.Entry entry = records.get(dir, credentials);
    if (entry.archived().isPresent()) {
      throw archived(dir, entry.archived().get());
    }
    Optional<SubvolumeRecord> existing = entry.committed().or(entry::reserved);
    if (existing.isPresent() && !existing.get().requestName().equals(record.requestName())) {
      throw new StorageException(
          Kind.ALREADY_EXISTS, "subvolume " + dir + " belongs to another request name");
    }
    if (entry.reserved().isPresent()) {
      // a copy of the same name was begun: it is the provisioner's to finish or delete
      throw new StorageException(
          Kind.ALREADY_EXISTS,
          "volume " + record.requestName() + " is being created as a copy, not from a snapshot");
    }
    if (entry.committed().isPresent()) {
      return entry.committed().get().volume(dir);
    }
    records.commitBacked(dir, snapshot, record, credentials);
    paths.put(dir, record.path());
    return record.volume(dir);
  }

  /** The volume's path: as recorded, else (an import without one) from the mgr. */
  String path(String dir, CephCredentials credentials) {
    String path = paths.get(check(dir));
    if (path == null) {
      path =
          read(dir, credentials)
              .map(SubvolumeRecord::path)
              .filter(p -> !p.isEmpty())
              .orElseGet(() -> getpath(dir, credentials));
      paths.put(dir, path);
    }
    return path;
  }

  @Override
  public List<VolumeRecord> list(String from, int limit) {
    CephCredentials credentials = adminCredentials("ListVolumes");
    List<VolumeRecord> volumes = new ArrayList<>();
    if (omap != null) {
      // one OSD read per thousand volumes, instead of a mgr command per volume
      for (var entry : records(credentials).committed(from, limit, credentials).entrySet()) {
        paths.put(entry.getKey(), entry.getValue().path()); // the entry's context: no getpath
        volumes.add(entry.getValue().volume(entry.getKey()));
      }
      return volumes;
    }
    for (String dir : subvolumeNames(credentials)) {
      if (limit > 0 && volumes.size() == limit) {
        break;
      }
      if (dir.compareTo(from) >= 0) {
        read(dir, credentials).ifPresent(r -> volumes.add(r.volume(dir)));
      }
    }
    return volumes;
  }

  /** The names of the group's subvolumes that are Mooring volume names, sorted. */
  private List<String> subvolumeNames(CephCredentials credentials) {
    List<Object> entries;
    try {
      entries =
          Json.array(
              parse(client.run(group("fs subvolume ls"), credentials), "subvolume ls"),
              "subvolume ls");
    } catch (CephError e) {
      if (e.errno() == CephError.ENOENT) {
        return List.of(); // no group yet: no volumes yet
      }
      throw e;
    }
    List<String> names = new ArrayList<>();
    for (Object entry : entries) {
      Object name = Json.object(entry, "subvolume ls entry").get("name");
      if (name instanceof String dir && VolumeNames.isName(dir)) {
        names.add(dir);
      }
    }
    names.sort(null);
    return names;
  }

  @Override
  public long availableBytes() {
    CephCredentials credentials = adminCredentials("GetCapacity");
    String pool = pools(credentials).data();
    Map<String, Object> df =
        Json.object(parse(client.run(CephCommand.mon("df"), credentials), "df"), "df");
    for (Object entry : Json.array(df.get("pools"), "df pools")) {
      Map<String, Object> p = Json.object(entry, "df pool");
      if (pool.equals(p.get("name"))) {
        return Json.integer(
            Json.object(p.get("stats"), "df pool stats").get("max_avail"), "max_avail");
      }
    }
    pools = null; // the fs may have been re-created with other pools
    throw new StorageException(
        Kind.UNAVAILABLE, "ceph df does not list data pool " + pool + " of " + where());
  }

  @Override
  public Map<String, String> volumeContext(String dir) {
    String path = paths.get(check(dir));
    if (path == null) {
      path = path(dir, adminCredentials("looking up a volume's path"));
    }
    return new CephContext(
            new VolumeId(config.name(), dir),
            config.monitors(),
            config.fsName(),
            config.subvolumeGroup(),
            path,
            config.mounter(),
            config.fuseMountOptions())
        .toMap();
  }

  /**
   * Why the cluster cannot serve, checked now (a mgr round trip). Without adminSecretDir there are
   * no credentials to check with: then nothing is reported.
   */
  @Override
  public Optional<String> unhealthyReason() {
    if (config.adminSecretDir().isEmpty()) {
      return Optional.empty();
    }
    try {
      client.run(
          CephCommand.mgr("fs subvolumegroup ls").with("vol_name", config.fsName()),
          CephCredentials.fromDir(Path.of(config.adminSecretDir())));
      return Optional.empty();
    } catch (CephError e) {
      if (e.errno() == CephError.ENOENT) {
        return Optional.of(
            "CephFS " + config.fsName() + " does not exist (any more): " + e.getMessage());
      }
      return Optional.of(
          "Ceph cluster at " + String.join(",", config.monitors()) + " fails: " + e.getMessage());
    } catch (StorageException e) {
      // unreachable, or its mgr silent: the message says which
      return Optional.of(
          "Ceph cluster at " + String.join(",", config.monitors()) + ": " + e.getMessage());
    }
  }

  /** Closes the client (connections, keyring directory). */
  @Override
  public void close() {
    client.close();
  }

  // --- records -------------------------------------------------------------------------------

  private Optional<SubvolumeRecord> read(String dir, CephCredentials credentials) {
    if (omap != null) {
      OmapRecords.Entry entry = records(credentials).get(dir, credentials);
      if (entry.isEmpty()) {
        rememberAbsent(dir);
      } else {
        absent.remove(dir);
      }
      entry.committed().ifPresent(r -> paths.put(dir, r.path()));
      return entry.committed();
    }
    Optional<Map<String, Object>> found = metadataIfExists(dir, credentials);
    if (found.isEmpty()) {
      rememberAbsent(dir);
      return Optional.empty();
    }
    absent.remove(dir);
    Map<String, Object> metadata = found.get();
    if (metadata.containsKey(ARCHIVED_KEY)) {
      return Optional.empty();
    }
    Optional<SubvolumeRecord> record = decode(dir, metadata);
    record.ifPresent(r -> paths.put(dir, r.path()));
    return record;
  }

  /**
   * Whether a lookup found no subvolume {@code dir} (no record of any kind, in omap) within the
   * last {@link #ABSENT_TTL_MS}: the lookup CreateVolume makes (under the volume's lock) just
   * before it creates, so that the create need not ask again (a mgr command with metadata records,
   * an omap read with omap records). Taken once.
   */
  private void rememberAbsent(String dir) {
    long now = clock.millis();
    if (absent.size() >= 1024) { // lookups no create followed (DeleteVolume retries): forget them
      absent.values().removeIf(at -> now - at >= ABSENT_TTL_MS);
    }
    absent.put(dir, now);
  }

  private boolean lookedUpAbsent(String dir) {
    Long at = absent.remove(dir);
    return at != null && clock.millis() - at < ABSENT_TTL_MS;
  }

  private Optional<SubvolumeRecord> decode(String dir, Map<String, Object> metadata) {
    Object value = metadata.get(RECORD_KEY);
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(SubvolumeRecord.decode(Json.string(value, RECORD_KEY)));
    } catch (IllegalArgumentException e) {
      throw StorageException.internal(
          "subvolume %s of %s has a %s metadata value Mooring cannot read (%s);"
              + " fix or remove it with 'ceph fs subvolume metadata rm'",
          dir, where(), RECORD_KEY, e.getMessage());
    }
  }

  /** The subvolume's metadata, or empty when there is no such subvolume. */
  private Optional<Map<String, Object>> metadataIfExists(String dir, CephCredentials credentials) {
    try {
      return Optional.of(metadata(dir, credentials));
    } catch (CephError e) {
      if (e.errno() != CephError.ENOENT) {
        throw e;
      }
      return Optional.empty();
    }
  }

  private Map<String, Object> metadata(String dir, CephCredentials credentials) {
    String out = client.run(subvolume("fs subvolume metadata ls", dir), credentials);
    return Json.object(parse(out, "subvolume metadata ls"), "subvolume metadata ls");
  }

  private void setMetadata(String dir, String key, String value, CephCredentials credentials) {
    client.run(
        subvolume("fs subvolume metadata set", dir).with("key_name", key).with("value", value),
        credentials);
  }

  /**
   * The subvolume's path, from the mgr. It stays a mgr round trip, measured against the ways around
   * it (Pacific 16.2.15, one librados connection, python3-rados/cephfs): {@code getpath} costs 4.5
   * ms p50 after a 26-30 ms {@code subvolume create}, and 5% of the creates/s with 100 in flight
   * (35.7 -> 33.5/s, 27.9 -> 26.6/s): the mgr's time goes to create. Reading the path from the
   * subvolume's {@code .meta} over libcephfs on the same handle (ceph_create_from_rados, which
   * needs MDS caps) took 0.9-4.6 s p50 right after the create, while the MDS recalls the caps of
   * that file from the mgr's client; listing the subvolume's directory took 12.6 ms and slowed the
   * creates, and is not the path where a subvolume has more than one directory (retained
   * snapshots). {@code .meta}'s format is the volumes module's own, too; getpath is its interface.
   */
  private String getpath(String dir, CephCredentials credentials) {
    String out = client.run(subvolume("fs subvolume getpath", dir), credentials).strip();
    if (out.startsWith("\"")) {
      out = Json.string(parse(out, "subvolume getpath"), "subvolume getpath");
    }
    if (!out.startsWith("/")) {
      throw StorageException.internal(
          "ceph fs subvolume getpath %s answered '%s', not a path", dir, out);
    }
    return out;
  }

  private void ensureGroup(CephCredentials credentials) {
    if (groupReady.get()) {
      return;
    }
    synchronized (groupReady) {
      if (!groupReady.get()) {
        // idempotent in Ceph: an existing group is left as it is
        try {
          client.run(
              CephCommand.mgr("fs subvolumegroup create")
                  .with("vol_name", config.fsName())
                  .with("group_name", config.subvolumeGroup()),
              credentials);
        } catch (CephError e) {
          if (e.errno() == CephError.ENOENT) {
            throw new StorageException(
                Kind.FAILED_PRECONDITION,
                "CephFS "
                    + config.fsName()
                    + " does not exist:"
                    + " check fsName of backend "
                    + config.name()
                    + " ("
                    + e.getMessage()
                    + ")");
          }
          throw e;
        }
        groupReady.set(true);
      }
    }
  }

  /** The file system's metadata pool and first data pool ({@code fs ls}, asked once). */
  private record Pools(String metadata, String data) {}

  private Pools pools(CephCredentials credentials) {
    Pools known = pools;
    if (known != null) {
      return known;
    }
    for (Object entry :
        Json.array(parse(client.run(CephCommand.mon("fs ls"), credentials), "fs ls"), "fs ls")) {
      Map<String, Object> fs = Json.object(entry, "fs ls entry");
      if (config.fsName().equals(fs.get("name"))) {
        List<Object> data = Json.array(fs.get("data_pools"), "data_pools");
        if (data.isEmpty()) {
          break;
        }
        known =
            new Pools(
                Json.string(fs.get("metadata_pool"), "metadata_pool"),
                Json.string(data.get(0), "data pool"));
        pools = known;
        return known;
      }
    }
    throw new StorageException(
        Kind.FAILED_PRECONDITION,
        "CephFS "
            + config.fsName()
            + " does not exist (or has no data pool): check fsName of backend "
            + config.name());
  }

  // --- commands and credentials ---------------------------------------------------------------

  private CephCommand group(String prefix) {
    return CephCommand.mgr(prefix)
        .with("vol_name", config.fsName())
        .with("group_name", config.subvolumeGroup());
  }

  /** A command on snapshot {@code snapshot} of subvolume {@code dir}. */
  CephCommand snapshot(String prefix, String dir, String snapshot) {
    return subvolume(prefix, dir).with("snap_name", snapshot);
  }

  CephCommand subvolume(String prefix, String dir) {
    return CephCommand.mgr(prefix)
        .with("vol_name", config.fsName())
        .with("sub_name", dir)
        .with("group_name", config.subvolumeGroup());
  }

  private static Object parse(String json, String what) {
    try {
      return Json.parse(json);
    } catch (IllegalArgumentException e) {
      throw StorageException.internal(
          "cannot parse the answer of ceph %s: %s", what, e.getMessage());
    }
  }

  /** The request's credentials, else adminSecretDir's. */
  CephCredentials credentials(Map<String, String> secrets, String what) {
    Optional<CephCredentials> fromRequest =
        CephCredentials.fromSecrets(secrets, CephCredentials.ADMIN_ID, CephCredentials.ADMIN_KEY);
    if (fromRequest.isPresent()) {
      return fromRequest.get();
    }
    if (!config.adminSecretDir().isEmpty()) {
      return CephCredentials.fromDir(Path.of(config.adminSecretDir()));
    }
    throw StorageException.invalid(
        "%s on Ceph backend %s needs credentials: secrets %s and %s in the request"
            + " (csi.storage.k8s.io/provisioner-secret-name and -namespace, and the"
            + " controller-expand ones, in the StorageClass) or adminSecretDir in the backends"
            + " file",
        what, config.name(), CephCredentials.ADMIN_ID, CephCredentials.ADMIN_KEY);
  }

  /** adminSecretDir's credentials, for requests that carry none. */
  CephCredentials adminCredentials(String what) {
    if (config.adminSecretDir().isEmpty()) {
      throw new StorageException(
          Kind.FAILED_PRECONDITION,
          what
              + " on Ceph backend "
              + config.name()
              + " needs credentials and the request has none: set adminSecretDir in the backends"
              + " file to a mounted Secret with "
              + CephCredentials.ADMIN_ID
              + " and "
              + CephCredentials.ADMIN_KEY);
    }
    return CephCredentials.fromDir(Path.of(config.adminSecretDir()));
  }

  private String where() {
    return "CephFS " + config.fsName() + " group " + config.subvolumeGroup();
  }

  private static String check(String dir) {
    if (!VolumeNames.isName(dir)) {
      throw StorageException.invalid("%s is not a Mooring volume name", dir);
    }
    return dir;
  }
}
