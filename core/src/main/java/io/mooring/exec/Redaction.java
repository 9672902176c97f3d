package io.mooring.exec;

import java.util.Collection;

/** Masks secret values inside free text (command lines, stderr, error messages). */
public final class Redaction {

  public static final String MASK = "***";

  private Redaction() {}

  public static String mask(String text, Collection<String> secrets) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String secret : secrets) {
      if (secret != null && !secret.isEmpty()) {
        out = out.replace(secret, MASK);
      }
    }
    return out;
  }
}
