package io.mooring.controller.backend.cephfs;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.ToNumberStrategy;
import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The JSON Ceph speaks: its {@code --format json} answers and the command objects librados takes,
 * through Gson (already on the classpath with grpc). Objects become maps, arrays lists, integers
 * {@link Long} (or {@link BigDecimal} when they do not fit, e.g. Ceph's 2^64-1 sentinels), other
 * numbers {@link BigDecimal}.
 */
final class Json {

  /** Long when the number is a 64-bit integer, else an exact BigDecimal. */
  private static final ToNumberStrategy NUMBERS =
      (JsonReader in) -> {
        String text = in.nextString();
        try {
          return Long.parseLong(text);
        } catch (NumberFormatException notLong) {
          try {
            return new BigDecimal(text);
          } catch (NumberFormatException e) {
            throw new IOException("not a number: " + text, e);
          }
        }
      };

  private static final Gson GSON =
      new GsonBuilder()
          .setStrictness(Strictness.STRICT)
          .setObjectToNumberStrategy(NUMBERS)
          .disableHtmlEscaping()
          .serializeNulls()
          .create();

  private Json() {}

  /**
   * @throws IllegalArgumentException if {@code text} is not one JSON value
   */
  static Object parse(String text) {
    try {
      Object value = GSON.fromJson(text, Object.class);
      if (value == null && !text.strip().equals("null")) {
        throw new IllegalArgumentException("not JSON: empty");
      }
      return value;
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }

  /** Compact JSON of maps, lists, strings, numbers, booleans and null. */
  static String write(Object value) {
    return GSON.toJson(value);
  }

  // --- typed access for Ceph answers -----------------------------------------------------------

  /** The value as an object; {@code what} names it in the error. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> object(Object value, String what) {
    if (value instanceof Map<?, ?> map) {
      return (Map<String, Object>) map;
    }
    throw new IllegalArgumentException(what + " is not a JSON object");
  }

  @SuppressWarnings("unchecked")
  static List<Object> array(Object value, String what) {
    if (value instanceof List<?> list) {
      return (List<Object>) list;
    }
    throw new IllegalArgumentException(what + " is not a JSON array");
  }

  static String string(Object value, String what) {
    if (value instanceof String s) {
      return s;
    }
    throw new IllegalArgumentException(what + " is not a JSON string");
  }

  static long integer(Object value, String what) {
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof BigDecimal d) {
      try {
        return d.longValueExact();
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException(what + " is not a 64-bit integer");
      }
    }
    throw new IllegalArgumentException(what + " is not a JSON number");
  }
}
