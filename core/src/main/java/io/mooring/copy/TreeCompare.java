package io.mooring.copy;

import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandRunner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Checks that a tree copied with {@link TreeCopy#copyContents} equals its source: every entry below
 * the roots is in both, of the same type, owner, group and mode (setuid, setgid and sticky bits
 * too); files have the same size, modification time (to the microsecond, what every file system
 * here keeps) and SHA-256 of their content; links point at the same text; files linked together in
 * the source are linked together in the copy, and only those; and every extended attribute of the
 * source, POSIX ACLs included, is on the copy with the same value. Entries only in the copy count
 * as differences. The roots themselves are compared by owner and mode only (see {@code
 * copyContents}).
 */
public final class TreeCompare {

  /** The copy's own file system labels its files; that is policy, not data. */
  private static final String SELINUX = "security.selinux";

  private static final int S_IFMT = 0170000;
  private static final int SHOWN = 20;

  private final CommandRunner runner;

  public TreeCompare(CommandRunner runner) {
    this.runner = runner;
  }

  /** What the comparison found: the counts, and up to 20 differences of {@code differences}. */
  public record Report(
      long files,
      long directories,
      long links,
      long bytes,
      long hardLinked,
      long xattrs,
      long differences,
      List<String> shown) {

    public boolean equal() {
      return differences == 0;
    }

    public String summary() {
      return "%d files (%d bytes, SHA-256 each), %d directories, %d symlinks, %d hard-linked, %d extended attributes and ACLs: %s"
          .formatted(
              files,
              bytes,
              directories,
              links,
              hardLinked,
              xattrs,
              equal() ? "the copy equals the source" : differences + " differences");
    }
  }

  /** Compares the tree under {@code copy} with the one under {@code source}. */
  public Report compare(Path sourceDir, Path copyDir, Duration timeout) {
    Path source = sourceDir.toAbsolutePath().normalize();
    Path copy = copyDir.toAbsolutePath().normalize();
    Map<String, Entry> from = walk(source);
    Map<String, Entry> to = walk(copy);
    List<String> differences = new ArrayList<>();
    long files = 0;
    long directories = 0;
    long links = 0;
    long bytes = 0;
    // hard links: each source inode must map to one copy inode, and no two to the same
    Map<Long, Long> inodes = new HashMap<>();
    Map<Long, Long> inodesBack = new HashMap<>();
    long hardLinked = 0;
    for (Map.Entry<String, Entry> e : from.entrySet()) {
      String path = e.getKey();
      Entry s = e.getValue();
      Entry c = to.get(path);
      if (c == null) {
        differences.add(display(path) + ": missing in the copy");
        continue;
      }
      switch (s.mode & S_IFMT) {
        case 0040000 -> directories++;
        case 0120000 -> links++;
        case 0100000 -> {
          files++;
          bytes += s.size;
        }
        default -> {}
      }
      boolean root = path.isEmpty();
      if (s.mode != c.mode || s.uid != c.uid || s.gid != c.gid) {
        differences.add(
            "%s: mode/owner %o %d:%d in the source, %o %d:%d in the copy"
                .formatted(display(path), s.mode, s.uid, s.gid, c.mode, c.uid, c.gid));
      }
      if (root) {
        continue;
      }
      if (!Objects.equals(s.link, c.link)) {
        differences.add(display(path) + ": the link points at " + c.link + ", not " + s.link);
      }
      if ((s.mode & S_IFMT) == 0100000) {
        if (s.size != c.size || s.mtime != c.mtime) {
          differences.add(
              "%s: size/time %d %s in the source, %d %s in the copy"
                  .formatted(display(path), s.size, micros(s.mtime), c.size, micros(c.mtime)));
        } else if (!digest(source.resolve(path)).equals(digest(copy.resolve(path)))) {
          differences.add(display(path) + ": content differs (SHA-256)");
        }
      }
      if (s.nlink > 1 && (s.mode & S_IFMT) != 0040000) {
        hardLinked++;
        Long seen = inodes.putIfAbsent(s.inode, c.inode);
        Long back = inodesBack.putIfAbsent(c.inode, s.inode);
        if ((seen != null && seen != c.inode) || (back != null && back != s.inode)) {
          differences.add(display(path) + ": hard links differ from the source's");
        }
      }
    }
    for (String path : to.keySet()) {
      if (!from.containsKey(path)) {
        differences.add(display(path) + ": only in the copy");
      }
    }
    Map<String, Map<String, String>> sourceXattrs = xattrs(source, timeout);
    Map<String, Map<String, String>> copyXattrs = xattrs(copy, timeout);
    long xattrs = 0;
    for (Map.Entry<String, Map<String, String>> e : sourceXattrs.entrySet()) {
      Map<String, String> copied = copyXattrs.getOrDefault(e.getKey(), Map.of());
      for (Map.Entry<String, String> attr : e.getValue().entrySet()) {
        xattrs++;
        if (!attr.getValue().equals(copied.get(attr.getKey()))) {
          differences.add(
              e.getKey() + ": extended attribute " + attr.getKey() + " differs or is missing");
        }
      }
    }
    return new Report(
        files,
        directories,
        links,
        bytes,
        hardLinked,
        xattrs,
        differences.size(),
        List.copyOf(differences.subList(0, Math.min(SHOWN, differences.size()))));
  }

  private record Entry(
      int mode, int uid, int gid, long size, long mtime, long inode, int nlink, String link) {}

  /** Every entry under {@code root} (the root as ""), by its path relative to the root. */
  private static Map<String, Entry> walk(Path root) {
    Map<String, Entry> entries = new TreeMap<>();
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              entries.put(root.relativize(dir).toString(), entry(dir));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              entries.put(root.relativize(file).toString(), entry(file));
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw StorageException.internal("cannot read the tree %s: %s", root, e.getMessage());
    }
    return entries;
  }

  private static Entry entry(Path path) throws IOException {
    Map<String, Object> a =
        Files.readAttributes(
            path, "unix:mode,uid,gid,size,lastModifiedTime,ino,nlink", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    return new Entry(
        mode,
        (Integer) a.get("uid"),
        (Integer) a.get("gid"),
        (Long) a.get("size"),
        ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.MICROSECONDS),
        (Long) a.get("ino"),
        (Integer) a.get("nlink"),
        (mode & S_IFMT) == 0120000 ? Files.readSymbolicLink(path).toString() : null);
  }

  private static String digest(Path file) {
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw StorageException.internal("cannot read %s: %s", file, e.getMessage());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Every extended attribute (ACLs are {@code system.posix_acl_*}) of the entries below {@code
   * root}, by path relative to it as getfattr prints it (special characters escaped the same way on
   * both sides). Java reads only the {@code user.} namespace, so getfattr does it.
   */
  private Map<String, Map<String, String>> xattrs(Path root, Duration timeout) {
    String dump =
        runner
            .run(
                Command.of(
                        "getfattr",
                        "--absolute-names",
                        "--no-dereference",
                        "--physical",
                        "--recursive",
                        "--dump",
                        "--match=-",
                        "--encoding=hex",
                        "--",
                        root.toString())
                    .withTimeout(timeout))
            .stdout();
    String prefix = "# file: " + root + "/";
    Map<String, Map<String, String>> all = new TreeMap<>();
    Map<String, String> current = null;
    for (String line : dump.split("\n")) {
      if (line.startsWith("# file: ")) {
        // the root's own (a volume's record) are not copied, so not compared
        current =
            line.startsWith(prefix)
                ? all.computeIfAbsent(line.substring(prefix.length()), k -> new TreeMap<>())
                : null;
      } else if (current != null && line.contains("=")) {
        String name = line.substring(0, line.indexOf('='));
        if (!name.equals(SELINUX)) {
          current.put(name, line.substring(line.indexOf('=') + 1));
        }
      }
    }
    return all;
  }

  private static String display(String path) {
    return path.isEmpty() ? "." : path;
  }

  private static String micros(long micros) {
    return java.time.Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS).toString();
  }
}
