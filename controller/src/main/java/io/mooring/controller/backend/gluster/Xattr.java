package io.mooring.controller.backend.gluster;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Reads an extended attribute with one lgetxattr(2). On a FUSE mount that is one round trip; Java's
 * {@code UserDefinedFileAttributeView} opens the file first, and over Gluster a directory's open is
 * sent to every replica (measured on 2000 volume directories, 8 reads in flight: 0.13 ms a record
 * with lgetxattr, 0.44 ms with open and fgetxattr, 3.6 ms one at a time with the view's list, size
 * and read).
 */
final class Xattr {

  private static final int ENOENT = 2;
  private static final int ENOTDIR = 20;
  private static final int ERANGE = 34;
  private static final int ENODATA = 61;

  /** Enough for a record; a larger value is read again at its size. */
  private static final int FIRST_BUFFER = 4096;

  private interface LibC extends Library {
    NativeLong lgetxattr(String path, String name, byte[] value, NativeLong size)
        throws LastErrorException;
  }

  private static final LibC LIBC = Native.load("c", LibC.class);

  private Xattr() {}

  /**
   * The value of attribute {@code name} (with its namespace, e.g. {@code user.mooring}) of {@code
   * path} itself, never of what a symbolic link points to.
   *
   * @return empty when the path or the attribute does not exist
   */
  static Optional<byte[]> read(Path path, String name) throws IOException {
    byte[] buf = new byte[FIRST_BUFFER];
    while (true) {
      try {
        long n = LIBC.lgetxattr(path.toString(), name, buf, new NativeLong(buf.length)).longValue();
        return Optional.of(Arrays.copyOf(buf, (int) n));
      } catch (LastErrorException e) {
        switch (e.getErrorCode()) {
          case ENODATA, ENOENT, ENOTDIR -> {
            return Optional.empty();
          }
          case ERANGE -> buf = new byte[Math.max(buf.length * 2, size(path, name))];
          default ->
              throw new IOException("lgetxattr " + name + " of " + path + ": " + e.getMessage(), e);
        }
      }
    }
  }

  private static int size(Path path, String name) throws IOException {
    try {
      return (int) LIBC.lgetxattr(path.toString(), name, null, new NativeLong(0)).longValue();
    } catch (LastErrorException e) {
      throw new IOException("lgetxattr " + name + " of " + path + ": " + e.getMessage(), e);
    }
  }
}
