package io.mooring.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The raw backend baseline: what CreateVolume and DeleteVolume do, done with the plain tools, one
 * process per step: {@code mkdir} and {@code setfattr -n user.mooring} on this side's FUSE mount of
 * the Gluster volume, {@code gluster --mode=script --xml volume quota VOL limit-usage} on the
 * storage host ({@link Reach}: over SSH as the driver's management goes, or there directly).
 * Delete: {@code gluster ... remove}, {@code rmdir}. Without retry, a gluster call that meets
 * glusterd's per-volume transaction lock fails the operation; with retry it is retried with the
 * driver's backoff (io.mooring.controller.backend.gluster.GlusterCli: 8 attempts, 100 ms doubling
 * to at most 2 s, lock errors and glusterd's quota mount not being up yet; keep in step with it).
 */
final class RawClient {

  static final int ATTEMPTS = 8;
  static final long FIRST_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 2_000;
  private static final long TIMEOUT_S = 60;
  private static final Pattern OP_RET = Pattern.compile("<opRet>\\s*(-?\\d+)\\s*</opRet>");
  private static final Pattern OP_ERRSTR =
      Pattern.compile("<opErrstr>(.*?)</opErrstr>", Pattern.DOTALL);

  /** Where a gluster command runs: on the storage host. */
  interface Reach {

    /** The argv that runs {@code command} there. */
    List<String> argv(List<String> command);

    /** Runs it there; a reach with a limited resource (ssh sessions) waits for it first. */
    default Exec.Outcome run(List<String> command, long timeoutSeconds)
        throws IOException, InterruptedException {
      return Exec.run(argv(command), timeoutSeconds);
    }
  }

  /** The gluster CLI as the storage host itself runs it: in its mount and network namespaces. */
  static Reach onStorageHost(long holderPid) {
    String gluster =
        GLUSTER_BINARIES.stream()
            .filter(p -> Files.isExecutable(Path.of(p)))
            .findFirst()
            .orElse("/usr/sbin/gluster");
    return command -> {
      List<String> argv =
          new ArrayList<>(List.of("nsenter", "-t", Long.toString(holderPid), "-m", "-n", "--"));
      argv.add(command.get(0).equals("gluster") ? gluster : command.get(0));
      argv.addAll(command.subList(1, command.size()));
      return argv;
    };
  }

  /** nsenter wants an absolute path: the CLI where distributions put it. */
  private static final List<String> GLUSTER_BINARIES =
      List.of("/usr/sbin/gluster", "/usr/bin/gluster");

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
  private final Reach reach;
  private final Map<String, Step> steps = new ConcurrentHashMap<>();

  /**
   * @param mount where the Gluster volume is mounted on this side
   * @param base directory below the volume root for the baseline's volumes, e.g. {@code /bench-raw}
   * @param reach how the gluster CLI reaches glusterd
   */
  RawClient(Path mount, String volume, String base, Reach reach) {
    this.mount = mount;
    this.volume = volume;
    this.base = base;
    this.reach = reach;
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
    check(
        run(
            "setfattr",
            List.of(
                "setfattr",
                "-n",
                "user.mooring",
                "-v",
                "name=" + dir + " capacity=" + bytes,
                mount + path)),
        "setfattr");
    quota("gluster limit-usage", List.of("limit-usage", path, Long.toString(bytes)), retry, false);
  }

  void delete(String dir, boolean retry) throws IOException, InterruptedException {
    String path = base + "/" + dir;
    quota("gluster remove", List.of("remove", path), retry, true);
    check(run("rmdir", List.of("rmdir", mount + path)), "rmdir");
  }

  /** {@code gluster volume info VOL}, once, untimed by the steps: what a read-only call costs. */
  void info() throws IOException, InterruptedException {
    String error = error(reach.run(gluster(List.of("info", volume)), TIMEOUT_S));
    if (error != null) {
      throw new IOException("gluster volume info: " + error);
    }
  }

  private void quota(String step, List<String> quotaArgs, boolean retry, boolean removing)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("quota", volume));
    command.addAll(quotaArgs);
    List<String> gluster = gluster(command);
    long backoff = FIRST_BACKOFF_MS;
    for (int attempt = 1; ; attempt++) {
      String error = error(timed(step, () -> reach.run(gluster, TIMEOUT_S)));
      if (error == null) {
        return;
      }
      String text = error.toLowerCase(Locale.ROOT);
      if (removing
          && (text.contains("no data available")
              || text.contains("no limit")
              || text.contains("not set"))) {
        return; // no limit to remove: as good as removed, as the driver sees it too
      }
      if (!retry || !isTransient(text) || attempt == ATTEMPTS) {
        throw new IOException(step + ": " + error);
      }
      long start = System.nanoTime();
      Thread.sleep(backoff);
      record("backoff " + step, System.nanoTime() - start);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  /**
   * {@code gluster --mode=script --xml volume ARGS}, as the driver sends it (and the gate allows
   * it).
   */
  private static List<String> gluster(List<String> volumeArgs) {
    List<String> argv = new ArrayList<>(List.of("gluster", "--mode=script", "--xml", "volume"));
    argv.addAll(volumeArgs);
    return argv;
  }

  /**
   * Reads the CLI's XML answer.
   *
   * @return null for opRet 0; else opErrstr, or whatever the call printed (ssh's or the gate's
   *     refusal, a CLI that could not reach glusterd)
   */
  static String error(Exec.Outcome out) {
    Matcher ret = OP_RET.matcher(out.output());
    if (out.exit() == 0 && ret.find() && ret.group(1).equals("0")) {
      return null;
    }
    Matcher err = OP_ERRSTR.matcher(out.output());
    String text = err.find() ? unescape(err.group(1).strip()) : "";
    if (!text.isEmpty()) {
      return text;
    }
    return out.output().isBlank() ? "exit code " + out.exit() : out.output().strip();
  }

  private static String unescape(String xml) {
    return xml.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
  }

  /**
   * What the driver retries: another transaction holds the volume's lock, or glusterd's quota mount
   * is not up yet.
   */
  static boolean isTransient(String error) {
    String e = error.toLowerCase(Locale.ROOT);
    return isLockContention(e)
        || e.contains("_quota_limit/") && e.contains("transport endpoint is not connected");
  }

  private static boolean isLockContention(String output) {
    String e = output.toLowerCase(Locale.ROOT);
    return e.contains("another transaction")
        || e.contains("locking failed")
        || e.contains("lock") && e.contains("held");
  }

  private static void check(Exec.Outcome out, String step) throws IOException {
    if (out.exit() != 0) {
      throw new IOException(step + ": " + out.output().strip());
    }
  }

  private Exec.Outcome run(String step, List<String> argv)
      throws IOException, InterruptedException {
    return timed(step, () -> Exec.run(argv, TIMEOUT_S));
  }

  private interface Call {
    Exec.Outcome run() throws IOException, InterruptedException;
  }

  private Exec.Outcome timed(String step, Call call) throws IOException, InterruptedException {
    long start = System.nanoTime();
    Exec.Outcome out = call.run();
    record(step, System.nanoTime() - start);
    return out;
  }

  private void record(String step, long nanos) {
    Step s = steps.computeIfAbsent(step, k -> new Step());
    s.nanos.add(nanos);
    s.count.increment();
  }
}
