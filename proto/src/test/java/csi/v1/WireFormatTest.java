package csi.v1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Wire-compatibility checks for the generated CSI v1.12.0 classes.
 *
 * <p>Every byte fixture below was derived by hand from the field numbers in the CSI spec and the
 * protobuf encoding rules, not by running the encoder:
 *
 * <ul>
 *   <li>tag = (field_number &lt;&lt; 3) | wire_type, itself written as a varint; wire type 0 =
 *       varint (int64, bool, enum), wire type 2 = length-delimited (string, bytes, message, map
 *       entry, each element of a repeated string/message);
 *   <li>varint = 7 bits per byte, least significant group first, MSB set on all but the last byte;
 *   <li>a {@code map<string,string>} entry is an embedded message with key = field 1 (tag 0x0a) and
 *       value = field 2 (tag 0x12);
 *   <li>proto3 scalars equal to their default (0, "", false) are not written; fields are written in
 *       ascending field-number order (what protobuf-java and Go both do).
 * </ul>
 *
 * Each fixture is therefore what the Go sidecars (external-provisioner, kubelet) put on the wire
 * for the same message.
 */
class WireFormatTest {

  private static final HexFormat HEX = HexFormat.of();

  private static byte[] hex(String spaced) {
    return HEX.parseHex(spaced.replaceAll("\\s+", ""));
  }

  private static void assertWire(String expectedHex, Message msg) {
    byte[] expected = hex(expectedHex);
    byte[] actual = msg.toByteArray();
    assertEquals(HEX.formatHex(expected), HEX.formatHex(actual), "wire bytes");
    assertArrayEquals(expected, actual);
  }

  // -------------------------------------------------------------------------------------------
  // CreateVolumeRequest
  // -------------------------------------------------------------------------------------------

  /**
   * CreateVolumeRequest (spec field numbers: name=1, capacity_range=2, volume_capabilities=3,
   * parameters=4, secrets=5).
   *
   * <pre>
   * name = "vol-1"                        field 1, LEN -> tag (1&lt;&lt;3)|2 = 0x0a
   *   0a 05 76 6f 6c 2d 31                 len 5, "vol-1"
   * capacity_range                        field 2, LEN -> tag 0x12, payload 12 bytes:
   *   required_bytes = 1 GiB = 2^30       CapacityRange field 1, VARINT -> tag 0x08
   *     08 80 80 80 80 04                  2^30: four zero 7-bit groups (0x80 = 0|continue),
   *                                        then 2^30 &gt;&gt; 28 = 4
   *   limit_bytes = 2 GiB = 2^31          CapacityRange field 2, VARINT -> tag 0x10
   *     10 80 80 80 80 08                  four zero groups, then 2^31 &gt;&gt; 28 = 8
   *   -> 12 0c 08 80 80 80 80 04 10 80 80 80 80 08
   * volume_capabilities[0]                field 3, LEN -> tag 0x1a, payload 30 (0x1e) bytes:
   *   mount                               VolumeCapability field 2 (oneof access_type) -> 0x12
   *     MountVolume payload, 24 (0x18) bytes:
   *       fs_type = "ext4"                MountVolume field 1 -> 0a 04 65 78 74 34      (6)
   *       mount_flags[0] = "noatime"      MountVolume field 2 -> 12 07 6e 6f 61 74 69 6d 65 (9)
   *       mount_flags[1] = "_netdev"      MountVolume field 2 -> 12 07 5f 6e 65 74 64 65 76 (9)
   *     -> 12 18 + 24 bytes                                                        (26)
   *   access_mode                         VolumeCapability field 3 -> tag 0x1a
   *     mode = MULTI_NODE_MULTI_WRITER=5  AccessMode field 1, VARINT -> 08 05
   *     -> 1a 02 08 05                                                             (4)
   *   -> 1a 1e + 30 bytes
   * parameters {"backend": "gluster"}     field 4, LEN -> tag 0x22, entry 18 (0x12) bytes:
   *   key   0a 07 62 61 63 6b 65 6e 64     "backend"
   *   value 12 07 67 6c 75 73 74 65 72     "gluster"
   * secrets {"password": "s3cret"}        field 5, LEN -> tag 0x2a, entry 18 (0x12) bytes:
   *   key   0a 08 70 61 73 73 77 6f 72 64  "password"
   *   value 12 06 73 33 63 72 65 74        "s3cret"
   * </pre>
   */
  static final String CREATE_VOLUME_REQUEST_HEX =
      "0a 05 76 6f 6c 2d 31"
          + " 12 0c 08 80 80 80 80 04 10 80 80 80 80 08"
          + " 1a 1e"
          + "   12 18 0a 04 65 78 74 34 12 07 6e 6f 61 74 69 6d 65 12 07 5f 6e 65 74 64 65 76"
          + "   1a 02 08 05"
          + " 22 12 0a 07 62 61 63 6b 65 6e 64 12 07 67 6c 75 73 74 65 72"
          + " 2a 12 0a 08 70 61 73 73 77 6f 72 64 12 06 73 33 63 72 65 74";

