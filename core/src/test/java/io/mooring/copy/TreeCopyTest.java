package io.mooring.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mooring.errors.StorageException;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandResult;
import io.mooring.exec.ProcessCommandRunner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeCopyTest {

  @TempDir Path tmp;

  private final TreeCopy copy = new TreeCopy(new ProcessCommandRunner());

  @Test
  void copiesTreeWithItsAttributesAndLinks() throws IOException {
    Path outside = Files.writeString(tmp.resolve("outside"), "not in the tree");
    Path from = Files.createDirectory(tmp.resolve("from"));
    Path sub = Files.createDirectory(from.resolve("sub"));
    Path file = Files.writeString(sub.resolve("file"), "data");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    Files.setPosixFilePermissions(from, PosixFilePermissions.fromString("rwxr-x---"));
    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2001-02-03T04:05:06Z")));
    Files.createLink(from.resolve("hard"), file);
    Files.createSymbolicLink(from.resolve("out"), outside);
    Files.createSymbolicLink(from.resolve("in"), Path.of("sub/file"));
    userXattr(file).write("tag", ByteBuffer.wrap("v1".getBytes(StandardCharsets.UTF_8)));

    Path to = tmp.resolve("to");
    copy.copy(from, to, Duration.ofSeconds(30));

    Path copied = to.resolve("sub/file");
    assertEquals("data", Files.readString(copied));
    assertEquals("rw-r-----", perms(copied));
    assertEquals("rwxr-x---", perms(to));
    assertEquals(
        Instant.parse("2001-02-03T04:05:06Z"), Files.getLastModifiedTime(copied).toInstant());
    assertTrue(Files.isSameFile(copied, to.resolve("hard")), "hard link kept");
    assertFalse(Files.isSameFile(copied, file));
    assertEquals(outside, Files.readSymbolicLink(to.resolve("out")), "link copied, not followed");
    assertEquals(Path.of("sub/file"), Files.readSymbolicLink(to.resolve("in")));
    ByteBuffer tag = ByteBuffer.allocate(16);
    userXattr(copied).read("tag", tag);
    assertArrayEquals(
        "v1".getBytes(StandardCharsets.UTF_8), Arrays.copyOf(tag.array(), tag.position()));
  }

  @Test
  void keepsOwnersWhenRunAsRoot() throws IOException {
    assumeTrue("root".equals(System.getProperty("user.name")), "only root can give files away");
    Path from = Files.createDirectory(tmp.resolve("from"));
    Path file = Files.writeString(from.resolve("file"), "x");
    Files.setAttribute(file, "unix:uid", 1234);
    Files.setAttribute(file, "unix:gid", 5678);

    copy.copy(from, tmp.resolve("to"), Duration.ofSeconds(30));

    Path copied = tmp.resolve("to/file");
    assertEquals(1234, Files.getAttribute(copied, "unix:uid", LinkOption.NOFOLLOW_LINKS));
    assertEquals(5678, Files.getAttribute(copied, "unix:gid", LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void refusesAnExistingTargetAndAMissingSource() throws IOException {
    Path from = Files.createDirectory(tmp.resolve("from"));
    Path to = Files.createDirectory(tmp.resolve("to"));
    assertThrows(StorageException.class, () -> copy.copy(from, to, Duration.ofSeconds(5)));
    assertThrows(
        StorageException.class,
        () -> copy.copy(tmp.resolve("missing"), tmp.resolve("new"), Duration.ofSeconds(5)));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), from);
    assertThrows(
        StorageException.class, () -> copy.copy(link, tmp.resolve("new"), Duration.ofSeconds(5)));
  }

  @Test
  void fullTargetIsExhausted() throws IOException {
    Path from = Files.createDirectory(tmp.resolve("from"));
    TreeCopy full =
        new TreeCopy(
            command -> {
              throw new CommandFailedException(
                  command.display(),
                  new CommandResult(1, "", "cp: error writing 'x': No space left on device", 3));
            });
    StorageException e =
        assertThrows(
            StorageException.class,
            () -> full.copy(from, tmp.resolve("to"), Duration.ofSeconds(5)));
    assertEquals(StorageException.Kind.EXHAUSTED, e.kind());
  }

  private static String perms(Path path) throws IOException {
    return PosixFilePermissions.toString(
        Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
  }

  private static UserDefinedFileAttributeView userXattr(Path path) {
    return Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
  }
}
