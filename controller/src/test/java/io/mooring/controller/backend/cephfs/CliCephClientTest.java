package io.mooring.controller.backend.cephfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.ceph.CephCredentials;
import io.mooring.ceph.Keyrings;
import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandResult;
import io.mooring.testing.CephKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CliCephClientTest {

  static final CephCredentials ADMIN = CephCredentials.of("id", "admin", "key", CephKeys.REAL);
  static final CephCommand LS =
      CephCommand.mgr("fs subvolume ls").with("vol_name", "cephfs").with("group_name", "csi");

  @TempDir Path tmp;

  @Test
  void keyGoesIntoAPrivateKeyringThatIsGoneAfterwards() {
    List<Command> seen = new ArrayList<>();
    List<String> keyringText = new ArrayList<>();
    CliCephClient client =
        new CliCephClient(
            command -> {
              seen.add(command);
              String arg =
                  command.argv().stream()
                      .filter(a -> a.startsWith("--keyring="))
                      .findFirst()
                      .orElseThrow();
              Path keyring = Path.of(arg.substring("--keyring=".length()));
              try {
                assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(keyring)));
                assertEquals(
                    "rwx------",
                    PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(keyring.getParent())));
                keyringText.add(Files.readString(keyring));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              return new CommandResult(0, "[{\"name\":\"a\"}]\n", "", 1);
            },
            List.of("127.0.0.1:9", "127.0.0.2"),
            new Keyrings(tmp.resolve("keys")));

    assertEquals("[{\"name\":\"a\"}]\n", client.run(LS, ADMIN));
    Command command = seen.get(0);
    assertEquals(
        List.of(
            "ceph", "--conf=/dev/null", "--mon-host=127.0.0.1:9,127.0.0.2", "--name=client.admin"),
        command.argv().subList(0, 4));
    assertEquals(
        List.of(
            "--connect-timeout=15",
            "--format=json",
            "fs",
            "subvolume",
            "ls",
            "--vol_name=cephfs",
            "--group_name=csi"),
        command.argv().subList(5, command.argv().size()));
    assertFalse(
        String.join(" ", command.argv()).contains(ADMIN.key().base64()), "key on the command line");
    assertEquals(Set.of(ADMIN.key().base64()), command.secrets());
    assertEquals("[client.admin]\n\tkey = " + ADMIN.key().base64() + "\n", keyringText.get(0));
    try (Stream<Path> left = Files.walk(tmp)) {
      assertEquals(2, left.count(), "only tmp and the private dir remain, the keyring is deleted");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client.close();
    assertEquals(0, tmp.toFile().list().length);
  }

  @Test
  void keyringIsDeletedWhenTheCommandFails() throws IOException {
    CliCephClient client =
        new CliCephClient(
            command -> {
              throw new CommandFailedException(
                  "ceph",
                  new CommandResult(2, "", "Error ENOENT: subvolume 'x' does not exist", 1));
            },
            List.of("m"),
            new Keyrings(tmp.resolve("keys")));
    CephError e = assertThrows(CephError.class, () -> client.run(LS, ADMIN));
    assertEquals(CephError.ENOENT, e.errno());
    assertEquals(StorageException.Kind.NOT_FOUND, e.kind());
    try (Stream<Path> left = Files.walk(tmp)) {
      assertTrue(left.noneMatch(Files::isRegularFile));
    }
  }

  static Stream<Arguments> failures() {
    String traceback =
        "Error EINVAL: Traceback (most recent call last):\n  File \"x.py\", line 1, in f\n"
            + "ValueError: invalid interpolation syntax in 'a%b' at position 1\n";
    return Stream.of(
        Arguments.of(
            2,
            "Error ENOENT: subvolume 'nope' does not exist",
            CephError.ENOENT,
            "subvolume 'nope' does not exist"),
        Arguments.of(
            39,
            "Error ENOTEMPTY: subvolume 't1' has snapshots",
            CephError.ENOTEMPTY,
            "has snapshots"),
        Arguments.of(22, traceback, CephError.EINVAL, "ValueError: invalid interpolation syntax"),
        Arguments.of(
            1,
            "[errno 1] RADOS permission error (error connecting to the cluster)",
            CephError.EPERM,
            "RADOS permission error"),
        Arguments.of(
            1,
            "2026 auth: noise\n[errno 5] RADOS I/O error (error connecting to the cluster)",
            CephError.EIO,
            "RADOS I/O error"),
        Arguments.of(1, "timed out", CephError.ETIMEDOUT, "timed out"),
        Arguments.of(1, "Error EFOO: new errno name", 1, "new errno name"),
        Arguments.of(3, "", 3, "exit code 3"),
        Arguments.of(-1, "something odd\nlast line", CephError.EIO, "last line"));
  }

  @ParameterizedTest
  @MethodSource("failures")
  void errorsKeepCephsErrno(int exit, String stderr, int errno, String text) {
    CephError e = CliCephClient.error(LS, new CommandResult(exit, "", stderr, 5));
    assertEquals(errno, e.errno());
    assertTrue(e.getMessage().startsWith("ceph fs subvolume ls cephfs/csi: "), e.getMessage());
    assertTrue(e.getMessage().contains(text), e.getMessage());
    assertEquals(CephError.kindOf(errno), e.kind());
  }

  @Test
  void errnoKinds() {
    assertEquals(StorageException.Kind.UNAVAILABLE, CephError.kindOf(CephError.ETIMEDOUT));
    assertEquals(StorageException.Kind.PERMISSION_DENIED, CephError.kindOf(CephError.EACCES));
    assertEquals(StorageException.Kind.BUSY, CephError.kindOf(CephError.EAGAIN));
    assertEquals(StorageException.Kind.EXHAUSTED, CephError.kindOf(CephError.EDQUOT));
    assertEquals(StorageException.Kind.INTERNAL, CephError.kindOf(CephError.EINVAL));
  }
}
