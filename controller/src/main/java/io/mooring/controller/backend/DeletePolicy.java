package io.mooring.controller.backend;

import io.mooring.errors.StorageException;
import java.util.Locale;

/** StorageClass parameter {@code onDelete}: what DeleteVolume does with the data. */
public enum DeletePolicy {
  /** Remove the data. */
  DELETE,
  /** Leave the data where it is; only the size limit goes. */
  RETAIN,
  /** Move the data aside under {@code .archive/} with a timestamp. */
  ARCHIVE;

  public static final String PARAMETER = "onDelete";

  public static DeletePolicy parse(String value) {
    if (value == null || value.isEmpty()) {
      return DELETE;
    }
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw StorageException.invalid(
          "parameter %s=%s: expected delete, retain or archive", PARAMETER, value);
    }
  }
}
