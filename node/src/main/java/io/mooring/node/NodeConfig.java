package io.mooring.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of the node plugin.
 *
 * @param nodeId this node's ID, reported by NodeGetInfo
 * @param stateDir where the FUSE clients live ({@code <stateDir>/mounts/<backend>} for Gluster,
 *     {@code <stateDir>/cephfs/<backend>/<volume>/mnt} for CephFS) and the CephFS keys they need
 *     ({@code <stateDir>/keys}, root only); must be inside the kubelet's rshared directory so that
 *     re-mounts propagate to running pods
 * @param healthInterval how often the shared mounts are checked and healed
 * @param gluster what each glusterfs client may use
 * @param ceph what each ceph-fuse client may use
 * @param topology this node's accessible topology segments for NodeGetInfo (the values of its
 *     {@code --topology-labels}); empty for none
 */
public record NodeConfig(
    String nodeId,
    Path stateDir,
    Duration healthInterval,
    ClientLimits gluster,
    ClientLimits ceph,
    Map<String, String> topology) {

  /** With the default limits of both kinds of client, and no topology. */
  public NodeConfig(String nodeId, Path stateDir, Duration healthInterval) {
    this(nodeId, stateDir, healthInterval, ClientLimits.GLUSTER, ClientLimits.CEPH, Map.of());
  }

  public NodeConfig {
    topology = Map.copyOf(topology);
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException("node ID must not be empty");
    }
    if (!stateDir.isAbsolute()) {
      throw new IllegalArgumentException("state dir must be an absolute path: " + stateDir);
    }
    if (healthInterval.isNegative() || healthInterval.isZero()) {
      throw new IllegalArgumentException("health interval must be positive: " + healthInterval);
    }
  }
}
