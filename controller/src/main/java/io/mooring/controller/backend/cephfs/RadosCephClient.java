package io.mooring.controller.backend.cephfs;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.ByteByReference;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;
import io.mooring.ceph.CephCredentials;
import io.mooring.ceph.HostPorts;
import io.mooring.errors.StorageException;
import io.mooring.rpc.Metrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Ceph commands over persistent librados connections (through JNA), one per set of credentials: the
 * same JSON the CLI sends, 1-20 ms a call instead of the CLI's ~200 ms. The key stays in memory
 * (librados' {@code key} option): no keyring file, no command line. A connection that fails with a
 * connection-level error is dropped and made again on the next call. Every librados call runs on a
 * {@link LibradosThreads} thread.
 */
final class RadosCephClient implements CephClient {

  /** The part of librados.h used here (size_t is an unsigned long on LP64 Linux). */
  interface Librados extends Library {
    int rados_create2(PointerByReference cluster, String clusterName, String name, long flags);

    int rados_conf_set(Pointer cluster, String option, String value);

    int rados_connect(Pointer cluster);

    void rados_shutdown(Pointer cluster);

    int rados_mon_command(
        Pointer cluster,
        String[] cmd,
        NativeLong cmdlen,
        Pointer inbuf,
        NativeLong inbuflen,
        PointerByReference outbuf,
        NativeLongByReference outbuflen,
        PointerByReference outs,
        NativeLongByReference outslen);

    int rados_mgr_command(
        Pointer cluster,
        String[] cmd,
        NativeLong cmdlen,
        Pointer inbuf,
        NativeLong inbuflen,
        PointerByReference outbuf,
        NativeLongByReference outbuflen,
        PointerByReference outs,
        NativeLongByReference outslen);

    void rados_buffer_free(Pointer buf);

    int rados_ioctx_create(Pointer cluster, String poolName, PointerByReference ioctx);

    void rados_ioctx_set_namespace(Pointer ioctx, String namespace);

    void rados_ioctx_destroy(Pointer ioctx);

    Pointer rados_create_write_op();

    void rados_release_write_op(Pointer op);

    void rados_write_op_create(Pointer op, int exclusive, String category);

    void rados_write_op_omap_set(Pointer op, String[] keys, String[] vals, long[] lens, long num);

    void rados_write_op_omap_rm_keys(Pointer op, String[] keys, long num);

    int rados_write_op_operate(Pointer op, Pointer ioctx, String oid, Pointer mtime, int flags);

    Pointer rados_create_read_op();

    void rados_release_read_op(Pointer op);

    void rados_read_op_omap_get_vals_by_keys(
        Pointer op, String[] keys, long num, PointerByReference iter, IntByReference prval);

    void rados_read_op_omap_get_vals2(
        Pointer op,
        String startAfter,
        String filterPrefix,
        long maxReturn,
        PointerByReference iter,
        ByteByReference more,
        IntByReference prval);

    int rados_read_op_operate(Pointer op, Pointer ioctx, String oid, int flags);

    int rados_omap_get_next(
        Pointer iter, PointerByReference key, PointerByReference val, NativeLongByReference len);

    void rados_omap_get_end(Pointer iter);
  }

  /** Omap keys read in one read op when listing all of them. */
  static final int OMAP_PAGE = 1000;

  /** Seconds to reach the monitors when connecting. */
  static final int CONNECT_TIMEOUT_SECONDS = 15;

  /**
   * A call (connecting included) not answered by then is given up on, its thread waiting on: long
   * enough for a busy mgr (50 concurrent subvolume rm on a loaded 2-core machine: > 45 s for some),
   * short of the provisioner's 120 s. A cluster whose monitors take no connections is given up on
   * within seconds ({@link LibradosThreads#CHECK_EVERY}).
   */
  static final Duration CALL_BOUND = Duration.ofSeconds(110);

  static final Duration RETRY_SPACING = Duration.ofSeconds(5);

  /**
   * Closing shuts down the connections no call uses within this; the others stay open (see {@link
   * #close}). Short: a shutdown keeps 2 s of its grace for cancelling the RPCs still running (up to
   * 1 s) and for closing the backends.
   */
  static final Duration CLOSE_BOUND = Duration.ofMillis(500);

  /** Sent before the first command after silence: cheap, read-only, answered by the mgr. */
  static final CephCommand SETTLE = CephCommand.mgr("fs volume ls");

  /** Distinct credentials kept connected at once (normally one or two). */
  static final int MAX_CONNECTIONS = 8;

  private final Librados lib;
  private final List<String> monitorList;
  private final String monitors;
  private final Map<CephCredentials, Connection> connections = new ConcurrentHashMap<>();
  private final LibradosThreads threads;
  private final MgrLiveness mgr;
  private final Metrics metrics;
  private volatile boolean closed;
  private volatile Instant unansweredSince;
  private volatile Instant lastFailure = Instant.MIN;
  private final AtomicBoolean retrying = new AtomicBoolean();

  RadosCephClient(Librados lib, List<String> monitors) {
    this(lib, monitors, new LibradosThreads(), new MgrLiveness(), Metrics.OFF);
  }

  RadosCephClient(
      Librados lib,
      List<String> monitors,
      LibradosThreads threads,
      MgrLiveness mgr,
      Metrics metrics) {
    this.lib = lib;
    this.monitorList = List.copyOf(monitors);
    this.monitors = String.join(",", monitors);
    this.threads = threads;
    this.mgr = mgr;
    this.metrics = metrics;
  }

  /**
   * The librados client, or {@code fallback} when librados (or JNA) cannot be loaded here.
   *
   * @param metrics gets every call's command, outcome and latency
   */
  static CephClient loadOr(List<String> monitors, CephClient fallback, Metrics metrics) {
    return loadOr("rados", monitors, fallback, metrics);
  }

  static CephClient loadOr(
      String library, List<String> monitors, CephClient fallback, Metrics metrics) {
    LibradosThreads threads = new LibradosThreads();
    try {
      // loading runs libceph-common's static initialisers, as stack-hungry as creating a handle
      Librados lib =
          threads.call(
              () ->
                  Native.load(
                      library,
                      Librados.class,
                      Map.of(Library.OPTION_STRING_ENCODING, StandardCharsets.UTF_8.name())));
      return new RadosCephClient(lib, monitors, threads, new MgrLiveness(), metrics);
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      threads.close();
      return fallback;
    }
  }

  /**
   * While the cluster does not answer (a call ran into its bound or librados' own timeout), other
   * calls fail at once instead of each waiting up to {@link #CALL_BOUND}: one call tries again at
   * most every {@link #RETRY_SPACING}, and the first answer of any kind clears it. An outage costs
   * the first RPC seconds, not every step of every RPC.
   */
  @Override
  public String run(CephCommand command, CephCredentials credentials) {
    return bounded(
        command.prefix(),
        command::describe,
        credentials,
        command.target() == CephCommand.Target.MGR,
        retry -> {
          if (retry) {
            // Measured (Pacific): the first mgr command after the mgr session comes back can get
            // an empty success, whatever it asked; a throw-away command takes that answer.
            runHere(SETTLE, credentials);
          }
          String answer = runHere(command, credentials);
          if (answer.isBlank() && command.printsAnswer()) {
            // seen during an outage, too: never take it for an empty listing
            throw new CephError(
                CephError.ETIMEDOUT,
                command.describe()
                    + ": an empty success where Ceph always"
                    + " prints an answer (the mgr session was reset; Ceph cluster at "
                    + monitors
                    + ")");
          }
          return answer;
        });
  }

  @Override
  public boolean hasOmap() {
    return true;
  }

  @Override
  public SortedMap<String, String> omapRead(
      OmapObject object, Set<String> keys, CephCredentials credentials) {
    return bounded(
        "omap read",
        () -> "reading omap of " + object,
        credentials,
        false,
        retry ->
            onConnection(credentials, object.toString(), c -> c.omapRead(object, keys, "", "", 0)));
  }

  @Override
  public SortedMap<String, String> omapRange(
      OmapObject object, String prefix, String after, int max, CephCredentials credentials) {
    return bounded(
        "omap range",
        () -> "reading omap of " + object,
        credentials,
        false,
        retry ->
            onConnection(
                credentials,
                object.toString(),
                c -> c.omapRead(object, Set.of(), prefix, after, max)));
  }

  @Override
  public void omapWrite(
      OmapObject object, Map<String, String> set, Set<String> remove, CephCredentials credentials) {
    bounded(
        "omap write",
        () -> "writing omap of " + object,
        credentials,
        false,
        retry ->
            onConnection(credentials, object.toString(), c -> c.omapWrite(object, set, remove)));
  }

  /**
   * Runs {@code call} (given whether it is the one retry while the cluster is silent) on a librados
   * thread, bounded by {@link #CALL_BOUND} and by the deadline of the gRPC call it serves.
   *
   * <p>While the cluster does not answer (a call ran into its bound or librados' own timeout),
   * other calls fail at once instead of each waiting up to {@link #CALL_BOUND}: one call tries
   * again at most every {@link #RETRY_SPACING}, and the first answer of any kind clears it. An
   * outage costs the first RPC seconds, not every step of every RPC. A silent mgr ({@link
   * MgrLiveness}) fails the mgr commands alike, and only those: omap and monitor commands go on.
   *
   * <p>Each call is reported to {@link Metrics#librados} under {@code name}, refusals included.
   *
   * @param name the call's metric label: a command prefix or an omap operation (few, fixed values)
   * @param toMgr whether {@code call} sends a mgr command
   */
  private <T> T bounded(
      String name,
      Supplier<String> what,
      CephCredentials credentials,
      boolean toMgr,
      Function<Boolean, T> call) {
    long start = System.nanoTime();
    boolean ok = false;
    try {
      T out = boundedUnmeasured(what, credentials, toMgr, call);
      ok = true;
      return out;
    } finally {
      metrics.librados(name, ok, (System.nanoTime() - start) / 1_000_000);
    }
  }

  private <T> T boundedUnmeasured(
      Supplier<String> what,
      CephCredentials credentials,
      boolean toMgr,
      Function<Boolean, T> call) {
    if (toMgr && mgr.refuses(() -> probe(credentials))) {
      throw mgrSilent(what.get() + ": the Ceph mgr still answers nothing");
    }
    Instant since = unansweredSince;
    boolean retry = since != null;
    if (retry
        && (Instant.now().isBefore(lastFailure.plus(RETRY_SPACING))
            || !retrying.compareAndSet(false, true))) {
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE,
          what.get() + ": the Ceph cluster at " + monitors + " has not answered since " + since);
    }
    try {
      T out =
          threads.call(
              () -> call.apply(retry),
              CALL_BOUND,
              sent -> giveUp(what, toMgr, sent, credentials),
              () -> what.get() + " to the Ceph cluster at " + monitors);
      unansweredSince = null;
      return out;
    } catch (StorageException e) {
      if (clusterSilent(e)) {
        lastFailure = Instant.now();
        unansweredSince = since != null ? since : lastFailure;
      } else if (!saysNothingOfTheCluster(e)) {
        unansweredSince = null; // an answer, if a negative one, or a fresh connection next
      }
      throw e;
    } finally {
      if (retry) {
        retrying.set(false);
      }
    }
  }

  /** Why to stop waiting for a call sent at {@code sent} that has not returned yet, if so. */
  private Optional<StorageException> giveUp(
      Supplier<String> what, boolean toMgr, long sent, CephCredentials credentials) {
    if (!reachable()) {
      return Optional.of(
          new StorageException(
              StorageException.Kind.UNAVAILABLE,
              what.get()
                  + " to the Ceph cluster at "
                  + monitors
                  + ": no answer, and no monitor accepts connections"));
    }
    if (toMgr && mgr.silent(sent, () -> probe(credentials))) {
      return Optional.of(
          mgrSilent(
              what.get()
                  + ": the Ceph mgr answers nothing (none of our commands for "
                  + MgrLiveness.SILENCE.toSeconds()
                  + " s, not even '"
                  + MgrLiveness.PROBE.prefix()
                  + "')"));
    }
    return Optional.empty();
  }

  /** A silent mgr: the message says so and what may be the matter; the cluster answers. */
  private MgrSilent mgrSilent(String message) {
    return new MgrSilent(
        message
            + ": it is stopped, hung or failing over (Ceph cluster at "
            + monitors
            + "); retry later");
  }

  /** The mgr does not answer; tells nothing of the monitors and OSDs. */
  private static final class MgrSilent extends StorageException {
    MgrSilent(String message) {
      super(Kind.UNAVAILABLE, message);
    }
  }

  /**
   * Whether {@code e} says the cluster (its monitors) did not answer. A reset connection (a monitor
   * election) is not silence: the next call retries it at once.
   */
  private static boolean clusterSilent(StorageException e) {
    return e instanceof CephError c
        ? c.errno() == CephError.ETIMEDOUT
        : e.kind() == StorageException.Kind.UNAVAILABLE && !(e instanceof MgrSilent);
  }

  /** Whether {@code e} says nothing of the cluster: the mgr alone is silent, or the caller left. */
  private static boolean saysNothingOfTheCluster(StorageException e) {
    return e instanceof MgrSilent
        || e.kind() == StorageException.Kind.DEADLINE_EXCEEDED
        || e.kind() == StorageException.Kind.CANCELLED;
  }

  /** Sends {@link MgrLiveness#PROBE} and returns at once; its answer tells {@link #mgr}. */
  private void probe(CephCredentials credentials) {
    threads.execute(
        () -> {
          try {
            runHere(MgrLiveness.PROBE, credentials);
          } catch (RuntimeException e) {
            // an error is an answer too, counted as such by Connection.command
          } finally {
            mgr.probeReturned();
          }
        });
  }

  /** Whether any monitor takes a TCP connection (a monitor without a port: msgr v2 or v1 port). */
  private boolean reachable() {
    List<String> addresses = new ArrayList<>();
    for (String monitor : monitorList) {
      if (monitor.matches(".*:[0-9]+")) {
        addresses.add(monitor);
      } else {
        addresses.addAll(List.of(monitor + ":3300", monitor + ":6789"));
      }
    }
    return HostPorts.anyAccepts(addresses);
  }

  private String runHere(CephCommand command, CephCredentials credentials) {
    return onConnection(
        credentials,
        command.describe(),
        c -> {
          Reply reply = c.command(command);
          if (reply.ret < 0) {
            throw error(command.describe(), reply.ret, reply.status);
          }
          return reply.out;
        });
  }

  /**
   * Runs {@code call} on the connection of {@code credentials}, which stays open until it returns;
   * a connection-level error drops the connection (the next call makes a new one).
   */
  private <T> T onConnection(
      CephCredentials credentials, String what, Function<Connection, T> call) {
    for (int attempt = 1; ; attempt++) {
      Connection connection = connection(credentials);
      ReentrantReadWriteLock.ReadLock lock = connection.lock.readLock();
      try {
        lock.lock();
        try {
          if (connection.handle == null) {
            if (attempt < 3) {
              continue; // closed by another thread meanwhile: take a fresh one
            }
            throw new StorageException(
                StorageException.Kind.UNAVAILABLE, what + ": the connection to Ceph keeps closing");
          }
          return call.apply(connection);
        } finally {
          lock.unlock();
        }
      } catch (CephError e) {
        if (isConnectionError(e.errno())) {
          drop(credentials, connection); // after the unlock: closing takes the write lock
        }
        throw e;
      }
    }
  }

  /** The error of a failed call ({@code ret} < 0), {@code status} being what Ceph said, if any. */
  private CephError error(String what, int ret, String status) {
    int errno = -ret;
    String why = status.isBlank() ? strerror(errno) : status.strip();
    if (isConnectionError(errno)) {
      why += " (Ceph cluster at " + monitors + ")";
    }
    return new CephError(errno, what + ": " + why);
  }

  private static boolean isConnectionError(int errno) {
    return errno == CephError.ETIMEDOUT
        || errno == CephError.ESHUTDOWN
        || errno == 107 /* ENOTCONN */
        || errno == CephError.ECONNREFUSED
        || errno == 104 /* ECONNRESET */;
  }

  private Connection connection(CephCredentials credentials) {
    Connection c = connections.get(credentials);
    if (c != null) {
      return c;
    }
    synchronized (this) {
      if (closed) {
        throw new StorageException(StorageException.Kind.UNAVAILABLE, "the Ceph client is closed");
      }
      c = connections.get(credentials);
      if (c == null) {
        if (connections.size() >= MAX_CONNECTIONS) {
          for (Iterator<Map.Entry<CephCredentials, Connection>> it =
                  connections.entrySet().iterator();
              it.hasNext(); ) {
            Connection old = it.next().getValue();
            it.remove();
            old.close();
          }
        }
        c = connect(credentials);
        connections.put(credentials, c);
      }
      return c;
    }
  }

  private Connection connect(CephCredentials credentials) {
    PointerByReference ref = new PointerByReference();
    check(lib.rados_create2(ref, "ceph", credentials.entity(), 0), "rados_create2", credentials);
    Pointer handle = ref.getValue();
    LibradosExit.opened();
    try {
      // Only what is set here counts: no ceph.conf, no keyring files, no admin socket, no logs.
      set(handle, "mon_host", monitors, credentials);
      set(handle, "key", credentials.key().base64(), credentials);
      set(handle, "keyring", "", credentials);
      set(handle, "admin_socket", "", credentials);
      set(handle, "log_file", "", credentials);
      set(handle, "log_to_stderr", "false", credentials);
      set(handle, "err_to_stderr", "false", credentials);
      set(handle, "client_mount_timeout", Integer.toString(CONNECT_TIMEOUT_SECONDS), credentials);
      // No native timeout for commands: a mgr command librados gives up on keeps pointers to the
      // caller's answer buffers, and its late reply writes into them (measured: the controller
      // died of SIGABRT when the link came back). The call is bounded in Java instead (CALL_BOUND);
      // its thread waits on until Ceph answers or the connection closes.
      set(handle, "rados_mon_op_timeout", "0", credentials);
      int connected = lib.rados_connect(handle);
      if (connected == -CephError.ETIMEDOUT
          && io.mooring.ceph.HostPorts.anyAccepts(java.util.List.of(monitors.split(",")))) {
        // Monitors drop a client whose key does not match rather than refuse it: librados only
        // sees a timeout. A monitor that takes connections makes a bad key the likely cause.
        throw new StorageException(
            StorageException.Kind.PERMISSION_DENIED,
            "the monitors "
                + monitors
                + " are reachable but did not authenticate "
                + credentials.entity()
                + " within "
                + CONNECT_TIMEOUT_SECONDS
                + " s: wrong key, or a user Ceph does not know");
      }
      check(connected, "connecting to the monitors " + monitors, credentials);
      return new Connection(handle);
    } catch (RuntimeException e) {
      lib.rados_shutdown(handle);
      LibradosExit.shutDown();
      throw e;
    }
  }

  private void set(Pointer handle, String option, String value, CephCredentials credentials) {
    // the message names the option, never the value (one of them is the key)
    check(lib.rados_conf_set(handle, option, value), "setting " + option, credentials);
  }

  private static void check(int ret, String what, CephCredentials credentials) {
    if (ret < 0) {
      throw new CephError(-ret, what + " as " + credentials.entity() + ": " + strerror(-ret));
    }
  }

  /** Shut down once no call uses it, on a thread of its own: the caller's error goes on at once. */
  private void drop(CephCredentials credentials, Connection connection) {
    if (connections.remove(credentials, connection)) {
      threads.execute(connection::close);
    }
  }

  /**
   * Shuts down the connections that no call uses within {@link #CLOSE_BOUND}. One that a call still
   * uses (Ceph has not answered it) stays open, as it must: its reply would land in freed memory.
   * The process then ends without C's exit handlers ({@link LibradosExit}).
   */
  @Override
  public void close() {
    List<Connection> open;
    synchronized (this) {
      closed = true;
      open = List.copyOf(connections.values());
      connections.clear();
    }
    long end = System.nanoTime() + CLOSE_BOUND.toNanos();
    for (Connection connection : open) {
      try {
        threads.call(
            () -> {
              connection.close();
              return null;
            },
            Duration.ofNanos(Math.max(0, end - System.nanoTime())),
            sent -> Optional.empty(),
            () -> "closing a connection to the Ceph cluster at " + monitors);
      } catch (StorageException e) {
        // left to its thread, which shuts it down once Ceph has answered its calls
      }
    }
    threads.close();
  }

  private record Reply(int ret, String out, String status) {}

  /** One librados handle; commands share it (librados is thread-safe), closing waits for them. */
  private final class Connection {
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    final Map<String, Pointer> ioctxs = new ConcurrentHashMap<>();
    Pointer handle;

    Connection(Pointer handle) {
      this.handle = handle;
    }

    Reply command(CephCommand command) {
      String[] cmd = {command.json()};
      PointerByReference outbuf = new PointerByReference();
      NativeLongByReference outbuflen = new NativeLongByReference();
      PointerByReference outs = new PointerByReference();
      NativeLongByReference outslen = new NativeLongByReference();
      NativeLong one = new NativeLong(1);
      NativeLong zero = new NativeLong(0);
      int ret;
      if (command.target() == CephCommand.Target.MGR) {
        ret = lib.rados_mgr_command(handle, cmd, one, null, zero, outbuf, outbuflen, outs, outslen);
        if (!isConnectionError(-ret)) {
          mgr.answered();
        }
      } else {
        ret = lib.rados_mon_command(handle, cmd, one, null, zero, outbuf, outbuflen, outs, outslen);
      }
      return new Reply(ret, take(outbuf, outbuflen), take(outs, outslen));
    }

    private String take(PointerByReference buf, NativeLongByReference len) {
      Pointer p = buf.getValue();
      if (p == null) {
        return "";
      }
      try {
        long n = len.getValue().longValue();
        return n <= 0 ? "" : new String(p.getByteArray(0, (int) n), StandardCharsets.UTF_8);
      } finally {
        lib.rados_buffer_free(p);
      }
    }

    /**
     * The omap values of {@code keys} that exist, or when {@code keys} is empty those of the keys
     * with {@code prefix} after {@code start} (at most {@code max}, all when 0); none when the
     * object does not exist. Op and iterators are released on this thread once librados has
     * returned: a caller that gave up waiting never frees what librados still writes.
     */
    SortedMap<String, String> omapRead(
        OmapObject object, Set<String> keys, String prefix, String start, int max) {
      Pointer io = ioctx(object);
      SortedMap<String, String> values = new TreeMap<>();
      String after = start;
      while (true) {
        int page = max > 0 ? Math.min(OMAP_PAGE, max - values.size()) : OMAP_PAGE;
        Pointer op = lib.rados_create_read_op();
        try {
          PointerByReference iter = new PointerByReference();
          IntByReference prval = new IntByReference();
          ByteByReference more = new ByteByReference();
          if (keys.isEmpty()) {
            lib.rados_read_op_omap_get_vals2(op, after, prefix, page, iter, more, prval);
          } else {
            String[] wanted = keys.toArray(String[]::new);
            lib.rados_read_op_omap_get_vals_by_keys(op, wanted, wanted.length, iter, prval);
          }
          int ret = lib.rados_read_op_operate(op, io, object.oid(), 0);
          if (ret == -CephError.ENOENT) {
            return values;
          }
          if (ret < 0 || prval.getValue() < 0) {
            throw error("reading omap of " + object, ret < 0 ? ret : prval.getValue(), "");
          }
          try {
            PointerByReference key = new PointerByReference();
            PointerByReference val = new PointerByReference();
            NativeLongByReference len = new NativeLongByReference();
            while (lib.rados_omap_get_next(iter.getValue(), key, val, len) == 0
                && key.getValue() != null) {
              after = key.getValue().getString(0, StandardCharsets.UTF_8.name());
              long n = len.getValue().longValue();
              values.put(
                  after,
                  n <= 0
                      ? ""
                      : new String(
                          val.getValue().getByteArray(0, (int) n), StandardCharsets.UTF_8));
            }
          } finally {
            lib.rados_omap_get_end(iter.getValue());
          }
          if (!keys.isEmpty() || more.getValue() == 0 || max > 0 && values.size() >= max) {
            return values;
          }
        } finally {
          lib.rados_release_read_op(op);
        }
      }
    }

    /** Sets and removes omap keys in one atomic write op, creating the object if need be. */
    Void omapWrite(OmapObject object, Map<String, String> set, Set<String> remove) {
      Pointer io = ioctx(object);
      Pointer op = lib.rados_create_write_op();
      try {
        lib.rados_write_op_create(op, 0, null);
        if (!set.isEmpty()) {
          String[] keys = set.keySet().toArray(String[]::new);
          String[] vals = new String[keys.length];
          long[] lens = new long[keys.length];
          for (int i = 0; i < keys.length; i++) {
            vals[i] = set.get(keys[i]);
            lens[i] = vals[i].getBytes(StandardCharsets.UTF_8).length;
          }
          lib.rados_write_op_omap_set(op, keys, vals, lens, keys.length);
        }
        if (!remove.isEmpty()) {
          String[] keys = remove.toArray(String[]::new);
          lib.rados_write_op_omap_rm_keys(op, keys, keys.length);
        }
        int ret = lib.rados_write_op_operate(op, io, object.oid(), null, 0);
        if (ret < 0) {
          throw error("writing omap of " + object, ret, "");
        }
        return null;
      } finally {
        lib.rados_release_write_op(op);
      }
    }

    /** An I/O context on the object's pool and namespace, kept with the connection. */
    private Pointer ioctx(OmapObject object) {
      String key = object.pool() + "/" + object.namespace();
      Pointer io = ioctxs.get(key);
      if (io != null) {
        return io;
      }
      synchronized (ioctxs) {
        io = ioctxs.get(key);
        if (io == null) {
          PointerByReference ref = new PointerByReference();
          int ret = lib.rados_ioctx_create(handle, object.pool(), ref);
          if (ret < 0) {
            throw error("opening pool " + object.pool(), ret, "");
          }
          io = ref.getValue();
          lib.rados_ioctx_set_namespace(io, object.namespace());
          ioctxs.put(key, io);
        }
        return io;
      }
    }

    void close() {
      lock.writeLock().lock();
      try {
        ioctxs.values().forEach(lib::rados_ioctx_destroy);
        ioctxs.clear();
        if (handle != null) {
          lib.rados_shutdown(handle);
          LibradosExit.shutDown();
          handle = null;
        }
      } finally {
        lock.writeLock().unlock();
      }
    }
  }

  private static String strerror(int errno) {
    return switch (errno) {
      case CephError.EPERM -> "operation not permitted (wrong key or caps?)";
      case CephError.ENOENT -> "no such entity";
      case CephError.EACCES -> "permission denied (wrong key or caps?)";
      case CephError.EINVAL -> "invalid argument";
      case CephError.ETIMEDOUT -> "timed out";
      case CephError.ECONNREFUSED -> "connection refused";
      case CephError.ESHUTDOWN -> "connection shut down";
      default -> "errno " + errno;
    };
  }
}
