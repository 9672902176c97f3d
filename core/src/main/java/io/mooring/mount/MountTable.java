package io.mooring.mount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Parses {@code /proc/self/mountinfo} (proc(5)): the one source of truth about what is mounted. */
public final class MountTable {

  public static final Path SELF = Path.of("/proc/self/mountinfo");

  private final List<MountEntry> entries;

  private MountTable(List<MountEntry> entries) {
    this.entries = List.copyOf(entries);
  }

  public static MountTable read() {
    try {
      return parse(Files.readString(SELF, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + SELF + ": " + e.getMessage(), e);
    }
  }

  public static MountTable parse(String text) {
    List<MountEntry> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        out.add(parseLine(line));
      }
    }
    return new MountTable(out);
  }

  static MountEntry parseLine(String line) {
    String[] f = line.split(" ");
    int dash = Arrays.asList(f).indexOf("-");
    if (f.length < 10 || dash < 6 || f.length < dash + 3) {
      throw new IllegalArgumentException("malformed mountinfo line: " + line);
    }
    return new MountEntry(
        Integer.parseInt(f[0]),
        Integer.parseInt(f[1]),
        f[2],
        unescape(f[3]),
        Path.of(unescape(f[4])),
        List.of(f[5].split(",")),
        List.of(Arrays.copyOfRange(f, 6, dash)),
        unescape(f[dash + 1]),
        unescape(f[dash + 2]),
        dash + 3 < f.length ? List.of(f[dash + 3].split(",")) : List.of());
  }

  /** The kernel escapes space, tab, newline and backslash as three-digit octal. */
  static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && isOctal(field, i + 1)) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }

  public List<MountEntry> entries() {
    return entries;
  }

  /** The top-most mount at exactly this path (later lines stack over earlier ones). */
  public Optional<MountEntry> at(Path mountPoint) {
    Path want = mountPoint.toAbsolutePath().normalize();
    MountEntry found = null;
    for (MountEntry e : entries) {
      if (e.mountPoint().equals(want)) {
        found = e;
      }
    }
    return Optional.ofNullable(found);
  }

  public boolean isMountPoint(Path path) {
    return at(path).isPresent();
  }

  /** Every mount at or below {@code dir}, in table order. */
  public List<MountEntry> under(Path dir) {
    Path base = dir.toAbsolutePath().normalize();
    return entries.stream().filter(e -> e.mountPoint().startsWith(base)).toList();
  }
}
