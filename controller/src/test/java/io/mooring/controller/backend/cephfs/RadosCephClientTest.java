package io.mooring.controller.backend.cephfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.ByteByReference;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;
import io.grpc.Context;
import io.mooring.ceph.CephCredentials;
import io.mooring.errors.StorageException;
import io.mooring.rpc.Metrics;
import io.mooring.testing.CephKeys;
import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The connection handling of RadosCephClient, against a fake librados. */
class RadosCephClientTest {

  static final CephCredentials ADMIN = CephCredentials.of("id", "admin", "key", CephKeys.of(1));
  static final CephCredentials OTHER = CephCredentials.of("id", "prov", "key", CephKeys.of(2));
  static final CephCommand LS =
      CephCommand.mgr("fs subvolume ls").with("vol_name", "cephfs").with("group_name", "csi");

  /** A librados that records what it is asked and answers from a script. */
  static final class FakeLibrados implements RadosCephClient.Librados {
    long nextHandle = 1;
    final Map<Long, Map<String, String>> conf = new HashMap<>();
    final Map<Long, String> names = new HashMap<>();
    final Set<Long> live = new HashSet<>();
    final List<String> mgr = new ArrayList<>();
    final List<String> mon = new ArrayList<>();
    final Deque<Integer> connectResults = new ArrayDeque<>();
    final Deque<Object[]> replies = new ArrayDeque<>(); // {ret, out, status}
    int freed;
    int allocated;

    /** Threads librados was called on. */
    final Set<String> threads = new HashSet<>();

    @Override
    public synchronized int rados_create2(
        PointerByReference cluster, String clusterName, String name, long flags) {
      threads.add(Thread.currentThread().getName());
      long h = nextHandle++;
      cluster.setValue(new Pointer(h));
      conf.put(h, new HashMap<>());
      names.put(h, name);
      return 0;
    }

    @Override
    public synchronized int rados_conf_set(Pointer cluster, String option, String value) {
      conf.get(Pointer.nativeValue(cluster)).put(option, value);
      return 0;
    }

    @Override
    public synchronized int rados_connect(Pointer cluster) {
      int r = connectResults.isEmpty() ? 0 : connectResults.pop();
      if (r == 0) {
        live.add(Pointer.nativeValue(cluster));
      }
      return r;
    }

    @Override
    public synchronized void rados_shutdown(Pointer cluster) {
      live.remove(Pointer.nativeValue(cluster));
    }

    @Override
    public int rados_mon_command(
        Pointer cluster,
        String[] cmd,
        NativeLong cmdlen,
        Pointer inbuf,
        NativeLong inbuflen,
        PointerByReference outbuf,
        NativeLongByReference outbuflen,
        PointerByReference outs,
        NativeLongByReference outslen) {
      mon.add(cmd[0]);
      return reply(cluster, outbuf, outbuflen, outs, outslen);
    }

    /** When set, mgr commands wait for it: a cluster that does not answer. */
    volatile CountDownLatch hang;

    volatile boolean hanging;

    /** Whether the probe waits for {@link #hang} too (a stopped mgr), or not (a busy module). */
    volatile boolean probeHangs = true;

