package io.mooring.node;

import io.mooring.mount.MountTable;
import io.mooring.volume.KeyedLocks;

/** The FUSE client serving a volume: its {@code kind}, and its {@code name} in {@code mounts}. */
record VolumeClient(VolumeKind kind, SharedMounts<?> mounts, String name) {

  KeyedLocks.Held lock() {
    return mounts.lock(name);
  }

  String describe() {
    return mounts.kind().describe(name);
  }

  SharedMounts.View view(MountTable table) {
    return mounts.view(table, name);
  }
}
