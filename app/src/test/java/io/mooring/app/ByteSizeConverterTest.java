package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteSizeConverterTest {

  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "4096, 4096",
    "256Mi, 268435456",
    "1Gi, 1073741824",
    "64Ki, 65536",
    "500M, 500000000",
    "2G, 2000000000"
  })
  void quantities(String value, long bytes) {
    assertEquals(bytes, new ByteSizeConverter().convert(value));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-1", "256MB", "1.5Gi", "Mi", "256 Mi", "99999999999999999Gi"})
  void anythingElseIsRefused(String value) {
    assertThrows(RuntimeException.class, () -> new ByteSizeConverter().convert(value));
  }
}