    final java.util.concurrent.atomic.AtomicInteger probes =
        new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public int rados_mgr_command(
        Pointer cluster,
        String[] cmd,
        NativeLong cmdlen,
        Pointer inbuf,
        NativeLong inbuflen,
        PointerByReference outbuf,
        NativeLongByReference outbuflen,
        PointerByReference outs,
        NativeLongByReference outslen) {
      if (cmd[0].equals(MgrLiveness.PROBE.json())) {
        probes.incrementAndGet();
      }
      CountDownLatch h = hang;
      if (h != null && (probeHangs || !cmd[0].equals(MgrLiveness.PROBE.json()))) {
        hanging = true;
        try {
          h.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      threads.add(Thread.currentThread().getName());
      assertEquals(1, cmdlen.intValue());
      if (cmd[0].equals(MgrLiveness.PROBE.json())) {
        synchronized (this) {
          fill("{}", outbuf, outbuflen);
          fill("", outs, outslen);
          return 0;
        }
      }
      mgr.add(cmd[0]);
      return reply(cluster, outbuf, outbuflen, outs, outslen);
    }

    private synchronized int reply(
        Pointer cluster,
        PointerByReference outbuf,
        NativeLongByReference outbuflen,
        PointerByReference outs,
        NativeLongByReference outslen) {
      assertTrue(live.contains(Pointer.nativeValue(cluster)), "command on a closed handle");
      Object[] r = replies.isEmpty() ? new Object[] {0, "[]", ""} : replies.pop();
      fill((String) r[1], outbuf, outbuflen);
      fill((String) r[2], outs, outslen);
      return (Integer) r[0];
    }

    private void fill(String text, PointerByReference buf, NativeLongByReference len) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      if (bytes.length == 0) {
        buf.setValue(null);
        len.setValue(new NativeLong(0));
        return;
      }
      Memory m = new Memory(bytes.length);
      m.write(0, bytes, 0, bytes.length);
      buffers.add(m);
      allocated++;
      buf.setValue(m);
      len.setValue(new NativeLong(bytes.length));
    }

    final List<Memory> buffers = new ArrayList<>();

    @Override
    public synchronized void rados_buffer_free(Pointer buf) {
      freed++;
    }

    // omap: one object store in memory; ops are maps of what they will do when operated

    final Map<String, java.util.TreeMap<String, String>> objects = new HashMap<>();
    final Map<Long, String> ioctxs = new HashMap<>(); // ioctx -> "pool/namespace"
    final Map<Long, Map<String, Object>> ops = new HashMap<>();
    final Map<Long, java.util.Iterator<Map.Entry<String, String>>> iters = new HashMap<>();
    long nextPointer = 1000;
    int opsReleased;
    int itersEnded;

    /** When set, operating an op waits for it: an OSD that does not answer. */
    volatile CountDownLatch hangOps;

    @Override
    public synchronized int rados_ioctx_create(
        Pointer cluster, String poolName, PointerByReference ioctx) {
      assertTrue(live.contains(Pointer.nativeValue(cluster)), "ioctx on a closed handle");
      long io = nextPointer++;
      ioctxs.put(io, poolName + "/");
      ioctx.setValue(new Pointer(io));
      return 0;
    }

    @Override
    public synchronized void rados_ioctx_set_namespace(Pointer ioctx, String namespace) {
      ioctxs.computeIfPresent(Pointer.nativeValue(ioctx), (k, v) -> v + namespace);
    }

    @Override
    public synchronized void rados_ioctx_destroy(Pointer ioctx) {
      assertTrue(ioctxs.remove(Pointer.nativeValue(ioctx)) != null, "destroyed twice");
    }

    private synchronized Pointer newOp() {
      long op = nextPointer++;
      ops.put(op, new HashMap<>());
      return new Pointer(op);
    }

    private synchronized Map<String, Object> op(Pointer op) {
      return ops.get(Pointer.nativeValue(op));
    }

    private synchronized void release(Pointer op) {
      assertTrue(ops.remove(Pointer.nativeValue(op)) != null, "released twice");
      opsReleased++;
    }

    @Override
    public Pointer rados_create_write_op() {
      return newOp();
    }

    @Override
    public void rados_release_write_op(Pointer op) {
      release(op);
    }

    @Override
    public void rados_write_op_create(Pointer op, int exclusive, String category) {}

    @Override
    public void rados_write_op_omap_set(
        Pointer op, String[] keys, String[] vals, long[] lens, long num) {
      Map<String, String> set = new HashMap<>();
      for (int i = 0; i < num; i++) {
        assertEquals(vals[i].getBytes(StandardCharsets.UTF_8).length, lens[i]);
        set.put(keys[i], vals[i]);
      }
      op(op).put("set", set);
    }

    @Override
    public void rados_write_op_omap_rm_keys(Pointer op, String[] keys, long num) {
      op(op).put("rm", List.of(keys));
    }

    @Override
    @SuppressWarnings("unchecked")
    public int rados_write_op_operate(
        Pointer op, Pointer ioctx, String oid, Pointer mtime, int flags) {
      awaitOps();
      synchronized (this) {
        Map<String, Object> o = op(op);
        java.util.TreeMap<String, String> values =
            objects.computeIfAbsent(
                ioctxs.get(Pointer.nativeValue(ioctx)) + "/" + oid, k -> new java.util.TreeMap<>());
        values.putAll((Map<String, String>) o.getOrDefault("set", Map.of()));
        ((List<String>) o.getOrDefault("rm", List.of())).forEach(values::remove);
        return 0;
      }
    }

    private void awaitOps() {
      CountDownLatch h = hangOps;
      if (h != null) {
        hanging = true;
        try {
          h.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public Pointer rados_create_read_op() {
      return newOp();
    }

    @Override
    public void rados_release_read_op(Pointer op) {
      release(op);
    }

    @Override
    public void rados_read_op_omap_get_vals_by_keys(
        Pointer op, String[] keys, long num, PointerByReference iter, IntByReference prval) {
      op(op).putAll(Map.of("keys", Set.of(keys), "iter", iter));
    }

    @Override
    public void rados_read_op_omap_get_vals2(
        Pointer op,
        String startAfter,
        String filterPrefix,
        long maxReturn,
        PointerByReference iter,
        ByteByReference more,
        IntByReference prval) {
      op(op)
          .putAll(
              Map.of(
                  "after",
                  startAfter,
                  "prefix",
                  filterPrefix,
                  "max",
                  maxReturn,
                  "iter",
                  iter,
                  "more",
                  more));
    }

    @Override
    @SuppressWarnings("unchecked")
    public int rados_read_op_operate(Pointer op, Pointer ioctx, String oid, int flags) {
      awaitOps();
      synchronized (this) {
        Map<String, Object> o = op(op);
        java.util.TreeMap<String, String> values =
            objects.get(ioctxs.get(Pointer.nativeValue(ioctx)) + "/" + oid);
        if (values == null) {
          return -CephError.ENOENT;
        }
        List<Map.Entry<String, String>> out = new ArrayList<>();
        if (o.containsKey("keys")) {
          values.forEach(
              (k, v) -> {
                if (((Set<String>) o.get("keys")).contains(k)) {
                  out.add(Map.entry(k, v));
                }
              });
        } else {
          for (Map.Entry<String, String> e :
              values.tailMap((String) o.get("after"), false).entrySet()) {
            if (!e.getKey().startsWith((String) o.get("prefix"))) {
              continue;
            }
            if (out.size() == (Long) o.get("max")) {
              ((ByteByReference) o.get("more")).setValue((byte) 1);
              break;
            }
            out.add(e);
          }
        }
        long it = nextPointer++;
        iters.put(it, out.iterator());
        ((PointerByReference) o.get("iter")).setValue(new Pointer(it));
        return 0;
      }
    }

    @Override
    public synchronized int rados_omap_get_next(
        Pointer iter, PointerByReference key, PointerByReference val, NativeLongByReference len) {
      java.util.Iterator<Map.Entry<String, String>> it = iters.get(Pointer.nativeValue(iter));
      if (!it.hasNext()) {
        key.setValue(null);
        return 0;
      }
      Map.Entry<String, String> e = it.next();
      Memory k = new Memory(e.getKey().getBytes(StandardCharsets.UTF_8).length + 1);
      k.setString(0, e.getKey(), StandardCharsets.UTF_8.name());
      key.setValue(k);
      fill(e.getValue(), val, len);
      buffers.add(k);
      return 0;
    }

    @Override
    public synchronized void rados_omap_get_end(Pointer iter) {
      assertTrue(iters.remove(Pointer.nativeValue(iter)) != null, "ended twice");
      itersEnded++;
    }
  }

  final FakeLibrados lib = new FakeLibrados();
  final RadosCephClient client = new RadosCephClient(lib, List.of("127.0.0.1:9", "127.0.0.2"));

  static final OmapObject OBJECT = new OmapObject("meta", "mooring", "volumes.csi");

  @Test
  void omapWritesAndReadsPageByPageAndReleasesEveryOpAndIterator() {
    assertEquals(Map.of(), client.omapRead(OBJECT, Set.of(), ADMIN), "no object");
    Map<String, String> values = new java.util.TreeMap<>();
    for (int i = 0; i < RadosCephClient.OMAP_PAGE * 2 + 1; i++) {
      values.put("k" + i, i % 2 == 0 ? "v ✓ " + i : "");
    }
    client.omapWrite(OBJECT, values, Set.of(), ADMIN);
    assertEquals(values, client.omapRead(OBJECT, Set.of(), ADMIN), "three pages");
    client.omapWrite(OBJECT, Map.of("x", "y"), Set.of("k0", "k1"), ADMIN);
    assertEquals(
        Map.of("x", "y", "k2", "v ✓ 2"), client.omapRead(OBJECT, Set.of("x", "k0", "k2"), ADMIN));
    assertEquals(Map.of(), lib.ops, "every op released");
    assertEquals(Map.of(), lib.iters, "every iterator ended");
    assertEquals(0, lib.freed, "omap values are their iterator's: never rados_buffer_free");
    client.close();
    assertEquals(Map.of(), lib.ioctxs, "the I/O context destroyed with its connection");
  }

  @Test
  void anOmapOpThatDoesNotReturnIsNeverReleasedUnderIt() throws Exception {
    client.omapWrite(OBJECT, Map.of("a", "b"), Set.of(), ADMIN); // connected, ioctx made
    lib.hangOps = new CountDownLatch(1);
    StorageException e =
        assertThrows(
            StorageException.class,
            () -> client.omapWrite(OBJECT, Map.of("c", "d"), Set.of(), ADMIN));
    assertEquals(StorageException.Kind.UNAVAILABLE, e.kind()); // no monitor takes connections
    assertEquals(1, lib.ops.size(), "the op stays while librados may use it");
    lib.hangOps.countDown();
    for (int i = 0; i < 100 && !lib.ops.isEmpty(); i++) {
      Thread.sleep(10);
    }
    assertEquals(Map.of(), lib.ops, "released by its own thread once librados returned");
    assertEquals("d", lib.objects.get("meta/mooring/volumes.csi").get("c"));
  }

  /** Every call is measured under its command prefix or omap op, failures and refusals too. */
  @Test
  void everyCallIsReportedByCommandWithItsOutcome() {
    List<String> calls = new ArrayList<>();
    // records librados calls only (the other kinds of report never come from this client)
    Metrics recording =
        (Metrics)
            Proxy.newProxyInstance(
                Metrics.class.getClassLoader(),
                new Class<?>[] {Metrics.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("librados")) {
                    assertTrue((long) args[2] >= 0);
                    calls.add(args[0] + ((boolean) args[1] ? " ok" : " failed"));
                  }
                  return null;
                });
    RadosCephClient measured =
        new RadosCephClient(
            lib,
            List.of("127.0.0.1:9", "127.0.0.2"),
            new LibradosThreads(),
            new MgrLiveness(),
            recording);
    measured.run(LS, ADMIN);
    measured.omapWrite(OBJECT, Map.of("a", "b"), Set.of(), ADMIN);
    measured.omapRead(OBJECT, Set.of("a"), ADMIN);
    measured.omapRange(OBJECT, "", "", 10, ADMIN);
    lib.replies.add(new Object[] {-CephError.ETIMEDOUT, "", ""});
    assertThrows(StorageException.class, () -> measured.run(LS, ADMIN));
    assertThrows(StorageException.class, () -> measured.run(LS, ADMIN)); // refused at once
    assertEquals(
        List.of(
            "fs subvolume ls ok",
            "omap write ok",
            "omap read ok",
            "omap range ok",
            "fs subvolume ls failed",
            "fs subvolume ls failed"),
        calls);
  }

  @Test
  void anUnansweringClusterFailsOtherCallsAtOnceWhileOneTriesAgain() throws Exception {
    lib.replies.add(new Object[] {-CephError.ETIMEDOUT, "", ""});
    StorageException first = assertThrows(StorageException.class, () -> client.run(LS, ADMIN));
    assertEquals(StorageException.Kind.UNAVAILABLE, first.kind());
    assertTrue(first.getMessage().contains("127.0.0.1:9,127.0.0.2"), first.getMessage());
    StorageException next = assertThrows(StorageException.class, () -> client.run(LS, ADMIN));
    assertTrue(
        next.getMessage().contains("has not answered since"),
        "the next step fails at once: " + next);
    Thread.sleep(RadosCephClient.RETRY_SPACING.toMillis());

    lib.hang = new CountDownLatch(1);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      Future<String> retry = other.submit(() -> client.run(LS, ADMIN));
      while (!lib.hanging) {
        Thread.sleep(5); // until the retry waits inside librados
      }
      long start = System.nanoTime();
      StorageException fast = assertThrows(StorageException.class, () -> client.run(LS, ADMIN));
      assertTrue(System.nanoTime() - start < 1_000_000_000L, "failed at once");
      assertTrue(fast.getMessage().contains("has not answered since"), fast.getMessage());
      lib.hang.countDown();
      lib.hang = null;
      assertEquals("[]", retry.get(10, TimeUnit.SECONDS), "the retry gets the answer");
      assertTrue(
          lib.mgr.get(lib.mgr.size() - 2).contains("fs volume ls"),
          "after a throw-away command: " + lib.mgr);
    } finally {
      other.shutdownNow();
    }
    assertEquals("[]", client.run(LS, ADMIN), "answered: calls go through again");
  }

  /** A port that takes connections, as a monitor does (and closes them). */
  static final class Monitor implements AutoCloseable {
    final ServerSocket socket;

    Monitor() throws java.io.IOException {
      socket = new ServerSocket(0);
      Thread accepting =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try {
                    socket.accept().close();
                  } catch (java.io.IOException e) {
                    // closed
                  }
                }
              });
      accepting.setDaemon(true);
      accepting.start();
    }

