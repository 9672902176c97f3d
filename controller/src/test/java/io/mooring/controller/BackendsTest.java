package io.mooring.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import io.mooring.testing.MutableClock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackendsTest {

  final FakeBackend a = new FakeBackend("a");
  final FakeBackend b = new FakeBackend("b");
  final Backends backends = new Backends(List.of(b, a));

  @Test
  void choosesTheNamedBackendOrTheOnlyOne() {
    assertEquals(List.of(a, b), backends.all());
    assertSame(b, backends.choose("b"));
    assertSame(a, new Backends(List.of(a)).choose(""));
    assertEquals(
        StorageException.Kind.INVALID_ARGUMENT,
        assertThrows(StorageException.class, () -> backends.choose("")).kind());
    assertEquals(
        StorageException.Kind.INVALID_ARGUMENT,
        assertThrows(StorageException.class, () -> backends.choose("c")).kind());
  }

  @Test
  void closeClosesEveryBackendThenReportsTheFirstFailure() {
    RuntimeException failure = new IllegalStateException("unmount failed");
    a.closeFailure = failure;
    assertSame(failure, assertThrows(IllegalStateException.class, backends::close));
    assertTrue(a.closed);
    assertTrue(b.closed, "a failure does not keep the others open");
  }

  @Test
  void healthIsCheckedOncePerTtlAndAnUnhealthyBackendMakesThemNotReady() {
    MutableClock clock = new MutableClock();
    Backends checked = new Backends(List.of(a, b), Map.of(), clock, Runnable::run);
    assertEquals(Optional.empty(), checked.notReadyReason());
    b.unhealthy = "Gluster volume b is down";
    assertEquals(Optional.empty(), checked.unhealthyReason(b), "the answer is still fresh");
    clock.advance(Backends.HEALTH_TTL);
    assertEquals(Optional.of("Gluster volume b is down"), checked.unhealthyReason(b));
    assertEquals(Optional.of("Gluster volume b is down"), checked.notReadyReason());
    assertEquals(Optional.empty(), checked.unhealthyReason(a));
    assertEquals(2, b.healthChecks, "one check per TTL, however often asked");
  }
}
