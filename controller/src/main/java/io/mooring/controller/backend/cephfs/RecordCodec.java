package io.mooring.controller.backend.cephfs;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * How Mooring's records are stored in omap and subvolume metadata: versioned base64url JSON ({@code
 * v1.eyJuYW1l...}). The mgr keeps metadata in a Python ConfigParser, which lower-cases keys, strips
 * values and rejects '%': in this form any name or parameter survives.
 */
final class RecordCodec {

  private static final String VERSION = "v1.";

  private RecordCodec() {}

  static String encode(Map<String, Object> json) {
    return VERSION
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(Json.write(json).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * @throws IllegalArgumentException if {@code value} is not a record this code wrote
   */
  static Map<String, Object> decode(String value) {
    if (!value.startsWith(VERSION)) {
      throw new IllegalArgumentException("unknown record version");
    }
    String text =
        new String(
            Base64.getUrlDecoder().decode(value.substring(VERSION.length())),
            StandardCharsets.UTF_8);
    return Json.object(Json.parse(text), "record");
  }
}
