package io.mooring.kube.audit;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.mooring.kube.ApiReadException;
import java.net.HttpURLConnection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the cluster says about volumes, read in one go: every PersistentVolume with a CSI source, by
 * volume handle, every PersistentVolumeClaim, by UID, and the snapshot handles of the
 * VolumeSnapshotContents (when the snapshot API is installed). Needs list on the three,
 * cluster-wide.
 */
final class ClusterVolumes {

  /**
   * The external-provisioner names a volume {@code <--volume-name-prefix>-<claim UID>} (default
   * {@code pvc-<uid>}): the request name is how a volume knows its claim.
   */
  static final ResourceDefinitionContext SNAPSHOT_CONTENTS =
      new ResourceDefinitionContext.Builder()
          .withGroup("snapshot.storage.k8s.io")
          .withVersion("v1")
          .withKind("VolumeSnapshotContent")
          .withPlural("volumesnapshotcontents")
          .withNamespaced(false)
          .build();

  private static final Pattern CLAIM_UID =
      Pattern.compile(
          "-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
          Pattern.CASE_INSENSITIVE);

  private final Map<String, PersistentVolume> byHandle;
  private final Map<String, PersistentVolumeClaim> claimsByUid;
  private final long pendingClaims;
  private final Optional<Set<String>> snapshotHandles;

  /**
   * @param snapshotContents the VolumeSnapshotContents, empty when the cluster has no snapshot API
   */
  ClusterVolumes(
      List<PersistentVolume> volumes,
      List<PersistentVolumeClaim> claims,
      Optional<List<GenericKubernetesResource>> snapshotContents) {
    Map<String, PersistentVolume> handles = new HashMap<>();
    for (PersistentVolume pv : volumes) {
      if (pv.getSpec() != null && pv.getSpec().getCsi() != null) {
        handles.put(pv.getSpec().getCsi().getVolumeHandle(), pv);
      }
    }
    Map<String, PersistentVolumeClaim> uids = new HashMap<>();
    claims.forEach(c -> uids.put(c.getMetadata().getUid(), c));
    this.byHandle = Map.copyOf(handles);
    this.claimsByUid = Map.copyOf(uids);
    this.pendingClaims = claims.stream().filter(c -> "Pending".equals(phase(c))).count();
    this.snapshotHandles = snapshotContents.map(ClusterVolumes::snapshotHandles);
  }

  /**
   * @param snapshots whether to read the VolumeSnapshotContents (only where a backend has
   *     snapshots: RBAC need not allow what the audit does not need)
   */
  static ClusterVolumes read(KubernetesClient client, boolean snapshots) {
    return new ClusterVolumes(
        ApiReadException.read(
            client, "list persistentvolumes", () -> client.persistentVolumes().list().getItems()),
        ApiReadException.read(
            client,
            "list persistentvolumeclaims in all namespaces",
            () -> client.persistentVolumeClaims().inAnyNamespace().list().getItems()),
        snapshots
            ? ApiReadException.read(
                client, "list volumesnapshotcontents", () -> snapshotContents(client))
            : Optional.empty());
  }

  /** The snapshot handles VolumeSnapshotContents name, empty when there is no snapshot API. */
  Optional<Set<String>> snapshotHandles() {
    return snapshotHandles;
  }

  private static Optional<List<GenericKubernetesResource>> snapshotContents(
      KubernetesClient client) {
    try {
      return Optional.of(client.genericKubernetesResources(SNAPSHOT_CONTENTS).list().getItems());
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return Optional.empty(); // the snapshot CRDs are not installed
      }
      throw e;
    }
  }

  /** A content's handle: status.snapshotHandle once made, spec.source.snapshotHandle if given. */
  private static Set<String> snapshotHandles(List<GenericKubernetesResource> contents) {
    Set<String> handles = new HashSet<>();
    for (GenericKubernetesResource content : contents) {
      Stream.of(
              content.<String>get("status", "snapshotHandle"),
              content.<String>get("spec", "source", "snapshotHandle"))
          .filter(Objects::nonNull)
          .forEach(handles::add);
    }
    return Set.copyOf(handles);
  }

  /** The PV whose CSI volume handle is {@code handle}, whatever its driver. */
  Optional<PersistentVolume> pv(String handle) {
    return Optional.ofNullable(byHandle.get(handle));
  }

  /** The PVs of CSI driver {@code driver}. */
  List<PersistentVolume> pvsOf(String driver) {
    return byHandle.values().stream()
        .filter(pv -> driver.equals(pv.getSpec().getCsi().getDriver()))
        .toList();
  }

  /** What is known of the claim a volume was created for, from its request name. */
  Claim claimOf(String requestName) {
    Matcher m = CLAIM_UID.matcher(requestName);
    if (!m.find()) {
      return new Claim.Unknown(pendingClaims);
    }
    String uid = m.group(1).toLowerCase();
    PersistentVolumeClaim claim = claimsByUid.get(uid);
    return claim == null
        ? new Claim.Gone(uid)
        : new Claim.Present(
            claim.getMetadata().getNamespace() + "/" + claim.getMetadata().getName(), phase(claim));
  }

  /** What the claim a volume was made for is now. */
  sealed interface Claim {

    /**
     * How a finding names the claim: namespace/name, or the UID of a deleted one; null if unknown.
     */
    String ref();

    /** What the audit says about the claim of a volume without a PV. */
    String describe();

    /** The claim exists (any phase): its volume may be in the making, or bound elsewhere. */
    record Present(String ref, String phase) implements Claim {
      @Override
      public String describe() {
        return "its claim " + ref + " exists (" + phase + ")";
      }
    }

    /** No claim has the UID the request name carries: it was deleted. */
    record Gone(String ref) implements Claim {
      @Override
      public String describe() {
        return "the claim it was made for (UID " + ref + ") is gone";
      }
    }

    /**
     * The request name carries no claim UID (another {@code --volume-name-prefix} pattern, or a
     * volume not made by the provisioner); {@code pending} claims might be waiting for it.
     */
    record Unknown(long pending) implements Claim {
      @Override
      public String ref() {
        return null;
      }

      @Override
      public String describe() {
        return "its request name names no claim";
      }
    }
  }

  /** The PV's {@code spec.capacity.storage} in bytes, if it has one. */
  static OptionalLong capacityBytes(PersistentVolume pv) {
    Quantity storage =
        pv.getSpec().getCapacity() == null ? null : pv.getSpec().getCapacity().get("storage");
    return storage == null
        ? OptionalLong.empty()
        : OptionalLong.of(storage.getNumericalAmount().toBigInteger().longValueExact());
  }

  private static String phase(PersistentVolumeClaim claim) {
    return claim.getStatus() == null ? null : claim.getStatus().getPhase();
  }
}
