package io.mooring.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/** Well-formed cephx keys for tests: the shape {@code ceph auth get-key} prints. */
public final class CephKeys {

  /** Printed by {@code ceph auth get-key} (Ceph 16.2) for a user of a throw-away test cluster. */
  public static final String REAL = "AQC+xxVrIgM/GhAAsNS969qz0PZOcU/9hpG2lw==";

  private CephKeys() {}

  /** An AES key whose 16-byte secret is made from {@code n}: other n, other key. */
  public static String of(int n) {
    ByteBuffer key = ByteBuffer.allocate(12 + 16).order(ByteOrder.LITTLE_ENDIAN);
    key.putShort((short) 1).putInt(1_700_000_000).putInt(0).putShort((short) 16);
    key.putInt(n).putInt(~n).putInt(n * 31).putInt(0x5eed);
    return Base64.getEncoder().encodeToString(key.array());
  }
}
