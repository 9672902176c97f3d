package io.mooring.tools.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JvmExperimentsTest {

  @ParameterizedTest
  @CsvSource({
    "io.grpc.netty.shaded.io.netty.channel.epoll.Epoll, netty + grpc-netty (shaded)",
    "io.grpc.internal.ServerImpl, grpc",
    "com.google.protobuf.GeneratedMessageV3, protobuf",
    "com.google.common.base.Preconditions, guava",
    "csi.v1.Csi$ProbeRequest, CSI stubs (csi.v1)",
    "io.mooring.node.NodeService, mooring",
    "java.lang.Object, JDK",
    "jdk.internal.misc.Unsafe, JDK",
    "org.example.Thing, other"
  })
  void mapsClassesToLibraries(String cls, String library) {
    assertEquals(library, JvmExperiments.library(cls));
  }

  @Test
  void countsClassesBySource() {
    Map<String, int[]> c =
        JvmExperiments.census(
            List.of(
                "[0.010s][info][class,load] java.lang.Object source: shared objects file",
                "[0.011s][info][class,load] java.lang.String source: shared objects file (top)",
                "[0.300s][info][class,load] io.mooring.app.Main source: file:/x/mooring-all.jar",
                "[0.301s][info][class,load] java.lang.invoke.LambdaForm$MH/0x0000000800c01000"
                    + " source: __JVM_LookupDefineClass__",
                "[0.400s][info][gc] unrelated line"));
    assertArrayEquals(new int[] {2, 1}, c.get("JDK"));
    assertArrayEquals(new int[] {0, 1}, c.get("mooring"));
    assertEquals(2, c.size());
  }

  @Test
  void variantsStartWithTheLauncherDefaultsAndAllDiffer() throws Exception {
    List<JvmExperiments.Variant> v =
        JvmExperiments.variants(JvmExperiments.defaults(root()), Path.of("/w/node.jsa"));
    assertEquals(null, v.get(0).opts());
    assertEquals(v.size(), v.stream().map(x -> x.shown()).distinct().count());
    assertTrue(v.stream().anyMatch(x -> x.shown().contains("-XX:SharedArchiveFile=/w/node.jsa")));
    assertTrue(
        v.stream().filter(x -> x.opts() != null).allMatch(x -> !x.opts().isBlank()),
        "an empty MOORING_JAVA_OPTS would mean the launcher's defaults");
  }

  @Test
  void theDefaultsAreTheFlagsOfTheOptionsFileWithoutItsComments() throws Exception {
    String defaults = JvmExperiments.defaults(root());
    assertTrue(defaults.startsWith("-XX:+UseSerialGC -Xms4m "), defaults);
    assertTrue(!defaults.contains("#") && !defaults.contains("  "), defaults);
  }

  /** The repository: tests run in tools/. */
  private static Path root() {
    return Path.of("").toAbsolutePath().getParent();
  }
}
