package io.mooring.kube.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.IntOrString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConcurrencyTest {

  /** maxSurge as the deployment controller resolves it: percentages of the replicas round up. */
  @ParameterizedTest
  @CsvSource({
    ", 1, 1", // unset: 25%
    ", 4, 1",
    ", 5, 2",
    ", 0, 0",
    "10%, 1, 1",
    "0%, 10, 0",
    "100%, 3, 3",
    "0, 3, 0",
    "2, 1, 2"
  })
  void surgeRoundsPercentagesUp(String maxSurge, int replicas, int surge) {
    IntOrString value =
        maxSurge == null
            ? null
            : maxSurge.endsWith("%")
                ? new IntOrString(maxSurge)
                : new IntOrString(Integer.parseInt(maxSurge));
    assertEquals(surge, Concurrency.surge(value, replicas));
  }
}
