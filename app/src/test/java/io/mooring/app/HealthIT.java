package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.ProbeRequest;
import csi.v1.IdentityGrpc;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real controller program with a CephFS backend whose monitor cannot be reached (a loopback
 * port nobody listens on): a storage outage. Kubernetes must see it as not ready, with the reason
 * where an operator looks (/readyz), and never as not live, which would restart-loop the
 * controller.
 */
class HealthIT {

  @TempDir Path dir;

  @Test
  void aControllerWhoseBackendIsUnreachableIsLiveButNotReadyAndSaysWhy() throws Exception {
    int monitor = freePort();
    int health = freePort();
    Path secrets = Files.createDirectories(dir.resolve("ceph-admin"));
    Files.writeString(secrets.resolve("adminID"), "admin");
    Files.writeString(secrets.resolve("adminKey"), "AQBVe2FnAAAAABAAoTC9Wc3bBRCWgnSDfcJbXA==");
    Path backends =
        Files.writeString(
            dir.resolve("backends.yaml"),
            """
            backends:
              - name: ceph-down
                type: cephfs
                monitors: ["127.0.0.1:%d"]
                fsName: cephfs
                adminSecretDir: %s
            """
                .formatted(monitor, secrets));
    Path socket = dir.resolve("csi.sock");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try (RunningPlugin plugin =
        RunningPlugin.start(
            socket,
            dir.resolve("controller.log"),
            "controller",
            "--backends",
            backends.toString(),
            "--state-dir",
            dir.resolve("state").toString(),
            "--health-address",
            "127.0.0.1:" + health)) {
      // The CSI Probe answers within the readiness bound (2 s; ready=false), though the backend
      // check
      // behind it waits 15 s for the monitor. The first call also pays for this JVM's gRPC client.
      var identity = IdentityGrpc.newBlockingStub(plugin.channel());
      long t0 = System.nanoTime();
      assertFalse(
          identity
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .probe(ProbeRequest.getDefaultInstance())
              .getReady()
              .getValue(),
          "Probe must say not ready while the backend is unreachable");
      long firstProbeMillis = millisSince(t0);
      t0 = System.nanoTime();
      assertFalse(
          identity
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .probe(ProbeRequest.getDefaultInstance())
              .getReady()
              .getValue());
      long probeMillis = millisSince(t0);

      String expected = "Ceph cluster at 127.0.0.1:" + monitor;
      long start = System.nanoTime();
      long worstLive = 0;
      long worstReady = 0;
      int rounds = 0;
      String body = "";
      while (!body.contains(expected) && millisSince(start) < 60_000) {
        t0 = System.nanoTime();
        HttpResponse<String> live = get(http, health, "/livez");
        worstLive = Math.max(worstLive, millisSince(t0));
        assertEquals(200, live.statusCode(), "not live during a storage outage: " + live.body());
        t0 = System.nanoTime();
        HttpResponse<String> readyz = get(http, health, "/readyz");
        worstReady = Math.max(worstReady, millisSince(t0));
        assertEquals(
            503, readyz.statusCode(), "ready with an unreachable backend: " + readyz.body());
        body = readyz.body();
        rounds++;
        Thread.sleep(1000);
      }
      long reasonMillis = millisSince(start);
      System.out.printf(
          "HealthIT: Probe ready=false in %d ms (first call %d ms); %d rounds of /livez + /readyz:"
              + " /livez 200 in <= %d ms, /readyz 503 in <= %d ms; the backend's reason after %d"
              + " ms: %s%n",
          probeMillis, firstProbeMillis, rounds, worstLive, worstReady, reasonMillis, body.strip());
      assertTrue(
          body.contains(expected), "no reason naming the backend in /readyz after 60 s: " + body);
      assertTrue(
          worstLive < 5000 && worstReady < 5000, "slower than the kubelet's probe timeout (5 s)");
      assertTrue(probeMillis < 3000, "Probe took " + probeMillis + " ms");
      assertEquals(200, get(http, health, "/livez").statusCode());
      assertTrue(
          plugin.log().contains("not ready: "), "the reason goes to the log too: " + plugin.log());
    }
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static int freePort() throws Exception {
    try (ServerSocket free = new ServerSocket(0)) {
      return free.getLocalPort();
    }
  }
}
