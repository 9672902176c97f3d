package io.mooring.volume;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The controller→node contract: where a volume lives, as the controller writes it into the
 * volume_context of CreateVolume ({@link #toMap}) and the node reads it back in NodeStageVolume
 * ({@link #parse}). Its keys exist only in the implementations. A context always agrees with its
 * volume ID: a PersistentVolume (and with it the context) can be written by hand, so a context
 * whose path is another volume's directory, or a backend's base, would otherwise stage that under
 * this volume's name.
 */
public sealed interface VolumeContext permits GlusterContext, CephContext {

  /** What a StorageClass may give as fsType for a Mooring volume of any kind. */
  Set<String> FS_TYPES =
      Stream.concat(GlusterContext.FS_TYPES.stream(), CephContext.FS_TYPES.stream())
          .collect(Collectors.toUnmodifiableSet());

  /** The volume this context belongs to. */
  VolumeId id();

  /** The volume_context to return from CreateVolume. */
  Map<String, String> toMap();

  /**
   * Reads a volume_context; one without a type is a GlusterFS one (the first Mooring versions wrote
   * none).
   *
   * @throws StorageException INVALID_ARGUMENT when the context is incomplete, unsafe, of a type no
   *     Mooring writes, or not the context of volume {@code id}
   */
  static VolumeContext parse(VolumeId id, Map<String, String> context) {
    ContextMap map = new ContextMap(id, context);
    String type = map.optional(ContextMap.TYPE, GlusterContext.TYPE);
    return switch (type) {
      case GlusterContext.TYPE -> GlusterContext.read(map);
      case CephContext.TYPE -> CephContext.read(map);
      default ->
          throw StorageException.invalid(
              "volume_context type %s is not served by this node plugin (want %s or %s)",
              Untrusted.quote(type), GlusterContext.TYPE, CephContext.TYPE);
    };
  }
}
