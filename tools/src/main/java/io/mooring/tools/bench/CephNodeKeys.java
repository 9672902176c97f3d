package io.mooring.tools.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cephx users the CephFS node section stages its volumes as. The node plugin chooses its kind
 * of ceph-fuse client by the key (node CephClients), so there are two node modes:
 *
 * <ul>
 *   <li>group key: one user authorised for the whole subvolume group ({@code ceph fs authorize FS
 *       client.X /volumes/GROUP rw}) stages every volume: one shared client, each volume a bind of
 *       its subvolume;
 *   <li>per-volume keys: a user per volume, authorised for its subvolume only: a client per volume,
 *       each after a failed (EPERM) try of the group, as the key is new to the node.
 * </ul>
 *
 * The users are made with the ceph CLI before a mode's run (not measured, a few at a time: each
 * call is a CPU-bound process) and removed with {@code ceph auth rm} after it. Keys go from {@code
 * ceph fs authorize}'s output into the secrets and nowhere else.
 */
final class CephNodeKeys {

  private static final int CONCURRENCY = 4;
  private static final Pattern KEY = Pattern.compile("(?m)^\\s*key\\s*=\\s*(\\S+)\\s*$");

  private final CephCli cli;
  private final String fs;

  private CephNodeKeys(CephCli cli, String fs) {
    this.cli = cli;
    this.fs = fs;
  }

  /**
   * @param prefix of the users' names, unique to the run
   */
  static List<NodeMode> modes(CephCli cli, String fs, String group, String prefix) {
    CephNodeKeys keys = new CephNodeKeys(cli, fs);
    return List.of(
        new NodeMode(
            "cephfs-group",
            "cephfs, group key",
            "ceph-fuse",
            true,
            "Every volume staged as one cephx user"
                + " authorised for the subvolume group (ceph fs authorize <fs> client.X /volumes/"
                + group
                + " rw): the first NodeStageVolume mounts the group's shared ceph-fuse client, each"
                + " volume is a bind of its subvolume on it; the last NodeUnstageVolume unmounts"
                + " it.",
            volumes ->
                keys.make(List.of(prefix + "-group"), i -> "/volumes/" + group, volumes.size())),
        new NodeMode(
            "cephfs-volume",
            "cephfs, per-volume keys",
            "ceph-fuse",
            false,
            "Each volume staged as a cephx user of its own, authorised for its subvolume only (ceph"
                + " fs authorize <fs> client.Y <subvolume path> rw; made before the run, removed"
                + " after it, not measured): each NodeStageVolume first tries the group's shared"
                + " client with the new key (ceph-fuse fails with EPERM), then mounts the volume's"
                + " own ceph-fuse client; each NodeUnstageVolume unmounts it.",
            volumes ->
                keys.make(
                    perVolume(prefix, volumes.size()),
                    i -> volumes.get(i).getVolumeContextOrThrow("path"),
                    volumes.size())));
  }

  private static List<String> perVolume(String prefix, int volumes) {
    List<String> users = new ArrayList<>();
    for (int i = 0; i < volumes; i++) {
      users.add(prefix + "-v" + i);
    }
    return users;
  }

  /** The path user {@code i} is authorised for. */
  private interface PathOf {
    String of(int user);
  }

  /**
   * Authorises {@code users} (one for all volumes, or one each) and returns every volume's secrets;
   * on failure removes those already made.
   */
  private NodeMode.Secrets make(List<String> users, PathOf path, int volumes) throws Exception {
    String[] keys = new String[users.size()];
    Load.Result made =
        Load.run(CONCURRENCY, users.size(), i -> keys[i] = authorize(users.get(i), path.of(i)));
    AutoCloseable remove = () -> remove(users);
    if (made.summary().errors() > 0) {
      remove.close();
      throw new IllegalStateException(
          "could not make the node run's cephx users: " + made.errorText());
    }
    Progress.say("cephfs: made %d cephx user(s) for the node run (not measured)", users.size());
    List<Map<String, String>> secrets = new ArrayList<>();
    for (int i = 0; i < volumes; i++) {
      int user = users.size() == 1 ? 0 : i;
      secrets.add(Map.of("userID", users.get(user), "userKey", keys[user]));
    }
    return new NodeMode.Secrets(Collections.unmodifiableList(secrets), remove);
  }

  /**
   * @return the user's key, from the keyring ceph fs authorize prints
   */
  private String authorize(String user, String path) throws IOException, InterruptedException {
    Matcher m = KEY.matcher(cli.run("fs", "authorize", fs, "client." + user, path, "rw"));
    if (!m.find()) {
      throw new IOException("ceph fs authorize printed no keyring for client." + user);
    }
    return m.group(1);
  }

  /** Removes the users; users that were never made count as removed. */
  private void remove(List<String> users) throws InterruptedException {
    Load.Result r =
        Load.run(CONCURRENCY, users.size(), i -> cli.run("auth", "rm", "client." + users.get(i)));
    if (r.summary().errors() > 0) {
      throw new IllegalStateException(
          "could not remove the node run's cephx users: " + r.errorText());
    }
  }
}
