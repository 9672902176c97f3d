package io.mooring.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsScrapeTest {

  private static final String BEFORE =
      """
      # HELP mooring_rpc_duration_seconds CSI RPC latency
      # TYPE mooring_rpc_duration_seconds histogram
      mooring_rpc_duration_seconds_bucket{code="OK",method="CreateVolume",le="0.005"} 0
      mooring_rpc_duration_seconds_count{code="OK",method="CreateVolume"} 2
      mooring_rpc_duration_seconds_sum{code="OK",method="CreateVolume"} 0.2
      mooring_rpc_duration_seconds_count{code="ABORTED",method="CreateVolume"} 1
      mooring_rpc_duration_seconds_sum{code="ABORTED",method="CreateVolume"} 0.05
      mooring_rpc_duration_seconds_count{code="OK",method="Probe"} 7
      mooring_backend_command_duration_seconds_count{program="gluster"} 3
      mooring_backend_command_duration_seconds_sum{program="gluster"} 0.24
      process_start_time_seconds 1.7E9
      odd{msg="a \\"quoted\\", comma"} 4 1700000000000
      """;

  @Test
  void sumsTheSeriesWhoseLabelsMatch() {
    MetricsScrape m = MetricsScrape.parse(BEFORE);
    assertEquals(3, m.sum("mooring_rpc_duration_seconds_count", Map.of("method", "CreateVolume")));
    assertEquals(
        2,
        m.sum(
            "mooring_rpc_duration_seconds_count", Map.of("method", "CreateVolume", "code", "OK")));
    assertEquals(10, m.sum("mooring_rpc_duration_seconds_count", Map.of()));
    assertEquals(1.7e9, m.sum("process_start_time_seconds", Map.of()));
    assertEquals(4, m.sum("odd", Map.of("msg", "a \"quoted\", comma")));
    assertEquals(0, m.sum("absent", Map.of()));
  }

  @Test
  void deltaBetweenTwoScrapes() {
    MetricsScrape after =
        MetricsScrape.parse(
            BEFORE
                .replace("program=\"gluster\"} 3", "program=\"gluster\"} 13")
                .replace("program=\"gluster\"} 0.24", "program=\"gluster\"} 1.04"));
    MetricsScrape before = MetricsScrape.parse(BEFORE);
    Map<String, String> gluster = Map.of("program", "gluster");
    assertEquals(
        10,
        MetricsScrape.delta(
            before, after, "mooring_backend_command_duration_seconds_count", gluster));
    assertEquals(
        0.8,
        MetricsScrape.delta(before, after, "mooring_backend_command_duration_seconds_sum", gluster),
        1e-9);
    assertEquals(
        0, MetricsScrape.delta(MetricsScrape.empty(), MetricsScrape.empty(), "x", Map.of()));
  }
}
