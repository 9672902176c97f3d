package io.mooring.tools.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The raw CephFS baseline over librados: runs tools/src/main/python/ceph_raw_bench.py
 * (python3-rados, one persistent connection, a thread per call in flight) for one batch and reads
 * back its timings. The script times each call itself, so its start-up and connecting are not
 * counted, just as the driver's connection is made before the timed calls. The parser is pure; see
 * CephRawTest.
 */
final class CephRaw {

  /**
   * Debian's python3-rados lives under /usr/lib/python3; a venv python3 earlier in PATH lacks it.
   */
  private static final String PYTHON =
      Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

  private static final long TIMEOUT_MIN = 15;

  /** What the script sends per volume: see its --sequence. */
  enum Sequence {
    CREATE,
    DRIVER
  }

  /** The creates and the deletes of one batch. */
  record Batch(Load.Result create, Load.Result delete) {}

  private final Path script;
  private final BenchOptions.Ceph ceph;
  private final String group;

  CephRaw(Path root, BenchOptions.Ceph ceph, String group) {
    this.script = root.resolve("tools/src/main/python/ceph_raw_bench.py");
    this.ceph = ceph;
    this.group = group;
  }

  /**
   * Creates then removes subvolumes {@code prefix-from} .. {@code prefix-(from+count-1)}, c at a
   * time.
   */
  Batch run(Sequence sequence, String prefix, int from, int count, int c, long bytes)
      throws IOException, InterruptedException {
    List<String> argv =
        List.of(
            PYTHON,
            script.toString(),
            "--conf",
            ceph.conf().toString(),
            "--id",
            ceph.id(),
            "--keyfile",
            ceph.keyFile().toString(),
            "--fs",
            ceph.fs(),
            "--group",
            group,
            "--prefix",
            prefix,
            "--from",
            Integer.toString(from),
            "--count",
            Integer.toString(count),
            "--concurrency",
            Integer.toString(c),
            "--bytes",
            Long.toString(bytes),
            "--sequence",
            sequence.name().toLowerCase(java.util.Locale.ROOT));
    Path err = Files.createTempFile("mooring-bench-rados", ".err");
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      String out;
      try (var in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(TIMEOUT_MIN, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException(
            script.getFileName() + " did not finish within " + TIMEOUT_MIN + " minutes");
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            script.getFileName()
                + " failed (exit "
                + p.exitValue()
                + "): "
                + Files.readString(err).strip());
      }
      return parse(out, count);
    } finally {
      Files.deleteIfExists(err);
    }
  }

  /**
   * Reads the script's output: {@code op TAB index TAB ms TAB ok|error} per call and {@code wall
   * TAB op TAB ms} per phase.
   *
   * @param count calls expected per phase
   * @throws IllegalArgumentException when a line is malformed or a phase is incomplete
   */
  static Batch parse(String output, int count) {
    Map<String, List<Stats.Sample>> samples =
        Map.of("create", new ArrayList<>(), "delete", new ArrayList<>());
    Map<String, Map<String, Integer>> errors =
        Map.of("create", new TreeMap<>(), "delete", new TreeMap<>());
    Map<String, Double> wall = new TreeMap<>();
    for (String line : output.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t", 4);
      try {
        if (f.length == 3 && f[0].equals("wall") && samples.containsKey(f[1])) {
          wall.put(f[1], Double.parseDouble(f[2]));
        } else if (f.length == 4 && samples.containsKey(f[0])) {
          boolean ok = f[3].strip().equals("ok");
          samples.get(f[0]).add(new Stats.Sample(Double.parseDouble(f[2]), ok));
          if (!ok) {
            errors.get(f[0]).merge(Load.tidy(f[3]), 1, Integer::sum);
          }
        } else {
          throw new IllegalArgumentException("unexpected line from the raw Ceph baseline: " + line);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "bad number in line from the raw Ceph baseline: " + line, e);
      }
    }
    for (String op : List.of("create", "delete")) {
      if (samples.get(op).size() != count || !wall.containsKey(op)) {
        throw new IllegalArgumentException(
            "the raw Ceph baseline reported "
                + samples.get(op).size()
                + " of "
                + count
                + " "
                + op
                + " calls"
                + (wall.containsKey(op) ? "" : " and no wall time"));
      }
    }
    return new Batch(
        new Load.Result(
            List.copyOf(samples.get("create")), wall.get("create"), errors.get("create")),
        new Load.Result(
            List.copyOf(samples.get("delete")), wall.get("delete"), errors.get("delete")));
  }
}
