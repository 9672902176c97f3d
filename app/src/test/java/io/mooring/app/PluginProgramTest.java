package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.GetPluginCapabilitiesRequest;
import csi.v1.Csi.GetPluginInfoRequest;
import csi.v1.Csi.PluginCapability;
import csi.v1.Csi.ProbeRequest;
import csi.v1.IdentityGrpc;
import io.mooring.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starts the real program on a unix socket, talks CSI to it, and stops it with SIGTERM. */
class PluginProgramTest {

  @TempDir Path dir;

  @Test
  void servesIdentityOnAUnixSocketAndCleansUpOnSigterm() throws Exception {
    Path backends =
        Files.writeString(
            dir.resolve("backends.yaml"),
            """
            backends:
              - name: gluster-a
                type: glusterfs
                servers: [127.0.0.1]
                volume: unused
                management: local
                glusterdSocket: %s
            """
                .formatted(dir.resolve("no-glusterd.socket")));
    Path socket = dir.resolve("csi").resolve("csi.sock");
    Files.createDirectories(socket.getParent());
    Files.writeString(socket, "stale"); // a leftover from a crashed run must not stop the start
    try (RunningPlugin plugin =
        RunningPlugin.start(
            socket,
            dir.resolve("plugin.log"),
            "controller",
            "--backends",
            backends.toString(),
            "--state-dir",
            dir.resolve("state").toString(),
            "--driver-name",
            "test.mooring.io")) {
      assertEquals(
          "rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
      var identity =
          IdentityGrpc.newBlockingStub(plugin.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
      var info = identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
      assertEquals("test.mooring.io", info.getName());
      assertEquals(Version.get(), info.getVendorVersion());
      List<PluginCapability> caps =
          identity
              .getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
              .getCapabilitiesList();
      assertEquals(
          PluginCapability.Service.Type.CONTROLLER_SERVICE, caps.get(0).getService().getType());
      // Serving although glusterd cannot be managed: not ready, saying why.
      assertFalse(identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue());
      for (int i = 0; i < 100 && !plugin.log().contains("no-glusterd.socket does not exist"); i++) {
        Thread.sleep(100);
      }
      assertTrue(
          plugin.log().contains("no-glusterd.socket does not exist: management: local needs"),
          plugin.log());

      assertTrue(plugin.terminate(), () -> "no exit after SIGTERM: " + plugin.log());
      assertFalse(Files.exists(socket), "socket must be removed on SIGTERM");
      String text = plugin.log();
      assertTrue(text.contains("mooring " + Version.get() + " serving mode=controller"), text);
      assertTrue(text.contains("stopped"), text);
    }
  }

  /** What a node plugin loads is what it keeps in metaspace for its whole life. */
  @Test
  void aNodeWithoutMetricsLoadsNeitherPrometheusNorAnXmlParser() throws Exception {
    Path classes = dir.resolve("classes.txt");
    try (RunningPlugin plugin =
        RunningPlugin.start(
            List.of("-Xlog:class+load=info:file=" + classes),
            dir.resolve("n.sock"),
            dir.resolve("n.log"),
            "node",
            "--node-id",
            "n1",
            "--state-dir",
            dir.resolve("state").toString())) {
      assertTrue(
          IdentityGrpc.newBlockingStub(plugin.channel())
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .probe(ProbeRequest.getDefaultInstance())
              .getReady()
              .getValue());
      String loaded = Files.readString(classes);
      assertTrue(loaded.contains("] io.mooring.app.LogConfigurator "), "logging is set up in code");
      for (String unwanted :
          List.of(
              "io.prometheus.",
              "com.sun.org.apache.xerces.",
              "io.fabric8.",
              "io.mooring.kube.",
              "com.sun.jna.",
              "com.google.gson.")) {
        assertFalse(
            loaded.contains("] " + unwanted),
            unwanted + "* loaded by a node without --metrics-address");
      }
    }
  }

  /**
   * A node's probes: live and ready; the self-check opens no grpc client channel (5 MiB of RSS).
   */
  @Test
  void aNodeServesLivezAndReadyzWithoutAGrpcClient() throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path classes = dir.resolve("health-classes.txt");
    try (RunningPlugin plugin =
        RunningPlugin.start(
            List.of("-Xlog:class+load=info:file=" + classes),
            dir.resolve("h.sock"),
            dir.resolve("h.log"),
            "node",
            "--node-id",
            "n1",
            "--state-dir",
            dir.resolve("state").toString(),
            "--health-address",
            "127.0.0.1:" + port)) {
      var client = java.net.http.HttpClient.newHttpClient();
      for (String path : List.of("/livez", "/readyz")) {
        // A probe's self-check allows 3 s, as the kubelet's probe does, and the kubelet asks again
        // (failureThreshold): a JVM still loading classes on a loaded machine may miss the first.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        java.net.http.HttpResponse<String> response;
        do {
          response =
              client.send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create("http://127.0.0.1:" + port + path))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
        } while (response.statusCode() != 200 && System.nanoTime() < end);
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        assertEquals("ok\n", response.body());
      }
      String loaded = Files.readString(classes);
      for (String unwanted : List.of("io.grpc.internal.ManagedChannelImpl ", "io.prometheus.")) {
        assertFalse(
            loaded.contains("] " + unwanted), unwanted + " loaded for the health endpoints");
      }
    }
  }

  @Test
  void metricsEndpointCountsRpcsInPrometheusTextFormat() throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path socket = dir.resolve("m.sock");
    try (RunningPlugin plugin =
        RunningPlugin.start(
            socket,
            dir.resolve("m.log"),
            "node",
            "--node-id",
            "n1",
            "--state-dir",
            dir.resolve("state").toString(),
            "--metrics-address",
            "127.0.0.1:" + port)) {
      var identity =
          IdentityGrpc.newBlockingStub(plugin.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
      for (int i = 0; i < 3; i++) {
        identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
      }
      String text = scrape(port);
      java.util.regex.Pattern sample =
          java.util.regex.Pattern.compile(
              "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\",?)*\\})?"
                  + " [-+0-9.eE]+|[-+]?Inf|NaN");
      for (String line : text.split("\n")) {
        assertTrue(
            line.isEmpty() || line.startsWith("#") || sample.matcher(line).matches(),
            "not Prometheus text: " + line);
      }
      assertTrue(
          text.contains("mooring_rpc_requests_total{code=\"OK\",method=\"GetPluginInfo\"} 3.0"),
          text);
      assertTrue(
          text.contains(
              "mooring_rpc_duration_seconds_count{code=\"OK\",method=\"GetPluginInfo\"} 3"),
          text);
      identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
      assertTrue(
          scrape(port)
              .contains("mooring_rpc_requests_total{code=\"OK\",method=\"GetPluginInfo\"} 4.0"));
    }
  }

  static String scrape(int port) throws Exception {
    var client = java.net.http.HttpClient.newHttpClient();
    var response =
        client.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    return response.body();
  }

  @Test
  void refusesToStartWithoutBackendsInControllerMode() throws Exception {
    Path log = dir.resolve("bad.log");
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "controller",
                "--endpoint",
                "unix://" + dir.resolve("x.sock"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertTrue(process.waitFor(20, TimeUnit.SECONDS));
    assertTrue(process.exitValue() != 0);
    assertTrue(Files.readString(log).contains("--backends is required"), Files.readString(log));
    assertFalse(Files.exists(dir.resolve("x.sock")));
  }
}
