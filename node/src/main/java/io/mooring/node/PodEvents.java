package io.mooring.node;

import io.mooring.events.ClusterEvents;
import io.mooring.events.ObjectRef;
import io.mooring.events.VolumeObjects;
import io.mooring.mount.Health;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events on the pods (and their claims) whose published volumes a heal or an abnormal client
 * touched. NodePublishVolume is the only call that says which pod a target is for (the CSIDriver's
 * podInfoOnMount) and which claim (the controller's volume_context), so each published target's
 * objects are kept in a small file under {@code <stateDir>/pods} until NodeUnpublishVolume: a
 * restarted plugin, which heals the clients its predecessor left, still knows whom to tell.
 *
 * <p>A client's state is reported when it changes, not at every check: one Event when it turns
 * abnormal, one when it recovers, one per remount.
 */
final class PodEvents implements MountEvents {

  private static final Logger LOG = LoggerFactory.getLogger(PodEvents.class);

  static final String REMOUNTED = "VolumeRemounted";
  static final String REMOUNT_FAILED = "VolumeRemountFailed";
  static final String ABNORMAL = "VolumeAbnormal";
  static final String RECOVERED = "VolumeRecovered";

  private static final String TARGET = "target";
  private static final String POD = "pod.";
  private static final String CLAIM = "claim.";

  private final ClusterEvents events;
  private final Path dir;
  private final Map<Path, List<ObjectRef>> byTarget = new ConcurrentHashMap<>();

  /** The last state reported per client; a client not in here was last seen healthy. */
  private final Map<String, Health.State> reported = new ConcurrentHashMap<>();

  /**
   * Reads the records a previous run left in {@code dir}.
   *
   * @param dir where the records live ({@code <stateDir>/pods})
   */
  PodEvents(ClusterEvents events, Path dir) {
    this.events = events;
    this.dir = dir;
    try {
      Files.createDirectories(dir);
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.properties")) {
        for (Path file : files) {
          read(file);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the published pods in " + dir, e);
    }
  }

  /**
   * NodePublishVolume bound {@code target} with this volume_context: remembers its pod and claim.
   * Never fails the call: without a record, a later heal only tells no one.
   */
  void published(Path target, Map<String, String> volumeContext) {
    Optional<ObjectRef> pod = VolumeObjects.podOfContext(volumeContext);
    Optional<ObjectRef> claim = VolumeObjects.claimOfContext(volumeContext);
    List<ObjectRef> objects = new ArrayList<>();
    pod.ifPresent(objects::add);
    claim.ifPresent(objects::add);
    if (objects.isEmpty() || objects.equals(byTarget.get(target))) {
      return;
    }
    Properties record = new Properties();
    record.setProperty(TARGET, target.toString());
    pod.ifPresent(p -> put(record, POD, p));
    claim.ifPresent(c -> put(record, CLAIM, c));
    try {
      StringWriter text = new StringWriter();
      record.store(text, null);
      Path file = file(target);
      Path temp = Files.writeString(dir.resolve(file.getFileName() + ".tmp"), text.toString());
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      byTarget.put(target, List.copyOf(objects));
    } catch (IOException e) {
      LOG.warn("cannot record which pod uses {}; heals will not be reported to it: {}", target, e);
    }
  }

  /** NodeUnpublishVolume removed {@code target}: forgets its pod. */
  void unpublished(Path target) {
    byTarget.remove(target);
    try {
      Files.deleteIfExists(file(target));
    } catch (IOException e) {
      LOG.warn("cannot remove the record of the pod at {}: {}", target, e.toString());
    }
  }

  /** The pods and claims published at any of {@code binds}, each once. */
  Set<ObjectRef> objectsAt(List<Path> binds) {
    Set<ObjectRef> out = new LinkedHashSet<>();
    binds.forEach(b -> out.addAll(byTarget.getOrDefault(b, List.of())));
    return out;
  }

  @Override
  public void checked(String client, Health health, List<Path> binds) {
    Health.State last = reported.getOrDefault(client, Health.State.HEALTHY);
    if (health.state() == last) {
      return;
    }
    if (health.healthy()) {
      reported.remove(client);
      tell(binds, ClusterEvents.Type.Normal, RECOVERED, "Check", client + " answers again");
    } else {
      reported.put(client, health.state());
      tell(binds, ClusterEvents.Type.Warning, ABNORMAL, "Check", health.message(client));
    }
  }

  @Override
  public void remounted(String client, Health was, List<Path> binds, long millis) {
    reported.remove(client);
    tell(
        binds,
        ClusterEvents.Type.Warning,
        REMOUNTED,
        "Remount",
        was.message(client)
            + ": done in "
            + millis
            + " ms. A container whose volumeMount lacks mountPropagation: HostToContainer sees"
            + " 'Transport endpoint is not connected' until it restarts.");
  }

  @Override
  public void remountFailed(String client, Health was, List<Path> binds, String failure) {
    reported.put(client, was.state());
    tell(
        binds,
        ClusterEvents.Type.Warning,
        REMOUNT_FAILED,
        "Remount",
        was.message(client) + ", but the remount failed (" + failure + "); Mooring tries again");
  }

  private void tell(
      List<Path> binds, ClusterEvents.Type type, String reason, String action, String message) {
    for (ObjectRef object : objectsAt(binds)) {
      events.record(object, type, reason, action, message);
    }
  }

  private void read(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Properties record = new Properties();
      record.load(reader);
      List<ObjectRef> objects = new ArrayList<>();
      get(record, POD, ObjectRef.POD).ifPresent(objects::add);
      get(record, CLAIM, ObjectRef.CLAIM).ifPresent(objects::add);
      Path path = Path.of(record.getProperty(TARGET, ""));
      if (!path.isAbsolute() || path.getParent() == null || objects.isEmpty()) {
        throw new IllegalArgumentException("no target, or neither pod nor claim");
      }
      if (Files.isDirectory(path.getParent())) {
        byTarget.put(path, List.copyOf(objects));
        return;
      }
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("removing unreadable record {}: {}", file, e.toString());
    }
    // unreadable, or its pod's directory is gone (unpublished while no plugin ran)
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", file, e.toString());
    }
  }

  private static void put(Properties record, String prefix, ObjectRef object) {
    record.setProperty(prefix + "namespace", object.namespace());
    record.setProperty(prefix + "name", object.name());
    record.setProperty(prefix + "uid", object.uid());
  }

  private static Optional<ObjectRef> get(Properties record, String prefix, String kind) {
    return ObjectRef.of(
        kind,
        record.getProperty(prefix + "namespace"),
        record.getProperty(prefix + "name"),
        record.getProperty(prefix + "uid"));
  }

  /** One file per target, named by a hash of its path. */
  private Path file(Path target) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(target.toString().getBytes(StandardCharsets.UTF_8));
      return dir.resolve(HexFormat.of().formatHex(hash, 0, 16) + ".properties");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
