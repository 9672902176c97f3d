package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiServerTest {

  @TempDir Path dir;

  @Test
  void aPodWithATokenOrAKubeconfigReachesIt() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "t");
    Map<String, String> pod = Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1");
    assertTrue(ApiServer.reachable(null, pod, token));
    assertTrue(ApiServer.reachable(dir.resolve("config"), Map.of(), dir.resolve("none")));
  }

  @Test
  void withoutATokenOrOutsideAPodItIsNotTried() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "t");
    assertFalse(
        ApiServer.reachable(null, Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"), dir.resolve("x")),
        "automountServiceAccountToken: false");
    assertFalse(ApiServer.reachable(null, Map.of(), token));
  }
}
