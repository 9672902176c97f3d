package io.mooring.kube;

/**
 * What the admin commands exit with, so that CI can tell a finding from a failure to look (picocli
 * exits with {@link #CANNOT_CHECK} on a usage error too).
 */
public final class ExitCodes {

  /** Nothing found. */
  public static final int CLEAN = 0;

  /** Found something: the output says what. */
  public static final int FINDINGS = 1;

  /** Could not look: the API server was unreachable or refused a read (stderr names which). */
  public static final int CANNOT_CHECK = 2;

  private ExitCodes() {}
}