  static Csi.CreateVolumeRequest createVolumeRequest() {
    return Csi.CreateVolumeRequest.newBuilder()
        .setName("vol-1")
        .setCapacityRange(
            Csi.CapacityRange.newBuilder().setRequiredBytes(1L << 30).setLimitBytes(1L << 31))
        .addVolumeCapabilities(
            Csi.VolumeCapability.newBuilder()
                .setMount(
                    Csi.VolumeCapability.MountVolume.newBuilder()
                        .setFsType("ext4")
                        .addMountFlags("noatime")
                        .addMountFlags("_netdev"))
                .setAccessMode(
                    Csi.VolumeCapability.AccessMode.newBuilder()
                        .setMode(Csi.VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER)))
        .putParameters("backend", "gluster")
        .putSecrets("password", "s3cret")
        .build();
  }

  @Test
  void createVolumeRequestMatchesHandDerivedBytes() throws Exception {
    Csi.CreateVolumeRequest req = createVolumeRequest();
    assertWire(CREATE_VOLUME_REQUEST_HEX, req);

    Csi.CreateVolumeRequest parsed =
        Csi.CreateVolumeRequest.parseFrom(hex(CREATE_VOLUME_REQUEST_HEX));
    assertEquals(req, parsed);
    assertEquals("gluster", parsed.getParametersOrThrow("backend"));
    assertEquals("s3cret", parsed.getSecretsOrThrow("password"));
    assertEquals(
        Csi.VolumeCapability.AccessTypeCase.MOUNT,
        parsed.getVolumeCapabilities(0).getAccessTypeCase());
  }

  // -------------------------------------------------------------------------------------------
  // NodePublishVolumeRequest
  // -------------------------------------------------------------------------------------------

  /**
   * NodePublishVolumeRequest (spec: volume_id=1, publish_context=2, staging_target_path=3,
   * target_path=4, volume_capability=5, readonly=6, secrets=7, volume_context=8).
   *
   * <pre>
   * volume_id = "vol-1"                    field 1, LEN -> 0a 05 76 6f 6c 2d 31
   * (publish_context empty: not written)
   * staging_target_path = "/stage/vol-1"   field 3, LEN -> tag 0x1a, len 12 (0x0c)
   *   1a 0c 2f 73 74 61 67 65 2f 76 6f 6c 2d 31
   * target_path = "/pods/p1/mnt"           field 4, LEN -> tag 0x22, len 12 (0x0c)
   *   22 0c 2f 70 6f 64 73 2f 70 31 2f 6d 6e 74
   * volume_capability                      field 5, LEN -> tag 0x2a, payload 15 (0x0f):
   *   mount { mount_flags = ["noatime"] }  VolumeCapability field 2 -> 12 09,
   *     MountVolume: 12 07 6e 6f 61 74 69 6d 65 (fs_type "" not written)       (11)
   *   access_mode { mode = 5 }             1a 02 08 05                                 (4)
   * readonly = true                        field 6, VARINT -> tag (6&lt;&lt;3)|0 = 0x30, 01
   * (secrets empty: not written)
   * volume_context {"server": "gl1"}       field 8, LEN -> tag (8&lt;&lt;3)|2 = 0x42,
   *   entry 13 (0x0d) bytes: key 0a 06 73 65 72 76 65 72 ("server"),
   *                          value 12 03 67 6c 31 ("gl1")
   * </pre>
   */
  static final String NODE_PUBLISH_VOLUME_REQUEST_HEX =
      "0a 05 76 6f 6c 2d 31"
          + " 1a 0c 2f 73 74 61 67 65 2f 76 6f 6c 2d 31"
          + " 22 0c 2f 70 6f 64 73 2f 70 31 2f 6d 6e 74"
          + " 2a 0f 12 09 12 07 6e 6f 61 74 69 6d 65 1a 02 08 05"
          + " 30 01"
          + " 42 0d 0a 06 73 65 72 76 65 72 12 03 67 6c 31";

