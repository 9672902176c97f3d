package io.mooring.controller.backend.gluster;

import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.DeletePolicy;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.controller.config.GlusterConfig;
import io.mooring.errors.StorageException;
import io.mooring.exec.CommandRunner;
import io.mooring.mount.MountProbe;
import io.mooring.mount.Mounter;
import io.mooring.volume.GlusterContext;
import io.mooring.volume.VolumeId;
import io.mooring.volume.VolumeNames;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * GlusterFS backend: one directory per volume below {@code basePath} on a shared Gluster volume,
 * its size enforced by a Gluster directory quota. What the controller must remember about a volume
 * is kept in an extended attribute ({@code user.mooring}) on the directory itself; its presence
 * also marks a creation as complete.
 */
public final class GlusterBackend implements Backend {

  static final String XATTR = "mooring";
  static final String ARCHIVE_DIR = ".archive";

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final GlusterConfig config;
  private final GlusterCli cli;
  private final VolumeMount mount;
  private final Clock clock;
  private final AtomicBoolean quotaReady = new AtomicBoolean();

  GlusterBackend(GlusterConfig config, GlusterCli cli, VolumeMount mount, Clock clock) {
    this.config = config;
    this.cli = cli;
    this.mount = mount;
    this.clock = clock;
  }

  /**
   * @param stateDir where the controller keeps its mounts and ssh connections
   */
  public static GlusterBackend create(
      GlusterConfig config, CommandRunner runner, Mounter mounter, Path stateDir) {
    GlusterTransport transport =
        config.management() instanceof GlusterConfig.Ssh ssh
            ? SshTransport.create(runner, config.servers(), ssh, stateDir.resolve("ssh"))
            : new LocalTransport(
                runner, Path.of(((GlusterConfig.Local) config.management()).glusterdSocket()));
    return new GlusterBackend(
        config,
        new GlusterCli(transport, config.volume()),
        new VolumeMount(
            config,
            mounter,
            new MountProbe(VolumeMount.CHECK_TIMEOUT),
            stateDir.resolve("mounts").resolve(config.name())),
        Clock.systemUTC());
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public Set<String> fsTypes() {
    return GlusterContext.FS_TYPES;
  }

  @Override
  public long roundUp(long bytes) {
    return bytes; // Gluster quotas take any byte count
  }

  @Override
  public Optional<VolumeRecord> get(String dir) {
    Path path = volumePath(dir);
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    return readRecord(dir, path);
  }

  @Override
  public VolumeRecord create(
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    ensureQuotaEnabled();
    Path path = volumePath(dir);
    try {
      Files.createDirectories(path.getParent());
      if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(path);
      }
      cli.limitUsage(quotaPath(dir), capacityBytes);
      mount.awaitLimit(path);
      VolumeRecord record = new VolumeRecord(dir, requestName, capacityBytes, parameters);
      writeRecord(path, record);
      return record;
    } catch (IOException | RuntimeException e) {
      // Made now or found without a record (left by an interrupted create of this name, or a
      // retained volume): either way this create set the limit, and an empty directory holds
      // nothing anyone could miss.
      undoCreate(dir, path);
      if (e instanceof StorageException se) {
        throw se;
      }
      throw StorageException.internal(
          "cannot create %s on Gluster volume %s: %s", dir, config.volume(), e);
    }
  }

  /** A volume without its size limit is a broken promise: take it all back. */
  private void undoCreate(String dir, Path path) {
    try {
      cli.removeLimit(quotaPath(dir));
    } catch (RuntimeException ignored) {
      // the limit was probably never set
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // not empty (a retained volume's data stays), or the volume cannot be reached now: an
      // empty directory without a record is adopted by the next create of that name
    }
  }

  @Override
  public VolumeRecord resize(VolumeRecord volume, long capacityBytes, Map<String, String> secrets) {
    cli.limitUsage(quotaPath(volume.dir()), capacityBytes);
    VolumeRecord resized =
        new VolumeRecord(volume.dir(), volume.requestName(), capacityBytes, volume.parameters());
    try {
      writeRecord(volumePath(volume.dir()), resized);
    } catch (IOException e) {
      throw StorageException.internal(
          "cannot record new size of %s: %s", volume.dir(), e.getMessage());
    }
    return resized;
  }

  @Override
  public void delete(String dir, DeletePolicy policy, Map<String, String> secrets) {
    Path path = volumePath(dir);
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    cli.removeLimit(quotaPath(dir));
    try {
      switch (policy) {
        case DELETE -> deleteTree(path);
        case RETAIN -> removeRecord(path);
        case ARCHIVE -> {
          Path archive = base().resolve(ARCHIVE_DIR);
          Files.createDirectories(archive);
          removeRecord(path);
          Files.move(path, archive.resolve(dir + "-" + STAMP.format(clock.instant())));
        }
      }
    } catch (IOException e) {
      throw StorageException.internal("cannot %s %s: %s", policy.name().toLowerCase(), dir, e);
    }
  }

