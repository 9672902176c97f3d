package io.mooring.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import csi.v1.Csi.NodeGetVolumeStatsRequest;
import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeCapability.AccessMode.Mode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every malformed request is INVALID_ARGUMENT with a message, and nothing gets mounted. */
class NodeValidationTest {

  private static final String DIR = "pvc-1-0123456789abcdef";
  private static final String ID = InProcessNode.id(DIR);
  private static final String STAGING = "/var/lib/kubelet/plugins/mooring/x/globalmount";
  private static final String TARGET = "/var/lib/kubelet/pods/p/volumes/x/mount";

  @TempDir Path tmp;
  private FakeMounter mounter;
  private InProcessNode node;

  @BeforeEach
  void setUp() {
    mounter = new FakeMounter();
    node = new InProcessNode(tmp, mounter, Duration.ofSeconds(1));
  }

  @AfterEach
  void tearDown() {
    node.close();
  }

  static Stream<Arguments> badIds() {
    return Stream.of(
        Arguments.of("empty", "", Status.Code.INVALID_ARGUMENT),
        Arguments.of("another driver's", "some-other-driver-volume", Status.Code.NOT_FOUND),
        Arguments.of("traversing", "v1:gluster-a:../../etc", Status.Code.INVALID_ARGUMENT),
        Arguments.of("with NUL", "v1:gluster-a:pvc\0x", Status.Code.INVALID_ARGUMENT),
        Arguments.of("malformed v1", "v1:gluster-a", Status.Code.INVALID_ARGUMENT));
  }

  static Stream<Arguments> badPaths() {
    return Stream.of(
        Arguments.of("empty", "", Status.Code.INVALID_ARGUMENT),
        Arguments.of("relative", "var/lib/kubelet/x", Status.Code.NOT_FOUND),
        Arguments.of("traversing", "/var/lib/kubelet/../../etc", Status.Code.INVALID_ARGUMENT),
        Arguments.of("ending in ..", "/var/lib/kubelet/x/..", Status.Code.INVALID_ARGUMENT),
        Arguments.of("with a . element", "/var/lib/./kubelet/x", Status.Code.INVALID_ARGUMENT),
        Arguments.of("with NUL", "/var/lib/kubelet/x\0y", Status.Code.INVALID_ARGUMENT),
        Arguments.of("the root", "/", Status.Code.INVALID_ARGUMENT));
  }

  /** Null stands for a request without a capability. */
  static Stream<Arguments> badCapabilities() {
    return Stream.of(
        Arguments.of("missing", null),
        Arguments.of(
            "block",
            VolumeCapability.newBuilder()
                .setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                .setAccessMode(
                    VolumeCapability.AccessMode.newBuilder().setMode(Mode.MULTI_NODE_MULTI_WRITER))
                .build()),
        Arguments.of(
            "no access mode",
            VolumeCapability.newBuilder()
                .setMount(VolumeCapability.MountVolume.getDefaultInstance())
                .build()),
        Arguments.of(
            "foreign fs_type",
            InProcessNode.rwx().toBuilder()
                .setMount(VolumeCapability.MountVolume.newBuilder().setFsType("ext4"))
                .build()),
        Arguments.of("flags with a comma", flags("ro,nosuid")),
        Arguments.of("flag with a space", flags("noexec ")),
        Arguments.of("flag with NUL", flags("noexec\0")),
        Arguments.of("empty flag", flags("")),
        Arguments.of("suid flag", flags("suid")),
        Arguments.of("dev flag", flags("dev")),
        Arguments.of("rbind flag", flags("rbind")),
        Arguments.of("remount flag", flags("remount")),
        Arguments.of("propagation flag", flags("shared")),
        Arguments.of("FUSE client option", flags("log-level=DEBUG")));
  }

  /** Changes to a good volume_context; a null value removes the key. */
  static Stream<Arguments> badContexts() {
    return Stream.of(
        Arguments.of("servers", null),
        Arguments.of("volume", null),
        Arguments.of("path", null),
        Arguments.of("path", "base/x"),
        Arguments.of("path", "/base/../../x"),
        Arguments.of("path", "/base/./x"),
        Arguments.of("path", "/"),
        Arguments.of("path", "/base//x"),
        Arguments.of("path", "/base/x\0"),
        Arguments.of("path", "/base"),
        Arguments.of("path", "/base/pvc-2-0123456789abcdef"),
        Arguments.of("path", "/base/" + DIR + "/sub"),
        Arguments.of("servers", "g1,-o evil"),
        Arguments.of("volume", "vol/../x"),
        Arguments.of("backend", "gluster-b"),
        Arguments.of("type", "nfs"));
  }