  @Test
  void nodePublishVolumeRequestMatchesHandDerivedBytes() throws Exception {
    Csi.NodePublishVolumeRequest req =
        Csi.NodePublishVolumeRequest.newBuilder()
            .setVolumeId("vol-1")
            .setStagingTargetPath("/stage/vol-1")
            .setTargetPath("/pods/p1/mnt")
            .setVolumeCapability(
                Csi.VolumeCapability.newBuilder()
                    .setMount(
                        Csi.VolumeCapability.MountVolume.newBuilder().addMountFlags("noatime"))
                    .setAccessMode(
                        Csi.VolumeCapability.AccessMode.newBuilder()
                            .setMode(Csi.VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER)))
            .setReadonly(true)
            .putVolumeContext("server", "gl1")
            .build();
    assertWire(NODE_PUBLISH_VOLUME_REQUEST_HEX, req);

    Csi.NodePublishVolumeRequest parsed =
        Csi.NodePublishVolumeRequest.parseFrom(hex(NODE_PUBLISH_VOLUME_REQUEST_HEX));
    assertEquals(req, parsed);
    assertTrue(parsed.getReadonly());
    assertEquals("gl1", parsed.getVolumeContextOrThrow("server"));
  }

  // -------------------------------------------------------------------------------------------
  // CreateVolumeResponse
  // -------------------------------------------------------------------------------------------

  /**
   * CreateVolumeResponse { volume = 1 } with Volume (spec: capacity_bytes=1, volume_id=2,
   * volume_context=3, content_source=4, accessible_topology=5) and Topology { segments = 1 }.
   *
   * <pre>
   * volume                                   field 1, LEN -> tag 0x0a, payload 42 (0x2a):
   *   capacity_bytes = 2^30                  Volume field 1, VARINT -> 08 80 80 80 80 04   (6)
   *   volume_id = "vol-1"                    Volume field 2 -> 12 05 76 6f 6c 2d 31        (7)
   *   volume_context {"server": "gl1"}       Volume field 3 -> tag 0x1a, entry 13 (0x0d):
   *     1a 0d 0a 06 73 65 72 76 65 72 12 03 67 6c 31                                  (15)
   *   (content_source unset: not written)
   *   accessible_topology[0]                 Volume field 5 -> tag 0x2a, payload 12 (0x0c):
   *     segments {"zone": "z1"}              Topology field 1 -> tag 0x0a, entry 10 (0x0a):
   *       key 0a 04 7a 6f 6e 65 ("zone"), value 12 02 7a 31 ("z1")
   *     -> 2a 0c 0a 0a 0a 04 7a 6f 6e 65 12 02 7a 31                                   (14)
   *   6 + 7 + 15 + 14 = 42
   * </pre>
   */
  static final String CREATE_VOLUME_RESPONSE_HEX =
      "0a 2a"
          + " 08 80 80 80 80 04"
          + " 12 05 76 6f 6c 2d 31"
          + " 1a 0d 0a 06 73 65 72 76 65 72 12 03 67 6c 31"
          + " 2a 0c 0a 0a 0a 04 7a 6f 6e 65 12 02 7a 31";

  @Test
  void createVolumeResponseMatchesHandDerivedBytes() throws Exception {
    Csi.CreateVolumeResponse resp =
        Csi.CreateVolumeResponse.newBuilder()
            .setVolume(
                Csi.Volume.newBuilder()
                    .setCapacityBytes(1L << 30)
                    .setVolumeId("vol-1")
                    .putVolumeContext("server", "gl1")
                    .addAccessibleTopology(Csi.Topology.newBuilder().putSegments("zone", "z1")))
            .build();
    assertWire(CREATE_VOLUME_RESPONSE_HEX, resp);

    Csi.CreateVolumeResponse parsed =
        Csi.CreateVolumeResponse.parseFrom(hex(CREATE_VOLUME_RESPONSE_HEX));
    assertEquals(resp, parsed);
    assertEquals("z1", parsed.getVolume().getAccessibleTopology(0).getSegmentsOrThrow("zone"));
    assertFalse(parsed.getVolume().hasContentSource());
  }

