package io.mooring.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointTest {

  @Test
  void parsesUnixAndTcp() {
    assertEquals(
        new Endpoint.Unix(Path.of("/csi/csi.sock")), Endpoint.parse("unix:///csi/csi.sock"));
    assertEquals(new Endpoint.Unix(Path.of("/csi/csi.sock")), Endpoint.parse("unix:/csi/csi.sock"));
    assertEquals(new Endpoint.Tcp("127.0.0.1", 10000), Endpoint.parse("tcp://127.0.0.1:10000"));
    assertEquals(new Endpoint.Tcp("0.0.0.0", 9), Endpoint.parse("tcp://:9"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/csi/csi.sock", "unix://relative.sock", "tcp://host", "http://x:1"})
  void rejectsOthers(String text) {
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse(text));
  }
}
