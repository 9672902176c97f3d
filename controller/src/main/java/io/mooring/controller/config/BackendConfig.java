package io.mooring.controller.config;

import java.util.Map;

/** One named storage backend from the backends file. */
public sealed interface BackendConfig permits GlusterConfig, CephConfig {

  String name();

  /** The {@code type:} value in the backends file. */
  String type();

  /**
   * The node label values its volumes are reachable from ({@code topology:}); empty when every node
   * reaches them.
   */
  Map<String, String> topology();
}
