package io.mooring.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mooring.mount.MountTable;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountFlagsTest {

  @Test
  void keepsOnlyPerMountFlagsOfAnExistingBind() {
    var entry =
        MountTable.parse(
                "42 1 0:39 /base/x /k/t ro,nosuid,nodev,noexec,relatime - fuse.glusterfs g1:/vol"
                    + " rw")
            .entries()
            .get(0);
    assertEquals(List.of("nodev", "noexec", "nosuid", "relatime"), MountFlags.of(entry));
  }
}
