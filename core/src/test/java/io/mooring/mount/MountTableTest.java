package io.mooring.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountTableTest {

  static final String TABLE =
      String.join(
          "\n",
          "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro",
          "97 22 0:52 / /var/lib/kubelet/plugins/mooring.csi.io/mounts/gluster-a rw,relatime"
              + " shared:50 - fuse.glusterfs 127.0.0.1:/shared"
              + " rw,user_id=0,group_id=0,default_permissions,allow_other,max_read=131072",
          "98 22 0:52 /mooring/pvc-1-abc"
              + " /var/lib/kubelet/pods/p1/volumes/kubernetes.io~csi/pv\\040one/mount ro,relatime"
              + " shared:50 master:7 - fuse.glusterfs 127.0.0.1:/shared rw",
          "99 22 0:40 / /tmp/back\\134slash rw - tmpfs tmpfs rw",
          "");

  @Test
  void parsesFieldsEscapesAndOptionalFields() {
    MountTable table = MountTable.parse(TABLE);
    assertEquals(4, table.entries().size());
    MountEntry bind = table.entries().get(2);
    assertEquals("/mooring/pvc-1-abc", bind.root());
    assertEquals(
        Path.of("/var/lib/kubelet/pods/p1/volumes/kubernetes.io~csi/pv one/mount"),
        bind.mountPoint());
    assertEquals(List.of("shared:50", "master:7"), bind.optionalFields());
    assertTrue(bind.readOnly());
    assertTrue(bind.isFuse("glusterfs"));
    assertEquals("127.0.0.1:/shared", bind.source());
    assertEquals(Path.of("/tmp/back\\slash"), table.entries().get(3).mountPoint());
    assertEquals(List.of(), table.entries().get(3).optionalFields());
  }

  @Test
  void findsTopMostAndNested() {
    MountTable table = MountTable.parse(TABLE + "100 22 0:41 / / rw - overlay overlay rw\n");
    assertEquals("overlay", table.at(Path.of("/")).orElseThrow().fsType());
    assertTrue(
        table.isMountPoint(Path.of("/var/lib/kubelet/plugins/mooring.csi.io/mounts/gluster-a")));
    assertFalse(table.isMountPoint(Path.of("/var/lib/kubelet")));
    assertEquals(2, table.under(Path.of("/var/lib/kubelet")).size());
  }

  @Test
  void rejectsGarbage() {
    assertThrows(IllegalArgumentException.class, () -> MountTable.parse("1 2 3"));
  }

  @Test
  void readsTheRealTable() {
    assertTrue(MountTable.read().isMountPoint(Path.of("/")));
  }
}
