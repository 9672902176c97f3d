package io.mooring.node.ceph;

import io.mooring.ceph.CephCredentials;
import io.mooring.ceph.Keyrings;
import io.mooring.errors.StorageException;
import io.mooring.mount.Health;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import io.mooring.node.ClientKind;
import io.mooring.node.ClientLimits;
import io.mooring.node.SharedMounts;
import io.mooring.volume.CephContext;
import io.mooring.volume.VolumeId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ceph-fuse clients. A volume is served by one of two kinds of client:
 *
 * <ul>
 *   <li><b>shared</b>: one per backend, file system, subvolume group and cephx key on the node,
 *       mounting the group ({@code -r /volumes/<group>}); each volume is a bind of its subvolume's
 *       directory on it, as Gluster volumes are. Used when the key's MDS caps cover the whole group
 *       (an admin key, or {@code ceph fs authorize <fs> client.x /volumes/<group> rw}).
 *   <li><b>own</b>: one per volume, mounting just the volume's subvolume ({@code -r <path>}). Used
 *       when the key reaches only that subvolume (least privilege: a key per volume), which
 *       ceph-fuse says by failing the group mount with EPERM; that answer is remembered for the key
 *       until the plugin restarts, so later volumes go straight to their own clients.
 * </ul>
 *
 * Measured on Ceph 16.2 with a local cluster (2 cores): a ceph-fuse mount takes 30-45 ms; an idle
 * client has ~18 MB RSS and ~25 threads, so 50 volumes with their own clients cost ~0.9 GB of RSS
 * and 50 MDS sessions per node, against ~20 MB and one session shared. What sharing gives up:
 *
 * <ul>
 *   <li>statfs on a ceph-fuse mount reports the quota of the <em>mount root</em>, so {@code df} in
 *       a pod shows the whole file system on a shared client (the quota is still enforced: writes
 *       past it fail with EDQUOT). The kernel does send STATFS for the inode asked about (the
 *       bind's directory), but ceph-fuse's {@code ll_statfs} ignores it and takes the quota realm
 *       of the client's root; {@code client_quota_df} (on by default) only chooses between that
 *       quota and the whole cluster. No option makes it answer per directory (Ceph 16.2, and
 *       upstream until ceph/ceph#64864, open in 2025). NodeGetVolumeStats reads the subvolume's
 *       quota and usage from its {@code ceph.quota} attribute and its recursive size instead
 *       ({@link io.mooring.node.VolumeStats#cephUsage}).
 *   <li>one client's crash, hang or eviction takes down every volume it serves on the node (all are
 *       healed together, as a Gluster client's are).
 * </ul>
 *
 * <p>A client is named {@code <backend>/<volume dir>} (own) or {@code <backend>/_group-<hash>}
 * (shared; the hash covers file system, group, mount options, user and key, so a different key
 * never reuses a client, and no volume dir starts with '_'). Its mount point, records and log are
 * in {@link CephClientFiles}, its key in a keyring under {@code <stateDir>/keys}; all of it goes
 * when the client is released. A volume on a shared client has a record of its own there, for the
 * RPCs that bring no volume_context.
 *
 * <p>Healing: a client whose process died is remounted from these records (the mount is back in a
 * few hundred ms and reading goes on at once), and so is one the cluster evicted, which keeps
 * running but fails every lookup ({@link Health.State#EVICTED}; it is killed first). The MDS keeps
 * a killed client's caps until its session times out (60 s by default), and until then creating or
 * changing anything the dead client had cached waits — on every node. So a remount evicts the
 * session of the instance it replaces ({@link CephFuse#evict}); that takes an admin key, and with a
 * per-volume key writes wait out the timeout ({@code ceph fs set <fs> session_timeout} shortens
 * it).
 *
 * <p>In mountinfo a ceph-fuse client shows fsType {@code fuse.ceph-fuse}, root {@code /} (its
 * {@code -r} path is not shown anywhere) and, as source, the {@code fsname} it was given: here
 * {@code ceph-fuse:<mount point>}, unique per client and node plugin. Its binds share its source
 * and device, with their directory below the {@code -r} path as root; so the binds of a client are
 * the entries with its source, and those on another device are stale ones, left on a dead client.
 *
 * <p>Only ceph-fuse is used: the volume context's {@code mounter: kernel} is refused until a kernel
 * mounter exists, and an empty one means ceph-fuse.
 */
public final class CephClients implements ClientKind {

  private static final String SHARED_PREFIX = "_group-";

  private static final Logger LOG = LoggerFactory.getLogger(CephClients.class);
  private static final Path FILESYSTEMS = Path.of("/proc/filesystems");

  private final CephClientFiles files;

  /**
   * A keyring stays while its client is mounted: healing a dead client means mounting it again, and
   * no RPC brings the key then. That exposes nothing new to root on the node (ceph-fuse holds the
   * key in memory, the kubelet can read the Secret), but it does put the key on the node's disk for
   * as long as the volume is staged.
   */
  private final Keyrings keyrings;

  private final CephFuse fuse;
  private final Supplier<MountTable> table;

  /** Shared clients whose key turned out not to reach their group. */
  private final Set<String> notAllowed = ConcurrentHashMap.newKeySet();

  /**
   * @param stateDir canonical (symbolic links resolved), as mountinfo shows paths
   * @param table the current mount table
   */
  public CephClients(Path stateDir, CephFuse fuse, Supplier<MountTable> table) {
    this.files = new CephClientFiles(stateDir);
    this.keyrings = new Keyrings(stateDir.resolve("keys"));
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
    return isShared(client)
        ? "the shared ceph-fuse client " + parts[1] + " of backend " + parts[0]
        : "the ceph-fuse client of volume " + parts[1] + " (backend " + parts[0] + ")";
  }

  @Override
  public String backend(String client) {
    return client.substring(0, client.indexOf('/'));
  }

  /**
   * An evicted ceph-fuse runs on but fails every lookup; reading one entry of a volume's root is
   * cheap.
   */
  @Override
  public boolean listOnProbe() {
    return true;
  }

  @Override
  public ClientLimits limits() {
    return fuse.limits();
  }

  @Override
  public Path path(String client) {
    return files.mountPoint(client);
  }

  /** What the client's mount and its binds show as their source. */
  String source(String client) {
    return "ceph-fuse:" + path(client);
  }

  /** Whether the volume has its own client here: on record or in the mount table. */
  boolean hasOwn(MountTable table, VolumeId id) {
    String client = name(id);
    if (files.hasRecord(client)) {
      return true;
    }
    SharedMounts.View view = view(table, client);
    return view.client().isPresent() || !view.binds().isEmpty();
  }

  @Override
  public Set<String> clients(MountTable table) {
    Set<String> out = new TreeSet<>(files.recorded());
    table.entries().stream()
        .filter(e -> e.isFuse(CephFuse.SUBTYPE))
        .forEach(e -> files.clientAt(e.mountPoint()).ifPresent(out::add));
    return out;
  }

  @Override
  public SharedMounts.View view(MountTable table, String client) {
    Path path = path(client);
    String source = source(client);
    Optional<MountEntry> mount =
        table.at(path).filter(e -> e.isFuse(CephFuse.SUBTYPE) && e.source().equals(source));
    List<MountEntry> binds =
        table.entries().stream()
            .filter(
                e ->
                    !e.mountPoint().equals(path)
                        && e.isFuse(CephFuse.SUBTYPE)
                        && e.source().equals(source))
            .toList();
    return new SharedMounts.View(mount, binds);
  }

  /**
   * Records what the volume's own client is to mount, unless it is mounted already: the volume's
   * place (for a volume backed by a snapshot, the snapshot's subvolume directory) and the user's
   * keyring, both needed again when a dead client is remounted.
   *
   * @return the client's name
   * @throws StorageException FAILED_PRECONDITION when the kernel client is asked for, or the
   *     volume's client mounts another path
   */
  String prepareOwn(CephContext volume, CephCredentials user) {
    String client = name(volume.id());
    prepare(
        client,
        volume,
        new CephFuse.Mount(
            volume.monitors(),
            volume.fsName(),
            volume.backingSnapshot().isPresent() ? volume.snapshotSubvolumePath() : volume.path(),
            user.id(),
            volume.fuseOptions()),
        user);
    return client;
  }

  /**
   * The shared client that would serve the volume for this user: none when the volume is not a
   * subvolume of a group ({@code /volumes/<group>/<subvolume>/<uuid>}), or the user's key was found
   * not to reach the group.
   */
  Optional<String> sharedClient(CephContext volume, CephCredentials user) {
    if (inGroup(volume).isEmpty()) {
      return Optional.empty();
    }
    String client =
        volume.id().backend()
            + "/"
            + SHARED_PREFIX
            + fingerprint(
                volume.fsName(),
                volume.groupPath(),
                volume.fuseOptions(),
                user.id(),
                user.key().base64());
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
  String prepareShared(String client, CephContext volume, CephCredentials user) {
    String root =
        inGroup(volume)
            .orElseThrow(() -> StorageException.internal("%s is no subvolume path", volume.path()));
    prepare(
        client,
        volume,
        new CephFuse.Mount(
            volume.monitors(),
            volume.fsName(),
            volume.groupPath(),
            user.id(),
            volume.fuseOptions()),
        user);
    return root;
  }

  /**
   * The volume's directory below its group's, {@code /<subvolume>/<uuid>}: the root of its binds on
   * a shared client. Empty for a subvolume path without the uuid directory, which only a client of
   * the volume's own mounts.
   */
  private static Optional<String> inGroup(CephContext volume) {
    String below = volume.path().substring(volume.groupPath().length());
    return below.indexOf('/', 1) > 0 ? Optional.of(below) : Optional.empty();
  }

  private void prepare(
      String client, CephContext volume, CephFuse.Mount wanted, CephCredentials user) {
    if (volume.mounter().equals(CephContext.KERNEL)) {
      throw new StorageException(
          StorageException.Kind.FAILED_PRECONDITION,
          "backend "
              + volume.id().backend()
              + " asks for the kernel CephFS client (mounter: kernel), which the Mooring node"
              + " plugin does not support yet (this node's kernel "
              + (kernelHasCeph() ? "has" : "has no")
              + " ceph module); set mounter to"
              + " fuse or leave it empty");
    }
    if (files.root().toString().contains(",")) {
      throw new StorageException(
          StorageException.Kind.FAILED_PRECONDITION,
          "the state dir "
              + files.root().getParent()
              + " contains a ',', which cannot go into ceph-fuse's mount options; use another"
              + " --state-dir");
    }
    Optional<CephFuse.Mount> recorded = files.mount(client);
    if (view(table.get(), client).client().isPresent() && recorded.isPresent()) {
      if (!recorded.get().path().equals(wanted.path())
          || !recorded.get().fsName().equals(wanted.fsName())) {
        throw new StorageException(
            StorageException.Kind.FAILED_PRECONDITION,
            "volume "
                + volume.id().dir()
                + " is mounted from "
                + recorded.get().path()
                + " of CephFS "
                + recorded.get().fsName()
                + " on this"
                + " node, but the volume_context names "
                + wanted.path()
                + " of "
                + wanted.fsName()
                + "; unstage it first");
      }
      return; // the running client keeps its user and key
    }
    files.writeMount(client, wanted, keyrings.write(keyName(client), user));
  }

  /** The shared client the volume was staged on, if it was. */
  Optional<CephClientFiles.SharedVolume> sharedOf(VolumeId id) {
    Optional<CephClientFiles.SharedVolume> shared = files.shared(id);
    if (shared.isPresent() && !isShared(shared.get().client())) {
      throw StorageException.internal(
          "the shared-client record of volume %s names %s, no shared client; unmount"
              + " the volume's mounts by hand",
          id, shared.get().client());
    }
    return shared;
  }

  /** Notes that the volume is staged on a shared client, before its first bind is made. */
  void recordShared(VolumeId id, CephClientFiles.SharedVolume volume) {
    files.writeShared(id, volume);
  }

  /** Deletes the volume's {@link #recordShared} record. */
  void forgetShared(VolumeId id) {
    files.forgetShared(id);
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
  public void mount(String client, Optional<Path> cgroup) {
    CephFuse.Mount mount =
        files
            .mount(client)
            .orElseThrow(
                () ->
                    StorageException.internal(
                        "nothing recorded about %s; stage the volume again", describe(client)));
    CephCredentials user =
        keyrings
            .read(keyName(client))
            .orElseThrow(
                () ->
                    StorageException.internal(
                        "the keyring of %s is gone; stage the volume again", describe(client)));
    Path path = path(client);
    Path keyring = keyrings.file(keyName(client));
    Optional<String> previous = files.instance(client);
    String instance = UUID.randomUUID().toString();
    files.startInstance(client, instance);
    fuse.mount(
        mount,
        user.key().base64(),
        keyring,
        path,
        source(client),
        files.log(client),
        instance,
        cgroup);
    if (previous.isPresent()) {
      // the client this one replaces is gone (SharedMounts mounts only where none runs): release
      // its caps
      try {
        fuse.evict(mount, user.key().base64(), keyring, previous.get());
        LOG.info("evicted the MDS session of the previous instance of {}", describe(client));
      } catch (StorageException e) {
        LOG.warn(
            "could not evict the MDS session of the previous instance of {} ({}): until CephFS {}"
                + " times it out (session_timeout, 60 s by default), creating or changing files it"
                + " had cached waits",
            describe(client),
            e.getMessage(),
            mount.fsName());
      }
    }
  }

  /** Deletes the keyring, the records, the log and the (unmounted) mount point. */
  @Override
  public void forget(String client) {
    keyrings.delete(keyName(client));
    files.forget(client);
  }

  private static String keyName(String client) {
    return client.replace('/', '.');
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
