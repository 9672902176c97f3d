package io.mooring.controller.backend.cephfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class CephCommandTest {

  static final CephCommand CREATE =
      CephCommand.mgr("fs subvolume create")
          .with("vol_name", "cephfs")
          .with("sub_name", "x")
          .with("group_name", "csi")
          .with("size", 1073741824L);

  @Test
  void cliWordsUseTheEqualsFormSoValuesMayStartWithDashes() {
    assertEquals(
        List.of(
            "fs",
            "subvolume",
            "create",
            "--vol_name=cephfs",
            "--sub_name=x",
            "--group_name=csi",
            "--size=1073741824"),
        CREATE.cliWords());
    assertEquals(
        List.of("fs", "subvolume", "metadata", "set", "--key_name=k", "--value=-v=1"),
        CephCommand.mgr("fs subvolume metadata set")
            .with("key_name", "k")
            .with("value", "-v=1")
            .cliWords());
    assertEquals(
        List.of("fs", "subvolume", "resize", "--no_shrink=true"),
        CephCommand.mgr("fs subvolume resize").with("no_shrink", true).cliWords());
  }

  @Test
  void jsonIsWhatTheCliSends() {
    assertEquals(
        "{\"prefix\":\"fs subvolume create\",\"vol_name\":\"cephfs\",\"sub_name\":\"x\","
            + "\"group_name\":\"csi\",\"size\":1073741824,\"format\":\"json\"}",
        CREATE.json());
    assertEquals("{\"prefix\":\"df\",\"format\":\"json\"}", CephCommand.mon("df").json());
    assertEquals(CephCommand.Target.MON, CephCommand.mon("df").target());
  }

  @Test
  void describeNamesTheSubvolume() {
    assertEquals("ceph fs subvolume create cephfs/csi/x", CREATE.describe());
    assertEquals("ceph df", CephCommand.mon("df").describe());
  }

  @Test
  void onlySimpleValues() {
    assertThrows(IllegalArgumentException.class, () -> CephCommand.mgr("x").with("a", 1.5));
  }
}
