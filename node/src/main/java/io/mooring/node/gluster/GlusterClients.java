package io.mooring.node.gluster;

import io.mooring.errors.StorageException;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import io.mooring.mount.Mounter;
import io.mooring.node.ClientKind;
import io.mooring.node.ClientLimits;
import io.mooring.node.NodePaths;
import io.mooring.node.SharedMounts;
import io.mooring.volume.GlusterContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The glusterfs FUSE clients: one per Gluster backend, mounted at {@code
 * <stateDir>/mounts/<backend>} and named by the backend; each volume of the backend is a bind of
 * its directory on that client.
 *
 * <p>In mountinfo a bind of a subdirectory shows the same device (major:minor) as its client,
 * fsType {@code fuse.glusterfs}, source {@code server:/volume} and, as {@code root}, the directory
 * inside the Gluster volume. So the binds of a backend are the entries on its client's device, and
 * a bind whose client mount is gone is one of the same Gluster volume on a device that no longer
 * has a root mount. The only record kept is the full mount source ({@link MountSources}).
 */
public final class GlusterClients implements ClientKind {

  private final Path mountsDir;
  private final MountSources sources;
  private final Mounter mounter;
  private final ClientLimits limits;

  /**
   * @param stateDir canonical (symbolic links resolved), as mountinfo shows paths
   */
  public GlusterClients(Path stateDir, Mounter mounter, ClientLimits limits) {
    this.mountsDir = stateDir.resolve("mounts");
    this.sources = new MountSources(stateDir.resolve("sources"));
    this.mounter = mounter;
    this.limits = limits;
  }

  @Override
  public String describe(String backend) {
    return "the glusterfs client of backend " + backend;
  }

  @Override
  public String backend(String client) {
    return client;
  }

  @Override
  public boolean listOnProbe() {
    return false;
  }

  @Override
  public ClientLimits limits() {
    return limits;
  }

  @Override
  public Path path(String backend) {
    return mountsDir.resolve(backend);
  }

  @Override
  public Set<String> clients(MountTable table) {
    Set<String> out =
        table.entries().stream()
            .filter(
                e ->
                    e.isFuse(GlusterContext.MOUNT_TYPE)
                        && mountsDir.equals(e.mountPoint().getParent()))
            .map(e -> e.mountPoint().getFileName().toString())
            .collect(Collectors.toCollection(TreeSet::new));
    out.addAll(sources.backends());
    return out;
  }

  @Override
  public SharedMounts.View view(MountTable table, String backend) {
    Path path = path(backend);
    Optional<MountEntry> client = table.at(path).filter(e -> e.isFuse(GlusterContext.MOUNT_TYPE));
    Optional<String> volume =
        client.map(MountEntry::source).or(() -> sources.get(backend)).map(GlusterContext::volumeOf);
    if (volume.isEmpty()) {
      return new SharedMounts.View(client, List.of());
    }
    Set<String> rootedDevices =
        table.entries().stream()
            .filter(e -> e.root().equals("/"))
            .map(MountEntry::device)
            .collect(Collectors.toSet());
    List<MountEntry> binds =
        table.entries().stream()
            .filter(e -> !e.mountPoint().equals(path) && e.isFuse(GlusterContext.MOUNT_TYPE))
            .filter(e -> GlusterContext.volumeOf(e.source()).equals(volume.get()))
            .filter(
                e ->
                    client.map(c -> c.device().equals(e.device())).orElse(false)
                        || !rootedDevices.contains(e.device()))
            .toList();
    return new SharedMounts.View(client, binds);
  }

  /**
   * Records where the volume's backend is mounted from, unless its client is up already.
   *
   * @return the client's name
   * @throws StorageException FAILED_PRECONDITION when the backend's client serves another Gluster
   *     volume
   */
  String prepare(GlusterContext volume) {
    String backend = volume.id().backend();
    Optional<MountEntry> client = view(mounter.table(), backend).client();
    if (client.isPresent()
        && !GlusterContext.volumeOf(client.get().source()).equals(volume.volume())) {
      throw new StorageException(
          StorageException.Kind.FAILED_PRECONDITION,
          "backend "
              + backend
              + " is mounted from Gluster volume "
              + GlusterContext.volumeOf(client.get().source())
              + " on this node, but the"
              + " volume_context names "
              + volume.volume()
              + "; unstage that backend's volumes first");
    }
    if (client.isEmpty() || sources.get(backend).isEmpty()) {
      sources.put(backend, volume.source());
    }
    return backend;
  }

  /**
   * The volume's directory on its (mounted) client.
   *
   * @throws StorageException NOT_FOUND when the directory does not exist
   */
  Path directory(GlusterContext volume) {
    return NodePaths.existingDirectory(
        path(volume.id().backend()), volume.path(), "Gluster volume " + volume.volume());
  }

  @Override
  public void mount(String backend, Optional<Path> cgroup) {
    Path path = path(backend);
    String source =
        sources
            .get(backend)
            .orElseThrow(
                () ->
                    StorageException.internal(
                        "no mount source recorded for backend %s; stage one of its volumes again",
                        backend));
    try {
      Files.createDirectories(path);
    } catch (IOException e) {
      throw StorageException.internal("cannot create %s: %s", path, e.getMessage());
    }
    mounter.mount(source, path, GlusterContext.MOUNT_TYPE, options(limits), cgroup);
  }

  /**
   * mount.glusterfs options that bound the client's caches: {@code lru-limit}, the inodes the FUSE
   * bridge keeps, and {@code cache-size} of quick-read and io-cache, the xlators that cache file
   * data (quick-read, on by default, keeps up to 128 MB otherwise). mount.glusterfs passes a single
   * {@code xlator-option}, so it names the option for every xlator ({@code *}); the others ignore
   * it.
   */
  static List<String> options(ClientLimits limits) {
    List<String> out = new ArrayList<>();
    if (limits.inodes() > 0) {
      out.add("lru-limit=" + limits.inodes());
    }
    if (limits.cacheBytes() > 0) {
      out.add("xlator-option=*.cache-size=" + limits.cacheBytes());
    }
    return out;
  }

  @Override
  public void forget(String backend) {
    sources.remove(backend);
  }
}
