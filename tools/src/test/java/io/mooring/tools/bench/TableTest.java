package io.mooring.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableTest {

  private static Table sample() {
    return new Table("t-1", "Title", "name", "count", "ms")
        .row("a", 1, Table.Num.of(12.345, 1))
        .row("b, \"quoted\"", 20L, Table.Num.of(Double.NaN, 1))
        .row(null, 3, Table.Num.of(0.5, 2))
        .note("a note");
  }

  @Test
  void rendersAlignedWithNumbersOnTheRight() {
    assertEquals(
        """
        == Title
        name         count    ms
        -----------  -----  ----
        a                1  12.3
        b, "quoted"     20     -
        -                3  0.50
           a note
        """,
        sample().render());
  }

  @Test
  void csvQuotesWhatNeedsIt() {
    assertEquals(
        "name,count,ms\r\na,1,12.3\r\n\"b, \"\"quoted\"\"\",20,\r\n,3,0.50\r\n", sample().csv());
  }

  @Test
  void jsonHasTheSameNumbersAsTheText() {
    String json = JsonWriter.write(sample().json());
    assertTrue(json.contains("\"ms\": 12.3"), json);
    assertTrue(json.contains("\"ms\": null"), json);
    assertTrue(json.contains("\"ms\": 0.50"), json);
    assertTrue(json.contains("\"name\": \"b, \\\"quoted\\\"\""), json);
    assertTrue(json.contains("\"notes\": [\n    \"a note\"\n  ]"), json);
  }

  @Test
  void jsonEscapesControlCharacters() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("k", "a\nb\t\u0001\\");
    m.put("list", List.of(1, true));
    m.put("empty", List.of());
    assertEquals(
        "{\n"
            + "  \"k\": \"a\\n"
            + "b\\t\\u0001\\\\\",\n"
            + "  \"list\": [\n"
            + "    1,\n"
            + "    true\n"
            + "  ],\n"
            + "  \"empty\": []\n"
            + "}\n",
        JsonWriter.write(m));
  }

  @Test
  void numRoundsHalfUp() {
    assertEquals("2.35", Table.Num.of(2.345, 2).text());
    assertEquals("3", Table.Num.of(2.5, 0).text());
    assertEquals(null, Table.Num.of(Double.POSITIVE_INFINITY, 1).text());
  }

  @Test
  void rejectsWrongRowWidthsAndCellTypes() {
    Table t = new Table("x", "X", "a", "b");
    assertThrows(IllegalArgumentException.class, () -> t.row("only one"));
    assertThrows(IllegalArgumentException.class, () -> t.row("a", 1.5));
    assertThrows(IllegalArgumentException.class, () -> new Table("Bad Id", "X", "a"));
  }
}
