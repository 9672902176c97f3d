package io.mooring.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class BackendsFileTest {

  @Test
  void readsGlusterBackendsWithDefaults() {
    Map<String, BackendConfig> all = BackendsFile.parse("""
        backends:
          - name: gluster-a
            type: glusterfs
            servers: [g1.example, g2.example]
            volume: shared
          - name: gluster-b
            type: glusterfs
            servers: [10.0.0.1]
            volume: other_vol
            basePath: /k8s/volumes
        """);
    GlusterConfig a = (GlusterConfig) all.get("gluster-a");
    assertEquals(List.of("g1.example", "g2.example"), a.servers());
    assertEquals("/mooring", a.basePath());
    assertEquals("/k8s/volumes", ((GlusterConfig) all.get("gluster-b")).basePath());
  }

  @Test
  void readsCephBackendsWithDefaults() {
    CephConfig c = (CephConfig) BackendsFile.parse("""
        backends:
          - name: ceph-a
            type: cephfs
            monitors: ["10.0.0.1:6789", "10.0.0.2:3300"]
            fsName: cephfs
        """).get("ceph-a");
    assertEquals(List.of("10.0.0.1:6789", "10.0.0.2:3300"), c.monitors());
    assertEquals("csi", c.subvolumeGroup());
    assertEquals("", c.mounter());
    assertEquals("", c.adminSecretDir());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "backends: nope",
      "other: 1",
      "backends:\n  - {name: a, type: nfs}",
      "backends:\n  - {name: A, type: glusterfs, servers: [h], volume: v}",
      "backends:\n  - {name: a, type: glusterfs, servers: [], volume: v}",
      "backends:\n  - {name: a, type: glusterfs, servers: [h], volume: v, basePath: ../x}",
      "backends:\n  - {name: a, type: glusterfs, servers: [h], volume: v, basePath: /a/../b}",
      "backends:\n  - {name: a, type: glusterfs, servers: [h], volume: 'v;rm'}",
      "backends:\n  - {name: a, type: glusterfs, servers: [h], volume: v, colour: red}",
      "backends:\n  - {name: a, type: glusterfs, servers: [h], volume: v}\n  - {name: a, type: glusterfs, servers: [h], volume: w}",
      "backends: [",
      "backends:\n  - {name: c, type: cephfs, monitors: [m], fsName: fs, mounter: nfs}",
      "backends:\n  - {name: c, type: cephfs, monitors: [m], fsName: fs, mounter: kernel}",
      "backends:\n  - {name: c, type: cephfs, monitors: [m], fsName: fs, kernelMountOptions: 'ms_mode=crc'}",
      "backends:\n  - {name: c, type: cephfs, monitors: [m], fsName: 'fs x'}",
      "backends:\n  - {name: c, type: cephfs, monitors: [m], fsName: fs, fuseMountOptions: 'a b'}",
  })
  void rejectsBadFilesWithAReason(String yaml) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendsFile.parse(yaml));
    assertTrue(e.getMessage().startsWith("<string>"), e.getMessage());
  }
}
