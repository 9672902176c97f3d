package io.mooring.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import io.mooring.mount.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the plugin's memory cgroup and making the clients' below it, on fake cgroup trees. */
class CgroupsTest {

  private static final long MIB = 1L << 20;

  @TempDir Path tmp;

  private MountTable mounts(String... lines) {
    return MountTable.parse(String.join("\n", lines).replace("ROOT", tmp.toString()));
  }

  /** A container of a cgroup v2 node: its cgroup namespace shows its own cgroup as the root. */
  private Path v2Container() throws IOException {
    Path own = Files.createDirectories(tmp.resolve("sys/fs/cgroup"));
    Files.writeString(own.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
    Files.writeString(own.resolve("cgroup.type"), "domain\n");
    Files.writeString(own.resolve("cgroup.procs"), "1\n");
    return own;
  }

  @Test
  void v2MovesThePluginIntoALeafAndEnablesMemoryForTheClients() throws IOException {
    Path own = v2Container();
    Cgroups cgroups =
        Cgroups.setUp(
            "0::/\n",
            mounts("35 30 0:30 / ROOT/sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate"));

    assertEquals(
        "1",
        Files.readString(own.resolve("mooring-plugin/cgroup.procs")),
        "the plugin left the inner node");
    assertEquals("+memory", Files.readString(own.resolve("cgroup.subtree_control")));
    assertEquals(
        "+memory", Files.readString(own.resolve("mooring-clients/cgroup.subtree_control")));

    Path dir = cgroups.create("ceph-a/pvc-1", 256 * MIB);
    assertEquals(own.resolve("mooring-clients/ceph-a.pvc-1"), dir);
    assertEquals("268435456", Files.readString(dir.resolve("memory.max")));
    assertEquals("max", Files.readString(cgroups.create("gluster-a", 0).resolve("memory.max")));

    Files.writeString(
        dir.resolve("memory.events"),
        "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
    assertEquals(1, cgroups.oomKills("ceph-a/pvc-1"));
    assertEquals(0, cgroups.oomKills("gluster-a"), "nothing killed, or nothing to read");
  }

  @Test
  void v2PluginRestartedInItsLeafKeepsTheSameParent() throws IOException {
    Path own = v2Container();
    Files.createDirectories(own.resolve("mooring-plugin"));
    Cgroups cgroups =
        Cgroups.setUp(
            "0::/mooring-plugin\n",
            mounts("35 30 0:30 / ROOT/sys/fs/cgroup rw - cgroup2 cgroup2 rw"));

    assertEquals(own.resolve("mooring-clients/gluster-a"), cgroups.create("gluster-a", 64 * MIB));
  }

  @Test
  void v2WithoutTheMemoryControllerHasNoClientCgroups() throws IOException {
    Path own = v2Container();
    Files.writeString(own.resolve("cgroup.controllers"), "cpu pids\n");

    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                Cgroups.setUp(
                    "0::/\n", mounts("35 30 0:30 / ROOT/sys/fs/cgroup rw - cgroup2 cgroup2 rw")));
    assertTrue(e.getMessage().contains("memory controller is not available"), e.getMessage());
    assertFalse(Files.exists(own.resolve("mooring-plugin")), "nothing moved");
  }

  /**
   * This machine's layout: cgroup v1 with the memory hierarchy mounted on its own, and an empty v2
   * one.
   */
  @Test
  void v1MakesTheClientsChildrenOfThePluginsCgroup() throws IOException {
    Path own = Files.createDirectories(tmp.resolve("memory/process_api/7b29"));
    Cgroups cgroups =
        Cgroups.setUp(
            "9:name=systemd:/\n4:memory:/process_api/7b29\n1:cpu,cpuacct:/\n0::/\n",
            mounts(
                "32 31 0:29 / ROOT/cpu rw,relatime - cgroup cgroup rw,cpu,cpuacct",
                "35 31 0:32 / ROOT/memory rw,relatime - cgroup cgroup rw,memory",
                "41 31 0:38 / ROOT/unified rw,relatime - cgroup2 cgroup2 rw"));

    Path dir = cgroups.create("gluster-a", 128 * MIB);
    assertEquals(own.resolve("mooring-clients/gluster-a"), dir);
    assertEquals("134217728", Files.readString(dir.resolve("memory.limit_in_bytes")));
    assertEquals(
        "-1", Files.readString(cgroups.create("gluster-b", 0).resolve("memory.limit_in_bytes")));
    Files.writeString(
        dir.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    assertEquals(2, cgroups.oomKills("gluster-a"));
  }

  @Test
  void v1PathsAreTakenRelativeToTheMountsRoot() throws IOException {
    Path own = Files.createDirectories(tmp.resolve("memory/pod1"));
    Cgroups cgroups =
        Cgroups.setUp(
            "4:memory:/kubepods/pod1\n",
            mounts("35 31 0:32 /kubepods ROOT/memory rw - cgroup cgroup rw,memory"));

    assertEquals(own.resolve("mooring-clients/gluster-a"), cgroups.create("gluster-a", 0));
  }

  @Test
  void noMemoryHierarchyMountedMeansNoClientCgroups() {
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                Cgroups.setUp(
                    "4:memory:/x\n", mounts("32 31 0:29 / ROOT/cpu rw - cgroup cgroup rw,cpu")));
    assertEquals(StorageException.Kind.FAILED_PRECONDITION, e.kind());
    assertTrue(e.getMessage().contains("memory controller"), e.getMessage());
  }

  @Test
  void clientNamesThatAreNoPathElementAreRefused() throws IOException {
    Files.createDirectories(tmp.resolve("memory"));
    Cgroups cgroups =
        Cgroups.setUp(
            "4:memory:/\n", mounts("35 31 0:32 / ROOT/memory rw - cgroup cgroup rw,memory"));

    assertThrows(StorageException.class, () -> cgroups.create("../escape", 0));
  }
}