  // -------------------------------------------------------------------------------------------
  // parameters vs mutable_parameters (guards the generated-code fix-up in proto/pom.xml)
  // -------------------------------------------------------------------------------------------

  /**
   * CreateVolumeRequest with both map fields whose Java accessors clash in stock protoc output.
   *
   * <pre>
   * parameters {"a": "1"}             field 4 -> tag 0x22, entry 6: 0a 01 61 12 01 31
   * mutable_parameters {"iops":"100"} field 8 -> tag (8&lt;&lt;3)|2 = 0x42, entry 11 (0x0b):
   *                                   0a 04 69 6f 70 73 12 03 31 30 30
   * </pre>
   */
  @Test
  void parametersAndMutableParametersStayIndependent() throws Exception {
    Csi.CreateVolumeRequest.Builder b =
        Csi.CreateVolumeRequest.newBuilder()
            .putParameters("a", "1")
            .putMutableParameters("iops", "100");
    assertEquals(Map.of("a", "1"), b.getParametersMap());
    assertEquals(Map.of("iops", "100"), b.getMutableParametersMap());
    assertWire("22 06 0a 01 61 12 01 31 42 0b 0a 04 69 6f 70 73 12 03 31 30 30", b.build());

    Csi.CreateVolumeRequest parsed = Csi.CreateVolumeRequest.parseFrom(b.build().toByteArray());
    assertEquals(Map.of("a", "1"), parsed.getParametersMap());
    assertEquals(Map.of("iops", "100"), parsed.getMutableParametersMap());

    // Merging and clearing one map must not touch the other.
    Csi.CreateVolumeRequest.Builder merged = Csi.CreateVolumeRequest.newBuilder().mergeFrom(parsed);
    merged.clearParameters();
    assertTrue(merged.getParametersMap().isEmpty());
    assertEquals(Map.of("iops", "100"), merged.getMutableParametersMap());
    merged.removeMutableParameters("iops").putParameters("b", "2");
    assertEquals(Map.of("b", "2"), merged.build().getParametersMap());
    assertTrue(merged.build().getMutableParametersMap().isEmpty());

    // The other two messages that have both maps.
    Csi.ValidateVolumeCapabilitiesRequest v =
        Csi.ValidateVolumeCapabilitiesRequest.newBuilder()
            .putParameters("a", "1")
            .putMutableParameters("iops", "100")
            .build();
    assertEquals(v, Csi.ValidateVolumeCapabilitiesRequest.parseFrom(v.toByteArray()));
    assertEquals(Map.of("a", "1"), v.getParametersMap());
    assertEquals(Map.of("iops", "100"), v.getMutableParametersMap());
    Csi.ValidateVolumeCapabilitiesResponse.Confirmed c =
        Csi.ValidateVolumeCapabilitiesResponse.Confirmed.newBuilder()
            .putParameters("a", "1")
            .putMutableParameters("iops", "100")
            .build();
    assertEquals(c, Csi.ValidateVolumeCapabilitiesResponse.Confirmed.parseFrom(c.toByteArray()));
    assertEquals(Map.of("iops", "100"), c.getMutableParametersMap());
  }

  // -------------------------------------------------------------------------------------------
  // Descriptor: options and field numbers
  // -------------------------------------------------------------------------------------------

  private static List<Descriptors.Descriptor> allMessages() {
    List<Descriptors.Descriptor> out = new ArrayList<>();
    for (Descriptors.Descriptor d : Csi.getDescriptor().getMessageTypes()) {
      collect(d, out);
    }
    return out;
  }

  private static void collect(Descriptors.Descriptor d, List<Descriptors.Descriptor> out) {
    out.add(d);
    for (Descriptors.Descriptor n : d.getNestedTypes()) {
      collect(n, out);
    }
  }

  private static FieldDescriptor field(Descriptors.Descriptor msg, String name) {
    FieldDescriptor f = msg.findFieldByName(name);
    assertNotNull(f, msg.getFullName() + "." + name);
    return f;
  }

  @Test
  void fileHeaderMatchesSpec() {
    Descriptors.FileDescriptor file = Csi.getDescriptor();
    assertEquals("csi.v1", file.getPackage());
    assertEquals("proto3", file.toProto().getSyntax());
    assertEquals(
        "github.com/container-storage-interface/spec/lib/go/csi", file.getOptions().getGoPackage());
    assertEquals(
        List.of(
            "google/protobuf/descriptor.proto",
            "google/protobuf/timestamp.proto",
            "google/protobuf/wrappers.proto"),
        file.getDependencies().stream()
            .map(Descriptors.FileDescriptor::getName)
            .collect(Collectors.toList()));
  }

