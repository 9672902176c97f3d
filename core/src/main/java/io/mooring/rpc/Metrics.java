package io.mooring.rpc;

/**
 * What the RPC interceptor, the command runner and the mount health checker report, never sprinkled
 * through the code. {@link PrometheusMetrics} keeps it for a scrape; {@link #OFF} is for a plugin
 * started without a metrics address, so that it never loads the Prometheus client (about a hundred
 * classes and their metaspace in every node plugin).
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
      };

  void rpc(String method, String code, long millis);

  void command(String program, boolean ok, long millis);

  void mountState(String backend, String state, int count);
}
