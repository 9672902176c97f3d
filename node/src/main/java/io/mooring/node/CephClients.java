package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.ids.VolumeId;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ceph-fuse clients. A volume is served by one of two kinds of client:
 * <ul>
 *   <li><b>shared</b>: one per backend, file system, subvolume group and cephx key on the node,
 *       mounting the group ({@code -r /volumes/<group>}); each volume is a bind of its subvolume's
 *       directory on it, as Gluster volumes are. Used when the key's MDS caps cover the whole group
 *       (an admin key, or {@code ceph fs authorize <fs> client.x /volumes/<group> rw}).
 *   <li><b>own</b>: one per volume, mounting just the volume's subvolume ({@code -r <path>}). Used
 *       when the key reaches only that subvolume (least privilege: a key per volume), which ceph-fuse
 *       says by failing the group mount with EPERM; that answer is remembered for the key until the
 *       plugin restarts, so later volumes go straight to their own clients.
 * </ul>
 * Measured on Ceph 16.2 with a local cluster (2 cores): a ceph-fuse mount takes 30-45 ms; an idle
 * client has ~18 MB RSS and ~25 threads, so 50 volumes with their own clients cost ~0.9 GB of RSS and
 * 50 MDS sessions per node, against ~20 MB and one session shared. What sharing gives up:
 * <ul>
 *   <li>statfs on a ceph-fuse mount reports the quota of the <em>mount root</em>, so {@code df} in a
 *       pod shows the whole file system on a shared client (the quota is still enforced: writes past
 *       it fail with EDQUOT). NodeGetVolumeStats reads the subvolume's quota and usage from its
 *       {@code ceph.quota} attribute and its recursive size instead ({@link VolumeStats#cephUsage}).
 *   <li>one client's crash, hang or eviction takes down every volume it serves on the node (all
 *       are healed together, as a Gluster client's are).
 * </ul>
 *
 * <p>A client is named {@code <backend>/<volume dir>} (own) or {@code <backend>/_group-<hash>}
 * (shared; the hash covers file system, group, mount options, user and key, so a different key never reuses a
 * client, and no volume dir starts with '_') and lives in {@code <stateDir>/cephfs/<name>/}:
 * {@code mnt} (the mount point), {@code client} (what a remount needs: monitors, file system, path,
 * user; no key), {@code instance} (the running ceph-fuse's session ID, see {@link CephFuse#evict})
 * and {@code ceph-fuse.log}. Its key is in {@code <stateDir>/keys/} ({@link CephKeyrings}); all of
 * it goes when the client is released. A volume on a shared client has a {@code shared} record in
 * {@code <stateDir>/cephfs/<backend>/<volume dir>/}: the client and the subvolume's directory on it,
 * for the RPCs that bring no volume_context.
 *
 * <p>Healing: a client whose process died is remounted from these records (the mount is back in a
 * few hundred ms and reading goes on at once), and so is one the cluster evicted, which keeps
 * running but fails every lookup ({@link Health.State#EVICTED}; it is killed first). The MDS keeps
 * a killed client's caps until its session times out (60 s by default), and until then creating or
 * changing anything the dead client had cached waits — on every node. So a remount evicts the
 * session of the instance it replaces ({@link CephFuse#evict}); that takes an admin key, and with a
 * per-volume key writes wait out the timeout ({@code ceph fs set <fs> session_timeout} shortens it).
 *
 * <p>In mountinfo a ceph-fuse client shows fsType {@code fuse.ceph-fuse}, root {@code /} (its
 * {@code -r} path is not shown anywhere) and, as source, the {@code fsname} it was given: here
 * {@code ceph-fuse:<mount point>}, unique per client and node plugin. Its binds share its source
 * and device, with their directory below the {@code -r} path as root; so the binds of a client are
 * the entries with its source, and those on another device are stale ones, left on a dead client.
 *
 * <p>Only ceph-fuse is used: the volume context's {@code mounter: kernel} is refused until a
 * kernel mounter exists, and an empty one means ceph-fuse.
 */
final class CephClients implements ClientKind {

  private static final String MOUNT_POINT = "mnt";
  private static final String RECORD = "client";
  private static final String LOG_FILE = "ceph-fuse.log";
  private static final String INSTANCE = "instance";
  private static final String SHARED = "shared";
  private static final String SHARED_PREFIX = "_group-";
  /** A subvolume's path as the mgr makes it: the group's directory, then the subvolume's. */
  private static final Pattern SUBVOLUME = Pattern.compile("(/volumes/[A-Za-z0-9_.-]+)(/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)");
  private static final Logger LOG = LoggerFactory.getLogger(CephClients.class);
  private static final Path FILESYSTEMS = Path.of("/proc/filesystems");

  private final Path root;
  private final CephKeyrings keyrings;
  private final CephFuse fuse;
  private final Supplier<MountTable> table;
  /** Shared clients whose key turned out not to reach their group. */
  private final Set<String> notAllowed = ConcurrentHashMap.newKeySet();

  /**
   * @param stateDir canonical (symbolic links resolved), as mountinfo shows paths
   * @param table the current mount table
   */
  CephClients(Path stateDir, CephFuse fuse, Supplier<MountTable> table) {
    this.root = stateDir.resolve("cephfs");
    this.keyrings = new CephKeyrings(stateDir.resolve("keys"));
    this.fuse = fuse;
    this.table = table;
  }

  /** The client a CephFS volume is served by. */
  static String name(VolumeId id) {
    return id.backend() + "/" + id.dir();
  }

  @Override
  public String describe(String client) {
    String[] parts = client.split("/", 2);
    return isShared(client) ? "the shared ceph-fuse client " + parts[1] + " of backend " + parts[0]
        : "the ceph-fuse client of volume " + parts[1] + " (backend " + parts[0] + ")";
  }

  @Override
  public String backend(String client) {
    return client.substring(0, client.indexOf('/'));
  }

  /** An evicted ceph-fuse runs on but fails every lookup; reading one entry of a volume's root is cheap. */
  @Override
  public boolean listOnProbe() {
    return true;
  }

  @Override
  public Path path(String client) {
    return dir(client).resolve(MOUNT_POINT);
  }

  /** What the client's mount and its binds show as their source. */
  String source(String client) {
    return "ceph-fuse:" + path(client);
  }

  /** Whether the volume has its own client here: on record or in the mount table. */
  boolean hasOwn(MountTable table, VolumeId id) {
    String client = name(id);
    if (Files.exists(dir(client).resolve(RECORD))) {
      return true;
    }
    SharedMounts.View view = view(table, client);
    return view.client().isPresent() || !view.binds().isEmpty();
  }

  @Override
  public Set<String> clients(MountTable table) {
    Set<String> out = new TreeSet<>();
    for (MountEntry e : table.entries()) {
      Path p = e.mountPoint();
      if (e.isFuse(CephFuse.SUBTYPE) && p.getNameCount() == root.getNameCount() + 3 && p.startsWith(root)
          && p.getFileName().toString().equals(MOUNT_POINT)) {
        out.add(p.getName(root.getNameCount()) + "/" + p.getName(root.getNameCount() + 1));
      }
    }
    for (Path backend : list(root)) {
      for (Path volume : list(backend)) {
        if (Files.exists(volume.resolve(RECORD))) {
          out.add(backend.getFileName() + "/" + volume.getFileName());
        }
      }
    }
    return out;
  }

  @Override
  public SharedMounts.View view(MountTable table, String client) {
    Path path = path(client);
    String source = source(client);
    Optional<MountEntry> mount = table.at(path).filter(e -> e.isFuse(CephFuse.SUBTYPE) && e.source().equals(source));
    List<MountEntry> binds = table.entries().stream()
        .filter(e -> !e.mountPoint().equals(path) && e.isFuse(CephFuse.SUBTYPE) && e.source().equals(source))
        .toList();
    return new SharedMounts.View(mount, binds);
  }

  /**
   * Records what the volume's own client is to mount, unless it is mounted already: the volume's
   * place and the user's keyring, both needed again when a dead client is remounted.
   *
   * @return the client's name
   * @throws StorageException FAILED_PRECONDITION when the kernel client is asked for, or the volume's
   *     client mounts another path
   */
  String prepareOwn(CephVolume volume, CephUser user) {
    String client = name(new VolumeId(volume.backend(), volume.dir()));
    prepare(client, volume, new CephFuse.Mount(volume.monitors(), volume.fsName(), volume.path(), user.id(),
        volume.fuseOptions()), user);
    return client;
  }

  /**
   * The shared client that would serve the volume for this user: none when the volume is not a
   * subvolume of a group ({@code /volumes/<group>/<subvolume>/<uuid>}), or the user's key was found
   * not to reach the group.
   */
  Optional<String> sharedClient(CephVolume volume, CephUser user) {
    Matcher m = SUBVOLUME.matcher(volume.path());
    if (!m.matches()) {
      return Optional.empty();
    }
    String client = volume.backend() + "/" + SHARED_PREFIX
        + fingerprint(volume.fsName(), m.group(1), volume.fuseOptions(), user.id(), user.key());
    return notAllowed.contains(client) ? Optional.empty() : Optional.of(client);
  }

  /** Remembers that the key of a shared client may not mount its group. */
  void notAllowed(String client) {
    notAllowed.add(client);
  }

  static boolean isShared(String client) {
    return client.startsWith(SHARED_PREFIX, client.indexOf('/') + 1);
  }

  /**
   * Records what the shared client is to mount (the volume's group), unless it is mounted already.
   *
   * @return the volume's directory on the client, as the root of its binds in mountinfo
   * @throws StorageException FAILED_PRECONDITION when the kernel client is asked for
   */
  String prepareShared(String client, CephVolume volume, CephUser user) {
    Matcher m = SUBVOLUME.matcher(volume.path());
    if (!m.matches()) {
      throw StorageException.internal("%s is no subvolume path", volume.path());
    }
    prepare(client, volume, new CephFuse.Mount(volume.monitors(), volume.fsName(), m.group(1), user.id(),
        volume.fuseOptions()), user);
    return m.group(2);
  }

  private void prepare(String client, CephVolume volume, CephFuse.Mount wanted, CephUser user) {
    if (volume.mounter().equals(CephVolume.KERNEL)) {
      throw new StorageException(StorageException.Kind.FAILED_PRECONDITION, "backend " + volume.backend()
          + " asks for the kernel CephFS client (mounter: kernel), which the Mooring node plugin does not support"
          + " yet (this node's kernel " + (kernelHasCeph() ? "has" : "has no") + " ceph module); set mounter to"
          + " fuse or leave it empty");
    }
    if (root.toString().contains(",")) {
      throw new StorageException(StorageException.Kind.FAILED_PRECONDITION, "the state dir " + root.getParent()
          + " contains a ',', which cannot go into ceph-fuse's mount options; use another --state-dir");
    }
    Optional<CephFuse.Mount> recorded = record(client);
    if (view(table.get(), client).client().isPresent() && recorded.isPresent()) {
      if (!recorded.get().path().equals(wanted.path()) || !recorded.get().fsName().equals(wanted.fsName())) {
        throw new StorageException(StorageException.Kind.FAILED_PRECONDITION, "volume " + volume.dir()
            + " is mounted from " + recorded.get().path() + " of CephFS " + recorded.get().fsName() + " on this"
            + " node, but the volume_context names " + wanted.path() + " of " + wanted.fsName()
            + "; unstage it first");
      }
      return; // the running client keeps its user and key
    }
    createDirectories(dir(client));
    keyrings.write(keyName(client), user);
    writeRecord(client, wanted);
  }

  /** A volume served by a shared client: the client, and the root of the volume's binds on it. */
  record SharedVolume(String client, String root) {}

  /** The shared client the volume was staged on, if it was. */
  Optional<SharedVolume> sharedOf(VolumeId id) {
    Optional<Properties> p = properties(sharedRecord(id));
    if (p.isEmpty()) {
      return Optional.empty();
    }
    String client = p.get().getProperty("client");
    String bindRoot = p.get().getProperty("root");
    if (client == null || bindRoot == null || !isShared(client) || !client.startsWith(id.backend() + "/")) {
      throw StorageException.internal("%s is damaged; unmount the volume's mounts by hand", sharedRecord(id));
    }
    return Optional.of(new SharedVolume(client, bindRoot));
  }

  /** Notes that the volume is staged on a shared client, before its first bind is made. */
  void recordShared(VolumeId id, SharedVolume volume) {
    createDirectories(sharedRecord(id).getParent());
    writeAtomically(sharedRecord(id), "# the ceph-fuse client this volume is staged on, and its directory there\n"
        + "client=" + volume.client() + "\nroot=" + volume.root() + "\n");
  }

  /** Deletes the volume's {@link #recordShared} record and the directories it leaves empty. */
  void forgetShared(VolumeId id) {
    Path file = sharedRecord(id);
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw StorageException.internal("cannot delete %s: %s", file, e.getMessage());
    }
    deleteEmpty(List.of(file.getParent(), file.getParent().getParent()));
  }

  private Path sharedRecord(VolumeId id) {
    return root.resolve(name(id)).resolve(SHARED);
  }

  /** Names a shared client without revealing anything of the key. */
  private static String fingerprint(String... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : parts) {
        sha.update(part.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  @Override
  public void mount(String client) {
    CephFuse.Mount mount = record(client).orElseThrow(() -> StorageException.internal(
        "nothing recorded about %s; stage the volume again", describe(client)));
    CephUser user = keyrings.read(keyName(client)).orElseThrow(() -> StorageException.internal(
        "the keyring of %s is gone; stage the volume again", describe(client)));
    Path path = path(client);
    Path keyring = keyrings.file(keyName(client));
    Optional<String> previous = readInstance(client);
    String instance = UUID.randomUUID().toString();
    try {
      Files.createDirectories(path);
      Files.writeString(dir(client).resolve(INSTANCE), instance + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw StorageException.internal("cannot prepare %s: %s", dir(client), e.getMessage());
    }
    fuse.mount(mount, user.key(), keyring, path, source(client), dir(client).resolve(LOG_FILE), instance);
    if (previous.isPresent()) {
      // the client this one replaces is gone (SharedMounts mounts only where none runs): release its caps
      try {
        fuse.evict(mount, user.key(), keyring, previous.get());
        LOG.info("evicted the MDS session of the previous instance of {}", describe(client));
      } catch (StorageException e) {
        LOG.warn("could not evict the MDS session of the previous instance of {} ({}): until CephFS {} times it"
            + " out (session_timeout, 60 s by default), creating or changing files it had cached waits",
            describe(client), e.getMessage(), mount.fsName());
      }
    }
  }

  private Optional<String> readInstance(String client) {
    try {
      String text = Files.readString(dir(client).resolve(INSTANCE), StandardCharsets.UTF_8).strip();
      return text.matches("[0-9a-f-]{36}") ? Optional.of(text) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw StorageException.internal("cannot read %s: %s", dir(client).resolve(INSTANCE), e.getMessage());
    }
  }

  /** Deletes the keyring, the record, the log and the (unmounted) mount point. */
  @Override
  public void forget(String client) {
    keyrings.delete(keyName(client));
    Path dir = dir(client);
    try {
      Files.deleteIfExists(dir.resolve(RECORD));
      Files.deleteIfExists(dir.resolve(INSTANCE));
      Files.deleteIfExists(dir.resolve(LOG_FILE));
    } catch (IOException e) {
      throw StorageException.internal("cannot remove the records of %s in %s: %s", describe(client), dir,
          e.getMessage());
    }
    deleteEmpty(List.of(dir.resolve(MOUNT_POINT), dir, dir.getParent()));
  }

  /**
   * Deletes these directories in turn while they are empty. Not recursive, and rmdir of a mount
   * point fails (EBUSY): nothing mounted is ever deleted.
   */
  private static void deleteEmpty(List<Path> dirs) {
    for (Path empty : dirs) {
      try {
        Files.deleteIfExists(empty);
      } catch (DirectoryNotEmptyException e) {
        return; // the backend's other volumes, or something left in an unmounted mount point
      } catch (IOException e) {
        throw StorageException.internal("cannot remove %s: %s", empty, e.getMessage());
      }
    }
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw StorageException.internal("cannot create %s: %s", dir, e.getMessage());
    }
  }

  private Path dir(String client) {
    return root.resolve(client);
  }

  private static String keyName(String client) {
    return client.replace('/', '.');
  }

  private Optional<CephFuse.Mount> record(String client) {
    Path file = dir(client).resolve(RECORD);
    Optional<Properties> record = properties(file);
    if (record.isEmpty()) {
      return Optional.empty();
    }
    Properties p = record.get();
    String monitors = p.getProperty("monitors");
    String fsName = p.getProperty("fsName");
    String path = p.getProperty("path");
    String user = p.getProperty("user");
    if (monitors == null || fsName == null || path == null || user == null) {
      throw StorageException.internal("%s is damaged; unstage and stage the volume again", file);
    }
    return Optional.of(new CephFuse.Mount(Arrays.asList(monitors.split(",")), fsName, path, user,
        p.getProperty("options", "")));
  }

  /** Validated values only (no '=', newline or backslash), so plain lines are valid properties. */
  private void writeRecord(String client, CephFuse.Mount mount) {
    Path file = dir(client).resolve(RECORD);
    String text = "# what Mooring needs to mount this ceph-fuse client again; the key is in "
        + keyrings.file(keyName(client)) + "\n"
        + "monitors=" + String.join(",", mount.monitors()) + "\n"
        + "fsName=" + mount.fsName() + "\n"
        + "path=" + mount.path() + "\n"
        + "user=" + mount.userId() + "\n"
        + "options=" + mount.options() + "\n";
    writeAtomically(file, text);
  }

  private static Optional<Properties> properties(Path file) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
      return Optional.of(p);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw StorageException.internal("cannot read %s: %s", file, e.getMessage());
    }
  }

  private static void writeAtomically(Path file, String text) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw StorageException.internal("cannot write %s: %s", file, e.getMessage());
    }
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(Files::isDirectory).sorted().toList();
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw StorageException.internal("cannot list %s: %s", dir, e.getMessage());
    }
  }

  /** Whether this node's kernel has a CephFS client, for messages. */
  private static boolean kernelHasCeph() {
    try (Stream<String> lines = Files.lines(FILESYSTEMS)) {
      return lines.map(String::strip).anyMatch(l -> l.equals("ceph") || l.matches(".*\\sceph"));
    } catch (IOException e) {
      return false;
    }
  }
}
