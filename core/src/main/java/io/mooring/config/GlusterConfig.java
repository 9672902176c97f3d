package io.mooring.config;

import java.util.List;

/**
 * A GlusterFS backend: volumes are directories below {@code basePath} on the Gluster volume
 * {@code volume}, served by {@code servers} (the first that answers wins).
 */
public record GlusterConfig(String name, List<String> servers, String volume, String basePath)
    implements BackendConfig {

  public static final String TYPE = "glusterfs";
  public static final String DEFAULT_BASE_PATH = "/mooring";

  public GlusterConfig {
    servers = List.copyOf(servers);
  }

  @Override
  public String type() {
    return TYPE;
  }
}
