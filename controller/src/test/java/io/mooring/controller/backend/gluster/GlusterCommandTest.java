package io.mooring.controller.backend.gluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The allow-list of gluster commands, checked before anything is sent. */
class GlusterCommandTest {

  /** Every command Mooring makes; GlusterGateTest sends the same through the gate. */
  static Stream<GlusterCommand> everyCommand() {
    return Stream.of(
        GlusterCommand.info("rvol"),
        GlusterCommand.enableQuota("rvol"),
        GlusterCommand.deemStatfs("rvol"),
        GlusterCommand.limitUsage("rvol", "/mooring/pvc-a-0011223344556677", 10_485_760),
        GlusterCommand.removeLimit("rvol", "/k8s/v_1/pvc-b"));
  }

  @Test
  void everyCommandMooringMakesIsAllowed() {
    assertEquals(5, everyCommand().filter(c -> GlusterCommand.allowed(c.args())).count());
    assertEquals(
        List.of("--mode=script", "--xml", "volume", "info", "rvol"),
        GlusterCommand.info("rvol").argv());
    assertTrue(GlusterCommand.limitUsage("v", "/a", 1).changesTheVolume());
    assertFalse(GlusterCommand.info("v").changesTheVolume());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "volume info",
        "volume info rvol extra",
        "volume info rv;ol",
        "volume delete rvol",
        "volume stop rvol",
        "volume set rvol features.quota-deem-statfs off",
        "volume set rvol auth.allow *",
        "volume quota rvol disable",
        "volume quota rvol list",
        "volume quota rvol",
        "volume quota rvol enable now",
        "volume quota rvol remove mooring/x",
        "volume quota rvol remove /a/../b",
        "volume quota rvol remove /a/./b",
        "volume quota rvol remove /a//b",
        "volume quota rvol remove /a'b",
        "volume quota rvol limit-usage /a 0",
        "volume quota rvol limit-usage /a 10MB",
        "volume quota rvol limit-usage /a -1",
        "volume quota rvol limit-usage /a 12345678901234567890",
        "volume quota rvol limit-usage /a",
        "peer probe evil",
        "--remote-host=x volume info rvol",
        "system:: execute gsec_create",
      })
  void anythingElseIsRefused(String line) {
    List<String> args = Arrays.asList(line.split(" "));
    assertFalse(GlusterCommand.allowed(args), line);
    assertEquals(
        StorageException.Kind.INVALID_ARGUMENT,
        assertThrows(StorageException.class, () -> new GlusterCommand(args)).kind());
  }

  @Test
  void aVolumeNameOrPathWithSpacesOrNewlinesIsRefused() {
    assertFalse(GlusterCommand.allowed(List.of("volume", "info", "r vol")));
    assertFalse(GlusterCommand.allowed(List.of("volume", "quota", "v", "remove", "/a\n/b")));
  }
}
