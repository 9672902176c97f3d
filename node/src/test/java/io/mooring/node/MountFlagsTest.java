package io.mooring.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import io.mooring.mount.MountTable;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  /**
   * What the kubelet adds for a CSIDriver with seLinuxMount: true. One FUSE client's superblock
   * serves every volume of a backend, so one pod's context cannot be given to its volume alone.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "context=\"system_u:object_r:container_file_t:s0:c1,c2\"",
        "context=system_u:object_r:container_file_t:s0",
        "fscontext=system_u:object_r:fusefs_t:s0",
        "defcontext=system_u:object_r:fusefs_t:s0",
        "rootcontext=system_u:object_r:fusefs_t:s0"
      })
  void refusesSelinuxContextsAndSaysWhy(String flag) {
    StorageException e =
        assertThrows(StorageException.class, () -> MountFlags.validate(List.of(flag)));
    assertEquals(StorageException.Kind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().contains("superblock"), e.getMessage());
  }
}
