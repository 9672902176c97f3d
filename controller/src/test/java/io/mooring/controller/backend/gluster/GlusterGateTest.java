package io.mooring.controller.backend.gluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * scripts/mooring-gluster-gate, the forced command on the Gluster servers, with a fake gluster that
 * prints its arguments: what it lets through, how it splits words, and what it logs.
 */
class GlusterGateTest {

  static final Path GATE =
      Path.of("..", "scripts", "mooring-gluster-gate").toAbsolutePath().normalize();

  @TempDir Path dir;
  Path log;

  record Run(int exit, String stdout, String stderr) {}

  @BeforeEach
  void fakeGluster() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Files.writeString(bin.resolve("gluster"), "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
    Files.setPosixFilePermissions(
        bin.resolve("gluster"), PosixFilePermissions.fromString("rwx------"));
    log = dir.resolve("gate.log");
  }

  Run gate(String original) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(GATE.toString(), "--log", log.toString());
    builder.environment().put("PATH", dir.resolve("bin") + ":/usr/bin:/bin");
    builder.environment().put("SSH_ORIGINAL_COMMAND", original);
    Process p = builder.start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    return new Run(
        p.exitValue(),
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  /**
   * The Java allow-list and the gate's are the same: each command Mooring makes runs, as an argv.
   */
  @Test
  void runsEveryCommandMooringSendsWithTheSameArguments() throws Exception {
    List<GlusterCommand> all = GlusterCommandTest.everyCommand().toList();
    for (GlusterCommand command : all) {
      List<String> words = new ArrayList<>(List.of("gluster"));
      words.addAll(command.argv());
      Run run = gate(SshTransport.quote(words));
      assertEquals(0, run.exit(), run.stderr());
      assertEquals(command.argv(), run.stdout().lines().toList());
    }
    List<String> logged = Files.readAllLines(log);
    assertEquals(all.size(), logged.size());
    assertTrue(
        logged.get(0).contains("mooring-gluster-gate[")
            && logged
                .get(0)
                .endsWith("allowed: 'gluster' '--mode=script' '--xml' 'volume' 'info' 'rvol'"),
        logged.get(0));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "gluster --mode=script --xml volume info rvol",
        "'gluster' '--mode=script' '--xml' 'volume' 'info' 'rvol' ",
        "'gluster'  '--mode=script' '--xml' 'volume' 'info' 'rvol'",
        "'gluster' '--mode=script' '--xml' 'volume' 'info' 'rvol';id",
        "'gluster' '--mode=script' '--xml' 'volume' 'info' 'rvol' ; id",
        "'gluster' '--mode=script' '--xml' 'volume' 'info' 'rv'\\''ol'",
        "'gluster' '--mode=script' '--xml' 'volume' 'info' '$(id)'",
        "'gluster' '--mode=script' '--xml' 'volume' 'info' 'rvol\nid'",
        "'gluster' '--mode=script' 'volume' 'info' 'rvol'",
        "'sh' '--mode=script' '--xml' 'volume' 'info' 'rvol'",
        "'gluster' '--mode=script' '--xml' 'volume' 'delete' 'rvol'",
        "'gluster' '--mode=script' '--xml' 'volume' 'set' 'rvol' 'auth.allow' '*'",
        "'gluster' '--mode=script' '--xml' 'volume' 'quota' 'rvol' 'disable'",
        "'gluster' '--mode=script' '--xml' 'volume' 'quota' 'rvol' 'remove' '/a/../b'",
        "'gluster' '--mode=script' '--xml' 'volume' 'quota' 'rvol' 'remove' 'a'",
        "'gluster' '--mode=script' '--xml' 'volume' 'quota' 'rvol' 'limit-usage' '/a' '10MB'",
        "'gluster' '--mode=script' '--xml' 'volume' 'quota' 'rvol' 'limit-usage' '/a' '0'",
        "'gluster' '--mode=script' '--xml' 'volume' 'quota' 'rvol' 'limit-usage' '/a' '1' '2'",
        "'gluster' '--mode=script' '--xml' '--remote-host=x' 'volume' 'info' 'rvol'",
        "'gluster' '--mode=script' '--xml' 'peer' 'probe' 'evil'",
      })
  void refusesAnythingElseWithoutRunningIt(String original) throws Exception {
    Run run = gate(original);
    assertEquals(126, run.exit(), run.stdout());
    assertEquals("", run.stdout(), "gluster must not run");
    assertTrue(run.stderr().startsWith("mooring-gluster-gate: refused: "), run.stderr());
    String logged = Files.readString(log);
    assertTrue(logged.contains(" refused (") && logged.lines().count() == 1, logged);
  }

  @Test
  void aVeryLongCommandIsRefusedBeforeParsing() throws Exception {
    Run run = gate("'gluster' " + "'x' ".repeat(400));
    assertEquals(126, run.exit());
    assertTrue(run.stderr().contains("too long"), run.stderr());
  }
}
