package io.mooring.node.ceph;

import io.mooring.errors.StorageException;
import io.mooring.volume.VolumeId;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the node keeps on disk about its ceph-fuse clients, under {@code <stateDir>/cephfs/}: per
 * client {@code <name>/mnt} (the mount point), {@code client} (what a remount needs: monitors, file
 * system, path, user, options; no key), {@code instance} (the running ceph-fuse's session ID) and
 * {@code ceph-fuse.log}; per volume on a shared client {@code <backend>/<volume dir>/shared} (the
 * client and the volume's directory on it). Records are properties files of validated values (no
 * '=', newline or backslash), written whole (rename).
 */
final class CephClientFiles {

  /** A volume served by a shared client: the client, and the root of the volume's binds on it. */
  record SharedVolume(String client, String root) {}

  private static final String MOUNT_POINT = "mnt";
  private static final String RECORD = "client";
  private static final String LOG_FILE = "ceph-fuse.log";
  private static final String INSTANCE = "instance";
  private static final String SHARED = "shared";

  private final Path root;

  /**
   * @param stateDir canonical (symbolic links resolved), as mountinfo shows paths
   */
  CephClientFiles(Path stateDir) {
    this.root = stateDir.resolve("cephfs");
  }

  /** The directory the records live in, for messages. */
  Path root() {
    return root;
  }

  Path mountPoint(String client) {
    return dir(client).resolve(MOUNT_POINT);
  }

  Path log(String client) {
    return dir(client).resolve(LOG_FILE);
  }

  boolean hasRecord(String client) {
    return Files.exists(dir(client).resolve(RECORD));
  }

  /** The client whose mount point this is, if it is one: {@code <root>/<backend>/<name>/mnt}. */
  Optional<String> clientAt(Path mountPoint) {
    if (mountPoint.getNameCount() == root.getNameCount() + 3
        && mountPoint.startsWith(root)
        && mountPoint.getFileName().toString().equals(MOUNT_POINT)) {
      return Optional.of(
          mountPoint.getName(root.getNameCount())
              + "/"
              + mountPoint.getName(root.getNameCount() + 1));
    }
    return Optional.empty();
  }

  /** Clients with a record. */
  Set<String> recorded() {
    Set<String> out = new TreeSet<>();
    for (Path backend : list(root)) {
      for (Path client : list(backend)) {
        if (Files.exists(client.resolve(RECORD))) {
          out.add(backend.getFileName() + "/" + client.getFileName());
        }
      }
    }
    return out;
  }

  Optional<CephFuse.Mount> mount(String client) {
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
    return Optional.of(
        new CephFuse.Mount(
            Arrays.asList(monitors.split(",")), fsName, path, user, p.getProperty("options", "")));
  }

  /**
   * @param keyring where the key is, for whoever reads the record
   */
  void writeMount(String client, CephFuse.Mount mount, Path keyring) {
    createDirectories(dir(client));
    writeAtomically(
        dir(client).resolve(RECORD),
        "# what Mooring needs to mount this ceph-fuse client again; the key"
            + " is in "
            + keyring
            + "\n"
            + "monitors="
            + String.join(",", mount.monitors())
            + "\n"
            + "fsName="
            + mount.fsName()
            + "\n"
            + "path="
            + mount.path()
            + "\n"
            + "user="
            + mount.userId()
            + "\n"
            + "options="
            + mount.options()
            + "\n");
  }

  /** The ID of the client's last ceph-fuse instance, if one was started. */
  Optional<String> instance(String client) {
    Path file = dir(client).resolve(INSTANCE);
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8).strip();
      return text.matches("[0-9a-f-]{36}") ? Optional.of(text) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw StorageException.internal("cannot read %s: %s", file, e.getMessage());
    }
  }

  /** Records the instance about to be started, and makes its mount point. */
  void startInstance(String client, String instance) {
    createDirectories(mountPoint(client));
    writeAtomically(dir(client).resolve(INSTANCE), instance + "\n");
  }

  /** Deletes the client's records, its log and its (unmounted) mount point. */
  void forget(String client) {
    Path dir = dir(client);
    try {
      Files.deleteIfExists(dir.resolve(RECORD));
      Files.deleteIfExists(dir.resolve(INSTANCE));
      Files.deleteIfExists(dir.resolve(LOG_FILE));
    } catch (IOException e) {
      throw StorageException.internal(
          "cannot remove the records of ceph-fuse client %s in %s: %s",
          client, dir, e.getMessage());
    }
    deleteEmpty(List.of(dir.resolve(MOUNT_POINT), dir, dir.getParent()));
  }

  /** The shared client the volume was staged on, if it was. */
  Optional<SharedVolume> shared(VolumeId id) {
    Path file = sharedRecord(id);
    Optional<Properties> p = properties(file);
    if (p.isEmpty()) {
      return Optional.empty();
    }
    String client = p.get().getProperty("client");
    String bindRoot = p.get().getProperty("root");
    if (client == null || bindRoot == null || !client.startsWith(id.backend() + "/")) {
      throw StorageException.internal("%s is damaged; unmount the volume's mounts by hand", file);
    }
    return Optional.of(new SharedVolume(client, bindRoot));
  }

  void writeShared(VolumeId id, SharedVolume volume) {
    createDirectories(sharedRecord(id).getParent());
    writeAtomically(
        sharedRecord(id),
        "# the ceph-fuse client this volume is staged on, and its directory there\n"
            + "client="
            + volume.client()
            + "\nroot="
            + volume.root()
            + "\n");
  }

  /** Deletes the volume's shared-client record and the directories it leaves empty. */
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
    return root.resolve(id.backend()).resolve(id.dir()).resolve(SHARED);
  }

  private Path dir(String client) {
    return root.resolve(client);
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
}