  @Test
  void extensionNumbersMatchSpec() {
    // csi_secret is 1059; all alpha_* markers are 1060 on their respective *Options messages.
    assertEquals(1059, Csi.csiSecret.getDescriptor().getNumber());
    assertEquals(
        "google.protobuf.FieldOptions",
        Csi.csiSecret.getDescriptor().getContainingType().getFullName());
    Map<String, Integer> alpha = new LinkedHashMap<>();
    alpha.put("google.protobuf.EnumOptions", Csi.alphaEnum.getDescriptor().getNumber());
    alpha.put("google.protobuf.EnumValueOptions", Csi.alphaEnumValue.getDescriptor().getNumber());
    alpha.put("google.protobuf.FieldOptions", Csi.alphaField.getDescriptor().getNumber());
    alpha.put("google.protobuf.MessageOptions", Csi.alphaMessage.getDescriptor().getNumber());
    alpha.put("google.protobuf.MethodOptions", Csi.alphaMethod.getDescriptor().getNumber());
    alpha.put("google.protobuf.ServiceOptions", Csi.alphaService.getDescriptor().getNumber());
    alpha.forEach((extendee, number) -> assertEquals(1060, number, extendee));
    assertEquals(
        "google.protobuf.ServiceOptions",
        Csi.alphaService.getDescriptor().getContainingType().getFullName());
  }

  @Test
  void secretsFieldsCarryCsiSecretOption() {
    // Spot checks named in the spec, including the raw option bytes:
    // FieldOptions{ [csi.v1.csi_secret] = true } = tag 1059<<3|0 = 8472 -> varint 98 42, value 01.
    for (Descriptors.Descriptor msg :
        List.of(
            Csi.CreateVolumeRequest.getDescriptor(),
            Csi.NodeStageVolumeRequest.getDescriptor(),
            Csi.NodePublishVolumeRequest.getDescriptor())) {
      FieldDescriptor secrets = field(msg, "secrets");
      assertTrue(secrets.getOptions().getExtension(Csi.csiSecret), msg.getName());
      assertFalse(secrets.getOptions().getExtension(Csi.alphaField), msg.getName());
      assertEquals("984201", HEX.formatHex(secrets.getOptions().toByteArray()), msg.getName());
    }
    // NodeExpandVolumeRequest.secrets is both secret and alpha: 98 42 01 then 1060<<3 -> a0 42 01.
    FieldDescriptor nodeExpandSecrets =
        field(Csi.NodeExpandVolumeRequest.getDescriptor(), "secrets");
    assertEquals("984201a04201", HEX.formatHex(nodeExpandSecrets.getOptions().toByteArray()));

    // Every field named "secrets" (and only those) is marked csi_secret.
    List<String> secretFields = new ArrayList<>();
    for (Descriptors.Descriptor msg : allMessages()) {
      for (FieldDescriptor f : msg.getFields()) {
        boolean secret = f.getOptions().getExtension(Csi.csiSecret);
        assertEquals(f.getName().equals("secrets"), secret, f.getFullName());
        if (secret) {
          secretFields.add(msg.getName());
        }
      }
    }
    assertEquals(
        List.of(
            "CreateVolumeRequest",
            "DeleteVolumeRequest",
            "ControllerPublishVolumeRequest",
            "ControllerUnpublishVolumeRequest",
            "ValidateVolumeCapabilitiesRequest",
            "ControllerModifyVolumeRequest",
            "CreateSnapshotRequest",
            "DeleteSnapshotRequest",
            "ListSnapshotsRequest",
            "GetSnapshotRequest",
            "ControllerExpandVolumeRequest",
            "NodeStageVolumeRequest",
            "NodePublishVolumeRequest",
            "NodeExpandVolumeRequest",
            "CreateVolumeGroupSnapshotRequest",
            "DeleteVolumeGroupSnapshotRequest",
            "GetVolumeGroupSnapshotRequest",
            "GetMetadataAllocatedRequest",
            "GetMetadataDeltaRequest"),
        secretFields);
  }

