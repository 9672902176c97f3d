package io.mooring.controller.backend.cephfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Busy or silent: the rule of MgrLiveness on a clock the test turns (seconds). */
class MgrLivenessTest {

  long now;
  int probes;
  final MgrLiveness mgr =
      new MgrLiveness(
          () -> now * 1_000_000_000L,
          Duration.ofSeconds(4),
          Duration.ofSeconds(3),
          Duration.ofSeconds(8),
          Duration.ofSeconds(60));

  boolean silentAt(long second, long sent) {
    now = second;
    return mgr.silent(sent * 1_000_000_000L, () -> probes++);
  }

  @Test
  void aBusyMgrThatAnswersTheProbeIsWaitedFor() {
    assertFalse(silentAt(2, 0));
    assertEquals(0, probes, "no probe while the command is young");
    assertFalse(silentAt(4, 0));
    assertEquals(1, probes, "a probe once nothing answered for 4 s");
    now = 4;
    mgr.answered(); // the probe's answer: the mgr lives, its module is busy
    mgr.probeReturned();
    for (long s = 5; s <= 100; s++) {
      assertFalse(silentAt(s, 0), "busy, not silent, at " + s + " s");
      if (s % 4 == 0) { // each probe answered at once
        mgr.answered();
        mgr.probeReturned();
      }
    }
    assertTrue(probes <= 100 / 4 + 1, "one probe per quiet spell: " + probes);
  }

  @Test
  void aMgrThatAnswersNothingIsSilentAfterEightSecondsAndRefusedUntilItAnswers() {
    assertFalse(silentAt(5, 0));
    assertEquals(1, probes);
    assertFalse(silentAt(7, 0), "the probe has had 2 s");
    assertTrue(silentAt(10, 0), "nothing for 10 s, the probe unanswered for 5");
    assertEquals(1, probes, "the probe still out is not sent again");
    assertTrue(mgr.refuses(() -> probes++), "the next command is not sent");
    assertEquals(1, probes);
    assertTrue(silentAt(11, 9), "a call that was waiting already is told at its next look");

    now = 70;
    assertTrue(mgr.refuses(() -> probes++));
    assertEquals(2, probes, "the probe out for 60 s may be lost: another");
    assertTrue(mgr.refuses(() -> probes++));
    assertEquals(2, probes);

    mgr.answered(); // it is back: the old probe's answer
    assertFalse(mgr.refuses(() -> probes++));
  }

  @Test
  void aProbeLostBeforeTheLastAnswerIsReplaced() {
    assertFalse(silentAt(4, 0));
    assertEquals(1, probes);
    now = 5;
    mgr.answered(); // another command answered; the probe never returns
    assertFalse(silentAt(9, 6));
    assertFalse(silentAt(10, 6), "quiet 4 s: the lost probe does not count");
    assertEquals(2, probes, "a new probe instead");
    assertFalse(silentAt(12, 6));
    assertTrue(silentAt(14, 6), "the new probe unanswered for 4 s, nothing for 8 s");
  }

  @Test
  void aCommandSentLateGetsItsOwnWaitBeforeTheVerdict() {
    now = 100; // nothing asked of the mgr for 100 s: no silence
    assertFalse(silentAt(101, 100));
    assertFalse(silentAt(104, 100));
    assertEquals(1, probes);
    assertTrue(silentAt(108, 100));
  }
}
