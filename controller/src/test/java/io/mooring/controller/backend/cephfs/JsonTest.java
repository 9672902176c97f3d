package io.mooring.controller.backend.cephfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

  static Stream<Arguments> valid() {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("a", List.of(1L, -2L, true, false));
    nested.put("b", null);
    return Stream.of(
        Arguments.of("{}", Map.of()),
        Arguments.of(" [ ] ", List.of()),
        Arguments.of("\"a\\\"b\\\\c\\/d\\n\\u00e9\"", "a\"b\\c/d\né"),
        Arguments.of("9896120320", 9896120320L),
        Arguments.of("-0", 0L),
        Arguments.of("4.1389941429770261e-07", new BigDecimal("4.1389941429770261e-07")),
        Arguments.of("18446744073709551615", new BigDecimal("18446744073709551615")),
        Arguments.of("{\"a\": [1, -2, true, false], \"b\": null}", nested),
        Arguments.of(
            "[\n    {\n        \"name\": \"t1\"\n    }\n]\n", List.of(Map.of("name", "t1"))));
  }

  @ParameterizedTest
  @MethodSource("valid")
  void parses(String text, Object expected) {
    assertEquals(expected, Json.parse(text));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "[1,]",
        "{\"a\" 1}",
        "{a:1}",
        "\"unterminated",
        "tru",
        "1 2",
        "\"\\x\"",
        "\"tab\there\"",
        "[1] x",
        "01x",
        "{\"a\":1,}"
      })
  void rejects(String text) {
    assertThrows(IllegalArgumentException.class, () -> Json.parse(text));
  }

  @Test
  void rejectsDeepNesting() {
    assertThrows(
        IllegalArgumentException.class, () -> Json.parse("[".repeat(1000) + "]".repeat(1000)));
  }

  @Test
  void writesWhatItParses() {
    Map<String, Object> cmd = new LinkedHashMap<>();
    cmd.put("prefix", "fs subvolume create");
    cmd.put("size", 1073741824L);
    cmd.put("no_shrink", true);
    cmd.put("odd", "q\"\\\n\u0001é");
    cmd.put("list", List.of("x", 2L));
    String text = Json.write(cmd);
    assertEquals(
        "{\"prefix\":\"fs subvolume create\",\"size\":1073741824,\"no_shrink\":true,"
            + "\"odd\":\"q\\\"\\\\\\n\\u0001é\",\"list\":[\"x\",2]}",
        text);
    assertEquals(cmd, Json.parse(text));
  }

  @Test
  void typedAccessSaysWhatIsWrong() {
    assertEquals(
        "max_avail is not a JSON number",
        assertThrows(IllegalArgumentException.class, () -> Json.integer("x", "max_avail"))
            .getMessage());
    assertEquals(5L, Json.integer(new BigDecimal("5"), "n"));
    assertThrows(IllegalArgumentException.class, () -> Json.integer(new BigDecimal("5.5"), "n"));
    assertThrows(IllegalArgumentException.class, () -> Json.object(List.of(), "o"));
    assertThrows(IllegalArgumentException.class, () -> Json.array(Map.of(), "a"));
    assertThrows(IllegalArgumentException.class, () -> Json.string(1L, "s"));
  }
}
