package io.mooring.controller.backend.cephfs;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON Ceph speaks: its {@code --format json} answers and the command objects librados takes,
 * through Gson's streaming reader and writer (already on the classpath with grpc; Gson's data
 * binding would load some 140 more classes, 1 MiB of a controller's memory). Objects become maps,
 * arrays lists, integers {@link Long} (or {@link BigDecimal} when they do not fit, e.g. Ceph's
 * 2^64-1 sentinels), other numbers {@link BigDecimal}.
 */
final class Json {

  private Json() {}

  /**
   * @throws IllegalArgumentException if {@code text} is not one JSON value
   */
  static Object parse(String text) {
    try (JsonReader in = new JsonReader(new StringReader(text))) {
      in.setStrictness(Strictness.STRICT); // and at most 255 levels deep
      Object value = read(in);
      if (in.peek() != JsonToken.END_DOCUMENT) {
        throw new IllegalArgumentException("not JSON: more than one value");
      }
      return value;
    } catch (IOException | IllegalStateException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }

  private static Object read(JsonReader in) throws IOException {
    switch (in.peek()) {
      case BEGIN_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        in.beginObject();
        while (in.hasNext()) {
          String name = in.nextName();
          map.put(name, read(in));
        }
        in.endObject();
        return map;
      }
      case BEGIN_ARRAY -> {
        List<Object> list = new ArrayList<>();
        in.beginArray();
        while (in.hasNext()) {
          list.add(read(in));
        }
        in.endArray();
        return list;
      }
      case STRING -> {
        return in.nextString();
      }
      case NUMBER -> {
        return number(in.nextString());
      }
      case BOOLEAN -> {
        return in.nextBoolean();
      }
      case NULL -> {
        in.nextNull();
        return null;
      }
      default -> throw new IllegalStateException("unexpected " + in.peek() + " " + in.getPath());
    }
  }

  /** Long when the number is a 64-bit integer, else an exact BigDecimal. */
  private static Object number(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException notLong) {
      return new BigDecimal(text); // the reader has checked the syntax
    }
  }

  /** Compact JSON of maps, lists, strings, numbers, booleans and null. */
  static String write(Object value) {
    StringWriter text = new StringWriter();
    try (JsonWriter out = new JsonWriter(text)) {
      out.setHtmlSafe(false);
      out.setSerializeNulls(true);
      write(out, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return text.toString();
  }

  private static void write(JsonWriter out, Object value) throws IOException {
    if (value == null) {
      out.nullValue();
    } else if (value instanceof Map<?, ?> map) {
      out.beginObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.name(String.valueOf(e.getKey()));
        write(out, e.getValue());
      }
      out.endObject();
    } else if (value instanceof Iterable<?> list) {
      out.beginArray();
      for (Object item : list) {
        write(out, item);
      }
      out.endArray();
    } else if (value instanceof Number n) {
      out.value(n);
    } else if (value instanceof Boolean b) {
      out.value(b);
    } else {
      out.value(value.toString());
    }
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
