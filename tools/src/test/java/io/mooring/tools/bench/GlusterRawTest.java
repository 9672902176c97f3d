package io.mooring.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.controller.config.BackendsFile;
import io.mooring.controller.config.GlusterConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The raw Gluster baseline's pure parts: how its CLI calls reach the storage host and how their
 * answers read.
 */
class GlusterRawTest {

  private static final BenchOptions.Gluster GLUSTER =
      new BenchOptions.Gluster(
          "198.18.0.10", "vol", "root", Path.of("/s/ssh/client"), Path.of("/s/ssh/known_hosts"));

  private static final String OK =
      """
      <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
      <cliOutput>
        <opRet>0</opRet>
        <opErrno>0</opErrno>
        <opErrstr/>
      </cliOutput>
      """;

  @Test
  void opRetZeroIsSuccess() {
    assertNull(RawClient.error(new Exec.Outcome(0, OK)));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        // gluster --xml answers a failure with exit 0 and opRet != 0
        "0|<cliOutput><opRet>-1</opRet><opErrstr>Another transaction is in progress for vol. Please"
            + " try again after some time.</opErrstr></cliOutput>|Another transaction is in"
            + " progress for vol. Please try again after some time.",
        "0|<cliOutput><opRet>-2</opRet><opErrstr>Failed on &apos;/x&apos; &amp;"
            + " more</opErrstr></cliOutput>|Failed on '/x' & more",
        "126|mooring-gluster-gate: refused: volume stop vol|mooring-gluster-gate: refused: volume"
            + " stop vol",
        "255|'ssh: connect to host 198.18.0.10 port 22: Connection refused'"
            + "|ssh: connect to host 198.18.0.10 port 22: Connection refused",
        "1|''|exit code 1",
        // exit 0 without an answer is no success either
        "0|''|exit code 0",
      })
  void anythingElseIsAnErrorWithItsText(int exit, String output, String expected) {
    assertEquals(expected, RawClient.error(new Exec.Outcome(exit, output)));
  }

  @Test
  void retriedAreLockErrorsAndGlusterdsQuotaMountNotUpYet() {
    assertTrue(
        RawClient.isTransient(
            "Another transaction is in progress for vol. Please try again after some time."));
    assertTrue(
        RawClient.isTransient("Locking failed on 198.18.0.10. Please check log file for details."));
    assertTrue(RawClient.isTransient("Lock for vol held by 5c2d1e0f-aa58-4f0b-9ad4-bc1d3ff9f0a1"));
    assertTrue(
        RawClient.isTransient(
            "Failed to find the directory /var/run/gluster/vol_quota_limit/bench-raw/x."
                + " Reason : Transport endpoint is not connected"));
    assertFalse(RawClient.isTransient("Failed to get trusted.gfid attribute on path /x"));
    assertFalse(RawClient.isTransient("mooring-gluster-gate: refused"));
  }

  @Test
  void overSshACallIsASessionOnThePinnedMultiplexedConnection() {
    SshLink link = new SshLink(GLUSTER, Path.of("/w/raw-ssh"));
    List<String> argv =
        link.argv(List.of("gluster", "--mode=script", "--xml", "volume", "info", "vol"));
    assertEquals("ssh", argv.get(0));
    for (String option :
        List.of(
            "BatchMode=yes",
            "IdentitiesOnly=yes",
            "IdentityFile=/s/ssh/client",
            "UserKnownHostsFile=/s/ssh/known_hosts",
            "GlobalKnownHostsFile=/dev/null",
            "StrictHostKeyChecking=yes",
            "ControlMaster=auto",
            "ControlPath=/w/raw-ssh/master",
            "ControlPersist=yes")) {
      int at = argv.indexOf(option);
      assertTrue(at > 0 && argv.get(at - 1).equals("-o"), option + " in " + argv);
    }
    assertEquals(
        List.of("-F", "/dev/null", "-l", "root"),
        argv.subList(1, 5),
        "no user or system ssh_config");
    assertEquals(
        List.of(
            "-T", "--", "198.18.0.10", "'gluster' '--mode=script' '--xml' 'volume' 'info' 'vol'"),
        argv.subList(argv.size() - 4, argv.size()),
        "the one form the gate takes");
  }

  @Test
  void aWordWithAQuoteIsNeverSent() {
    assertEquals("'a'", SshLink.remoteLine(List.of("a")));
    assertThrows(
        IllegalArgumentException.class, () -> SshLink.remoteLine(List.of("gluster", "it's")));
  }

  @Test
  void onTheStorageHostACallEntersItsNamespaces() {
    List<String> argv =
        RawClient.onStorageHost(4242)
            .argv(List.of("gluster", "--mode=script", "--xml", "volume", "info", "vol"));
    assertEquals(List.of("nsenter", "-t", "4242", "-m", "-n", "--"), argv.subList(0, 6));
    assertTrue(argv.get(6).startsWith("/") && argv.get(6).endsWith("/gluster"), argv.get(6));
    assertEquals(
        List.of("--mode=script", "--xml", "volume", "info", "vol"), argv.subList(7, argv.size()));
  }

  @Test
  void theControllerUnderTestManagesTheVolumeOverSsh() {
    GlusterConfig config =
        (GlusterConfig)
            BackendsFile.parse("backends:\n" + new GlusterBench(GLUSTER, 0).yaml())
                .get(GlusterBench.TYPE);
    assertEquals(List.of("198.18.0.10"), config.servers());
    assertEquals("vol", config.volume());
    assertEquals(
        new GlusterConfig.Ssh(
            "root", GlusterConfig.Ssh.DEFAULT_PORT, "/s/ssh/client", "/s/ssh/known_hosts"),
        config.management());
  }
}
