package io.mooring.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandTest {

  /** The label metrics carry: what ran, not the wrapper that started it in a session. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "setsid mount -t glusterfs -o log-file=/l g1:/vol /m | glusterfs",
        "setsid mount -t ceph m1:/ /m | ceph",
        "setsid -w ceph-fuse --conf=/dev/null -r /volumes/csi /m | ceph-fuse",
        "/usr/bin/setsid /usr/bin/ceph-fuse -r / /m | ceph-fuse",
        "mount --bind /a /b | mount",
        "mount -o remount,bind,ro /b | mount",
        "umount -l /b | umount",
        "/usr/sbin/gluster --xml volume info | gluster",
        "ssh -F /cfg server gluster volume quota v list | ssh",
        "setsid | setsid"
      })
  void programIsWhatRuns(String argv, String program) {
    assertEquals(program, Command.of(List.of(argv.split(" "))).program());
  }
}
