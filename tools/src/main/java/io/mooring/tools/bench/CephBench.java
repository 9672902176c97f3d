package io.mooring.tools.bench;

import io.mooring.volume.CephContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CephFS under test: the file system of a cluster on the storage host (scripts/storage-host-up
 * --ceph). CreateVolume and DeleteVolume carry the admin credentials as provisioner secrets
 * (adminID, adminKey), as the external-provisioner passes them from the StorageClass's provisioner
 * secret. Baselines:
 *
 * <ul>
 *   <li>rados: {@code fs subvolume create} / {@code fs subvolume rm} as mgr commands over one
 *       persistent librados connection ({@link CephRaw}): the baseline;
 *   <li>rados-as-driver: the same connection sending the driver's own sequence of omap operations
 *       and mgr commands, to tell the cost of that sequence from the cost of the driver around it
 *       (a quick run measures it at concurrency 1 only);
 *   <li>ceph-cli: one {@code ceph} process per create and rm, for reference; each spends ~0.2 s of
 *       CPU starting, so only at concurrency up to {@value #CLI_MAX_CONCURRENCY} (1 in a quick run)
 *       and on a few volumes.
 * </ul>
 *
 * Its node section stages the volumes twice, with a key for their subvolume group and with a key
 * per volume ({@link CephNodeKeys}).
 */
final class CephBench implements BenchBackend {

  /** The backend type, as the controller reads it in the backends file. */
  static final String TYPE = CephContext.TYPE;

  static final String RADOS = "rados";
  static final String RADOS_AS_DRIVER = "rados-as-driver";
  static final String CLI = "ceph-cli";
  static final int CLI_MAX_CONCURRENCY = 10;

  /** The driver's subvolume group (CephConfig.DEFAULT_GROUP). */
  private static final String GROUP = "csi";

  /** Ceph quotas as the driver makes them: whole 4 MiB blocks (CephfsBackend.roundUp). */
  private static final long QUOTA_BLOCK = 4L << 20;

  private static final int WARM_UP = 3;

  private final BenchOptions.Ceph ceph;
  private final Path root;
  private final CsiClient.Requests requests;
  private final CephCli cli;
  private final Path adminSecretDir;

  /**
   * Reads the key, to pass it in the requests as the provisioner would; it is never printed. It
   * also goes into {@code adminSecretDir} (files 0600, as a mounted Secret), so that the controller
   * connects at start, as a deployed one does for its readiness check: its idle RSS is that of a
   * controller with its Ceph backend connected.
   */
  CephBench(Path root, BenchOptions.Ceph ceph, Path adminSecretDir) throws IOException {
    this.root = root;
    this.ceph = ceph;
    this.adminSecretDir = adminSecretDir;
    String key = Files.readString(ceph.keyFile()).strip();
    this.requests = new CsiClient.Requests(TYPE, Map.of("adminID", ceph.id(), "adminKey", key));
    this.cli = new CephCli(ceph);
    Files.createDirectories(adminSecretDir);
    secretFile("adminID", ceph.id());
    secretFile("adminKey", key);
  }

  private void secretFile(String name, String value) throws IOException {
    Path file = adminSecretDir.resolve(name);
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, value);
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public String yaml() {
    return """
      - name: %s
        type: cephfs
        monitors: [%s]
        fsName: %s
        subvolumeGroup: %s
        adminSecretDir: %s
    """
        .formatted(TYPE, ceph.monitors(), ceph.fs(), GROUP, adminSecretDir);
  }

  /**
   * The admin key as a Secret mounted at the backend's adminSecretDir would hold it (files adminID
   * and adminKey, readable by the controller only), which calls without secrets use.
   */
  @Override
  public String yamlWithoutSecrets(Path work) throws IOException {
    Path dir = work.resolve("ceph-admin");
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    for (String key : List.of("adminID", "adminKey")) {
      Path file = dir.resolve(key);
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, requests.secrets().get(key));
    }
    return yaml() + "    adminSecretDir: " + dir + "\n";
  }

  @Override
  public WholeMount mountWhole(Path at) throws Exception {
    return WholeMount.mount(
        at,
        List.of(
            "ceph-fuse",
            "-c",
            ceph.conf().toString(),
            "-m",
            ceph.monitors(),
            "--id",
            ceph.id(),
            "--keyfile",
            ceph.keyFile().toString(),
            "-r",
            "/",
            at.toString()));
  }

  /** Only when librados cannot be loaded does the driver fall back to the CLI. */
  @Override
  public String program() {
    return "ceph";
  }

  /**
   * Issue 13: CreateVolume p50 within 1.3 x a bare subvolume create and 1.1 x the driver's own
   * sequence sent raw; creates/s at least 0.85 x the bare creates at 50 and 100 in flight.
   */
  @Override
  public List<Targets.Goal> goals(int low, int high) {
    return List.of(
        Targets.Goal.latency(RADOS, low, 1.3),
        Targets.Goal.latency(RADOS_AS_DRIVER, low, 1.1),
        Targets.Goal.rate(RADOS, 50, 0.85),
        Targets.Goal.rate(RADOS, 100, 0.85));
  }

  @Override
  public CsiClient.Requests requests() {
    return requests;
  }

  @Override
  public List<NodeMode> nodeModes(String runId) {
    return CephNodeKeys.modes(cli, ceph.fs(), GROUP, "mooring-bench-" + runId);
  }

  /** About how many volumes ceph-cli makes per level: a reference, not a target. */
  static int cliVolumes(boolean quick) {
    return quick ? 10 : 20;
  }

  /**
   * The highest concurrency ceph-cli runs at: its CPU-bound levels would take a quick run's time.
   */
  static int cliMaxConcurrency(boolean quick) {
    return quick ? 1 : CLI_MAX_CONCURRENCY;
  }

  /**
   * ceph-cli volumes per round: its share of {@code cliVolumes}, yet at least {@code c} (so that c
   * calls really are in flight) and at most the round.
   */
  static int cliPerRound(int cliVolumes, int c, int rounds, int roundSize) {
    return Math.min(roundSize, Math.max(c, (cliVolumes + rounds - 1) / rounds));
  }

  @Override
  public Provisioning.Baselines baselines(Path work, long bytes, String runId, boolean quick) {
    long quota = Math.max(QUOTA_BLOCK, (bytes + QUOTA_BLOCK - 1) / QUOTA_BLOCK * QUOTA_BLOCK);
    return new Baselines(
        new CephRaw(root, ceph, GROUP),
        quota,
        runId,
        cliVolumes(quick),
        cliMaxConcurrency(quick),
        quick ? 1 : Integer.MAX_VALUE);
  }

  private final class Baselines implements Provisioning.Baselines {
    private final CephRaw raw;
    private final long bytes;
    private final String runId;
    private final int cliVolumes;
    private final int cliMaxConcurrency;
    private final int asDriverMaxConcurrency;

    Baselines(
        CephRaw raw,
        long bytes,
        String runId,
        int cliVolumes,
        int cliMaxConcurrency,
        int asDriverMaxConcurrency) {
      this.raw = raw;
      this.bytes = bytes;
      this.runId = runId;
      this.cliVolumes = cliVolumes;
      this.cliMaxConcurrency = cliMaxConcurrency;
      this.asDriverMaxConcurrency = asDriverMaxConcurrency;
    }

    @Override
    public void warmUp() throws Exception {
      raw.run(CephRaw.Sequence.CREATE, name("warm", 0), 0, WARM_UP, 1, bytes);
      new Cli(1, 1, "warm-cli").batch(0, 1);
    }

    /**
     * A quick run has no time for the baselines that only explain: their limits say where they run.
     */
    @Override
    public List<Provisioning.Mode> modes(int c, int size, int rounds, boolean cheap) {
      List<Provisioning.Mode> modes = new ArrayList<>();
      modes.add(new Rados(c, CephRaw.Sequence.CREATE));
      if (c <= asDriverMaxConcurrency) {
        modes.add(new Rados(c, CephRaw.Sequence.DRIVER));
      }
      if (c <= cliMaxConcurrency) {
        modes.add(new Cli(c, cliPerRound(cliVolumes, c, rounds, size / rounds), "cli"));
      }
      return modes;
    }

    @Override
    public Map<String, Stats.Summary> overheads() {
      return Map.of();
    }

    @Override
    public String describe() {
      return "cephfs: rados = fs subvolume create (size, mode 0777) / fs subvolume rm as mgr"
          + " commands over one persistent librados connection (python3-rados), as many"
          + " threads as calls in flight; rados-as-driver = the driver's own sequence that way,"
          + " its records in omap (create: omap read, omap reserve, create, getpath, omap"
          + " commit; delete: omap read, rm, omap remove)"
          + (asDriverMaxConcurrency < Integer.MAX_VALUE
              ? ", only at concurrency <= " + asDriverMaxConcurrency
              : "")
          + "; ceph-cli = one ceph process per create and rm (~0.2 s of CPU each), only at"
          + " concurrency <= "
          + cliMaxConcurrency
          + " and on about "
          + cliVolumes
          + " volumes per level.";
    }

    @Override
    public void close() {
      // nothing held between batches: each rados batch is its own process and connection
    }

    private String name(String tag, int c) {
      return "bench-" + runId + "-" + tag + c;
    }

    private final class Rados extends Provisioning.Mode {
      final CephRaw.Sequence sequence;

      Rados(int c, CephRaw.Sequence sequence) {
        super(c);
        this.sequence = sequence;
      }

      @Override
      String name() {
        return sequence == CephRaw.Sequence.CREATE ? RADOS : RADOS_AS_DRIVER;
      }

      @Override
      void batch(int from, int to) throws Exception {
        CephRaw.Batch b =
            raw.run(
                sequence,
                Baselines.this.name(sequence == CephRaw.Sequence.CREATE ? "r" : "rd", c),
                from,
                to - from,
                c,
                bytes);
        creates.add(b.create());
        deletes.add(b.delete());
      }

      @Override
      Provisioning.Level level(int size) {
        return Provisioning.Level.plain(
            TYPE, name(), c, size, Load.Result.merge(creates), Load.Result.merge(deletes));
      }
    }

    private final class Cli extends Provisioning.Mode {
      final int perRound;
      final String prefix;

      Cli(int c, int perRound, String tag) {
        super(c);
        this.perRound = perRound;
        this.prefix = Baselines.this.name(tag, c);
      }

      @Override
      String name() {
        return CLI;
      }

      @Override
      void batch(int from, int to) throws Exception {
        int n = Math.min(to - from, perRound);
        creates.add(
            Load.run(
                c,
                n,
                i ->
                    cli.run(
                        "fs",
                        "subvolume",
                        "create",
                        ceph.fs(),
                        prefix + "-" + (from + i),
                        "--size",
                        Long.toString(bytes),
                        "--group_name",
                        GROUP,
                        "--mode",
                        "0777")));
        deletes.add(
            Load.run(
                c,
                n,
                i ->
                    cli.run(
                        "fs",
                        "subvolume",
                        "rm",
                        ceph.fs(),
                        prefix + "-" + (from + i),
                        "--group_name",
                        GROUP)));
      }

      @Override
      Provisioning.Level level(int size) {
        Load.Result create = Load.Result.merge(creates);
        return Provisioning.Level.plain(
            TYPE, name(), c, create.samples().size(), create, Load.Result.merge(deletes));
      }
    }
  }
}
