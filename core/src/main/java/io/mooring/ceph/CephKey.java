package io.mooring.ceph;

import io.mooring.errors.StorageException;
import java.util.Base64;

/**
 * A cephx secret as {@code ceph auth get-key} prints it: the base64 of an encoded CryptoKey (Ceph's
 * {@code CryptoKey::encode}: little-endian u16 type, u32 seconds and u32 nanoseconds of creation,
 * u16 secret length, then the secret). Checked here the way Ceph decodes it, so a key the
 * controller accepts is one ceph-fuse and librados accept too; ceph-fuse quotes a key it cannot
 * parse in its output and log. Neither {@link #toString()} nor any message built here shows it.
 */
public final class CephKey {

  private static final int HEADER = 12;

  /** {@code CEPH_CRYPTO_AES} (AES-128), every cephx key Ceph made before "aes256k" keys. */
  private static final int AES = 1;

  /** {@code CEPH_CRYPTO_AES256KRB5}, the {@code aes256k} key type of newer Ceph releases. */
  private static final int AES256KRB5 = 2;

  /** Ceph refuses a shorter secret ({@code CryptoAES::validate_secret}, AES_KEY_LEN). */
  private static final int MIN_SECRET = 16;

  private final String base64;

  private CephKey(String base64) {
    this.base64 = base64;
  }

  /**
   * The key in {@code text}, without the surrounding whitespace a Secret file often has.
   *
   * @param field where the key came from, e.g. {@code secret userKey}; messages name it, never the
   *     value
   * @throws StorageException INVALID_ARGUMENT when it is not a well-formed cephx key
   */
  public static CephKey parse(String field, String text) {
    String key = text.strip();
    String wrong = problem(key);
    if (wrong != null) {
      throw StorageException.invalid(
          "%s is not a cephx key (%s): give it as 'ceph auth get-key client.<id>' prints it",
          field, wrong);
    }
    return new CephKey(key);
  }

  /** What is wrong with the key, or null; never quotes it. */
  private static String problem(String key) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(key);
    } catch (IllegalArgumentException e) {
      return "not base64";
    }
    // one spelling only: no missing padding, no stray bits, so equal keys are equal strings
    if (!Base64.getEncoder().encodeToString(bytes).equals(key)) {
      return "not base64";
    }
    if (bytes.length < HEADER) {
      return bytes.length + " bytes, shorter than a CryptoKey header";
    }
    int type = u16(bytes, 0);
    if (type != AES && type != AES256KRB5) {
      return "key type " + type + ", not AES (1) or AES256KRB5 (2)";
    }
    int length = u16(bytes, 10);
    if (bytes.length != HEADER + length) {
      return "its length field says "
          + length
          + " secret bytes, "
          + (bytes.length - HEADER)
          + " follow";
    }
    if (length < MIN_SECRET) {
      return "a secret of " + length + " bytes, Ceph needs at least " + MIN_SECRET;
    }
    return null;
  }

  private static int u16(byte[] bytes, int at) {
    return (bytes[at] & 0xff) | (bytes[at + 1] & 0xff) << 8;
  }

  /** The key as Ceph prints and reads it, for a keyring file or librados' {@code key} option. */
  public String base64() {
    return base64;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CephKey other && base64.equals(other.base64);
  }

  @Override
  public int hashCode() {
    return base64.hashCode();
  }

  @Override
  public String toString() {
    return "CephKey[***]";
  }
}
