package io.mooring.events;

import java.util.Map;
import java.util.Optional;

/**
 * The Kubernetes objects a volume's requests name: the claim, from the external-provisioner's
 * CreateVolume parameters ({@code --extra-create-metadata}), which the controller hands on to the
 * node in the volume_context; the pod, from NodePublishVolume's volume_context (the CSIDriver's
 * {@code podInfoOnMount: true}).
 */
public final class VolumeObjects {

  /** CreateVolume parameters the provisioner adds with {@code --extra-create-metadata}. */
  static final String PARAMETER_CLAIM_NAME = "csi.storage.k8s.io/pvc/name";

  static final String PARAMETER_CLAIM_NAMESPACE = "csi.storage.k8s.io/pvc/namespace";

  /** volume_context keys the controller writes for the node. */
  static final String CONTEXT_CLAIM_NAME = "pvcName";

  static final String CONTEXT_CLAIM_NAMESPACE = "pvcNamespace";

  /** NodePublishVolume volume_context keys the kubelet adds for podInfoOnMount. */
  static final String POD_NAME = "csi.storage.k8s.io/pod.name";

  static final String POD_NAMESPACE = "csi.storage.k8s.io/pod.namespace";
  static final String POD_UID = "csi.storage.k8s.io/pod.uid";

  private VolumeObjects() {}

  /** The claim a CreateVolume request provisions, if the provisioner named it. */
  public static Optional<ObjectRef> claimOfParameters(Map<String, String> parameters) {
    return ObjectRef.of(
        ObjectRef.CLAIM,
        parameters.get(PARAMETER_CLAIM_NAMESPACE),
        parameters.get(PARAMETER_CLAIM_NAME),
        "");
  }

  /** What the volume_context says of the claim, for the node. */
  public static Map<String, String> claimContext(ObjectRef claim) {
    return Map.of(CONTEXT_CLAIM_NAMESPACE, claim.namespace(), CONTEXT_CLAIM_NAME, claim.name());
  }

  /**
   * The claim a volume_context names; none for volumes created before Mooring wrote it, or without
   * the provisioner's {@code --extra-create-metadata}.
   */
  public static Optional<ObjectRef> claimOfContext(Map<String, String> context) {
    return ObjectRef.of(
        ObjectRef.CLAIM, context.get(CONTEXT_CLAIM_NAMESPACE), context.get(CONTEXT_CLAIM_NAME), "");
  }

  /** The pod a NodePublishVolume is for; none unless the CSIDriver has podInfoOnMount. */
  public static Optional<ObjectRef> podOfContext(Map<String, String> context) {
    return ObjectRef.of(
        ObjectRef.POD, context.get(POD_NAMESPACE), context.get(POD_NAME), context.get(POD_UID));
  }
}
