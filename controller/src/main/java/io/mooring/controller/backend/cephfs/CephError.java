package io.mooring.controller.backend.cephfs;

import io.mooring.errors.StorageException;

/** A Ceph command that failed, with the errno Ceph gave, so callers can tell "not there" apart. */
final class CephError extends StorageException {

  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EIO = 5;
  static final int EAGAIN = 11;
  static final int EACCES = 13;
  static final int EBUSY = 16;
  static final int EEXIST = 17;
  static final int EINVAL = 22;
  static final int ENOSPC = 28;

  /** What the MDS answers for one snapshot more than {@code mds_max_snaps_per_dir}. */
  static final int EMLINK = 31;

  static final int ENOTEMPTY = 39;
  static final int ENOTSUP = 95;
  static final int ESHUTDOWN = 108;
  static final int ETIMEDOUT = 110;
  static final int ECONNREFUSED = 111;
  static final int EDQUOT = 122;

  private final int errno;

  CephError(int errno, String message) {
    super(kindOf(errno), message);
    this.errno = errno;
  }

  int errno() {
    return errno;
  }

  static Kind kindOf(int errno) {
    return switch (errno) {
      case ENOENT -> Kind.NOT_FOUND;
      case EEXIST -> Kind.ALREADY_EXISTS;
      case EAGAIN, EBUSY -> Kind.BUSY;
      case ENOSPC, EDQUOT, EMLINK -> Kind.EXHAUSTED;
      case EPERM, EACCES -> Kind.PERMISSION_DENIED;
      case ENOTEMPTY, ENOTSUP -> Kind.FAILED_PRECONDITION;
      case ESHUTDOWN,
          ETIMEDOUT,
          ECONNREFUSED,
          103 /* ECONNABORTED */,
          104 /* ECONNRESET */,
          107 /* ENOTCONN */,
          113 /* EHOSTUNREACH */,
          101 /* ENETUNREACH */ ->
          Kind.UNAVAILABLE;
      default -> Kind.INTERNAL;
    };
  }

  /** errno of a name such as {@code ENOENT}, as the CLI prints it ("Error ENOENT: ..."), or -1. */
  static int errnoOf(String name) {
    return switch (name) {
      case "EPERM" -> EPERM;
      case "ENOENT" -> ENOENT;
      case "EIO" -> EIO;
      case "EAGAIN" -> EAGAIN;
      case "EACCES" -> EACCES;
      case "EBUSY" -> EBUSY;
      case "EEXIST" -> EEXIST;
      case "EINVAL" -> EINVAL;
      case "ENOSPC" -> ENOSPC;
      case "EMLINK" -> EMLINK;
      case "ENOTEMPTY" -> ENOTEMPTY;
      case "EOPNOTSUPP", "ENOTSUP" -> ENOTSUP;
      case "ESHUTDOWN" -> ESHUTDOWN;
      case "ETIMEDOUT" -> ETIMEDOUT;
      case "ECONNREFUSED" -> ECONNREFUSED;
      case "EDQUOT" -> EDQUOT;
      default -> -1;
    };
  }
}
