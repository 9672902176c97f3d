package io.mooring.controller.backend.gluster;

import io.mooring.errors.StorageException;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandResult;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The gluster management CLI ({@code --mode=script --xml}) for one Gluster volume. glusterd runs
 * one transaction per volume at a time and fails the others ("Another transaction is in progress"),
 * so calls from this process are serialized, and lock failures caused by other clients (and other
 * {@link #isTransient} failures) are retried with backoff.
 */
final class GlusterCli {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** A check answers Probe: it must not keep the livenessprobe waiting. */
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

  private static final int ATTEMPTS = 8;
  private static final long FIRST_BACKOFF_MS = 100;

  private final GlusterTransport transport;
  private final String volume;
  private final ReentrantLock transaction = new ReentrantLock(true);

  GlusterCli(GlusterTransport transport, String volume) {
    this.transport = transport;
    this.volume = volume;
  }

  String volume() {
    return volume;
  }

  /**
   * Enables directory quotas and makes df report a directory's limit as its size. Both change the
   * volume, so this also proves that glusterd takes management commands from us.
   */
  void enableQuota() {
    try {
      run(GlusterCommand.enableQuota(volume));
    } catch (StorageException e) {
      if (!e.getMessage().toLowerCase(Locale.ROOT).contains("already enabled")) {
        throw e;
      }
    }
    run(GlusterCommand.deemStatfs(volume));
  }

  /** Sets the hard limit of a directory (path relative to the volume root, starting with '/'). */
  void limitUsage(String path, long bytes) {
    run(GlusterCommand.limitUsage(volume, path, bytes));
  }

  /** Removes a directory's limit; a directory without one is fine. */
  void removeLimit(String path) {
    try {
      run(GlusterCommand.removeLimit(volume, path));
    } catch (StorageException e) {
      String msg = e.getMessage().toLowerCase(Locale.ROOT);
      if (!(msg.contains("no limit")
          || msg.contains("not set")
          || msg.contains("no such")
          || msg.contains("does not exist")
          || msg.contains("not present")
          || msg.contains("no data available")
          || msg.contains("no quota configured"))) {
        throw e;
      }
    }
  }

  /**
   * Checks that glusterd answers and the volume is started: one read-only call, bounded, not queued
   * behind this process's transactions (glusterd takes no volume lock for it).
   */
  void checkVolume() {
    GlusterCommand command = GlusterCommand.info(volume);
    Outcome outcome = attempt(command, CHECK_TIMEOUT);
    if (outcome.error() != null) {
      throw classify(command, outcome);
    }
    String status = text(outcome.answer(), "statusStr");
    if (!status.equals("Started")) {
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE,
          "Gluster volume "
              + volume
              + " is "
              + (status.isEmpty()
                  ? "not listed by " + transport.where()
                  : status + ": start it (gluster volume start " + volume + ")"));
    }
  }

  /** Runs one management transaction; returns the parsed XML answer. */
  Document run(GlusterCommand command) {
    long backoff = FIRST_BACKOFF_MS;
    for (int attempt = 1; ; attempt++) {
      Outcome outcome;
      transaction.lock();
      try {
        outcome = attempt(command, TIMEOUT);
      } finally {
        transaction.unlock();
      }
      if (outcome.error() == null) {
        return outcome.answer();
      }
      if (!isTransient(outcome.error()) || attempt == ATTEMPTS) {
        throw classify(command, outcome);
      }
      sleep(backoff);
      backoff = Math.min(backoff * 2, 2_000);
    }
  }

  void close() {
    transport.close();
  }

  /** One try: the XML answer, or the error text gluster gave ("" when it gave none). */
  private record Outcome(Document answer, String error) {}

  private Outcome attempt(GlusterCommand command, Duration timeout) {
    CommandResult result;
    try {
      result = transport.run(command, timeout);
    } catch (CommandFailedException e) {
      return new Outcome(null, errorText(e.result()));
    }
    Document doc = parse(result.stdout());
    if (doc == null) {
      return new Outcome(null, "unparsable answer: " + result.stdout().strip());
    }
    String opRet = text(doc, "opRet");
    if (!opRet.isEmpty() && !opRet.equals("0")) {
      return new Outcome(null, errorText(result));
    }
    return new Outcome(doc, null);
  }

  private static String errorText(CommandResult result) {
    Document doc = parse(result.stdout());
    String text = doc == null ? "" : text(doc, "opErrstr");
    return text.isEmpty()
        ? (result.stderr().strip() + " " + result.stdout().strip()).strip()
        : text;
  }

  /**
   * Failures that a later try does not repeat: another transaction holds the volume's lock, or
   * glusterd's own temporary quota mount was not up yet (seen ~1 in 200 quota calls under load:
   * "Failed to find the directory /var/run/gluster/VOL_quota_limit/... Reason : Transport endpoint
   * is not connected"); nothing was changed either way.
   */
  static boolean isTransient(String error) {
    String e = error.toLowerCase(Locale.ROOT);
    return isLockContention(error)
        || e.contains("_quota_limit/") && e.contains("transport endpoint is not connected");
  }

  static boolean isLockContention(String error) {
    String e = error.toLowerCase(Locale.ROOT);
    return e.contains("another transaction")
        || e.contains("locking failed")
        || e.contains("lock") && e.contains("held");
  }

  private StorageException classify(GlusterCommand command, Outcome outcome) {
    String error = outcome.error();
    if (error.isEmpty() && command.changesTheVolume()) {
      // What glusterd answers a CLI that came over TCP (logging "svc cli read-only"): exit 1, no
      // text.
      return new StorageException(
          StorageException.Kind.FAILED_PRECONDITION,
          transport.where()
              + " refused `"
              + command
              + "` without a reason: glusterd serves CLI calls that do not come over its unix"
              + " socket read-only ('svc cli read-only' in glusterd.log); use management: ssh, or"
              + " run the controller on a Gluster server with management: local and glusterd's"
              + " socket mounted");
    }
    String e = error.toLowerCase(Locale.ROOT);
    StorageException.Kind kind =
        isLockContention(error)
            ? StorageException.Kind.BUSY
            : e.contains("connection failed")
                    || e.contains("not operational")
                    || e.contains("not connected")
                ? StorageException.Kind.UNAVAILABLE
                : StorageException.Kind.INTERNAL;
    return new StorageException(
        kind,
        command
            + " at "
            + transport.where()
            + ": "
            + (error.isEmpty() ? "failed without a message" : error));
  }

  static Document parse(String xml) {
    int start = xml.indexOf('<');
    if (start < 0) {
      return null;
    }
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setExpandEntityReferences(false);
      return factory
          .newDocumentBuilder()
          .parse(new ByteArrayInputStream(xml.substring(start).getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      return null;
    }
  }

  /** Text of the first element with this tag, or "". */
  static String text(Document doc, String tag) {
    var nodes = doc.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? "" : ((Element) nodes.item(0)).getTextContent().strip();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE, "interrupted while waiting for glusterd");
    }
  }
}
