package io.mooring.node;

import io.mooring.mount.MountTable;
import io.mooring.node.ceph.CephClients;
import io.mooring.node.gluster.GlusterClients;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * One kind of FUSE client the node runs — {@link GlusterClients} (one per Gluster backend) or
 * {@link CephClients} (one per group and key, or per CephFS volume) — as {@link SharedMounts}
 * drives it: where a client lives, how it and the binds made from it show in mountinfo, how it is
 * mounted again from what was recorded when it was first mounted, and how those records are
 * forgotten.
 */
public interface ClientKind {

  /** For logs and volume conditions, e.g. "the glusterfs client of backend gluster-a". */
  String describe(String client);

  /** The backend a client serves, for metrics. */
  String backend(String client);

  /** Clients mounted or on record. */
  Set<String> clients(MountTable table);

  /**
   * Whether a health check also lists the client's root, besides statfs: needed where a client can
   * be shut out by its cluster while statfs still works (ceph-fuse), too costly where directories
   * are big and that cannot happen (a Gluster volume's root).
   */
  boolean listOnProbe();

  /** How much memory each client of this kind may use, caches included. */
  ClientLimits limits();

  /** Where the client is mounted. */
  Path path(String client);

  /** What the mount table shows for the client: its own mount and the binds made from it. */
  SharedMounts.View view(MountTable table, String client);

  /**
   * Mounts the client at {@link #path} from its records, with its caches bounded by {@link
   * #limits}. Expects nothing to be mounted there.
   *
   * @param cgroup the cgroup the client's process is to run in, if any
   * @throws io.mooring.errors.StorageException when there are no records or the mount fails
   */
  void mount(String client, Optional<Path> cgroup);

  /** Deletes the records of a client that is unmounted and that no bind uses any more. */
  void forget(String client);
}
