package io.mooring.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import csi.v1.Csi.VolumeUsage;
import io.mooring.errors.StorageException;
import io.mooring.exec.CommandResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class VolumeStatsTest {

  private static List<VolumeUsage> usage(String df) {
    return new VolumeStats(command -> new CommandResult(0, df, "", 1)).usage(Path.of("/v"));
  }

  @Test
  void bytesAndInodes() {
    List<VolumeUsage> usage = usage(InProcessNode.DF);
    assertEquals(
        List.of(VolumeUsage.Unit.BYTES, VolumeUsage.Unit.INODES),
        usage.stream().map(VolumeUsage::getUnit).toList());
    assertEquals(990, usage.get(1).getAvailable());
  }

  /** ceph-fuse reports files but no free-inode count; df shows "-". */
  @Test
  void onlyBytesWhenTheInodeFiguresAreUnknown() {
    List<VolumeUsage> usage =
        usage(
            "1B-blocks  Used   Avail Inodes IUsed IFree\n"
                + "  8388608  4096 8384512      2     -     -\n");
    assertEquals(1, usage.size());
    assertEquals(
        List.of(8388608L, 4096L, 8384512L),
        List.of(usage.get(0).getTotal(), usage.get(0).getUsed(), usage.get(0).getAvailable()));
  }

  @Test
  void garbageIsAnError() {
    assertThrows(StorageException.class, () -> usage("1B-blocks Used\n- -\n"));
    assertThrows(StorageException.class, () -> usage("a b c d e f\n1 2 x 4 5 6\n"));
  }
}
