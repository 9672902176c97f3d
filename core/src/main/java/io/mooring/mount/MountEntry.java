package io.mooring.mount;

import java.nio.file.Path;
import java.util.List;

/** One line of {@code /proc/self/mountinfo}, with escapes decoded. */
public record MountEntry(
    int id,
    int parentId,
    String device,
    String root,
    Path mountPoint,
    List<String> options,
    List<String> optionalFields,
    String fsType,
    String source,
    List<String> superOptions) {

  public MountEntry {
    options = List.copyOf(options);
    optionalFields = List.copyOf(optionalFields);
    superOptions = List.copyOf(superOptions);
  }

  public boolean readOnly() {
    return options.contains("ro");
  }

  /** FUSE mounts report {@code fuse.<subtype>}, e.g. {@code fuse.glusterfs}. */
  public boolean isFuse(String subtype) {
    return fsType.equals("fuse." + subtype) || fsType.equals("fuse") && source.contains(subtype);
  }
}