  @Override
  public List<VolumeRecord> list() {
    Path base = base();
    if (!Files.isDirectory(base)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(base)) {
      return children
          .filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          .map(p -> p.getFileName().toString())
          .filter(VolumeNames::isName)
          .sorted()
          .flatMap(d -> readRecord(d, base.resolve(d)).stream())
          .toList();
    } catch (IOException e) {
      throw StorageException.internal("cannot list %s: %s", base, e.getMessage());
    }
  }

  @Override
  public long availableBytes() {
    return mount.usableBytes();
  }

  @Override
  public Map<String, String> volumeContext(String dir) {
    return new GlusterContext(
            new VolumeId(config.name(), dir), config.servers(), config.volume(), quotaPath(dir))
        .toMap();
  }

  @Override
  public Optional<String> unhealthyReason() {
    Optional<String> dead = mount.deadReason();
    return dead.isPresent() ? dead : checkManagement();
  }

  /**
   * Checks now that glusterd takes our management commands (for the start: a server that is down
   * then makes the plugin not ready, not fail). Until quotas are on, the check is enabling them,
   * which glusterd refuses to a CLI it serves read-only; then a read-only call.
   *
   * @return why management does not work, or empty
   */
  public Optional<String> checkManagement() {
    try {
      if (quotaReady.get()) {
        cli.checkVolume();
      } else {
        ensureQuotaEnabled();
      }
      return Optional.empty();
    } catch (StorageException e) {
      return Optional.of(e.getMessage());
    }
  }

  /** Unmounts the controller's mount and closes the connections to glusterd. */
  @Override
  public void close() {
    mount.unmount();
    cli.close();
  }

  private Path base() {
    return mount.root().resolve(config.basePath().substring(1));
  }

  /** The directory of a volume; {@code dir} has passed VolumeId's strict pattern already. */
  private Path volumePath(String dir) {
    if (!VolumeNames.isName(dir)) {
      throw StorageException.invalid("%s is not a Mooring volume name", dir);
    }
    Path base = base();
    Path path = base.resolve(dir).normalize();
    if (!path.getParent().equals(base)) {
      throw StorageException.invalid("%s resolves outside %s", dir, config.basePath());
    }
    return path;
  }

  /** The directory as Gluster's quota commands name it: relative to the volume root. */
  private String quotaPath(String dir) {
    return config.basePath() + "/" + dir;
  }

  private void ensureQuotaEnabled() {
    if (quotaReady.get()) {
      return;
    }
    synchronized (quotaReady) {
      if (!quotaReady.get()) {
        cli.enableQuota();
        quotaReady.set(true);
      }
    }
  }

  private static Optional<VolumeRecord> readRecord(String dir, Path path) {
    UserDefinedFileAttributeView view =
        Files.getFileAttributeView(
            path, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    try {
      if (!view.list().contains(XATTR)) {
        return Optional.empty();
      }
      ByteBuffer buf = ByteBuffer.allocate(view.size(XATTR));
      view.read(XATTR, buf);
      Properties props = new Properties();
      props.load(
          new StringReader(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8)));
      Map<String, String> params = new HashMap<>();
      for (String key : props.stringPropertyNames()) {
        if (key.startsWith("param.")) {
          params.put(key.substring("param.".length()), props.getProperty(key));
        }
      }
      return Optional.of(
          new VolumeRecord(
              dir,
              props.getProperty("name", ""),
              Long.parseLong(props.getProperty("capacity", "0")),
              params));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | NumberFormatException e) {
      throw StorageException.internal("cannot read the record of %s: %s", dir, e.getMessage());
    }
  }

  private static void writeRecord(Path path, VolumeRecord record) throws IOException {
    Properties props = new Properties();
    props.setProperty("name", record.requestName());
    props.setProperty("capacity", Long.toString(record.capacityBytes()));
    record.parameters().forEach((k, v) -> props.setProperty("param." + k, v));
    StringWriter out = new StringWriter();
    props.store(out, null);
    Files.getFileAttributeView(path, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .write(XATTR, ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.UTF_8)));
  }

  private static void removeRecord(Path path) throws IOException {
    UserDefinedFileAttributeView view =
        Files.getFileAttributeView(
            path, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view.list().contains(XATTR)) {
      view.delete(XATTR);
    }
  }

  /** Deletes a tree without following symbolic links out of it. */
  private static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException failure)
              throws IOException {
            if (failure != null) {
              throw failure;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
