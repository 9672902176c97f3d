package io.mooring.controller.backend.cephfs;

/** A RADOS object addressed for omap operations: pool, namespace in the pool, object name. */
record OmapObject(String pool, String namespace, String oid) {

  @Override
  public String toString() {
    return pool + "/" + namespace + "/" + oid;
  }
}
