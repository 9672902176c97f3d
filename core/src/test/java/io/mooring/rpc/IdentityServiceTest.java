package io.mooring.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.GetPluginCapabilitiesRequest;
import csi.v1.Csi.GetPluginInfoRequest;
import csi.v1.Csi.PluginCapability;
import csi.v1.Csi.ProbeRequest;
import csi.v1.IdentityGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.mooring.Version;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IdentityServiceTest {

  private Server server;
  private ManagedChannel channel;

  private IdentityGrpc.IdentityBlockingStub serve(IdentityService service) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name).directExecutor().addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    return IdentityGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  @Test
  void controllerAdvertisesControllerServiceAndOnlineExpansion() throws Exception {
    var stub =
        serve(
            new IdentityService(
                "mooring.csi.io",
                Version.get(),
                Set.of(PluginCapability.Service.Type.CONTROLLER_SERVICE),
                true,
                Optional::empty));
    var info = stub.getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
    assertEquals("mooring.csi.io", info.getName());
    assertEquals(Version.get(), info.getVendorVersion());
    assertFalse(info.getVendorVersion().contains("$"), "version must be filtered in at build time");
    List<PluginCapability> caps =
        stub.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
            .getCapabilitiesList();
    assertEquals(
        PluginCapability.Service.Type.CONTROLLER_SERVICE, caps.get(0).getService().getType());
    assertEquals(
        PluginCapability.VolumeExpansion.Type.ONLINE, caps.get(1).getVolumeExpansion().getType());
  }

  @Test
  void nodeAdvertisesNothing() throws Exception {
    var stub = serve(new IdentityService("mooring.csi.io", "1", Set.of(), false, Optional::empty));
    assertEquals(
        0,
        stub.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
            .getCapabilitiesCount());
  }

  @Test
  void probeFollowsReadiness() throws Exception {
    AtomicReference<String> reason = new AtomicReference<>();
    var stub =
        serve(
            new IdentityService(
                "d",
                "1",
                Set.of(PluginCapability.Service.Type.CONTROLLER_SERVICE),
                false,
                () -> Optional.ofNullable(reason.get())));
    assertTrue(stub.probe(ProbeRequest.getDefaultInstance()).getReady().getValue());
    reason.set("gluster volume shared unreachable");
    assertFalse(stub.probe(ProbeRequest.getDefaultInstance()).getReady().getValue());
    reason.set(null);
    assertTrue(stub.probe(ProbeRequest.getDefaultInstance()).getReady().getValue());
  }

  @Test
  void emptyDriverNameIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new IdentityService(
                "",
                "1",
                Set.of(PluginCapability.Service.Type.CONTROLLER_SERVICE),
                false,
                Optional::empty));
  }
}
