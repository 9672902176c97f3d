package io.mooring.node;

/** How a shared glusterfs client is doing, seen through a path it serves. */
record Health(State state, String detail) {

  enum State {
    HEALTHY,
    /** The client runs but the path fails (e.g. no brick reachable); the client reconnects by itself. */
    DISCONNECTED,
    /** The client process is gone: every access fails with ENOTCONN until the mount is replaced. */
    DEAD,
    /** The path did not answer in time (a hung server or network); remounting would not help. */
    UNRESPONSIVE
  }

  static final Health HEALTHY = new Health(State.HEALTHY, "");

  boolean healthy() {
    return state == State.HEALTHY;
  }

  /** What this means for the backend's volumes, for logs and the volume condition. */
  String message(String backend) {
    String client = "the glusterfs client of backend " + backend;
    return switch (state) {
      case HEALTHY -> client + " is connected";
      case DISCONNECTED -> client + " is running but cannot reach the Gluster volume (" + detail
          + "); it reconnects by itself once the servers answer";
      case DEAD -> client + " has exited (" + detail + "); Mooring remounts it and re-binds its volumes";
      case UNRESPONSIVE -> client + " does not answer (" + detail + "); the Gluster servers may be unreachable";
    };
  }
}