    int getLocalPort() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws java.io.IOException {
      socket.close();
    }
  }

  /** A client whose monitors take connections, looking and judging the mgr in milliseconds. */
  RadosCephClient quickClient(Monitor monitor) {
    return new RadosCephClient(
        lib,
        List.of("127.0.0.1:" + monitor.getLocalPort()),
        new LibradosThreads(Duration.ofMillis(20)),
        new MgrLiveness(
            System::nanoTime,
            Duration.ofMillis(100),
            Duration.ofMillis(100),
            Duration.ofMillis(300),
            Duration.ofSeconds(60)),
        Metrics.OFF);
  }

  /** Runs {@code call} as the body of a gRPC call with this deadline. */
  static <T> T withDeadline(long millis, java.util.concurrent.Callable<T> call) throws Exception {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (Context.CancellableContext rpc =
        Context.current().withDeadlineAfter(millis, TimeUnit.MILLISECONDS, timer)) {
      return rpc.call(call);
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void aCallWaitsNoLongerThanTheDeadlineOfItsRpcAndNeverFreesWhatLibradosStillHolds()
      throws Exception {
    client.run(LS, ADMIN); // connected
    lib.hang = new CountDownLatch(1);
    long start = System.nanoTime();
    StorageException e =
        assertThrows(StorageException.class, () -> withDeadline(300, () -> client.run(LS, ADMIN)));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals(StorageException.Kind.DEADLINE_EXCEEDED, e.kind(), e.getMessage());
    assertTrue(ms >= 300 && ms < 2000, ms + " ms");
    assertTrue(e.getMessage().contains("fs subvolume ls"), e.getMessage());
    assertEquals(lib.allocated, lib.freed, "nothing of the hanging call is freed yet");

    lib.hang.countDown(); // Ceph answers late: its thread takes the answer and frees it
    lib.hang = null;
    for (int i = 0; i < 100 && lib.mgr.size() < 2; i++) {
      Thread.sleep(10);
    }
    Thread.sleep(50);
    assertEquals(lib.allocated, lib.freed, "freed by the thread that called librados");
    assertEquals("[]", client.run(LS, ADMIN), "no breaker: the cluster did answer");
  }

  @Test
  void aCancelledRpcStopsWaitingAndOneGoneBeforeSendsNothing() throws Exception {
    client.run(LS, ADMIN);
    lib.hang = new CountDownLatch(1);
    Context.CancellableContext rpc = Context.current().withCancellation();
    ExecutorService canceller = Executors.newSingleThreadExecutor();
    try {
      canceller.submit(
          () -> {
            while (!lib.hanging) {
              Thread.sleep(5);
            }
            return rpc.cancel(null);
          });
      StorageException e =
          assertThrows(StorageException.class, () -> rpc.call(() -> client.run(LS, ADMIN)));
      assertEquals(StorageException.Kind.CANCELLED, e.kind(), e.getMessage());
      int sent = lib.mgr.size();
      StorageException gone =
          assertThrows(StorageException.class, () -> rpc.call(() -> client.run(LS, ADMIN)));
      assertEquals(StorageException.Kind.CANCELLED, gone.kind());
      assertTrue(gone.getMessage().contains("nothing was sent"), gone.getMessage());
      lib.hang.countDown();
      lib.hang = null;
      Thread.sleep(100);
      assertEquals(sent + 1, lib.mgr.size(), "only the first call reached librados");
    } finally {
      canceller.shutdownNow();
    }
  }

  @Test
  void aStoppedMgrFailsTheCallInAMomentAndTheNextAtOnceWhileOmapGoesOn() throws Exception {
    try (Monitor monitor = new Monitor()) {
      RadosCephClient quick = quickClient(monitor);
      quick.run(LS, ADMIN);
      lib.hang = new CountDownLatch(1); // every mgr command waits, the probe too
      long start = System.nanoTime();
      StorageException e = assertThrows(StorageException.class, () -> quick.run(LS, ADMIN));
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertEquals(StorageException.Kind.UNAVAILABLE, e.kind());
      assertTrue(e.getMessage().contains("the Ceph mgr answers nothing"), e.getMessage());
      assertTrue(ms >= 300 && ms < 3000, ms + " ms");
      assertEquals(1, lib.probes.get(), "one probe");

      start = System.nanoTime();
      StorageException next = assertThrows(StorageException.class, () -> quick.run(LS, ADMIN));
      assertTrue(System.nanoTime() - start < 100_000_000L, "refused at once");
      assertTrue(
          next.getMessage().contains("the Ceph mgr still answers nothing"), next.getMessage());
      assertEquals(1, lib.probes.get(), "and nothing more is sent to the mgr");
      quick.omapWrite(OBJECT, Map.of("a", "b"), Set.of(), ADMIN); // the OSDs answer
      assertEquals(Map.of("a", "b"), quick.omapRead(OBJECT, Set.of(), ADMIN));

      lib.hang.countDown(); // thawed: the probe and the command are answered
      lib.hang = null;
      String answer = null;
      for (int i = 0; i < 100 && answer == null; i++) {
        try {
          answer = quick.run(LS, ADMIN);
        } catch (StorageException untilTheProbeIsAnswered) {
          Thread.sleep(20);
        }
      }
      assertEquals("[]", answer, "the mgr answered: commands go out again");
      quick.close();
    }
  }

  @Test
  void aBusyMgrWhoseCoreAnswersTheProbeIsWaitedFor() throws Exception {
    try (Monitor monitor = new Monitor()) {
      RadosCephClient quick = quickClient(monitor);
      quick.run(LS, ADMIN);
      lib.hang = new CountDownLatch(1);
      lib.probeHangs = false; // the module works through a queue, the mgr answers
      ExecutorService other = Executors.newSingleThreadExecutor();
      try {
        Future<String> slow = other.submit(() -> quick.run(LS, ADMIN));
        Thread.sleep(1500); // five times the silence that condemns a stopped mgr
        assertFalse(slow.isDone(), "still waited for");
        assertTrue(lib.probes.get() >= 2, "probed while it waits: " + lib.probes);
        lib.hang.countDown();
        assertEquals("[]", slow.get(5, TimeUnit.SECONDS));
      } finally {
        lib.hang = null;
        other.shutdownNow();
      }
      quick.close();
    }
  }

  @Test
  void closeLeavesAHandleWithACallInFlightOpenAndShutsItDownOnceAnswered() throws Exception {
    client.run(LS, ADMIN);
    client.run(LS, OTHER);
    int open = LibradosExit.open();
    lib.hang = new CountDownLatch(1);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      Future<String> hanging = other.submit(() -> client.run(LS, ADMIN));
      while (!lib.hanging) {
        Thread.sleep(5);
      }
      long start = System.nanoTime();
      client.close();
      assertTrue(
          System.nanoTime() - start < RadosCephClient.CLOSE_BOUND.toNanos() + 500_000_000L,
          "closing is bounded");
      assertEquals(Set.of(1L), lib.live, "the idle handle is shut down, the busy one is not");
      assertEquals(open - 1, LibradosExit.open(), "one left open: the process must _exit");
      lib.hang.countDown();
      lib.hang = null;
      hanging.get(5, TimeUnit.SECONDS);
      for (int i = 0; i < 100 && !lib.live.isEmpty(); i++) {
        Thread.sleep(10);
      }
      assertEquals(Set.of(), lib.live, "shut down by its own thread once answered");
      assertEquals(open - 2, LibradosExit.open());
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void anEmptySuccessOfACommandThatAlwaysPrintsIsNoAnswer() {
    lib.replies.add(new Object[] {0, "", ""});
    assertEquals(
        "",
        client.run(CephCommand.mgr("fs subvolume create").with("vol_name", "cephfs"), ADMIN),
        "a create prints nothing");
    lib.replies.add(new Object[] {0, "", ""});
    CephError e = assertThrows(CephError.class, () -> client.run(LS, ADMIN));
    assertEquals(StorageException.Kind.UNAVAILABLE, e.kind(), e.getMessage());
  }

  @Test
  void oneConnectionPerCredentialsConfiguredInMemory() {
    lib.replies.add(new Object[] {0, "[{\"name\":\"a\"}]", ""});
    assertEquals("[{\"name\":\"a\"}]", client.run(LS, ADMIN));
    client.run(LS, ADMIN);
    client.run(CephCommand.mon("df"), ADMIN);
    assertEquals(1, lib.conf.size(), "one connection for one user");
    Map<String, String> conf = lib.conf.get(1L);
    assertEquals("127.0.0.1:9,127.0.0.2", conf.get("mon_host"));
    assertEquals(ADMIN.key().base64(), conf.get("key"));
    assertEquals("", conf.get("keyring"));
    assertEquals("", conf.get("admin_socket"));
    assertEquals("client.admin", lib.names.get(1L));
    assertEquals(List.of(LS.json(), LS.json()), lib.mgr);
    assertEquals(List.of("{\"prefix\":\"df\",\"format\":\"json\"}"), lib.mon);
    assertEquals(lib.allocated, lib.freed, "every buffer librados returns is freed");

    client.run(LS, OTHER);
    assertEquals(2, lib.conf.size());
    assertEquals("client.prov", lib.names.get(2L));
  }

  @Test
  void libradosRunsOnItsOwnBigStackThreadsOnly() {
    lib.replies.add(new Object[] {0, "[]", ""});
    client.run(LS, ADMIN);
    assertFalse(lib.threads.isEmpty());
    assertTrue(
        lib.threads.stream().allMatch(t -> t.startsWith(LibradosThreads.NAME)),
        lib.threads.toString());
  }

  @Test
  void errorsCarryCephsErrnoAndStatus() {
    lib.replies.add(new Object[] {-2, "", "subvolume 'x' does not exist"});
    CephError e = assertThrows(CephError.class, () -> client.run(LS, ADMIN));
    assertEquals(CephError.ENOENT, e.errno());
    assertEquals("ceph fs subvolume ls cephfs/csi: subvolume 'x' does not exist", e.getMessage());
    lib.replies.add(new Object[] {-22, "", ""});
    assertEquals(
        "ceph fs subvolume ls cephfs/csi: invalid argument",
        assertThrows(CephError.class, () -> client.run(LS, ADMIN)).getMessage());
    assertEquals(1, lib.conf.size(), "command errors keep the connection");
  }

  @Test
  void connectionErrorsDropTheConnectionAndTheNextCallReconnects() throws Exception {
    client.run(LS, ADMIN);
    lib.replies.add(
        new Object[] {-104, "", ""}); // ECONNRESET; a silent cluster (ETIMEDOUT) is tested above
    CephError e = assertThrows(CephError.class, () -> client.run(LS, ADMIN));
    assertEquals(StorageException.Kind.UNAVAILABLE, e.kind());
    for (int i = 0; i < 100 && lib.live.contains(1L); i++) {
      Thread.sleep(10); // on a thread of its own
    }
    assertFalse(lib.live.contains(1L), "the broken handle is shut down");
    client.run(LS, ADMIN);
    assertTrue(lib.live.contains(2L), "a new one is made");
  }

  @Test
  void failedConnectSaysWhoAndNeverTheKey() {
    lib.connectResults.add(-13);
    CephError e = assertThrows(CephError.class, () -> client.run(LS, ADMIN));
    assertEquals(CephError.EACCES, e.errno());
    assertEquals(StorageException.Kind.PERMISSION_DENIED, e.kind());
    assertTrue(e.getMessage().contains("client.admin"), e.getMessage());
    assertFalse(e.getMessage().contains(ADMIN.key().base64()));
    assertTrue(lib.live.isEmpty());
    client.run(LS, ADMIN); // and the next call tries again
    assertEquals(1, lib.live.size());
  }

  @Test
  void closeShutsEverythingDown() {
    client.run(LS, ADMIN);
    client.run(LS, OTHER);
    client.close();
    assertTrue(lib.live.isEmpty());
    assertEquals(
        StorageException.Kind.UNAVAILABLE,
        assertThrows(StorageException.class, () -> client.run(LS, ADMIN)).kind());
  }

  @Test
  void manyCredentialsDoNotPileUpConnections() {
    for (int i = 0; i < 20; i++) {
      client.run(LS, CephCredentials.of("id", "user" + i, "key", CephKeys.of(i)));
    }
    assertTrue(lib.live.size() <= RadosCephClient.MAX_CONNECTIONS, lib.live.toString());
  }

  @Test
  void fallsBackWhenLibradosCannotBeLoaded() {
    CephClient fallback = (command, credentials) -> "cli";
    assertSame(
        fallback,
        RadosCephClient.loadOr("mooring-no-such-library", List.of("m"), fallback, Metrics.OFF));
  }
}
