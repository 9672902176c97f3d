package io.mooring.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.PluginCapability;
import io.mooring.rpc.Endpoint;
import io.mooring.rpc.IdentityService;
import io.mooring.rpc.Metrics;
import io.mooring.rpc.PluginServer;
import io.mooring.rpc.RpcLogInterceptor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /livez and /readyz of a real gRPC server on a unix socket: a backend outage makes the plugin not
 * ready, with the reason, and never not live; only a plugin that does not answer CSI is not live.
 */
class HealthServerTest {

  static final String OUTAGE = "Ceph cluster at 10.0.0.1:6789 is unreachable: connection refused";
  final HttpClient client = HttpClient.newHttpClient();
  final CountDownLatch never = new CountDownLatch(1);
  @TempDir Path dir;
  PluginServer grpc;
  HealthCheck readiness;
  HealthServer health;

  void start(Readiness backend) throws Exception {
    readiness =
        new HealthCheck(
            "backend a",
            backend,
            Duration.ZERO,
            Duration.ofMillis(300),
            Clock.systemUTC(),
            HealthCheck.daemonThreads("test-health"));
    grpc =
        PluginServer.start(
            new Endpoint.Unix(dir.resolve("csi.sock")),
            List.of(
                new IdentityService(
                    "test.mooring.io",
                    "1",
                    Set.of(PluginCapability.Service.Type.CONTROLLER_SERVICE),
                    true,
                    readiness)),
            new RpcLogInterceptor(Metrics.OFF));
    health =
        HealthServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            grpc::notServingReason,
            readiness::notReadyReason);
  }

  @AfterEach
  void stop() {
    never.countDown();
    if (health != null) {
      health.close();
      grpc.stop(Duration.ZERO);
    }
  }

  HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aHealthyPluginIsLiveAndReady() throws Exception {
    start(Optional::empty);
    assertEquals(200, get("/livez").statusCode());
    HttpResponse<String> ready = get("/readyz");
    assertEquals(200, ready.statusCode());
    assertEquals("ok\n", ready.body());
  }

  @Test
  void anUnreachableBackendMakesThePluginNotReadyWithTheReasonButStillLive() throws Exception {
    start(() -> Optional.of(OUTAGE));
    HttpResponse<String> live = get("/livez");
    assertEquals(200, live.statusCode(), live.body());
    HttpResponse<String> ready = get("/readyz");
    assertEquals(503, ready.statusCode());
    assertEquals(OUTAGE + "\n", ready.body());
    assertEquals(
        "text/plain; charset=utf-8", ready.headers().firstValue("Content-Type").orElseThrow());
  }

  @Test
  void aHungBackendCheckCostsReadinessNotLiveness() throws Exception {
    start(
        () -> {
          try {
            never.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return Optional.empty();
        });
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      assertEquals(200, get("/livez").statusCode());
      HttpResponse<String> ready = get("/readyz");
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(503, ready.statusCode());
      assertTrue(
          ready.body().contains("does not answer its health check within 300 ms"), ready.body());
      assertTrue(millis < 3000, "both answers took " + millis + " ms");
    }
  }

  @Test
  void notLiveWhenTheSocketIsGoneOrTheServerStops() throws Exception {
    start(Optional::empty);
    assertEquals(200, get("/livez").statusCode());
    Files.delete(dir.resolve("csi.sock"));
    HttpResponse<String> gone = get("/livez");
    assertEquals(503, gone.statusCode());
    assertTrue(gone.body().contains("csi.sock is gone"), gone.body());
    assertEquals(503, get("/readyz").statusCode(), "not live is not ready either");
    grpc.stop(Duration.ZERO);
    HttpResponse<String> stopped = get("/livez");
    assertEquals(503, stopped.statusCode());
    assertTrue(stopped.body().contains("shutting down"), stopped.body());
  }

  @Test
  void otherPathsAndMethodsAreRefused() throws Exception {
    start(Optional::empty);
    assertEquals(404, get("/livez/x").statusCode());
    assertEquals(404, get("/").statusCode());
    HttpResponse<String> post =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port() + "/livez"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
  }
}
