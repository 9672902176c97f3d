package io.mooring.tools.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.mount.MountTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The main job, end to end: {@code scripts/demo} plays a rolling deploy across two node plugins in
 * separate mount namespaces on its own replica-3 GlusterFS volume, and must pass and clean up.
 */
class RollingDeployIT {

  @Test
  void demoPassesAndLeavesNothingBehind() throws Exception {
    Path root = Path.of(System.getProperty("user.dir")).getParent();
    Path work = Files.createTempDirectory("mooring-demo-it");
    Path log = work.resolve("demo.log");
    Process demo =
        new ProcessBuilder(root.resolve("scripts/demo").toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .directory(root.toFile())
            .start();
    demo.getOutputStream().close();
    assertTrue(demo.waitFor(5, TimeUnit.MINUTES), "demo took over 5 minutes");
    String out = Files.readString(log);
    System.out.println(out);
    assertEquals(0, demo.exitValue(), out);
    assertTrue(out.contains("PASS"), out);
    assertFalse(out.contains("FAIL"), out);
    for (String step :
        new String[] {
          "node-a: NodePublishVolume",
          "node-b: NodePublishVolume",
          "surge: new pod web-v2 on node-b reads v1's data",
          "web-v1 on node-a sees v2's write",
          "df in web-v2 shows the volume's size",
          "NodeGetVolumeStats on node-b",
          "old pod gone: web-v2 keeps reading",
          "DeleteVolume"
        }) {
      assertTrue(
          out.lines().anyMatch(l -> l.contains(step) && l.contains(" ok ")), step + " in:\n" + out);
    }
    assertTrue(
        MountTable.read().under(Path.of("/tmp/mooring-demo")).isEmpty(), "demo left mounts behind");
    assertFalse(Files.exists(Path.of("/tmp/mooring-demo")), "demo left its work dir behind");
    assertTrue(
        ProcessHandle.allProcesses()
            .noneMatch(p -> p.info().commandLine().orElse("").contains("/tmp/mooring-demo/")),
        "demo left processes behind");
    Files.delete(log);
    Files.delete(work);
  }
}
