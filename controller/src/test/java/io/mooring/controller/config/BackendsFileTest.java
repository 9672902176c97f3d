package io.mooring.controller.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BackendsFileTest {

  @Test
  void readsATopologyOfNodeLabelsAndNoneByDefault() {
    Map<String, BackendConfig> all =
        BackendsFile.parse(
            """
            backends:
              - name: east
                type: cephfs
                monitors: [m1]
                fsName: fs
                topology:
                  topology.kubernetes.io/zone: eu-1a
                  rack: r7
              - {name: west, type: glusterfs, servers: [h], volume: v, management: local}
            """);
    assertEquals(
        Map.of("topology.kubernetes.io/zone", "eu-1a", "rack", "r7"), all.get("east").topology());
    assertEquals(Map.of(), all.get("west").topology());
  }

  @Test
  void readsGlusterBackendsWithDefaults() {
    Map<String, BackendConfig> all =
        BackendsFile.parse(
            """
            backends:
              - name: gluster-a
                type: glusterfs
                servers: [g1.example, g2.example]
                volume: shared
                ssh: {keyFile: /etc/mooring/gluster-ssh/id_ed25519, knownHostsFile: /etc/mooring/gluster-ssh/known_hosts}
              - name: gluster-b
                type: glusterfs
                servers: [127.0.0.1]
                volume: other_vol
                basePath: /k8s/volumes
                management: local
            """);
    GlusterConfig a = (GlusterConfig) all.get("gluster-a");
    assertEquals(List.of("g1.example", "g2.example"), a.servers());
    assertEquals("/mooring", a.basePath());
    assertEquals(
        new GlusterConfig.Ssh(
            "root",
            22,
            "/etc/mooring/gluster-ssh/id_ed25519",
            "/etc/mooring/gluster-ssh/known_hosts"),
        a.management());
    GlusterConfig b = (GlusterConfig) all.get("gluster-b");
    assertEquals("/k8s/volumes", b.basePath());
    assertEquals(
        new GlusterConfig.Local("/run/glusterd.socket"),
        b.management(),
        "a loopback server means nothing");
  }

  @Test
  void readsGlusterManagementSettings() {
    GlusterConfig ssh =
        (GlusterConfig)
            BackendsFile.parse(
                    """
                    backends:
                      - name: g
                        type: glusterfs
                        servers: [g1]
                        volume: v
                        management: ssh
                        ssh: {user: mooring, port: 2222, keyFile: /k/id, knownHostsFile: /k/kh}
                    """)
                .get("g");
    assertEquals(new GlusterConfig.Ssh("mooring", 2222, "/k/id", "/k/kh"), ssh.management());
    GlusterConfig local =
        (GlusterConfig)
            BackendsFile.parse(
                    "backends:\n"
                        + "  - {name: g, type: glusterfs, servers: [g1], volume: v, management:"
                        + " local, glusterdSocket: /s/g.sock}")
                .get("g");
    assertEquals(new GlusterConfig.Local("/s/g.sock"), local.management());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "servers: [127.0.0.1], volume: v                                         | 'ssh' (keyFile,"
            + " knownHostsFile) is required",
        "servers: [h], volume: v, management: remote, ssh: {keyFile: /k, knownHostsFile: /h} |"
            + " 'management' must be ssh or local",
        "servers: [h], volume: v, ssh: {knownHostsFile: /h}                       |"
            + " backends[0].ssh: 'keyFile' is required",
        "servers: [h], volume: v, ssh: {keyFile: /k}                              |"
            + " 'knownHostsFile' is required",
        "servers: [h], volume: v, ssh: {keyFile: k, knownHostsFile: /h}           | 'keyFile' value"
            + " 'k' is not allowed",
        "servers: [h], volume: v, ssh: {keyFile: /k/../x, knownHostsFile: /h}     | 'keyFile' value"
            + " '/k/../x' is not allowed",
        "servers: [h], volume: v, ssh: {keyFile: /k, knownHostsFile: /h, port: 0} | 'port' must be"
            + " a number from 1 to 65535",
        "servers: [h], volume: v, ssh: {keyFile: /k, knownHostsFile: /h, port: '22 -oX'} | 'port'"
            + " must be a number",
        "servers: [h], volume: v, ssh: {keyFile: /k, knownHostsFile: /h, user: '-oProxyCommand=x'}"
            + " | 'user' value",
        "servers: [h], volume: v, ssh: {keyFile: /k, knownHostsFile: /h, password: x} |"
            + " backends[0].ssh: unknown keys [password]",
        "servers: [h], volume: v, ssh: {keyFile: /k, knownHostsFile: /h}, glusterdSocket: /s |"
            + " 'glusterdSocket' is only for management: local",
        "servers: [h], volume: v, management: local, ssh: {keyFile: /k, knownHostsFile: /h} | 'ssh'"
            + " is only for management: ssh",
        "servers: [h], volume: v, management: local, glusterdSocket: run/g.sock   |"
            + " 'glusterdSocket' value",
      })
  void rejectsBadGlusterManagementWithAReason(String fields, String expected) {
    String yaml = "backends:\n  - {name: a, type: glusterfs, " + fields + "}";
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BackendsFile.parse(yaml));
    assertTrue(e.getMessage().startsWith("<string>: backends[0]"), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void readsCephBackendsWithDefaults() {
    CephConfig c =
        (CephConfig)
            BackendsFile.parse(
                    """
                    backends:
                      - name: ceph-a
                        type: cephfs
                        monitors: ["10.0.0.1:6789", "10.0.0.2:3300"]
                        fsName: cephfs
                    """)
                .get("ceph-a");
    assertEquals(List.of("10.0.0.1:6789", "10.0.0.2:3300"), c.monitors());
    assertEquals("csi", c.subvolumeGroup());
    assertEquals("", c.mounter());
    assertEquals("", c.adminSecretDir());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "backends: nope",
        "other: 1",
        "backends:\n  - {name: a, type: nfs}",
        "backends:\n  - {name: A, type: glusterfs, servers: [h], volume: v}",
        "backends:\n  - {name: a, type: glusterfs, servers: [], volume: v}",
        "backends:\n  - {name: a, type: glusterfs, servers: [h], volume: v, basePath: ../x}",
        "backends:\n  - {name: a, type: glusterfs, servers: [h], volume: v, basePath: /a/../b}",
        "backends:\n  - {name: a, type: glusterfs, servers: [h], volume: 'v;rm'}",
        "backends:\n  - {name: a, type: glusterfs, servers: [h], volume: v, colour: red}",
        "backends:\n"
            + "  - {name: a, type: glusterfs, servers: [h], volume: v}\n"
            + "  - {name: a, type: glusterfs, servers: [h], volume: w}",
        "backends: [",
        "backends:\n  - {name: c, type: cephfs, monitors: [m], fsName: fs, mounter: nfs}",
        "backends:\n  - {name: c, type: cephfs, monitors: [m], fsName: fs, mounter: kernel}",
        "backends:\n"
            + "  - {name: c, type: cephfs, monitors: [m], fsName: fs, kernelMountOptions:"
            + " 'ms_mode=crc'}",
        "backends:\n  - {name: c, type: cephfs, monitors: [m], fsName: 'fs x'}",
        "backends:\n"
            + "  - {name: c, type: cephfs, monitors: [m], fsName: fs, fuseMountOptions: 'a b'}",
        "backends:\n  - {name: c, type: cephfs, monitors: [m], fsName: fs, topology: {}}",
        "backends:\n  - {name: c, type: cephfs, monitors: [m], fsName: fs, topology: [a]}",
        "backends:\n  - {name: c, type: cephfs, monitors: [m], fsName: fs, topology: {'a b': x}}",
        "backends:\n"
            + "  - {name: c, type: cephfs, monitors: [m], fsName: fs, topology: {zone: 'x y'}}",
      })
  void rejectsBadFilesWithAReason(String yaml) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BackendsFile.parse(yaml));
    assertTrue(e.getMessage().startsWith("<string>"), e.getMessage());
  }
}
