package io.mooring.kube;

import picocli.CommandLine.Option;

/** {@code -o text|json}, the output flag of every admin command ({@code @Mixin OutputOption}). */
public final class OutputOption {

  /** Text for people; JSON, whose fields only ever grow, for scripts and CI. */
  public enum Format {
    text,
    json
  }

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "text or json (default: ${DEFAULT-VALUE})")
  Format format;

  public Format format() {
    return format;
  }
}
