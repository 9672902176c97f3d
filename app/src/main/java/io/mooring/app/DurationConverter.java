package io.mooring.app;

import io.mooring.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

/**
 * Parses a duration flag as {@link Durations} writes them: {@code 500ms}, {@code 5s}, {@code 2m}.
 */
final class DurationConverter implements ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    return Durations.parse(value);
  }
}
