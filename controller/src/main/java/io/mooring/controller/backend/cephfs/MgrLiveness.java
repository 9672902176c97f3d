package io.mooring.controller.backend.cephfs;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Whether the Ceph mgr still answers, told apart from a mgr that is busy. The mgr's volumes module
 * runs the subvolume commands one at a time, and under a queue of them it may answer none for a
 * while (measured: 100 concurrent {@code fs subvolume rm}, no answer for up to 14.8 s on a loaded
 * 2-core machine), while the mgr itself answered {@link #PROBE} (served by its C++ core, not by a
 * Python module) within 32 ms throughout. A stopped or hung mgr answers neither, and the monitors
 * notice only after the mgr beacon grace (30 s). So: when none of our mgr commands has been
 * answered for {@link #PROBE_AFTER} while one waits, one probe goes out; when it too has gone
 * unanswered for {@link #PROBE_WAIT}, and nothing for {@link #SILENCE}, the mgr does not answer. A
 * busy module is waited for (up to the call's bound or deadline); a silent mgr costs a call about
 * {@link #SILENCE}, and the calls after it nothing: they are refused until the mgr answers again,
 * the probe being the one command kept out in the meantime (a new one only if the last one has been
 * out for {@link #REPROBE}, in case it was lost with its connection). Thread-safe.
 */
final class MgrLiveness {

  /** Cheap, read-only, answered by the mgr daemon itself; needs mgr "r" caps. */
  static final CephCommand PROBE = CephCommand.mgr("service status");

  static final Duration PROBE_AFTER = Duration.ofSeconds(4);
  static final Duration PROBE_WAIT = Duration.ofSeconds(3);
  static final Duration SILENCE = Duration.ofSeconds(8);
  static final Duration REPROBE = Duration.ofSeconds(60);

  private final LongSupplier nanos;
  private final long probeAfter;
  private final long probeWait;
  private final long silence;
  private final long reprobe;

  /** When the mgr last answered a command of ours (or this started). */
  private long lastAnswer;

  /** When the probe out now was sent; only while one is. */
  private Long probeSent;

  /** Since when the mgr has been silent, once found so (until it answers); else null. */
  private Long silentSince;

  MgrLiveness() {
    this(System::nanoTime, PROBE_AFTER, PROBE_WAIT, SILENCE, REPROBE);
  }

  MgrLiveness(
      LongSupplier nanos,
      Duration probeAfter,
      Duration probeWait,
      Duration silence,
      Duration reprobe) {
    this.nanos = nanos;
    this.probeAfter = probeAfter.toNanos();
    this.probeWait = probeWait.toNanos();
    this.silence = silence.toNanos();
    this.reprobe = reprobe.toNanos();
    this.lastAnswer = nanos.getAsLong();
  }

  /** The mgr answered a command of ours, whatever it said. */
  synchronized void answered() {
    lastAnswer = nanos.getAsLong();
    silentSince = null;
  }

  /** The probe returned (answered or not: an answer came through {@link #answered}). */
  synchronized void probeReturned() {
    probeSent = null;
  }

  /**
   * Whether a mgr command should not be sent at all: the mgr was found silent and has not answered
   * since. Sends {@code probe} if the one out is {@link #REPROBE} old.
   */
  boolean refuses(Runnable probe) {
    synchronized (this) {
      if (silentSince == null || probeSent != null && nanos.getAsLong() - probeSent < reprobe) {
        return silentSince != null;
      }
      probeSent = nanos.getAsLong();
    }
    send(probe);
    return true;
  }

  /**
   * Whether a mgr command sent at {@code waitingSince} ({@link System#nanoTime}) and not answered
   * yet waits on a silent mgr; sends {@code probe} when one is due.
   */
  boolean silent(long waitingSince, Runnable probe) {
    synchronized (this) {
      long now = nanos.getAsLong();
      long quietSince = Math.max(lastAnswer, waitingSince);
      if (silentSince != null || now - quietSince < probeAfter) {
        return silentSince != null;
      }
      // a probe sent before the last answer was not answered with it: lost, or slow; send another
      if (probeSent != null && probeSent - lastAnswer >= 0) {
        if (now - probeSent >= probeWait && now - quietSince >= silence) {
          silentSince = quietSince;
        }
        return silentSince != null;
      }
      probeSent = now;
    }
    send(probe);
    return false;
  }

  private void send(Runnable probe) {
    try {
      probe.run();
    } catch (RuntimeException e) {
      probeReturned(); // never sent (the client is closing)
      throw e;
    }
  }
}
