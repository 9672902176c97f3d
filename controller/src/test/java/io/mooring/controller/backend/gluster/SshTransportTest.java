package io.mooring.controller.backend.gluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.mooring.controller.config.GlusterConfig;
import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The ssh command line, the quoting of the remote command and what ssh's failures become. */
class SshTransportTest {

  static final GlusterConfig.Ssh SSH =
      new GlusterConfig.Ssh("root", 2222, "/k/id_ed25519", "/k/known_hosts");
  static final Duration T = Duration.ofSeconds(30);

  /** Scripted answers (exit code, stdout, stderr) of the runner, in order; then success. */
  final Deque<CommandResult> answers = new ArrayDeque<>();

  final List<Command> calls = new ArrayList<>();
  final SshTransport transport =
      new SshTransport(
          command -> {
            calls.add(command);
            CommandResult r = answers.poll();
            if (r == null) {
              return new CommandResult(0, "<cliOutput/>", "", 1);
            }
            throw new CommandFailedException(command.display(), r);
          },
          List.of("g1", "g2"),
          SSH,
          Path.of("/state/ssh/g"));

  static Stream<Arguments> words() {
    return Stream.of(
        arguments("gluster", "'gluster'"),
        arguments("a b", "'a b'"),
        arguments("", "''"),
        arguments("it's", "'it'\\''s'"),
        arguments("$(id)", "'$(id)'"),
        arguments("`id`;id&&id|id>x", "'`id`;id&&id|id>x'"),
        arguments("\"\\\n", "'\"\\\n'"));
  }

  @ParameterizedTest
  @MethodSource("words")
  void quotesEachWordForTheRemoteShell(String word, String quoted) {
    assertEquals(quoted, SshTransport.quote(List.of(word)));
  }

  /** What the remote side does with the line: a shell splits it back into the same words. */
  @Test
  void aShellSplitsTheLineIntoTheSameWords() throws Exception {
    List<String> args = List.of("it's", "$(id)", "a  b", "`x`;y", "\\", "", "*");
    List<String> words = new ArrayList<>(List.of("printf", "[%s]\\n"));
    words.addAll(args);
    Process sh = new ProcessBuilder("sh", "-c", SshTransport.quote(words)).start();
    List<String> printed =
        new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    assertEquals(args.stream().map(a -> "[" + a + "]").toList(), printed);
  }

  @Test
  void joinsQuotedWordsWithOneSpace() {
    assertEquals(
        "'gluster' '--mode=script' 'a b' ''",
        SshTransport.quote(List.of("gluster", "--mode=script", "a b", "")));
  }

  @Test
  void theCommandLineHasNoConfigKeyOnlyPinnedHostsAndOneMasterConnection() {
    List<String> argv = transport.argv("g1", GlusterCommand.info("rvol"));
    assertEquals(
        List.of("ssh", "-F", "/dev/null", "-T", "-l", "root", "-p", "2222"), argv.subList(0, 8));
    for (String option :
        List.of(
            "BatchMode=yes",
            "IdentitiesOnly=yes",
            "IdentityFile=/k/id_ed25519",
            "StrictHostKeyChecking=yes",
            "UserKnownHostsFile=/k/known_hosts",
            "GlobalKnownHostsFile=/dev/null",
            "ControlMaster=auto",
            "ControlPath=/state/ssh/g/%C",
            "ConnectTimeout=5",
            "ServerAliveInterval=5")) {
      assertEquals("-o", argv.get(argv.indexOf(option) - 1), option);
    }
    assertEquals(
        List.of("--", "g1", "'gluster' '--mode=script' '--xml' 'volume' 'info' 'rvol'"),
        argv.subList(argv.size() - 3, argv.size()));
  }

  @Test
  void aServerSshCannotReachIsSkippedAndTheOneThatAnswersIsRemembered() {
    answers.add(
        new CommandResult(255, "", "ssh: connect to host g1 port 2222: Connection refused\n", 3));
    transport.run(GlusterCommand.info("rvol"), T);
    transport.run(GlusterCommand.info("rvol"), T);
    assertEquals(
        List.of("g1", "g2", "g2"),
        calls.stream().map(c -> c.argv().get(c.argv().size() - 2)).toList());
    assertEquals("glusterd on root@g2", transport.where());
  }

