package io.mooring.app.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The raw backend baseline: what CreateVolume and DeleteVolume do, done with the plain tools on a
 * FUSE mount of the Gluster volume, one process per step. Create: {@code mkdir},
 * {@code setfattr -n user.mooring}, {@code gluster volume quota VOL limit-usage}. Delete:
 * {@code gluster volume quota VOL remove}, {@code rmdir}. Without retry, a gluster call that meets
 * glusterd's per-volume transaction lock fails the operation; with retry it is retried with the
 * driver's backoff (io.mooring.controller.backend.gluster.GlusterCli: 8 attempts, 100 ms doubling
 * to at most 2 s; keep in step with it).
 */
final class RawClient {

  static final int ATTEMPTS = 8;
  static final long FIRST_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 2_000;
  private static final long TIMEOUT_S = 60;

  /** Time and count of one kind of step. */
  static final class Step {
    final LongAdder nanos = new LongAdder();
    final LongAdder count = new LongAdder();

    double meanMs() {
      long c = count.sum();
      return c == 0 ? Double.NaN : nanos.sum() / 1e6 / c;
    }
  }

  private final Path mount;
  private final String volume;
  private final String base;
  private final Map<String, Step> steps = new ConcurrentHashMap<>();

  /**
   * @param mount where the Gluster volume is mounted
   * @param base directory below the volume root for the baseline's volumes, e.g. {@code /bench-raw}
   */
  RawClient(Path mount, String volume, String base) {
    this.mount = mount;
    this.volume = volume;
    this.base = base;
  }

  /**
   * Steps timed so far: mkdir, setfattr, gluster limit-usage, gluster remove, rmdir, and the
   * backoff sleeps of each gluster step ("backoff gluster remove").
   */
  Map<String, Step> steps() {
    return new TreeMap<>(steps);
  }

  void create(String dir, long bytes, boolean retry) throws IOException, InterruptedException {
    String path = base + "/" + dir;
    check(run("mkdir", List.of("mkdir", mount + path)), "mkdir");
    check(run("setfattr", List.of("setfattr", "-n", "user.mooring", "-v", "name=" + dir + " capacity=" + bytes,
        mount + path)), "setfattr");
    gluster("gluster limit-usage", List.of("limit-usage", path, Long.toString(bytes)), retry, false);
  }

  void delete(String dir, boolean retry) throws IOException, InterruptedException {
    String path = base + "/" + dir;
    gluster("gluster remove", List.of("remove", path), retry, true);
    check(run("rmdir", List.of("rmdir", mount + path)), "rmdir");
  }

  private void gluster(String step, List<String> quotaArgs, boolean retry, boolean removing)
      throws IOException, InterruptedException {
    List<String> argv = new java.util.ArrayList<>(List.of("gluster", "--mode=script", "volume", "quota", volume));
    argv.addAll(quotaArgs);
    long backoff = FIRST_BACKOFF_MS;
    for (int attempt = 1; ; attempt++) {
      Exec.Outcome out = run(step, argv);
      if (out.exit() == 0 && out.output().contains("success")) {
        return;
      }
      String text = out.output().toLowerCase(Locale.ROOT);
      if (removing && (text.contains("no data available") || text.contains("no limit") || text.contains("not set"))) {
        return; // no limit to remove: as good as removed, as the driver sees it too
      }
      if (!retry || !isLockContention(text) || attempt == ATTEMPTS) {
        throw new IOException(step + ": " + out.output().strip());
      }
      long start = System.nanoTime();
      Thread.sleep(backoff);
      record("backoff " + step, System.nanoTime() - start);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  static boolean isLockContention(String output) {
    String e = output.toLowerCase(Locale.ROOT);
    return e.contains("another transaction") || e.contains("locking failed") || e.contains("lock") && e.contains("held");
  }

  private static void check(Exec.Outcome out, String step) throws IOException {
    if (out.exit() != 0) {
      throw new IOException(step + ": " + out.output().strip());
    }
  }

  private Exec.Outcome run(String step, List<String> argv) throws IOException, InterruptedException {
    long start = System.nanoTime();
    Exec.Outcome out = Exec.run(argv, TIMEOUT_S);
    record(step, System.nanoTime() - start);
    return out;
  }

  private void record(String step, long nanos) {
    Step s = steps.computeIfAbsent(step, k -> new Step());
    s.nanos.add(nanos);
    s.count.increment();
  }
}
