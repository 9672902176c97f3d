package io.mooring.node;

import io.mooring.mount.Health;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link SharedMounts} tells about a client as it checks and heals it, with the mount points
 * of its binds (staging paths and published targets): what the pods on them went through.
 */
interface MountEvents {

  /** Nobody listens. */
  MountEvents NONE =
      new MountEvents() {
        @Override
        public void checked(String client, Health health, List<Path> binds) {}

        @Override
        public void remounted(String client, Health was, List<Path> binds, long millis) {}

        @Override
        public void remountFailed(String client, Health was, List<Path> binds, String failure) {}
      };

  /**
   * A check found the client {@code health} and left it as it was (healthy, or in a state a remount
   * would not mend).
   *
   * @param client what the client is, e.g. "the glusterfs client of backend gluster-a"
   */
  void checked(String client, Health health, List<Path> binds);

  /** The client was {@code was} (dead or evicted), and is mounted anew with its binds re-bound. */
  void remounted(String client, Health was, List<Path> binds, long millis);

  /** The client was {@code was}, and mounting it anew or re-binding failed. */
  void remountFailed(String client, Health was, List<Path> binds, String failure);
}
