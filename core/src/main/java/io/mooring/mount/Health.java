package io.mooring.mount;

/** How a FUSE client (glusterfs or ceph-fuse) is doing, seen through a path it serves. */
public record Health(State state, String detail) {

  public enum State {
    HEALTHY,
    /**
     * The client runs but the path fails (e.g. no server reachable); the client reconnects by
     * itself.
     */
    DISCONNECTED,
    /** The client process is gone: every access fails with ENOTCONN until the mount is replaced. */
    DEAD,
    /**
     * The client runs but the cluster has shut it out for good (CephFS: evicted, its address
     * blocklisted); it never recovers by itself, so it is stopped and replaced like a dead one.
     */
    EVICTED,
    /** The path did not answer in time (a hung server or network); remounting would not help. */
    UNRESPONSIVE
  }

  public static final Health HEALTHY = new Health(State.HEALTHY, "");

  public boolean healthy() {
    return state == State.HEALTHY;
  }

  /**
   * What this means for the client's volumes, for logs and the volume condition.
   *
   * @param client what the client is, e.g. "the glusterfs client of backend gluster-a"
   */
  public String message(String client) {
    return switch (state) {
      case HEALTHY -> client + " is connected";
      case DISCONNECTED ->
          client
              + " is running but cannot reach its servers ("
              + detail
              + "); it reconnects by itself once they answer";
      case DEAD ->
          client + " has exited (" + detail + "); Mooring remounts it and re-binds its volumes";
      case EVICTED ->
          client
              + " is running but the cluster shut it out ("
              + detail
              + "); Mooring stops it,"
              + " mounts a new one and re-binds its volumes";
      case UNRESPONSIVE ->
          client + " does not answer (" + detail + "); its servers may be unreachable";
    };
  }
}
