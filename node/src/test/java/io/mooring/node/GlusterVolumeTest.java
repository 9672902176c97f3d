package io.mooring.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mooring.mount.MountTable;
import io.mooring.volume.VolumeId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlusterVolumeTest {

  @Test
  void readsTheControllersVolumeContext() {
    GlusterVolume volume =
        GlusterVolume.of(
            VolumeId.parse("v1:gluster-a:pvc-1"),
            Map.of(
                "backend",
                "gluster-a",
                "type",
                "glusterfs",
                "servers",
                "g1.example, 127.0.0.2",
                "volume",
                "shared",
                "path",
                "/mooring/pvc-1"));

    assertEquals(
        new GlusterVolume(
            "gluster-a", List.of("g1.example", "127.0.0.2"), "shared", "/mooring/pvc-1"),
        volume);
    assertEquals("g1.example,127.0.0.2:/shared", volume.source());
  }

  @ParameterizedTest
  @CsvSource({"g1:/vol, vol", "'g1,g2:/vol', vol", "[fe80::1]:/vol-2, vol-2"})
  void volumeOfAMountSource(String source, String volume) {
    assertEquals(volume, GlusterClients.volumeOf(source));
  }

  @Test
  void keepsOnlyPerMountFlagsOfAnExistingBind() {
    var entry =
        MountTable.parse(
                "42 1 0:39 /base/x /k/t ro,nosuid,nodev,noexec,relatime - fuse.glusterfs g1:/vol rw")
            .entries()
            .get(0);
    assertEquals(List.of("nodev", "noexec", "nosuid", "relatime"), MountFlags.of(entry));
  }
}
