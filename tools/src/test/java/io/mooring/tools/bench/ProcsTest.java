package io.mooring.tools.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcsTest {

  @Test
  void parsesMemoryLinesOfStatus() {
    Procs.Memory m =
        Procs.parseStatus(
            """
            Name:\tjava
            State:\tS (sleeping)
            VmHWM:\t   90112 kB
            VmRSS:\t   81920 kB
            RssAnon:\t   61440 kB
            RssFile:\t   20480 kB
            Threads:\t19
            """);
    assertEquals(81920, m.rssKib());
    assertEquals(80.0, m.rssMiB());
    assertEquals(88.0, m.hwmMiB());
    assertEquals(60.0, m.anonMiB());
    assertEquals(20.0, m.fileMiB());
  }

  @Test
  void missingLinesAreUnknown() {
    Procs.Memory m = Procs.parseStatus("Name:\tkthreadd\n");
    assertEquals(-1, m.rssKib());
    assertTrue(Double.isNaN(m.rssMiB()));
  }

  @Test
  void statFieldsAfterACommandNameWithSpacesAndParentheses() {
    String stat =
        "1234 (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 19 0 987654 0 0";
    assertEquals(325, Procs.parseCpuTicks(stat));
    assertEquals('S', Procs.parseState(stat));
    assertEquals(987654, Procs.parseStartTicks(stat));
  }

  @Test
  void machineTicksLeaveOutIdleAndIowait() {
    assertArrayEquals(
        new long[] {10 + 1 + 5 + 2 + 3 + 4, 10 + 1 + 5 + 100 + 7 + 2 + 3 + 4},
        Procs.parseMachineTicks("cpu  10 1 5 100 7 2 3 4 0 0\ncpu0 5 0 2 50 3 1 1 2 0 0\n"));
  }

  @Test
  void readsItsOwnProcess() {
    long self = ProcessHandle.current().pid();
    assertTrue(Procs.memory(self).rssKib() > 0);
    assertTrue(Procs.cpuMillis(self) >= 0);
    assertTrue(Procs.all().stream().anyMatch(p -> p.pid() == self && p.cmdline().contains("java")));
  }
}
