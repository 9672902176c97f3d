package io.mooring.rpc;

/**
 * What the RPC interceptor, the command runner, the librados client and the mount health checker
 * report, never sprinkled through the code. {@link PrometheusMetrics} keeps it for a scrape; {@link
 * #OFF} is for a plugin started without a metrics address, so that it never loads the Prometheus
 * client (about a hundred classes and their metaspace in every node plugin).
 */
public interface Metrics {

  Metrics OFF =
      new Metrics() {
        @Override
        public void rpc(String method, String code, long millis) {}

        @Override
        public void command(String program, boolean ok, long millis) {}

        @Override
        public void mountState(String backend, String state, int count) {}

        @Override
        public void librados(String call, boolean ok, long millis) {}
      };

  void rpc(String method, String code, long millis);

  void command(String program, boolean ok, long millis);

  void mountState(String backend, String state, int count);

  /**
   * One librados call of the CephFS backend: a mgr or monitor command by its prefix ({@code fs
   * subvolume create}) or an omap operation, whether it succeeded, and how long it took (also when
   * it was refused at once because the cluster or the mgr is silent).
   */
  void librados(String call, boolean ok, long millis);
}
