package io.mooring.tools.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What {@code /proc} says about processes: memory, CPU time, command lines. */
final class Procs {

  private static final Path PROC = Path.of("/proc");

  /** USER_HZ; 100 on every Linux architecture that matters here. */
  static final int CLOCK_TICKS_PER_SECOND = 100;

  private Procs() {}

  /** Memory of a process from /proc/PID/status, in KiB. */
  record Memory(long rssKib, long hwmKib, long anonKib, long fileKib) {

    static final Memory NONE = new Memory(-1, -1, -1, -1);

    double rssMiB() {
      return mib(rssKib);
    }

    double hwmMiB() {
      return mib(hwmKib);
    }

    double anonMiB() {
      return mib(anonKib);
    }

    double fileMiB() {
      return mib(fileKib);
    }

    Memory plus(Memory other) {
      return new Memory(
          rssKib + other.rssKib,
          hwmKib + other.hwmKib,
          anonKib + other.anonKib,
          fileKib + other.fileKib);
    }

    private static double mib(long kib) {
      return kib < 0 ? Double.NaN : kib / 1024.0;
    }
  }

  /** The memory of a live process; {@link Memory#NONE} when it is gone. */
  static Memory memory(long pid) {
    return read(PROC.resolve(Long.toString(pid)).resolve("status"))
        .map(Procs::parseStatus)
        .orElse(Memory.NONE);
  }

  /**
   * Parses the VmRSS, VmHWM, RssAnon and RssFile lines of /proc/PID/status (KiB; -1 when absent).
   */
  static Memory parseStatus(String status) {
    Map<String, Long> kib = new HashMap<>();
    for (String line : status.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.endsWith(" kB")) {
        String value = line.substring(colon + 1, line.length() - 3).strip();
        try {
          kib.put(line.substring(0, colon), Long.parseLong(value));
        } catch (NumberFormatException ignored) {
          // not a size line
        }
      }
    }
    return new Memory(
        kib.getOrDefault("VmRSS", -1L),
        kib.getOrDefault("VmHWM", -1L),
        kib.getOrDefault("RssAnon", -1L),
        kib.getOrDefault("RssFile", -1L));
  }

  /** User plus system CPU time of a process, ms; -1 when it is gone. */
  static long cpuMillis(long pid) {
    return read(PROC.resolve(Long.toString(pid)).resolve("stat"))
        .map(Procs::parseCpuTicks)
        .map(t -> t * 1000 / CLOCK_TICKS_PER_SECOND)
        .orElse(-1L);
  }

  /**
   * utime + stime (fields 14 and 15) of a /proc/PID/stat line, whose comm may hold spaces and ')'.
   */
  static long parseCpuTicks(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
    // f[0] is field 3 (state), so field n is f[n - 3].
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** starttime (field 22) of a /proc/PID/stat line. */
  static long parseStartTicks(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
    return Long.parseLong(f[19]);
  }

  /** The state letter (field 3) of a /proc/PID/stat line. */
  static char parseState(String stat) {
    return stat.charAt(stat.lastIndexOf(')') + 2);
  }

  /**
   * A live (not zombie) process: pid, name, command line (arguments joined by spaces), CPU ticks
   * used, and start time (ticks after boot; with the pid, it names the process uniquely).
   */
  record Proc(long pid, String comm, String cmdline, long cpuTicks, long startTicks) {

    String key() {
      return pid + "@" + startTicks;
    }
  }

  /** All live processes, kernel threads (no command line) included. */
  static List<Proc> all() {
    List<Proc> out = new ArrayList<>();
    try (DirectoryStream<Path> dirs =
        Files.newDirectoryStream(PROC, p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path dir : dirs) {
        Optional<String> stat = read(dir.resolve("stat"));
        if (stat.isEmpty() || parseState(stat.get()) == 'Z') {
          continue;
        }
        String s = stat.get();
        String comm = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
        String cmdline = read(dir.resolve("cmdline")).orElse("").replace('\0', ' ').strip();
        out.add(
            new Proc(
                Long.parseLong(dir.getFileName().toString()),
                comm,
                cmdline,
                parseCpuTicks(s),
                parseStartTicks(s)));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
    }
    return out;
  }

  /** Live processes named {@code comm} whose command line contains {@code needle}. */
  static List<Proc> named(String comm, String needle) {
    return all().stream()
        .filter(p -> p.comm().equals(comm) && p.cmdline().contains(needle))
        .toList();
  }

  /** {busy, total} CPU ticks of the whole machine, all cores, from /proc/stat. */
  static long[] machineTicks() {
    return read(PROC.resolve("stat")).map(Procs::parseMachineTicks).orElse(new long[] {0, 0});
  }

  /** Parses the first ("cpu ") line of /proc/stat: busy = total - idle - iowait. */
  static long[] parseMachineTicks(String stat) {
    String first = stat.lines().filter(l -> l.startsWith("cpu ")).findFirst().orElse("cpu 0 0 0 0");
    String[] f = first.substring(4).trim().split(" +");
    long total = 0;
    for (int i = 0;
        i < Math.min(f.length, 8);
        i++) { // user nice system idle iowait irq softirq steal
      total += Long.parseLong(f[i]);
    }
    long idle = Long.parseLong(f[3]) + (f.length > 4 ? Long.parseLong(f[4]) : 0);
    return new long[] {total - idle, total};
  }

  static String loadavg() {
    return read(PROC.resolve("loadavg"))
        .map(s -> String.join(" ", List.of(s.strip().split(" ")).subList(0, 3)))
        .orElse("?");
  }

  private static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file, StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      return Optional.empty(); // the process is gone
    }
  }
}
