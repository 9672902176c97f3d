package io.mooring.controller.config;

import io.mooring.testing.GlusterFixture;
import java.util.List;
import java.util.Map;

/** Backends on the integration tests' storage host (GlusterFixture), managed the way it allows. */
public final class FixtureBackends {

  private FixtureBackends() {}

  /** A backend on the fixture's Gluster volume. */
  public static GlusterConfig gluster(String name, String basePath) {
    return new GlusterConfig(
        name,
        List.of(GlusterFixture.server()),
        GlusterFixture.volume(),
        basePath,
        management(),
        Map.of());
  }

  public static GlusterConfig.Management management() {
    return GlusterFixture.sshKey()
        .<GlusterConfig.Management>map(
            key ->
                new GlusterConfig.Ssh(
                    GlusterFixture.sshUser(),
                    GlusterConfig.Ssh.DEFAULT_PORT,
                    key,
                    GlusterFixture.sshKnownHosts()))
        .orElse(new GlusterConfig.Local(GlusterConfig.Local.DEFAULT_SOCKET));
  }
}
