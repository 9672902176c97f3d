package io.mooring.ceph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import io.mooring.testing.CephKeys;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one rule for a cephx key, on controller and node alike. */
class CephKeyTest {

  static final String REAL = CephKeys.REAL;

  @ParameterizedTest
  @ValueSource(strings = {REAL, " " + REAL + "\n", REAL + "\r\n", "\t" + REAL})
  void acceptsWhatCephPrintsWithoutTheSurroundingWhitespace(String text) {
    CephKey key = CephKey.parse("secret userKey", text);

    assertEquals(REAL, key.base64());
    assertEquals(CephKey.parse("x", REAL), key);
  }

  @Test
  void acceptsTheKeysTestsMake() {
    assertEquals(CephKeys.of(7), CephKey.parse("k", CephKeys.of(7)).base64());
  }

  @Test
  void acceptsAnAes256Krb5KeyOfNewerCeph() {
    byte[] bytes = Arrays.copyOf(new byte[] {2, 0, 1, 2, 3, 4, 0, 0, 0, 0, 32, 0}, 12 + 32);
    String text = Base64.getEncoder().encodeToString(bytes);

    assertEquals(text, CephKey.parse("k", text).base64());
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("not base64", "a key pasted with a space", edit(k -> k.replace("Q", " Q"))),
        Arguments.of("not base64", "a key and a keyring line", edit(k -> k + "\n[client.x]")),
        Arguments.of("not base64", "the keyring line itself", edit(k -> "key = " + k)),
        Arguments.of("not base64", "missing padding", edit(k -> k.replace("=", ""))),
        Arguments.of("not base64", "stray bits in the last character", edit(k -> flipLast(k))),
        Arguments.of("not base64", "not base64 at all", edit(k -> "!!!!notbase64!!!!")),
        Arguments.of("0 bytes", "empty", edit(k -> "")),
        Arguments.of("follow", "truncated by a byte", bytes(b -> Arrays.copyOf(b, b.length - 1))),
        Arguments.of("follow", "a byte too many", bytes(b -> Arrays.copyOf(b, b.length + 1))),
        Arguments.of("shorter than a CryptoKey", "truncated", bytes(b -> Arrays.copyOf(b, 9))),
        Arguments.of("key type 0", "type NONE", bytes(b -> set(b, 0, 0))),
        Arguments.of("key type 3", "unknown type", bytes(b -> set(b, 0, 3))),
        Arguments.of("key type 257", "type in the high byte", bytes(b -> set(b, 1, 1))),
        Arguments.of("length field says 15", "wrong length field", bytes(b -> set(b, 10, 15))),
        Arguments.of("length field says 272", "length's high byte", bytes(b -> set(b, 11, 1))),
        Arguments.of(
            "at least 16",
            "a secret too short for AES",
            bytes(b -> set(Arrays.copyOf(b, 12 + 8), 10, 8))));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("malformed")
  void refusesNamingTheFieldButNotTheValue(String why, String what, String text) {
    StorageException e =
        assertThrows(StorageException.class, () -> CephKey.parse("secret userKey", text));

    assertEquals(StorageException.Kind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().startsWith("secret userKey is not a cephx key"), e.getMessage());
    assertTrue(e.getMessage().contains(why), e.getMessage());
    if (text.strip().length() > 8) {
      assertFalse(e.getMessage().contains(text.strip()), e.getMessage());
      assertFalse(e.getMessage().contains(REAL.substring(0, 12)), e.getMessage());
    }
  }

  @Test
  void toStringHidesTheKey() {
    assertFalse(CephKey.parse("k", REAL).toString().contains(REAL.substring(0, 8)));
  }

  private static String edit(UnaryOperator<String> change) {
    return change.apply(REAL);
  }

  private static String bytes(UnaryOperator<byte[]> change) {
    return Base64.getEncoder().encodeToString(change.apply(Base64.getDecoder().decode(REAL)));
  }

  private static byte[] set(byte[] bytes, int at, int value) {
    bytes[at] = (byte) value;
    return bytes;
  }

  /** The last character before the padding with its unused low bits set. */
  private static String flipLast(String key) {
    int last = key.indexOf('=') - 1;
    char c = key.charAt(last);
    char odd = (char) (c + 1); // 'w' (110000) -> 'x' (110001): a bit past the 28 bytes
    return key.substring(0, last) + odd + key.substring(last + 1);
  }
}
