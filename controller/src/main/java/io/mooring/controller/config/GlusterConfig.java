package io.mooring.controller.config;

import io.mooring.volume.GlusterContext;
import java.util.List;
import java.util.Map;

/**
 * A GlusterFS backend: volumes are directories below {@code basePath} on the Gluster volume {@code
 * volume}, served by {@code servers} (the first that answers wins).
 *
 * @param management how the controller reaches glusterd for the commands that change a volume
 *     (quotas, options): glusterd serves them only to a CLI that comes over its unix socket
 */
public record GlusterConfig(
    String name,
    List<String> servers,
    String volume,
    String basePath,
    Management management,
    Map<String, String> topology)
    implements BackendConfig {

  public static final String DEFAULT_BASE_PATH = "/mooring";

  public GlusterConfig {
    servers = List.copyOf(servers);
    topology = Map.copyOf(topology);
  }

  @Override
  public String type() {
    return GlusterContext.TYPE;
  }

  /** How the gluster CLI reaches a glusterd that accepts management commands. */
  public sealed interface Management permits Ssh, Local {}

  /**
   * Run the CLI on a server over SSH (OpenSSH client, key authentication, pinned host keys).
   *
   * @param keyFile the private key (a mounted Secret, mode 0400)
   * @param knownHostsFile the servers' host keys; no other host key is accepted
   */
  public record Ssh(String user, int port, String keyFile, String knownHostsFile)
      implements Management {
    public static final String DEFAULT_USER = "root";
    public static final int DEFAULT_PORT = 22;
  }

  /** The controller runs on a Gluster server and talks to glusterd over its unix socket. */
  public record Local(String glusterdSocket) implements Management {
    public static final String DEFAULT_SOCKET = "/run/glusterd.socket";
  }
}