  @Test
  void whenNoServerAnswersItIsUnavailableWithEachReason() {
    answers.add(
        new CommandResult(
            255, "", "ssh: connect to host g1 port 2222: Connection timed out\n", 5000));
    answers.add(new CommandResult(255, "", "Host key verification failed.\n", 3));
    StorageException e =
        assertThrows(StorageException.class, () -> transport.run(GlusterCommand.info("rvol"), T));
    assertEquals(StorageException.Kind.UNAVAILABLE, e.kind());
    assertEquals(
        "cannot run `gluster volume info rvol` over ssh as root: g1: ssh: connect to host g1 port"
            + " 2222: Connection timed out; g2: its host key is not the one pinned in"
            + " /k/known_hosts (add the server's key, e.g. from its"
            + " /etc/ssh/ssh_host_ed25519_key.pub)",
        e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "root@g1: Permission denied (publickey).                           | it refused the key"
            + " /k/id_ed25519",
        "@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @              | not the one pinned in"
            + " /k/known_hosts",
        "No ED25519 host key is known for g1 and you have requested strict checking. | not the one"
            + " pinned in",
        "Permissions 0644 for '/k/id_ed25519' are too open. UNPROTECTED PRIVATE KEY FILE! |"
            + " defaultMode 0400",
        "Warning: Identity file /k/id_ed25519 not accessible: No such file or directory. |"
            + " /k/id_ed25519 cannot be read",
        "Load key \"/k/id_ed25519\": invalid format                         | /k/id_ed25519 is not"
            + " a private key",
      })
  void configurationProblemsSayWhatToFix(String stderr, String advice) {
    answers.add(new CommandResult(255, "", stderr, 3));
    answers.add(new CommandResult(255, "", stderr, 3));
    StorageException e =
        assertThrows(StorageException.class, () -> transport.run(GlusterCommand.info("rvol"), T));
    assertEquals(StorageException.Kind.FAILED_PRECONDITION, e.kind());
    assertTrue(e.getMessage().contains(advice), e.getMessage());
  }

  @Test
  void aGateRefusalSaysWhoRefusedAndIsNotTriedElsewhere() {
    answers.add(
        new CommandResult(
            126, "", "mooring-gluster-gate: refused: not a command Mooring sends\n", 3));
    StorageException e =
        assertThrows(
            StorageException.class, () -> transport.run(GlusterCommand.enableQuota("rvol"), T));
    assertEquals(StorageException.Kind.FAILED_PRECONDITION, e.kind());
    assertEquals(
        "mooring-gluster-gate on root@g1 refused `gluster volume quota rvol enable`: not a command"
            + " Mooring sends; install the gate of this Mooring version"
            + " (scripts/mooring-gluster-gate) as the forced command of the controller's key",
        e.getMessage());
    assertEquals(1, calls.size());
  }

  @Test
  void glustersOwnFailureGoesBackAsItIs() {
    CommandResult failed =
        new CommandResult(
            1,
            "<cliOutput><opRet>-1</opRet><opErrstr>Volume x does not exist"
                + "</opErrstr></cliOutput>",
            "",
            3);
    answers.add(failed);
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class, () -> transport.run(GlusterCommand.info("x"), T));
    assertSame(failed, e.result());
    assertEquals(1, calls.size());
  }

  @Test
  void closeEndsTheMasterOfEachServer() {
    answers.add(
        new CommandResult(
            255, "", "Control socket connect(/state/ssh/g/abc): No such file or directory", 1));
    transport.close();
    assertEquals(2, calls.size());
    List<String> exit = calls.get(1).argv();
    assertEquals(List.of("-O", "exit", "--", "g2"), exit.subList(exit.size() - 4, exit.size()));
    assertTrue(exit.contains("ControlPath=/state/ssh/g/%C"));
    assertFalse(exit.contains("BatchMode=yes"));
  }
}
