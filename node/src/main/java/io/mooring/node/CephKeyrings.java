package io.mooring.node;

import io.mooring.errors.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keyring files for ceph-fuse, which takes keys only from files: one per client, {@code
 * <dir>/<name>.keyring}, mode 0600, in a directory only root may enter (0700).
 *
 * <p>A keyring stays while its client is mounted: healing a dead client means mounting it again,
 * and no RPC brings the key then. So a node keeps the keys of the volumes staged on it on disk, as
 * root-only files in the plugin's state dir. That exposes nothing new to root on the node
 * (ceph-fuse holds the key in memory, the kubelet can read the Secret), but it does put the key on
 * the node's disk for as long as the volume is staged. The file goes when the client is released.
 */
final class CephKeyrings {

  private static final Set<PosixFilePermission> DIR_MODE =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-------");
  private static final Pattern ENTITY = Pattern.compile("(?m)^\\[client\\.([^\\]\\s]+)\\]\\s*$");
  private static final Pattern KEY = Pattern.compile("(?m)^\\s*key\\s*=\\s*(\\S+)\\s*$");

  private final Path dir;

  CephKeyrings(Path dir) {
    this.dir = dir;
  }

  Path file(String name) {
    return dir.resolve(name + ".keyring");
  }

  /** Writes the user's keyring atomically (readers never see a partial file) and returns it. */
  Path write(String name, CephUser user) {
    Path file = file(name);
    Path tmp = null;
    try {
      privateDir();
      tmp =
          Files.createTempFile(
              dir, ".keyring-", "", PosixFilePermissions.asFileAttribute(FILE_MODE));
      Files.writeString(
          tmp, "[" + user.entity() + "]\n\tkey = " + user.key() + "\n", StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      return file;
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw StorageException.internal("cannot write keyring %s: %s", file, e.getMessage());
    }
  }

  /** The user in the client's keyring, if it has one. */
  Optional<CephUser> read(String name) {
    Path file = file(name);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw StorageException.internal("cannot read keyring %s: %s", file, e.getMessage());
    }
    Matcher entity = ENTITY.matcher(text);
    Matcher key = KEY.matcher(text);
    if (!entity.find() || !key.find() || !CephUser.wellFormed(key.group(1))) {
      throw StorageException.internal(
          "keyring %s is damaged; unstage and stage the volume again", file);
    }
    return Optional.of(new CephUser(entity.group(1), key.group(1)));
  }

  void delete(String name) {
    try {
      Files.deleteIfExists(file(name));
    } catch (IOException e) {
      throw StorageException.internal("cannot delete keyring %s: %s", file(name), e.getMessage());
    }
  }

  /** Creates the directory 0700, and puts an existing one back to 0700. */
  private void privateDir() throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // made meanwhile
      }
    }
    Files.setPosixFilePermissions(
        dir, DIR_MODE); // the umask may have narrowed it, or someone widened it
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover temp file in a root-only directory
      }
    }
  }
}
