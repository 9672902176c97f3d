package io.mooring.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The fixture cluster's admin user: as the provisioner's secrets, and as an adminSecretDir. */
record CephAdmin(String id, String key) {

  static CephAdmin ofFixture() throws IOException {
    return new CephAdmin(
        System.getenv().getOrDefault("CEPH_ADMIN_ID", "admin"),
        Files.readString(Path.of(System.getenv("CEPH_ADMIN_KEY_FILE"))).strip());
  }

  /** What CreateVolume and NodeStageVolume carry. */
  Map<String, String> secrets() {
    return Map.of("adminID", id, "adminKey", key);
  }

  /** Writes the files of an adminSecretDir into {@code dir}, made if need be; returns it. */
  Path writeSecretDir(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("adminID"), id);
    Files.writeString(dir.resolve("adminKey"), key);
    return dir;
  }
}
