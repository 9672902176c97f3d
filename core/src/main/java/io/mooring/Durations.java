package io.mooring;

import java.time.Duration;

/**
 * Durations the way Kubernetes flags write them: {@code 500ms}, {@code 5s}, {@code 2m}, {@code
 * 24h}.
 */
public final class Durations {

  private Durations() {}

  /**
   * @throws IllegalArgumentException for anything else
   */
  public static Duration parse(String value) {
    if (value.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
    }
    long amount = Long.parseLong(value.substring(0, value.length() - 1));
    return switch (value.charAt(value.length() - 1)) {
      case 's' -> Duration.ofSeconds(amount);
      case 'm' -> Duration.ofMinutes(amount);
      case 'h' -> Duration.ofHours(amount);
      default ->
          throw new IllegalArgumentException("duration " + value + " needs a unit: ms, s, m or h");
    };
  }
}
