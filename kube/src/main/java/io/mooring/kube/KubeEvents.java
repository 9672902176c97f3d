package io.mooring.kube;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.mooring.events.ClusterEvents;
import io.mooring.events.ObjectRef;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Events (core v1, as the kubelet and the CSI sidecars write them) from a queue of its own
 * on a thread of its own, so that recording never waits on the API server: when the queue is full,
 * Events are dropped and counted. An Event recorded again (same object, type, reason and message)
 * while it is remembered is not written anew: its count and last timestamp are patched, as
 * client-go's EventCorrelator does. No access to the API server, or no RBAC for events, costs a
 * warning in the log, once until Events go through again, and never the caller anything.
 */
public final class KubeEvents implements ClusterEvents, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KubeEvents.class);

  /** Events waiting to be written; more are dropped. */
  static final int QUEUE = 256;

  /** Events remembered for counting repeats (client-go keeps 4096 per recorder). */
  static final int REMEMBERED = 1024;

  /** What the API server takes as an Event's message (events.k8s.io's note limit). */
  static final int MESSAGE_LIMIT = 1024;

  private record Key(ObjectRef regarding, Type type, String reason, String message) {}

  private record Pending(Key key, String action) {}

  /** An Event written: its name, namespace and how often it happened. */
  private record Written(String name, String namespace, int count, Instant first) {}

  private final Supplier<KubernetesClient> connect;
  private final String component;
  private final String host;
  private final Clock clock;
  private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicLong dropped = new AtomicLong();
  private final Thread writer;

  /** Only the writer thread touches these. */
  private final Map<Key, Written> written =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Written> eldest) {
          return size() > REMEMBERED;
        }
      };

  private boolean failing;

  /** Built on the writer thread at the first Event. */
  private KubernetesClient client;

  /** The time in the last Event's name: names stay unique when the clock does not move. */
  private long lastNanos;

  /**
   * @param connect the API client, asked for at the first Event: a node plugin that never records
   *     one never builds it (about 29 MiB of RSS)
   * @param component who reports, e.g. {@code mooring.csi.io/node} (the Event's source and
   *     reportingComponent)
   * @param host where it runs: the node's name, or the controller pod's (reportingInstance)
   */
  public KubeEvents(Supplier<KubernetesClient> connect, String component, String host) {
    this(connect, component, host, Clock.systemUTC());
  }

  KubeEvents(Supplier<KubernetesClient> connect, String component, String host, Clock clock) {
    this.connect = connect;
    this.component = component;
    this.host = host;
    this.clock = clock;
    this.writer = new Thread(this::run, "mooring-events");
    writer.setDaemon(true);
  }

  /** Starts writing what is recorded. */
  public KubeEvents start() {
    writer.start();
    return this;
  }

  @Override
  public void record(ObjectRef regarding, Type type, String reason, String action, String message) {
    String note =
        message.length() <= MESSAGE_LIMIT
            ? message
            : message.substring(0, MESSAGE_LIMIT - 3) + "...";
    if (!queue.offer(new Pending(new Key(regarding, type, reason, note), action))) {
      dropped.incrementAndGet();
    }
  }

  /** Events dropped so far because the queue was full. */
  long dropped() {
    return dropped.get();
  }

  private void run() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        write(queue.take());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Writes what is queued now, on the caller's thread (tests). */
  void writeQueued() {
    for (Pending pending = queue.poll(); pending != null; pending = queue.poll()) {
      write(pending);
    }
  }

  private void write(Pending pending) {
    Key key = pending.key();
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    try {
      Written before = written.get(key);
      Written after = before == null ? null : patch(before, now);
      if (after == null) {
        after = create(key, pending.action(), now);
      }
      written.put(key, after);
      recovered();
    } catch (RuntimeException e) {
      // any failure, the client's own or building it: the writer thread must go on
      failed(key, e);
    }
  }

  /** Counts the Event once more; null when the API server no longer has it (they expire). */
  private Written patch(Written event, Instant now) {
    Written counted =
        new Written(event.name(), event.namespace(), event.count() + 1, event.first());
    try {
      // on the object itself, not by name: fabric8 would GET it first (and need RBAC for it)
      client()
          .v1()
          .events()
          .inNamespace(event.namespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(event.name())
                  .withNamespace(event.namespace())
                  .endMetadata()
                  .build())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"count\":" + counted.count() + ",\"lastTimestamp\":\"" + now + "\"}");
      return counted;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  private Written create(Key key, String action, Instant now) {
    ObjectRef regarding = key.regarding();
    // client-go's naming: the object's name and the time in nanoseconds, in hex
    Instant at = clock.instant();
    lastNanos = Math.max(lastNanos + 1, at.getEpochSecond() * 1_000_000_000L + at.getNano());
    String prefix = regarding.name().substring(0, Math.min(regarding.name().length(), 236));
    String name = prefix + "." + Long.toHexString(lastNanos);
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(regarding.namespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind(regarding.kind())
                    .withNamespace(regarding.namespace())
                    .withName(regarding.name())
                    .withUid(regarding.uid().isEmpty() ? null : regarding.uid())
                    .build())
            .withType(key.type().name())
            .withReason(key.reason())
            .withAction(action)
            .withMessage(key.message())
            .withNewSource(component, host)
            .withReportingComponent(component)
            .withReportingInstance(host)
            .withFirstTimestamp(now.toString())
            .withLastTimestamp(now.toString())
            .withCount(1)
            .build();
    client().v1().events().inNamespace(regarding.namespace()).resource(event).create();
    return new Written(name, regarding.namespace(), 1, now);
  }

  private KubernetesClient client() {
    if (client == null) {
      client = connect.get();
    }
    return client;
  }

  private void failed(Key key, RuntimeException e) {
    if (failing) {
      LOG.debug("cannot record Event {} on {}: {}", key.reason(), key.regarding(), e.getMessage());
      return;
    }
    failing = true;
    LOG.warn(
        "cannot record Events (e.g. {} on {}){}; the plugin works on without them, and says so"
            + " here again once they go through",
        key.reason(),
        key.regarding(),
        e instanceof KubernetesClientException k && k.getCode() == HttpURLConnection.HTTP_FORBIDDEN
            ? ": forbidden; the ServiceAccount needs create and patch on events"
                + " (deploy/base/rbac.yaml)"
            : ": " + e.getMessage());
  }

  private void recovered() {
    long lost = dropped.getAndSet(0);
    if (failing || lost > 0) {
      LOG.info(
          "recording Events again{}",
          lost > 0 ? "; " + lost + " were dropped while the API server was slow" : "");
    }
    failing = false;
  }

  /** Stops writing; what is still queued is dropped. */
  @Override
  public void close() {
    writer.interrupt();
    try {
      writer.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
