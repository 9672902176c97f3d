package io.mooring.controller.backend.cephfs;

import io.mooring.errors.StorageException;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Keyring files for the {@code ceph} CLI, which reads keys only from files: each one 0600, in a
 * private 0700 directory of this process, and deleted as soon as the command is done.
 */
final class Keyrings implements AutoCloseable {

  private final Path parent;
  private Path dir;

  /**
   * @param parent where the private directory goes (e.g. {@code java.io.tmpdir})
   */
  Keyrings(Path parent) {
    this.parent = parent;
  }

  /** A keyring file holding only these credentials; close it to delete it. */
  Keyring write(CephCredentials credentials) {
    String text = "[" + credentials.entity() + "]\n\tkey = " + credentials.key() + "\n";
    Path file = null;
    try {
      file =
          Files.createTempFile(
              privateDir(),
              "keyring-",
              "",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (Writer out =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING)) {
        out.write(text);
      }
      return new Keyring(file);
    } catch (IOException e) {
      deleteQuietly(file);
      throw StorageException.internal(
          "cannot write a keyring file in %s: %s", parent, e.getMessage());
    }
  }

  /** The private directory, made on first use (and again if a tmp cleaner removed it). */
  synchronized Path privateDir() throws IOException {
    if (dir == null || !Files.isDirectory(dir)) {
      dir =
          Files.createTempDirectory(
              parent,
              "mooring-ceph-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    return dir;
  }

  /** Deletes the private directory (and any keyring still in it). */
  @Override
  public synchronized void close() {
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      files.forEach(Keyrings::deleteQuietly);
    } catch (IOException ignored) {
      // already gone
    }
    deleteQuietly(dir);
    dir = null;
  }

  /** One keyring file; closing deletes it. */
  record Keyring(Path file) implements AutoCloseable {
    @Override
    public void close() {
      deleteQuietly(file);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // the directory is private and removed on close
    }
  }
}