  @Test
  void selectedFieldNumbersMatchSpec() {
    Descriptors.Descriptor cvr = Csi.CreateVolumeRequest.getDescriptor();
    assertEquals(1, field(cvr, "name").getNumber());
    assertEquals(5, field(cvr, "secrets").getNumber());
    assertEquals(6, field(cvr, "volume_content_source").getNumber());
    assertEquals(7, field(cvr, "accessibility_requirements").getNumber());
    assertEquals(8, field(cvr, "mutable_parameters").getNumber());
    assertTrue(field(cvr, "mutable_parameters").isMapField());

    assertEquals(
        6, field(Csi.NodeStageVolumeRequest.getDescriptor(), "volume_context").getNumber());
    assertEquals(5, field(Csi.NodeStageVolumeRequest.getDescriptor(), "secrets").getNumber());
    assertEquals(7, field(Csi.NodePublishVolumeRequest.getDescriptor(), "secrets").getNumber());

    // Volume: content_source is 4 and accessible_topology is 5 in the spec.
    assertEquals(4, field(Csi.Volume.getDescriptor(), "content_source").getNumber());
    assertEquals(5, field(Csi.Volume.getDescriptor(), "accessible_topology").getNumber());

    assertEquals(6, field(Csi.Snapshot.getDescriptor(), "group_snapshot_id").getNumber());
    assertEquals(
        "google.protobuf.Timestamp",
        field(Csi.Snapshot.getDescriptor(), "creation_time").getMessageType().getFullName());
    assertEquals(
        "google.protobuf.BoolValue",
        field(Csi.ProbeResponse.getDescriptor(), "ready").getMessageType().getFullName());
    assertEquals(
        3,
        field(Csi.VolumeCapability.MountVolume.getDescriptor(), "volume_mount_group").getNumber());

    // Oneofs.
    assertEquals(
        "access_type",
        field(Csi.VolumeCapability.getDescriptor(), "mount").getContainingOneof().getName());
    assertEquals(
        "type",
        field(Csi.VolumeContentSource.getDescriptor(), "snapshot").getContainingOneof().getName());

    // Enum numbers that appear on the wire.
    assertEquals(5, Csi.VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER.getNumber());
    assertEquals(6, Csi.VolumeCapability.AccessMode.Mode.SINGLE_NODE_SINGLE_WRITER.getNumber());
    assertEquals(7, Csi.VolumeCapability.AccessMode.Mode.SINGLE_NODE_MULTI_WRITER.getNumber());
    assertEquals(14, Csi.ControllerServiceCapability.RPC.Type.MODIFY_VOLUME.getNumber());
    assertEquals(15, Csi.ControllerServiceCapability.RPC.Type.GET_SNAPSHOT.getNumber());
    assertEquals(6, Csi.NodeServiceCapability.RPC.Type.VOLUME_MOUNT_GROUP.getNumber());
    assertEquals(4, Csi.PluginCapability.Service.Type.SNAPSHOT_METADATA_SERVICE.getNumber());
    assertEquals(
        1,
        Csi.GroupControllerServiceCapability.RPC.Type.CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT
            .getNumber());
  }

  @Test
  void alphaMarkersMatchV112() {
    // ControllerModifyVolume is GA in v1.12: no alpha markers left on it.
    assertFalse(
        Csi.ControllerModifyVolumeRequest.getDescriptor()
            .getOptions()
            .getExtension(Csi.alphaMessage));
    assertFalse(
        field(Csi.CreateVolumeRequest.getDescriptor(), "mutable_parameters")
            .getOptions()
            .getExtension(Csi.alphaField));
    assertFalse(
        Csi.ControllerServiceCapability.RPC
            .Type
            .MODIFY_VOLUME
            .getValueDescriptor()
            .getOptions()
            .getExtension(Csi.alphaEnumValue));
    // Still alpha in v1.12.
    assertTrue(
        Csi.ControllerServiceCapability.RPC
            .Type
            .GET_SNAPSHOT
            .getValueDescriptor()
            .getOptions()
            .getExtension(Csi.alphaEnumValue));
    assertTrue(Csi.VolumeCondition.getDescriptor().getOptions().getExtension(Csi.alphaMessage));
    assertTrue(
        field(Csi.GetCapacityResponse.getDescriptor(), "minimum_volume_size")
            .getOptions()
            .getExtension(Csi.alphaField));

    Descriptors.ServiceDescriptor controller = Csi.getDescriptor().findServiceByName("Controller");
    assertFalse(
        controller
            .findMethodByName("ControllerModifyVolume")
            .getOptions()
            .getExtension(Csi.alphaMethod));
    assertTrue(
        controller.findMethodByName("GetSnapshot").getOptions().getExtension(Csi.alphaMethod));
    assertTrue(
        controller
            .findMethodByName("ControllerGetVolume")
            .getOptions()
            .getExtension(Csi.alphaMethod));
    assertTrue(
        Csi.getDescriptor()
            .findServiceByName("SnapshotMetadata")
            .getOptions()
            .getExtension(Csi.alphaService));
    assertFalse(
        Csi.getDescriptor()
            .findServiceByName("GroupController")
            .getOptions()
            .getExtension(Csi.alphaService));
  }

