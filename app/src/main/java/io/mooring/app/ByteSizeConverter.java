package io.mooring.app;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;

/**
 * Parses byte sizes the way Kubernetes quantities write them: {@code 256Mi}, {@code 1Gi}, {@code
 * 500M}, {@code 0}.
 */
final class ByteSizeConverter implements ITypeConverter<Long> {

  private static final Pattern SIZE = Pattern.compile("(\\d{1,15})(Ki|Mi|Gi|Ti|k|M|G|T)?");
  private static final Map<String, Long> UNITS =
      Map.of(
          "Ki",
          1L << 10,
          "Mi",
          1L << 20,
          "Gi",
          1L << 30,
          "Ti",
          1L << 40,
          "k",
          1_000L,
          "M",
          1_000_000L,
          "G",
          1_000_000_000L,
          "T",
          1_000_000_000_000L);

  @Override
  public Long convert(String value) {
    Matcher m = SIZE.matcher(value);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "size "
              + value
              + " must be a number of bytes, optionally with a unit:"
              + " Ki, Mi, Gi, Ti (powers of 2) or k, M, G, T (of 10)");
    }
    return Math.multiplyExact(
        Long.parseLong(m.group(1)), m.group(2) == null ? 1L : UNITS.get(m.group(2)));
  }
}
