package io.mooring.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import csi.v1.ControllerGrpc;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.CreateVolumeResponse;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeStageVolumeResponse;
import csi.v1.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.mooring.errors.StorageException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Secrets sent in requests never reach a log line or an error message. */
class RpcLogInterceptorTest {

  static final String SECRET = "AQD9o0Fd6hQRChAAt7fMaSZXduT3NWEqylNpmg==";

  /** A careless backend that puts everything it got into its error messages. */
  static final class LeakyNode extends NodeGrpc.NodeImplBase {
    @Override
    public void nodeStageVolume(
        NodeStageVolumeRequest req, StreamObserver<NodeStageVolumeResponse> observer) {
      Rpc.unary(
          observer,
          () -> {
            throw StorageException.internal(
                "mount failed with key %s", req.getSecretsMap().get("userKey"));
          });
    }
  }

  static final class LeakyController extends ControllerGrpc.ControllerImplBase {
    @Override
    public void createVolume(
        CreateVolumeRequest req, StreamObserver<CreateVolumeResponse> observer) {
      Rpc.unary(
          observer,
          () -> {
            throw new IllegalStateException("bug: " + req);
          });
    }
  }

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    logs.start();
    root.addAppender(logs);
    root.setLevel(Level.DEBUG);
    RpcLogInterceptor interceptor = new RpcLogInterceptor(new PrometheusMetrics());
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ServerInterceptors.intercept(new LeakyNode(), interceptor))
            .addService(ServerInterceptors.intercept(new LeakyController(), interceptor))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    root.detachAppender(logs);
    root.setLevel(Level.INFO);
    channel.shutdownNow();
    server.shutdownNow();
  }

  private String allLogs() {
    return logs.list.stream()
        .map(ILoggingEvent::getFormattedMessage)
        .collect(Collectors.joining("\n"));
  }

  @Test
  void secretsAreMaskedInErrorsAndLogs() {
    NodeStageVolumeRequest req =
        NodeStageVolumeRequest.newBuilder()
            .setVolumeId("v1:ceph-a:pvc-1-0011223344556677")
            .setStagingTargetPath("/staging")
            .putSecrets("userID", "kube")
            .putSecrets("userKey", SECRET)
            .build();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> NodeGrpc.newBlockingStub(channel).nodeStageVolume(req));
    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertFalse(e.getStatus().getDescription().contains(SECRET), e.getStatus().getDescription());
    assertTrue(e.getStatus().getDescription().contains("***"));

    String text = allLogs();
    assertTrue(text.contains("rpc=NodeStageVolume"), text);
    assertTrue(text.contains("volume_id=v1:ceph-a:pvc-1-0011223344556677"), text);
    assertTrue(text.contains("code=INTERNAL"), text);
    assertTrue(text.contains("request:"), "debug line with the stripped request expected: " + text);
    assertFalse(text.contains(SECRET), text);
    assertFalse(text.contains("kube\""), text);
  }

  @Test
  void bugsBecomeInternalNotUnknownAndStillHideSecrets() {
    CreateVolumeRequest req =
        CreateVolumeRequest.newBuilder().setName("pvc-1").putSecrets("adminKey", SECRET).build();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> ControllerGrpc.newBlockingStub(channel).createVolume(req));
    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertFalse(e.getStatus().getDescription().contains(SECRET));
    assertFalse(allLogs().contains(SECRET));
  }

  @Test
  void unimplementedIsLoggedOnce() {
    assertThrows(
        StatusRuntimeException.class,
        () ->
            NodeGrpc.newBlockingStub(channel)
                .nodeGetInfo(csi.v1.Csi.NodeGetInfoRequest.getDefaultInstance()));
    assertEquals(
        1,
        logs.list.stream()
            .filter(
                ev ->
                    ev.getFormattedMessage().startsWith("rpc=NodeGetInfo")
                        && ev.getFormattedMessage().contains(" code="))
            .count());
    assertTrue(allLogs().contains("code=UNIMPLEMENTED"));
  }
}