  /**
   * NodeGetVolumeStats answers the spec's NOT_FOUND ("the volume does not exist on the specified
   * volume_path") for an ID of another format or a relative path; empty or hostile ones are
   * INVALID_ARGUMENT there too.
   */
  @ParameterizedTest(name = "{0} volume_id")
  @MethodSource("badIds")
  void everyRpcRejectsTheVolumeId(String name, String id, Status.Code stats) {
    assertInvalid(() -> node.stub.nodeStageVolume(stage(id, STAGING).build()));
    assertInvalid(() -> node.stub.nodePublishVolume(publish(id, STAGING, TARGET).build()));
    assertInvalid(() -> node.stub.nodeUnstageVolume(unstage(id, STAGING)));
    assertInvalid(() -> node.stub.nodeUnpublishVolume(unpublish(id, TARGET)));
    assertCode(stats, () -> node.stub.nodeGetVolumeStats(stats(id, TARGET)));
  }

  @ParameterizedTest(name = "{0} path")
  @MethodSource("badPaths")
  void everyRpcRejectsThePath(String name, String path, Status.Code stats) {
    assertInvalid(() -> node.stub.nodeStageVolume(stage(ID, path).build()));
    assertInvalid(() -> node.stub.nodePublishVolume(publish(ID, path, TARGET).build()));
    assertInvalid(() -> node.stub.nodeUnstageVolume(unstage(ID, path)));
    assertInvalid(() -> node.stub.nodePublishVolume(publish(ID, STAGING, path).build()));
    assertInvalid(() -> node.stub.nodeUnpublishVolume(unpublish(ID, path)));
    assertCode(stats, () -> node.stub.nodeGetVolumeStats(stats(ID, path)));
  }

  @ParameterizedTest(name = "{0} capability")
  @MethodSource("badCapabilities")
  void stageAndPublishRejectTheCapability(String name, VolumeCapability capability) {
    NodeStageVolumeRequest.Builder stage = stage(ID, STAGING);
    NodePublishVolumeRequest.Builder publish = publish(ID, STAGING, TARGET);
    if (capability == null) {
      stage.clearVolumeCapability();
      publish.clearVolumeCapability();
    } else {
      stage.setVolumeCapability(capability);
      publish.setVolumeCapability(capability);
    }
    assertInvalid(() -> node.stub.nodeStageVolume(stage.build()));
    assertInvalid(() -> node.stub.nodePublishVolume(publish.build()));
  }

  @ParameterizedTest(name = "volume_context {0}={1}")
  @MethodSource("badContexts")
  void stageRejectsTheVolumeContext(String key, String value) {
    Map<String, String> context = new HashMap<>(InProcessNode.context(DIR));
    if (value == null) {
      context.remove(key);
    } else {
      context.put(key, value);
    }
    assertInvalid(
        () ->
            node.stub.nodeStageVolume(
                stage(ID, STAGING).clearVolumeContext().putAllVolumeContext(context).build()));
  }

  private void assertInvalid(Executable call) {
    assertCode(Status.Code.INVALID_ARGUMENT, call);
  }

  private void assertCode(Status.Code code, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().getDescription());
    assertFalse(e.getStatus().getDescription() == null || e.getStatus().getDescription().isBlank());
    assertEquals(List.of(), mounter.calls(), "nothing may be mounted");
  }

  private static NodeStageVolumeRequest.Builder stage(String id, String staging) {
    return NodeStageVolumeRequest.newBuilder()
        .setVolumeId(id)
        .setStagingTargetPath(staging)
        .setVolumeCapability(InProcessNode.rwx())
        .putAllVolumeContext(InProcessNode.context(DIR));
  }

  private static NodePublishVolumeRequest.Builder publish(
      String id, String staging, String target) {
    return NodePublishVolumeRequest.newBuilder()
        .setVolumeId(id)
        .setStagingTargetPath(staging)
        .setTargetPath(target)
        .setVolumeCapability(InProcessNode.rwx())
        .putAllVolumeContext(InProcessNode.context(DIR));
  }

  private static NodeUnstageVolumeRequest unstage(String id, String staging) {
    return NodeUnstageVolumeRequest.newBuilder()
        .setVolumeId(id)
        .setStagingTargetPath(staging)
        .build();
  }

  private static NodeUnpublishVolumeRequest unpublish(String id, String target) {
    return NodeUnpublishVolumeRequest.newBuilder().setVolumeId(id).setTargetPath(target).build();
  }

  private static NodeGetVolumeStatsRequest stats(String id, String path) {
    return NodeGetVolumeStatsRequest.newBuilder().setVolumeId(id).setVolumePath(path).build();
  }

  private static VolumeCapability flags(String... flags) {
    return InProcessNode.capability(Mode.MULTI_NODE_MULTI_WRITER, flags);
  }
}
