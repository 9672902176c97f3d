package io.mooring.controller.config;

/** One named storage backend from the backends file. */
public sealed interface BackendConfig permits GlusterConfig, CephConfig {

  String name();

  /** The {@code type:} value in the backends file. */
  String type();
}
