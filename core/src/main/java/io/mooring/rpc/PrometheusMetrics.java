package io.mooring.rpc;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Mooring's metrics as Prometheus counters, histograms and gauges, for the scrape endpoint. */
public final class PrometheusMetrics implements Metrics {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter rpcs =
      Counter.builder()
          .name("mooring_rpc_requests_total")
          .help("CSI RPCs served, by method and gRPC code")
          .labelNames("method", "code")
          .register(registry);
  private final Histogram rpcSeconds =
      Histogram.builder()
          .name("mooring_rpc_duration_seconds")
          .help("CSI RPC latency")
          .labelNames("method", "code")
          .register(registry);
  private final Histogram commandSeconds =
      Histogram.builder()
          .name("mooring_backend_command_duration_seconds")
          .help("Latency of backend commands (gluster, mount, ...)")
          .labelNames("program")
          .register(registry);
  private final Counter commandErrors =
      Counter.builder()
          .name("mooring_backend_command_errors_total")
          .help("Backend commands that failed or timed out")
          .labelNames("program")
          .register(registry);
  private final Histogram libradosSeconds =
      Histogram.builder()
          .name("mooring_librados_call_duration_seconds")
          .help("Latency of the CephFS backend's librados calls, by command prefix or omap op")
          .labelNames("call")
          .register(registry);
  private final Counter libradosErrors =
      Counter.builder()
          .name("mooring_librados_call_errors_total")
          .help("librados calls that failed, timed out or were refused while Ceph was silent")
          .labelNames("call")
          .register(registry);
  private final Gauge mounts =
      Gauge.builder()
          .name("mooring_mounts")
          .help("Shared FUSE mounts by health state")
          .labelNames("backend", "state")
          .register(registry);

  public PrometheusRegistry registry() {
    return registry;
  }

  @Override
  public void rpc(String method, String code, long millis) {
    rpcs.labelValues(method, code).inc();
    rpcSeconds.labelValues(method, code).observe(millis / 1000.0);
  }

  @Override
  public void command(String program, boolean ok, long millis) {
    commandSeconds.labelValues(program).observe(millis / 1000.0);
    if (!ok) {
      commandErrors.labelValues(program).inc();
    }
  }

  @Override
  public void librados(String call, boolean ok, long millis) {
    libradosSeconds.labelValues(call).observe(millis / 1000.0);
    if (!ok) {
      libradosErrors.labelValues(call).inc();
    }
  }

  @Override
  public void mountState(String backend, String state, int count) {
    mounts.labelValues(backend, state).set(count);
  }
}
