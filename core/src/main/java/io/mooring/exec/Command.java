package io.mooring.exec;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One external command: an argument vector (never a shell string), a timeout, and the secret
 * values that must be masked wherever the command or its output is shown.
 */
public record Command(List<String> argv, Duration timeout, Set<String> secrets, Map<String, String> env) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  public Command {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("empty command");
    }
    argv = List.copyOf(argv);
    secrets = Set.copyOf(secrets);
    env = Map.copyOf(env);
  }

  public static Command of(String... argv) {
    return new Command(List.of(argv), DEFAULT_TIMEOUT, Set.of(), Map.of());
  }

  public static Command of(List<String> argv) {
    return new Command(argv, DEFAULT_TIMEOUT, Set.of(), Map.of());
  }

  public Command withTimeout(Duration value) {
    return new Command(argv, value, secrets, env);
  }

  public Command withSecrets(Set<String> values) {
    return new Command(argv, timeout, values, env);
  }

  public Command withEnv(Map<String, String> values) {
    return new Command(argv, timeout, secrets, values);
  }

  /** The command line as it may be logged: secrets masked. */
  public String display() {
    return Redaction.mask(String.join(" ", argv), secrets);
  }

  /** The program's base name, for metrics and short log lines. */
  public String program() {
    String first = argv.get(0);
    return first.substring(first.lastIndexOf('/') + 1);
  }
}
