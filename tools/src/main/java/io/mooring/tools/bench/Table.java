package io.mooring.tools.bench;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One table of results, rendered three ways from the same cells so that the printed table, the CSV
 * file and the JSON file always show the same numbers. Cells are strings, integers, or {@link Num}
 * (a double with its number of decimals); a missing value prints as "-", an empty CSV field and
 * JSON null. Pure; see TableTest.
 */
final class Table {

  /** A number shown with a fixed number of decimals; NaN means "not measured". */
  record Num(double value, int decimals) {

    static Num of(double value, int decimals) {
      return new Num(value, decimals);
    }

    boolean missing() {
      return Double.isNaN(value) || Double.isInfinite(value);
    }

    /** Plain decimal text, or null when missing. */
    String text() {
      return missing()
          ? null
          : BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP).toPlainString();
    }
  }

  private final String id;
  private final String title;
  private final List<String> columns;
  private final List<List<Object>> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  /**
   * @param id file name stem of the CSV and key in the JSON: lower case, digits, '-'
   */
  Table(String id, String title, String... columns) {
    if (!id.matches("[a-z0-9-]+")) {
      throw new IllegalArgumentException("bad table id " + id);
    }
    this.id = id;
    this.title = title;
    this.columns = List.of(columns);
  }

  String id() {
    return id;
  }

  String title() {
    return title;
  }

  List<String> columns() {
    return columns;
  }

  List<List<Object>> rows() {
    return rows;
  }

  Table row(Object... cells) {
    if (cells.length != columns.size()) {
      throw new IllegalArgumentException(
          id + ": " + cells.length + " cells for " + columns.size() + " columns");
    }
    for (Object c : cells) {
      if (c != null
          && !(c instanceof String
              || c instanceof Num
              || c instanceof Integer
              || c instanceof Long)) {
        throw new IllegalArgumentException(id + ": unsupported cell " + c.getClass());
      }
    }
    rows.add(Arrays.asList(cells));
    return this;
  }

  /** A line printed under the table (and stored in the JSON). */
  Table note(String text) {
    notes.add(text);
    return this;
  }

  List<String> notes() {
    return notes;
  }

  /** Cell as text, or null when missing. */
  static String text(Object cell) {
    if (cell == null) {
      return null;
    }
    if (cell instanceof Num n) {
      return n.text();
    }
    return cell.toString();
  }

  /** Aligned columns: numbers right-aligned, text left-aligned. */
  String render() {
    int[] width = new int[columns.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = columns.get(i).length();
    }
    for (List<Object> row : rows) {
      for (int i = 0; i < width.length; i++) {
        width[i] = Math.max(width[i], shown(row.get(i)).length());
      }
    }
    boolean[] numeric = new boolean[columns.size()];
    for (List<Object> row : rows) {
      for (int i = 0; i < numeric.length; i++) {
        numeric[i] |= isNumber(row.get(i));
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("== ").append(title).append('\n');
    line(out, width, new ArrayList<>(columns), numeric);
    StringBuilder rule = new StringBuilder();
    for (int i = 0; i < width.length; i++) {
      rule.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
    }
    out.append(rule).append('\n');
    for (List<Object> row : rows) {
      line(out, width, row, null);
    }
    for (String note : notes) {
      out.append("   ").append(note).append('\n');
    }
    return out.toString();
  }

  private static String shown(Object cell) {
    String t = text(cell);
    return t == null ? "-" : t;
  }

  private static boolean isNumber(Object cell) {
    return cell instanceof Num || cell instanceof Integer || cell instanceof Long;
  }

  /** One line; {@code headerNumeric} is null for data lines, else which columns hold numbers. */
  private static void line(StringBuilder out, int[] width, List<?> cells, boolean[] headerNumeric) {
    StringBuilder l = new StringBuilder();
    for (int i = 0; i < width.length; i++) {
      Object cell = cells.get(i);
      String t = headerNumeric != null ? cell.toString() : shown(cell);
      boolean right = headerNumeric != null ? headerNumeric[i] : isNumber(cell);
      if (i > 0) {
        l.append("  ");
      }
      String pad = " ".repeat(width[i] - t.length());
      l.append(right ? pad + t : t + pad);
    }
    out.append(l.toString().stripTrailing()).append('\n');
  }

  /** RFC 4180 CSV with a header line. */
  String csv() {
    StringBuilder out = new StringBuilder();
    out.append(String.join(",", columns.stream().map(Table::csvField).toList())).append("\r\n");
    for (List<Object> row : rows) {
      List<String> fields = new ArrayList<>();
      for (Object cell : row) {
        String t = text(cell);
        fields.add(t == null ? "" : csvField(t));
      }
      out.append(String.join(",", fields)).append("\r\n");
    }
    return out.toString();
  }

  static String csvField(String value) {
    if (value.contains(",")
        || value.contains("\"")
        || value.contains("\n")
        || value.contains("\r")) {
      return '"' + value.replace("\"", "\"\"") + '"';
    }
    return value;
  }

  /** The table as a JSON-ready map: title, columns, rows as objects keyed by column, notes. */
  Map<String, Object> json() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("title", title);
    out.put("columns", columns);
    List<Object> objects = new ArrayList<>();
    for (List<Object> row : rows) {
      Map<String, Object> o = new LinkedHashMap<>();
      for (int i = 0; i < columns.size(); i++) {
        o.put(columns.get(i), row.get(i));
      }
      objects.add(o);
    }
    out.put("rows", objects);
    out.put("notes", notes);
    return out;
  }
}
