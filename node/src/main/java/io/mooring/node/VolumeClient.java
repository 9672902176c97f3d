package io.mooring.node;

import io.mooring.mount.MountTable;
import io.mooring.volume.KeyedLocks;

/** The FUSE client serving a volume: its {@code kind}, and its {@code name} in {@code mounts}. */
public record VolumeClient(VolumeKind kind, SharedMounts<?> mounts, String name) {

  public KeyedLocks.Held lock() {
    return mounts.lock(name);
  }

  public String describe() {
    return mounts.kind().describe(name);
  }

  public SharedMounts.View view(MountTable table) {
    return mounts.view(table, name);
  }
}
