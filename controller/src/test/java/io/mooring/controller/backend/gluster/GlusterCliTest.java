package io.mooring.controller.backend.gluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandResult;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which gluster CLI failures are tried again, against scripted answers. */
class GlusterCliTest {

  private static final String OK =
      "<cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/></cliOutput>";
  private static final String QUOTA_MOUNT_RACE =
      "quota command failed : Failed to find the directory"
          + " /var/run/gluster/vol_quota_limit/mooring/pvc-1. Reason : Transport endpoint is not"
          + " connected";

  private final Deque<String> errors = new ArrayDeque<>();
  private final List<Command> calls = new ArrayList<>();
  private final GlusterCli cli =
      new GlusterCli(
          new LocalTransport(
              command -> {
                calls.add(command);
                String error = errors.poll();
                if (error == null) {
                  return new CommandResult(0, OK, "", 80);
                }
                throw new CommandFailedException(
                    command.display(), new CommandResult(1, "", error, 80));
              },
              Path.of("/")),
          "vol");

  @Test
  void lockContentionAndTheQuotaMountRaceAreTriedAgain() {
    errors.add("Another transaction is in progress for vol. Please try again after some time.");
    errors.add(QUOTA_MOUNT_RACE);
    cli.limitUsage("/mooring/pvc-1", 1 << 20);
    assertEquals(3, calls.size());
    assertTrue(GlusterCli.isTransient(QUOTA_MOUNT_RACE));
  }

  @Test
  void otherFailuresAreNot() {
    errors.add("quota command failed : Transport endpoint is not connected");
    StorageException e =
        assertThrows(StorageException.class, () -> cli.limitUsage("/mooring/pvc-1", 1 << 20));
    assertEquals(1, calls.size());
    assertEquals(StorageException.Kind.UNAVAILABLE, e.kind());
    assertFalse(GlusterCli.isTransient("Volume vol does not exist"));
  }

  @Test
  void callsGoOverGlusterdsSocket() {
    cli.limitUsage("/mooring/pvc-1", 1 << 20);
    assertEquals(
        List.of(
            "gluster",
            "--glusterd-sock=/",
            "--mode=script",
            "--xml",
            "volume",
            "quota",
            "vol",
            "limit-usage",
            "/mooring/pvc-1",
            "1048576"),
        calls.get(0).argv());
  }

  /** What glusterd answers a write from a CLI it serves read-only: exit 1, nothing said. */
  @Test
  void aSilentRefusalOfAWriteSaysWhyAndWhatToSet() {
    errors.add("");
    StorageException e =
        assertThrows(StorageException.class, () -> cli.limitUsage("/mooring/pvc-1", 1 << 20));
    assertEquals(StorageException.Kind.FAILED_PRECONDITION, e.kind());
    assertTrue(
        e.getMessage()
            .startsWith(
                "glusterd at / refused `gluster volume quota vol limit-usage /mooring/pvc-1"
                    + " 1048576` without a reason: glusterd serves CLI calls that do not come over"
                    + " its unix socket read-only ('svc cli read-only' in glusterd.log); use"
                    + " management: ssh"),
        e.getMessage());
    assertFalse(e.getMessage().contains("exit code"), e.getMessage());
  }

  @Test
  void aMissingSocketSaysWhatToMount() {
    GlusterCli noSocket =
        new GlusterCli(
            new LocalTransport(
                command -> {
                  throw new AssertionError("must not run");
                },
                Path.of("/nonexistent/glusterd.socket")),
            "vol");
    StorageException e = assertThrows(StorageException.class, noSocket::enableQuota);
    assertEquals(StorageException.Kind.FAILED_PRECONDITION, e.kind());
    assertTrue(
        e.getMessage().contains("/nonexistent/glusterd.socket does not exist")
            && e.getMessage().contains("hostPath /run")
            && e.getMessage().contains("management: ssh"),
        e.getMessage());
  }

  @Test
  void aStoppedVolumeIsNotReady() {
    GlusterCli stopped =
        new GlusterCli(
            new LocalTransport(
                command ->
                    new CommandResult(
                        0,
                        "<cliOutput><opRet>0</opRet><volInfo><volumes><volume><name>vol</name><statusStr>Stopped</statusStr>"
                            + "</volume></volumes></volInfo></cliOutput>",
                        "",
                        5),
                Path.of("/")),
            "vol");
    StorageException e = assertThrows(StorageException.class, stopped::checkVolume);
    assertEquals(StorageException.Kind.UNAVAILABLE, e.kind());
    assertEquals(
        "Gluster volume vol is Stopped: start it (gluster volume start vol)", e.getMessage());
  }
}
