package io.mooring.tools.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One storage backend under test: its entry in the controller's backends file, the requests that
 * reach it, its raw provisioning baselines, and the ways the node section stages its volumes.
 */
interface BenchBackend {

  /** The backend type, e.g. glusterfs; also its name in the backends file. */
  String type();

  /**
   * Its entry in the controller's backends file (a YAML list item, indented for {@code backends:}).
   */
  String yaml();

  /**
   * Its entry for a controller that also answers calls that carry no secrets (ListVolumes,
   * GetCapacity): {@link #yaml()} and whatever the backend needs for them, kept below {@code work}.
   */
  default String yamlWithoutSecrets(Path work) throws IOException {
    return yaml();
  }

  /**
   * The program label of the driver's own CLI calls to this backend in its metrics, e.g. gluster.
   */
  String program();

  /**
   * The ratio goals the driver is judged by against this backend's baselines.
   *
   * @param low the lowest concurrency of the run; @param high the highest
   */
  List<Targets.Goal> goals(int low, int high);

  /**
   * CreateVolume and DeleteVolume requests for it, with the StorageClass parameters and secrets it
   * needs.
   */
  CsiClient.Requests requests();

  /**
   * How the node section stages its volumes, a node plugin for each, in this order.
   *
   * @param runId part of the name of whatever is made on the cluster for it
   */
  List<NodeMode> nodeModes(String runId);

  /**
   * Opens its baselines (mounts, connections) for the provisioning section.
   *
   * @param work scratch dir of the run; @param bytes requested volume size; @param runId part of
   *     every name
   */
  Provisioning.Baselines baselines(Path work, long bytes, String runId, boolean quick)
      throws Exception;

  /**
   * The backend's own commands that may grow with its volumes, measured with {@code volumes}
   * present, {@code dir} one of them ({@code bytes} in size); null when it has none.
   */
  default Scale.Quota quotaAt(int volumes, String dir, long bytes) throws Exception {
    return null;
  }

  /** Mounts its whole storage at {@code at} with a client of the bench's own, as an admin. */
  WholeMount mountWhole(Path at) throws Exception;
}
