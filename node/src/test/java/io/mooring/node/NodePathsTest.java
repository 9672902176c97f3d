package io.mooring.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodePathsTest {

  @TempDir Path tmp;

  @Test
  void requireNormalizesAndResolvesLinksOfTheExistingPart() throws IOException {
    Path real = Files.createDirectories(tmp.resolve("real/kubelet"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("real"));

    Path got = NodePaths.require("target_path", link + "/kubelet//pods/p1/mount/");

    assertEquals(real.toRealPath().resolve("pods/p1/mount"), got);
  }

  @Test
  void theLastElementIsNotResolved() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("d"));
    Path link = Files.createSymbolicLink(dir.resolve("mount"), tmp);

    assertEquals(
        dir.toRealPath().resolve("mount"), NodePaths.require("target_path", link.toString()));
  }

  @ParameterizedTest
  @CsvSource({"/base/dir, /mnt/c/base/dir", "/, /mnt/c", "//base, /mnt/c/base"})
  void insideResolvesAMountinfoRootUnderTheMount(String root, String expected) {
    assertEquals(Path.of(expected), NodePaths.inside(Path.of("/mnt/c"), root));
  }
}
