package io.mooring;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project version, stamped in at build time. */
public final class Version {

  private Version() {}

  public static String get() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      Properties props = new Properties();
      if (in != null) {
        props.load(in);
      }
      return props.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
