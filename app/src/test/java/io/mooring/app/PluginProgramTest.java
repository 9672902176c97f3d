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

  @TempDir
  Path dir;

  @Test
  void servesIdentityOnAUnixSocketAndCleansUpOnSigterm() throws Exception {
    Path backends = Files.writeString(dir.resolve("backends.yaml"), """
        backends:
          - name: gluster-a
            type: glusterfs
            servers: [127.0.0.1]
            volume: unused
        """);
    Path socket = dir.resolve("csi").resolve("csi.sock");
    Files.createDirectories(socket.getParent());
    Files.writeString(socket, "stale"); // a leftover from a crashed run must not stop the start
    try (RunningPlugin plugin = RunningPlugin.start(socket, dir.resolve("plugin.log"), "controller",
        "--backends", backends.toString(), "--state-dir", dir.resolve("state").toString(),
        "--driver-name", "test.mooring.io")) {
      assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
      var identity = IdentityGrpc.newBlockingStub(plugin.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
      var info = identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
      assertEquals("test.mooring.io", info.getName());
      assertEquals(Version.get(), info.getVendorVersion());
      List<PluginCapability> caps = identity.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
          .getCapabilitiesList();
      assertEquals(PluginCapability.Service.Type.CONTROLLER_SERVICE, caps.get(0).getService().getType());
      assertTrue(identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue());

      assertTrue(plugin.terminate(), () -> "no exit after SIGTERM: " + plugin.log());
      assertFalse(Files.exists(socket), "socket must be removed on SIGTERM");
      String text = plugin.log();
      assertTrue(text.contains("mooring " + Version.get() + " serving mode=controller"), text);
      assertTrue(text.contains("stopped"), text);
    }
  }

  @Test
  void refusesToStartWithoutBackendsInControllerMode() throws Exception {
    Path log = dir.resolve("bad.log");
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "controller", "--endpoint", "unix://" + dir.resolve("x.sock"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(process.waitFor(20, TimeUnit.SECONDS));
    assertTrue(process.exitValue() != 0);
    assertTrue(Files.readString(log).contains("--backends is required"), Files.readString(log));
    assertFalse(Files.exists(dir.resolve("x.sock")));
  }
}
