package io.mooring.tools.bench;

import csi.v1.Csi.Volume;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One way the node section stages a backend's volumes, each run on a node plugin of its own:
 * GlusterFS has one, CephFS two, since its node plugin shares a ceph-fuse client only where the key
 * reaches the whole subvolume group.
 *
 * @param id names its tables (node-ID.csv, node-fuse-ID.csv)
 * @param title names it in tables and targets, e.g. "cephfs, group key"
 * @param program the name (comm) of the FUSE client processes that serve its volumes
 * @param shared whether its volumes are meant to share one FUSE client (a target), else one each
 * @param note what its NodeStageVolume and NodeUnstageVolume do, under its latency table
 * @param keys makes the node-stage secrets of its volumes
 */
record NodeMode(String id, String title, String program, boolean shared, String note, Keys keys) {

  /** Makes node-stage secrets; GlusterFS needs none, CephFS a cephx user. */
  interface Keys {
    Secrets make(List<Volume> volumes) throws Exception;
  }

  /**
   * The node-stage secrets of each volume, in order. Closing removes what was made for them on the
   * cluster. {@link #toString()} never shows them.
   */
  record Secrets(List<Map<String, String>> perVolume, AutoCloseable cleanUp)
      implements AutoCloseable {

    static Secrets none(int volumes) {
      return new Secrets(Collections.nCopies(volumes, Map.of()), () -> {});
    }

    @Override
    public void close() throws Exception {
      cleanUp.close();
    }

    @Override
    public String toString() {
      return "Secrets[" + perVolume.size() + " volumes]";
    }
  }
}
