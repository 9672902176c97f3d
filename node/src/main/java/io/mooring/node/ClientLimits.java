package io.mooring.node;

/**
 * How much memory one FUSE client of a kind may use: the limit of its cgroup ({@link Cgroups}) and
 * the caches it is told to keep, which must fit below that limit with room for the client itself.
 * The node plugin's own settings (flags), not the volume_context: a limit is a property of the node
 * DaemonSet, whose memory limit must cover the sum of them, and an operator who raises it after an
 * OOM needs it to reach existing volumes, whose volume_context is fixed when they are created.
 *
 * @param memoryBytes the client's cgroup limit; 0 for none
 * @param cacheBytes the client's data cache: glusterfs quick-read and io-cache {@code cache-size},
 *     ceph-fuse's object cacher {@code client_oc_size}; 0 for the client's own default
 * @param inodes how many inodes the client caches: glusterfs {@code lru-limit}, ceph-fuse {@code
 *     client_cache_size}; 0 for the client's own default
 */
public record ClientLimits(long memoryBytes, long cacheBytes, int inodes) {

  private static final long MIB = 1L << 20;

  /**
   * What an idle client takes (glusterfs 10: 16 MiB RSS, ceph-fuse 16: 18 MiB): the least a limit
   * must leave.
   */
  static final long HEADROOM = 16 * MIB;

  public static final ClientLimits GLUSTER = new ClientLimits(256 * MIB, 32 * MIB, 16384);
  public static final ClientLimits CEPH = new ClientLimits(256 * MIB, 64 * MIB, 16384);

  /**
   * @throws IllegalArgumentException when a value is negative or the caches leave the client no
   *     room
   */
  public ClientLimits {
    if (memoryBytes < 0 || cacheBytes < 0 || inodes < 0) {
      throw new IllegalArgumentException("client memory, cache and inodes must not be negative");
    }
    if (memoryBytes > 0 && memoryBytes < cacheBytes + HEADROOM) {
      throw new IllegalArgumentException(
          "a client memory limit of "
              + memoryBytes / MIB
              + " MiB leaves no room"
              + " over its "
              + cacheBytes / MIB
              + " MiB cache: give it at least "
              + (cacheBytes + HEADROOM) / MIB
              + " MiB or a smaller cache");
    }
  }
}
