package io.mooring.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.ListVolumesRequest;
import csi.v1.Csi.ListVolumesResponse;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.volume.VolumeId;
import io.mooring.volume.VolumeNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ListVolumes over two backends whose names sort otherwise than their volume IDs. */
class ListVolumesPagingTest {

  private final FakeBackend a = new FakeBackend("a");
  private final FakeBackend a1 = new FakeBackend("a1");
  private InProcessController controller;
  private ControllerGrpc.ControllerBlockingStub stub;

  @BeforeEach
  void start() throws Exception {
    controller = new InProcessController(List.of(a1, a), Duration.ofSeconds(5));
    stub = controller.stub;
  }

  @AfterEach
  void stop() {
    controller.close();
  }

  private static String add(FakeBackend backend, String request) {
    String dir = VolumeNames.dirFor(request);
    synchronized (backend) {
      backend.volumes.put(dir, new VolumeRecord(dir, request, 4096, Map.of(), Optional.empty()));
    }
    return new VolumeId(backend.name(), dir).toString();
  }

  private static void remove(FakeBackend backend, String id) {
    synchronized (backend) {
      backend.volumes.remove(VolumeId.parse(id).dir());
    }
  }

  private ListVolumesResponse page(int max, String token) {
    return stub.listVolumes(
        ListVolumesRequest.newBuilder().setMaxEntries(max).setStartingToken(token).build());
  }

  private List<String> all(int max) {
    List<String> ids = new ArrayList<>();
    String token = "";
    do {
      ListVolumesResponse page = page(max, token);
      assertTrue(max == 0 || page.getEntriesCount() <= max, "max_entries is honoured");
      page.getEntriesList().forEach(e -> ids.add(e.getVolume().getVolumeId()));
      token = page.getNextToken();
    } while (!token.isEmpty());
    return ids;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3, 7, 10, 11, 100})
  void everyVolumeOnceInBackendThenDirectoryOrder(int max) {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      add(a, "pvc-" + i);
      add(a1, "pvc-" + i);
    }
    a.volumes.keySet().forEach(d -> expected.add(new VolumeId("a", d).toString()));
    a1.volumes.keySet().forEach(d -> expected.add(new VolumeId("a1", d).toString()));
    assertEquals(expected, all(max));
  }

  @Test
  void aPageReadsWhatItHoldsNotWhatTheBackendsHold() {
    for (int i = 0; i < 1000; i++) {
      add(a, "pvc-" + i);
    }
    String token = page(10, "").getNextToken();
    a.listed.set(0);
    ListVolumesResponse middle = page(10, token);
    assertEquals(10, middle.getEntriesCount());
    assertEquals(11, a.listed.get(), "the page and the first volume of the next one");
    assertEquals(0, a1.listed.get(), "a backend after a full page is not read");
  }

  @Test
  void volumesCreatedAndDeletedBetweenPagesNeverRepeatOrHideOnesThatStayed() {
    List<String> stayed = new ArrayList<>();
    List<String> doomed = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      (i % 3 == 0 ? doomed : stayed).add(add(i % 2 == 0 ? a : a1, "pvc-" + i));
    }
    List<String> seen = new ArrayList<>();
    String token = "";
    int round = 0;
    do {
      ListVolumesResponse page = page(4, token);
      page.getEntriesList().forEach(e -> seen.add(e.getVolume().getVolumeId()));
      token = page.getNextToken();
      // between pages: one volume goes (perhaps the token's own), one comes
      if (round < doomed.size()) {
        String gone = doomed.get(round);
        remove(VolumeId.parse(gone).backend().equals("a") ? a : a1, gone);
      }
      add(round % 2 == 0 ? a : a1, "pvc-new-" + round);
      round++;
    } while (!token.isEmpty());
    assertEquals(seen.size(), new HashSet<>(seen).size(), "no volume twice");
    assertTrue(seen.containsAll(stayed), "every volume that stayed is listed");
  }

  @Test
  void aTokenOfAVolumeOrBackendThatIsGoneStillContinues() {
    String first = add(a, "pvc-1");
    String second = add(a, "pvc-2");
    String third = add(a1, "pvc-3");
    List<String> order = all(0);
    String token = page(1, "").getNextToken();
    assertEquals(order.get(1), token);
    remove(VolumeId.parse(token).backend().equals("a") ? a : a1, token);
    List<String> rest =
        page(0, token).getEntriesList().stream().map(e -> e.getVolume().getVolumeId()).toList();
    assertEquals(order.subList(2, 3), rest);
    // "a0" is not configured: its place is between a and a1
    assertEquals(
        List.of(third),
        page(0, new VolumeId("a0", VolumeNames.dirFor("x")).toString()).getEntriesList().stream()
            .map(e -> e.getVolume().getVolumeId())
            .toList());
    assertTrue(Set.of(first, second, third).containsAll(order));
    assertFalse(
        page(0, new VolumeId("b", VolumeNames.dirFor("x")).toString()).getEntriesCount() > 0);
  }
}
