package io.mooring.node.gluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mooring.node.ClientLimits;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The mount options that bound a glusterfs client's caches. */
class GlusterClientsTest {

  static Stream<Arguments> limits() {
    return Stream.of(
        Arguments.of(
            ClientLimits.GLUSTER,
            List.of("lru-limit=16384", "xlator-option=*.cache-size=33554432")),
        Arguments.of(
            new ClientLimits(0, 8L << 20, 0), List.of("xlator-option=*.cache-size=8388608")),
        Arguments.of(new ClientLimits(64L << 20, 0, 4096), List.of("lru-limit=4096")),
        Arguments.of(new ClientLimits(0, 0, 0), List.of()));
  }

  @ParameterizedTest
  @MethodSource("limits")
  void cachesAreBoundedByMountOptions(ClientLimits limits, List<String> options) {
    assertEquals(options, GlusterClients.options(limits));
  }
}
