package io.mooring.errors;

/** Shows request text in an error message: quoted, bounded, control characters escaped. */
public final class Untrusted {

  private static final int MAX = 64;

  private Untrusted() {}

  public static String quote(String text) {
    String shown = text.length() > MAX ? text.substring(0, MAX) + "…" : text;
    StringBuilder out = new StringBuilder("\"");
    shown
        .codePoints()
        .forEach(
            c -> {
              if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.append('"').toString();
  }
}
