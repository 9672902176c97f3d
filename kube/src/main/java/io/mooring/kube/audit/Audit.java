package io.mooring.kube.audit;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.SnapshotRecord;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.errors.StorageException;
import io.mooring.kube.audit.ClusterVolumes.Claim;
import io.mooring.kube.audit.Finding.Fix;
import io.mooring.kube.audit.Finding.Kind;
import io.mooring.volume.SnapshotId;
import io.mooring.volume.VolumeId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leak reconciler: compares the volumes the backends hold with the cluster's PVs. Reads only,
 * until {@link #fix} is asked to act on what is provably orphaned: no PV references the volume, its
 * claim no longer exists (or, when the request name does not say which claim, no claim is Pending),
 * and its record says it was created longer than the grace period ago. A volume with a PV is never
 * touched.
 */
public final class Audit {

  private static final Logger log = LoggerFactory.getLogger(Audit.class);

  private static final Comparator<Finding> ORDER =
      Comparator.comparing(Finding::kind)
          .thenComparing(Finding::volumeId)
          .thenComparing(f -> f.snapshot() == null ? "" : f.snapshot())
          .thenComparing(f -> f.pv() == null ? "" : f.pv());

  private final Map<String, Backend> backends;
  private final String driver;
  private final Duration grace;
  private final Clock clock;

  /**
   * @param driver the CSI driver name whose PVs are Mooring's ({@code --driver-name})
   * @param grace how old an orphaned volume must be before {@link #fix} acts on it
   */
  public Audit(List<Backend> backends, String driver, Duration grace, Clock clock) {
    Map<String, Backend> byName = new TreeMap<>();
    backends.forEach(b -> byName.put(b.name(), b));
    this.backends = byName;
    this.driver = driver;
    this.grace = grace;
    this.clock = clock;
  }

  /** What the cluster says now, read for this audit's backends. */
  public ClusterVolumes readCluster(KubernetesClient client) {
    return ClusterVolumes.read(
        client, backends.values().stream().anyMatch(b -> b.snapshots().isPresent()));
  }

  /**
   * What is wrong, sorted by kind and volume: every backend's volumes listed once.
   *
   * @throws StorageException when a backend cannot be listed (its PVs would all look orphaned)
   */
  public List<Finding> find(ClusterVolumes cluster) {
    List<Finding> found = new ArrayList<>();
    Set<String> onBackends = new HashSet<>();
    for (Backend backend : backends.values()) {
      for (VolumeRecord volume : backend.list()) {
        String id = new VolumeId(backend.name(), volume.dir()).toString();
        onBackends.add(id);
        Optional<PersistentVolume> pv = cluster.pv(id);
        if (pv.isPresent()) {
          drift(id, volume, pv.get()).ifPresent(found::add);
        } else {
          found.add(orphan(id, volume, cluster));
        }
      }
    }
    for (PersistentVolume pv : cluster.pvsOf(driver)) {
      String handle = pv.getSpec().getCsi().getVolumeHandle();
      if (!onBackends.contains(handle)) {
        found.add(
            new Finding(
                Kind.PV_WITHOUT_VOLUME,
                handle,
                null,
                pv.getMetadata().getName(),
                claimRef(pv),
                null,
                ClusterVolumes.capacityBytes(pv).stream().boxed().findFirst().orElse(null),
                null,
                null,
                missing(handle),
                Fix.NONE,
                null));
      }
    }
    cluster.snapshotHandles().ifPresent(handles -> found.addAll(snapshots(handles)));
    found.sort(ORDER);
    return found;
  }

  /** The backends' snapshots no VolumeSnapshotContent names. */
  private List<Finding> snapshots(Set<String> handles) {
    List<Finding> found = new ArrayList<>();
    for (Backend backend : backends.values()) {
      for (SnapshotRecord snapshot : backend.snapshots().map(Snapshots::list).orElse(List.of())) {
        VolumeId source = new VolumeId(backend.name(), snapshot.dir());
        String id = new SnapshotId(source, snapshot.snapshot()).toString();
        if (!handles.contains(id)) {
          found.add(
              new Finding(
                  Kind.SNAPSHOT_WITHOUT_CONTENT,
                  source.toString(),
                  id,
                  null,
                  null,
                  snapshot.sizeBytes(),
                  null,
                  snapshot.createdAt().toString(),
                  null,
                  "no VolumeSnapshotContent has it as its snapshot handle (request name "
                      + snapshot.requestName()
                      + ")",
                  Fix.NONE,
                  null));
        }
      }
    }
    return found;
  }

  /**
   * Acts on the findings {@link #find} marked {@link Fix#WOULD_FIX}, each checked again first
   * against {@code fresh} (the cluster read again after {@link #find}) and the backend's record,
   * and removed as DeleteVolume would: per its {@code onDelete}. Logs each action.
   */
  public List<Finding> fix(List<Finding> found, ClusterVolumes fresh) {
    List<Finding> out = new ArrayList<>();
    for (Finding finding : found) {
      out.add(finding.fix() == Fix.WOULD_FIX ? fixOne(finding, fresh) : finding);
    }
    return out;
  }

  private Finding fixOne(Finding finding, ClusterVolumes fresh) {
    VolumeId id = VolumeId.parse(finding.volumeId());
    Backend backend = backends.get(id.backend());
    try {
      Optional<VolumeRecord> volume = backend.get(id.dir());
      if (volume.isEmpty()) {
        return finding.withFix(Fix.KEPT, "it no longer exists");
      }
      Optional<String> keep = keep(id.toString(), volume.get(), fresh);
      if (keep.isPresent()) {
        return finding.withFix(Fix.KEPT, keep.get());
      }
      String policy = policy(volume.get());
      backend.delete(id.dir(), volume.get().onDelete(), Map.of());
      log.info(
          "audit: {} volume {} (onDelete {}): {}; created {}",
          done(policy),
          id,
          policy,
          finding.detail(),
          finding.created());
      return finding.withFix(Fix.FIXED, null);
    } catch (StorageException e) {
      log.warn("audit: cannot remove volume {}: {}", id, e.getMessage());
      return finding.withFix(Fix.FAILED, e.getMessage());
    }
  }

  private Finding orphan(String id, VolumeRecord volume, ClusterVolumes cluster) {
    Claim claim = cluster.claimOf(volume.requestName());
    Optional<String> keep = keep(id, volume, cluster);
    return new Finding(
        claim instanceof Claim.Gone ? Kind.CLAIM_DELETED : Kind.VOLUME_WITHOUT_PV,
        id,
        null,
        null,
        claim.ref(),
        volume.capacityBytes(),
        null,
        volume.created().map(Instant::toString).orElse(null),
        policy(volume),
        "no PV; " + claim.describe(),
        keep.isPresent() ? Fix.KEPT : Fix.WOULD_FIX,
        keep.orElse(null));
  }

  /** Why the volume is not provably orphaned and old enough to remove, if it is not. */
  private Optional<String> keep(String id, VolumeRecord volume, ClusterVolumes cluster) {
    Optional<PersistentVolume> pv = cluster.pv(id);
    if (pv.isPresent()) {
      return Optional.of("PV " + pv.get().getMetadata().getName() + " references it");
    }
    Claim claim = cluster.claimOf(volume.requestName());
    if (claim instanceof Claim.Present present) {
      return Optional.of(present.describe());
    }
    if (claim instanceof Claim.Unknown unknown && unknown.pending() > 0) {
      return Optional.of(
          "its request name names no claim, and "
              + unknown.pending()
              + " claim(s) are Pending: one may be waiting for it");
    }
    if (volume.created().isEmpty()) {
      return Optional.of("its record does not say when it was created (an older Mooring made it)");
    }
    Instant oldEnough = volume.created().get().plus(grace);
    if (oldEnough.isAfter(clock.instant())) {
      return Optional.of(
          "created " + volume.created().get() + ", within the grace period (" + grace + ")");
    }
    return Optional.empty();
  }

  private Optional<Finding> drift(String id, VolumeRecord volume, PersistentVolume pv) {
    OptionalLong pvBytes = ClusterVolumes.capacityBytes(pv);
    if (pvBytes.isEmpty() || pvBytes.getAsLong() == volume.capacityBytes()) {
      return Optional.empty();
    }
    return Optional.of(
        new Finding(
            Kind.CAPACITY_DRIFT,
            id,
            null,
            pv.getMetadata().getName(),
            claimRef(pv),
            volume.capacityBytes(),
            pvBytes.getAsLong(),
            volume.created().map(Instant::toString).orElse(null),
            policy(volume),
            "PV capacity "
                + pvBytes.getAsLong()
                + " bytes, backend volume "
                + volume.capacityBytes()
                + " bytes",
            Fix.NONE,
            null));
  }

  /** Why the PV's volume handle finds no volume. */
  private String missing(String handle) {
    Optional<VolumeId> id = VolumeId.lookup(handle);
    if (id.isEmpty()) {
      return "its volume handle is not a Mooring volume ID";
    }
    if (!backends.containsKey(id.get().backend())) {
      return "backend " + id.get().backend() + " is not in the backends file";
    }
    return "backend " + id.get().backend() + " has no volume " + id.get().dir();
  }

  private static String claimRef(PersistentVolume pv) {
    var ref = pv.getSpec().getClaimRef();
    return ref == null ? null : ref.getNamespace() + "/" + ref.getName();
  }

  private static String policy(VolumeRecord volume) {
    return volume.onDelete().name().toLowerCase(Locale.ROOT);
  }

  private static String done(String policy) {
    return switch (policy) {
      case "archive" -> "archived";
      case "retain" -> "retained";
      default -> "deleted";
    };
  }
}
