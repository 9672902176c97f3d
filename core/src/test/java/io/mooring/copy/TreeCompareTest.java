package io.mooring.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mooring.exec.ProcessCommandRunner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TreeCopy#copyContents} into an existing directory, and {@link TreeCompare} on the result.
 */
class TreeCompareTest {

  static final Duration T = Duration.ofSeconds(30);

  @TempDir Path tmp;
  Path from;
  Path to;
  final ProcessCommandRunner runner = new ProcessCommandRunner();
  final TreeCompare compare = new TreeCompare(runner);

  @BeforeEach
  void tree() throws IOException {
    from = Files.createDirectory(tmp.resolve("from"));
    to = Files.createDirectory(tmp.resolve("to"));
    Files.createDirectories(from.resolve("a/b"));
    Files.writeString(from.resolve("a/b/file"), "data");
    Files.createLink(from.resolve("hard"), from.resolve("a/b/file"));
    Files.writeString(from.resolve("other"), "more data");
    Files.createSymbolicLink(from.resolve("link"), Path.of("a/b/file"));
    xattr(from.resolve("other"), "tag", "v1");
    xattr(from, "mooring", "the source volume's record");
    xattr(to, "mooring", "the target volume's record");
    Files.setPosixFilePermissions(from, PosixFilePermissions.fromString("rwxrwx---"));
  }

  @Test
  void aCopyIntoAnExistingRootEqualsItsSourceAndTheRootKeepsItsOwnRecord() throws IOException {
    new TreeCopy(runner).copyContents(from, to, T);
    TreeCompare.Report report = compare.compare(from, to, T);

    assertTrue(report.equal(), report.shown()::toString);
    assertEquals(3, report.files()); // file, hard, other
    assertEquals(3, report.directories()); // ., a, a/b
    assertEquals(1, report.links());
    assertEquals(2, report.hardLinked());
    assertEquals(1, report.xattrs(), "the roots' records are not compared");
    assertEquals("the target volume's record", xattr(to, "mooring"));
    assertEquals("rwxrwx---", PosixFilePermissions.toString(Files.getPosixFilePermissions(to)));

    // run again (after an interruption): the same result
    new TreeCopy(runner).copyContents(from, to, T);
    assertTrue(compare.compare(from, to, T).equal());
  }

  @Test
  void findsEveryKindOfDifference() throws IOException {
    new TreeCopy(runner).copyContents(from, to, T);
    FileTime time = Files.getLastModifiedTime(to.resolve("other"));
    Files.writeString(to.resolve("other"), "MORE DATA"); // same size and time, other bytes
    Files.setLastModifiedTime(to.resolve("other"), time);
    Files.setPosixFilePermissions(to.resolve("a"), PosixFilePermissions.fromString("rwx------"));
    Files.delete(to.resolve("hard"));
    Files.writeString(to.resolve("hard"), "data"); // no longer linked to a/b/file
    Files.setLastModifiedTime(
        to.resolve("hard"), Files.getLastModifiedTime(to.resolve("a/b/file")));
    Files.writeString(to.resolve("extra"), "");
    Files.delete(to.resolve("link"));
    userView(to.resolve("a/b/file")).write("new", ByteBuffer.wrap(new byte[] {1}));
    Files.setLastModifiedTime(to.resolve("a"), Files.getLastModifiedTime(from.resolve("a")));
    Files.setLastModifiedTime(to, Files.getLastModifiedTime(from));
    userView(to.resolve("other")).delete("user.tag".substring(5));

    TreeCompare.Report report = compare.compare(from, to, T);

    assertFalse(report.equal());
    String shown = String.join("\n", report.shown());
    for (String expected :
        List.of(
            "other: content differs (SHA-256)",
            "a: mode/owner",
            "hard: hard links differ",
            "extra: only in the copy",
            "link: missing in the copy",
            "other: extended attribute user.tag differs or is missing")) {
      assertTrue(shown.contains(expected), expected + " in:\n" + shown);
    }
    assertEquals(6, report.differences(), shown);
  }

  @Test
  void keepsOwnersAndAclsAsRoot() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "only root can give files away");
    Files.setAttribute(from.resolve("other"), "unix:uid", 1234);
    Files.setAttribute(from.resolve("other"), "unix:gid", 5678);
    Files.setAttribute(from, "unix:gid", 5678);
    runner.run(
        io.mooring.exec.Command.of(
            "setfacl", "-m", "u:4321:rw", from.resolve("a/b/file").toString()));
    new TreeCopy(runner).copyContents(from, to, T);
    TreeCompare.Report report = compare.compare(from, to, T);
    assertTrue(report.equal(), report.shown()::toString);
    assertEquals(3, report.xattrs(), "user.tag, and the ACL under both names of the linked file");
    assertEquals(5678, Files.getAttribute(to, "unix:gid"));
    runner.run(io.mooring.exec.Command.of("setfacl", "-b", to.resolve("a/b/file").toString()));
    assertTrue(
        compare
            .compare(from, to, T)
            .shown()
            .contains(
                "a/b/file: extended attribute system.posix_acl_access differs or is missing"));
  }

  private static void xattr(Path path, String name, String value) throws IOException {
    userView(path).write(name, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
  }

  private static String xattr(Path path, String name) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(userView(path).size(name));
    userView(path).read(name, buf);
    return new String(buf.array(), StandardCharsets.UTF_8);
  }

  private static UserDefinedFileAttributeView userView(Path path) {
    return Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
  }
}
