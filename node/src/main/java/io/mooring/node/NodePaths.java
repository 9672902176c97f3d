package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Checks the kubelet paths of a request and puts them in the form the mount table uses. */
public final class NodePaths {

  private NodePaths() {}

  /**
   * The path in {@code field}, absolute and canonical.
   *
   * @throws StorageException INVALID_ARGUMENT when it is missing, relative, has '.' or '..'
   *     elements or control characters, or is the root directory
   */
  static Path require(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw StorageException.invalid("%s is required", field);
    }
    if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw StorageException.invalid("%s must not contain control characters", field);
    }
    if (!value.startsWith("/")) {
      throw StorageException.invalid(
          "%s must be an absolute path, got %s", field, Untrusted.quote(value));
    }
    for (String element : value.split("/")) {
      if (element.equals("..") || element.equals(".")) {
        throw StorageException.invalid(
            "%s must not contain '.' or '..' elements, got %s", field, Untrusted.quote(value));
      }
    }
    Path path = Path.of(value).normalize();
    if (path.getNameCount() == 0) {
      throw StorageException.invalid("%s must not be the root directory", field);
    }
    return canonical(path);
  }

  /**
   * Resolves symbolic links in the existing part of {@code path}, so that it compares equal to the
   * mount table's entry (the kubelet dir may be reached through a link). The last element is never
   * resolved: it may be a dead FUSE mount, where even stat fails.
   */
  static Path canonical(Path path) {
    Path parent = path.getParent();
    Path missing = path.getFileName();
    while (parent.getParent() != null && !Files.exists(parent)) {
      missing = parent.getFileName().resolve(missing);
      parent = parent.getParent();
    }
    try {
      return parent.toRealPath().resolve(missing);
    } catch (IOException e) {
      throw new StorageException(
          StorageException.Kind.INTERNAL, "cannot resolve " + parent + ": " + e.getMessage(), e);
    }
  }

  /**
   * The existing directory {@code root} inside a client's {@code mount}, refusing symbolic links
   * that could lead outside it.
   *
   * @param where the file system, for messages, e.g. "Gluster volume vol1"
   * @throws StorageException NOT_FOUND when it does not exist, FAILED_PRECONDITION when it is no
   *     directory or reached through a link, UNAVAILABLE when the lookup fails
   */
  public static Path existingDirectory(Path mount, String root, String where) {
    Path dir = inside(mount, root);
    try {
      if (!dir.toRealPath().equals(dir) || !Files.isDirectory(dir)) {
        throw new StorageException(
            StorageException.Kind.FAILED_PRECONDITION,
            "volume_context path "
                + root
                + " is not a directory on "
                + where
                + " (links are not followed)");
      }
    } catch (NoSuchFileException e) {
      throw StorageException.notFound(
          "directory %s does not exist on %s; was the volume deleted?", root, where);
    } catch (IOException e) {
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE,
          "cannot look up " + root + " on " + where + ": " + e.getMessage(),
          e);
    }
    return dir;
  }

  /** The path of {@code root} (a mountinfo root such as {@code /base/dir}) inside {@code mount}. */
  static Path inside(Path mount, String root) {
    String relative = root.replaceFirst("^/+", "");
    return relative.isEmpty() ? mount : mount.resolve(relative);
  }

  static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw StorageException.internal("cannot create %s: %s", dir, e.getMessage());
    }
  }
}