  // -------------------------------------------------------------------------------------------
  // Services
  // -------------------------------------------------------------------------------------------

  private static List<String> methods(String service) {
    Descriptors.ServiceDescriptor s = Csi.getDescriptor().findServiceByName(service);
    assertNotNull(s, service);
    return s.getMethods().stream()
        .map(Descriptors.MethodDescriptor::getName)
        .collect(Collectors.toList());
  }

  @Test
  void servicesAndRpcsMatchV112() {
    assertEquals(
        List.of("Identity", "Controller", "GroupController", "SnapshotMetadata", "Node"),
        Csi.getDescriptor().getServices().stream()
            .map(Descriptors.ServiceDescriptor::getName)
            .collect(Collectors.toList()));

    assertEquals(List.of("GetPluginInfo", "GetPluginCapabilities", "Probe"), methods("Identity"));
    assertEquals(
        List.of(
            "CreateVolume",
            "DeleteVolume",
            "ControllerPublishVolume",
            "ControllerUnpublishVolume",
            "ValidateVolumeCapabilities",
            "ListVolumes",
            "GetCapacity",
            "ControllerGetCapabilities",
            "CreateSnapshot",
            "DeleteSnapshot",
            "ListSnapshots",
            "GetSnapshot",
            "ControllerExpandVolume",
            "ControllerGetVolume",
            "ControllerModifyVolume"),
        methods("Controller"));
    assertEquals(
        List.of(
            "GroupControllerGetCapabilities",
            "CreateVolumeGroupSnapshot",
            "DeleteVolumeGroupSnapshot",
            "GetVolumeGroupSnapshot"),
        methods("GroupController"));
    assertEquals(List.of("GetMetadataAllocated", "GetMetadataDelta"), methods("SnapshotMetadata"));
    assertEquals(
        List.of(
            "NodeStageVolume",
            "NodeUnstageVolume",
            "NodePublishVolume",
            "NodeUnpublishVolume",
            "NodeGetVolumeStats",
            "NodeExpandVolume",
            "NodeGetCapabilities",
            "NodeGetInfo"),
        methods("Node"));

    // Counts per service in v1.12.0: 3 / 15 / 4 / 2 / 8.
    assertEquals(3, methods("Identity").size());
    assertEquals(15, methods("Controller").size());
    assertEquals(4, methods("GroupController").size());
    assertEquals(2, methods("SnapshotMetadata").size());
    assertEquals(8, methods("Node").size());

    // SnapshotMetadata RPCs are server-streaming; everything else is unary.
    for (Descriptors.ServiceDescriptor s : Csi.getDescriptor().getServices()) {
      for (Descriptors.MethodDescriptor m : s.getMethods()) {
        DescriptorProtos.MethodDescriptorProto p = m.toProto();
        assertFalse(p.getClientStreaming(), m.getFullName());
        assertEquals(
            s.getName().equals("SnapshotMetadata"), p.getServerStreaming(), m.getFullName());
      }
    }

    // The gRPC paths the sidecars call.
    assertEquals(
        "csi.v1.Controller/ControllerModifyVolume",
        ControllerGrpc.getControllerModifyVolumeMethod().getFullMethodName());
    assertEquals(
        "csi.v1.Node/NodePublishVolume", NodeGrpc.getNodePublishVolumeMethod().getFullMethodName());
    assertEquals("csi.v1.Identity/Probe", IdentityGrpc.getProbeMethod().getFullMethodName());
    assertEquals(
        "csi.v1.SnapshotMetadata/GetMetadataDelta",
        SnapshotMetadataGrpc.getGetMetadataDeltaMethod().getFullMethodName());
    assertEquals(
        "csi.v1.GroupController/GetVolumeGroupSnapshot",
        GroupControllerGrpc.getGetVolumeGroupSnapshotMethod().getFullMethodName());
  }
}
