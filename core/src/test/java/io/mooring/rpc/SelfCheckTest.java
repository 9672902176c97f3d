package io.mooring.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-written GetPluginInfo call against the real gRPC server, and against servers that do not
 * answer.
 */
class SelfCheckTest {

  /** For servers that do not answer: how long the test waits for the check to give up. */
  static final Duration DEADLINE = Duration.ofSeconds(3);

  /**
   * For servers that answer: generous, since a first call in a cold JVM on a loaded 2-core CI
   * machine took more than 3 s (the check's answer is what is tested, not its speed).
   */
  static final Duration ANSWER_DEADLINE = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void theRealServerAnswers() throws Exception {
    PluginServer server =
        PluginServer.start(
            new Endpoint.Unix(dir.resolve("csi.sock")),
            List.of(new IdentityService("d", "1", Set.of(), false, Optional::empty)),
            new RpcLogInterceptor(Metrics.OFF));
    try {
      for (int i = 0; i < 3; i++) {
        assertEquals(
            Optional.empty(),
            SelfCheck.getPluginInfo(
                UnixDomainSocketAddress.of(dir.resolve("csi.sock")), "here", ANSWER_DEADLINE));
      }
    } finally {
      server.stop(Duration.ZERO);
    }
  }

  /** A gRPC error (here UNIMPLEMENTED: no Identity service) is an answer too: the server serves. */
  @Test
  void anErrorStatusIsAnAnswer() throws Exception {
    PluginServer server =
        PluginServer.start(
            new Endpoint.Unix(dir.resolve("csi.sock")),
            List.of(),
            new RpcLogInterceptor(Metrics.OFF));
    try {
      assertEquals(
          Optional.empty(),
          SelfCheck.getPluginInfo(
              UnixDomainSocketAddress.of(dir.resolve("csi.sock")), "here", ANSWER_DEADLINE));
    } finally {
      server.stop(Duration.ZERO);
    }
  }

  @Test
  void aServerThatTakesTheConnectionButNeverAnswersFailsAtTheDeadline() throws Exception {
    UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("mute.sock"));
    try (ServerSocketChannel mute = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      mute.bind(address);
      long t0 = System.nanoTime();
      Optional<String> reason = SelfCheck.getPluginInfo(address, "mute", Duration.ofMillis(500));
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(Optional.of("no answer to CSI GetPluginInfo on mute within 500 ms"), reason);
      assertTrue(millis >= 400 && millis < 3000, millis + " ms");
      try (SocketChannel accepted = mute.accept()) {
        assertTrue(accepted.isConnected());
      }
    }
  }

  @Test
  void nobodyListeningFailsAtOnce() {
    Optional<String> reason =
        SelfCheck.getPluginInfo(
            UnixDomainSocketAddress.of(dir.resolve("none.sock")), "none", DEADLINE);
    assertTrue(
        reason.orElseThrow().startsWith("CSI GetPluginInfo on none failed: "), reason.toString());
  }
}
