package io.mooring.ceph;

import io.mooring.errors.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
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
 * Keyring files for the Ceph tools, which take keys only from files (never put one into argv): one
 * per name, {@code <dir>/<name>.keyring}, mode 0600 from creation on, in a directory only its owner
 * may enter (0700). A keyring is written whole and renamed into place, so a reader never sees a
 * partial file. No message built here contains a key.
 */
public final class Keyrings {

  private static final Set<PosixFilePermission> DIR_MODE =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-------");
  private static final Pattern ENTITY = Pattern.compile("(?m)^\\[client\\.([^\\]\\s]+)\\]\\s*$");
  private static final Pattern KEY = Pattern.compile("(?m)^\\s*key\\s*=\\s*(\\S+)\\s*$");

  private final Path dir;

  public Keyrings(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public Path file(String name) {
    return dir.resolve(name + ".keyring");
  }

  /** Writes (or replaces) the keyring {@code name} holding only these credentials. */
  public Path write(String name, CephCredentials credentials) {
    Path file = file(name);
    Path tmp = null;
    try {
      privateDir();
      tmp =
          Files.createTempFile(
              dir, ".keyring-", "", PosixFilePermissions.asFileAttribute(FILE_MODE));
      Files.writeString(tmp, text(credentials), StandardCharsets.UTF_8);
      // a rename within one directory is atomic
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw StorageException.internal("cannot write keyring %s: %s", file, e.getMessage());
    }
  }

  private static String text(CephCredentials credentials) {
    return "[" + credentials.entity() + "]\n\tkey = " + credentials.key().base64() + "\n";
  }

  /**
   * The credentials in keyring {@code name}, if it exists.
   *
   * @throws StorageException INTERNAL when it cannot be read or is damaged
   */
  public Optional<CephCredentials> read(String name) {
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
    if (entity.find() && key.find()) {
      try {
        return Optional.of(CephCredentials.of("entity", entity.group(1), "key", key.group(1)));
      } catch (StorageException e) {
        // damaged, as below
      }
    }
    throw StorageException.internal(
        "keyring %s is damaged; on a node, unstage and stage the volume again", file);
  }

  /** Deletes keyring {@code name}; nothing to do when it does not exist. */
  public void delete(String name) {
    try {
      Files.deleteIfExists(file(name));
    } catch (IOException e) {
      throw StorageException.internal("cannot delete keyring %s: %s", file(name), e.getMessage());
    }
  }

  /** Creates the directory 0700 (and its parents), and puts an existing one back to 0700. */
  private void privateDir() throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
      } catch (FileAlreadyExistsException e) {
        // made meanwhile
      }
    }
    // the umask may have narrowed it at creation, or someone widened it since
    Files.setPosixFilePermissions(dir, DIR_MODE);
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover temporary file in a private directory
      }
    }
  }
}
