package io.mooring.rpc;

import com.google.protobuf.BoolValue;
import csi.v1.Csi.GetPluginCapabilitiesRequest;
import csi.v1.Csi.GetPluginCapabilitiesResponse;
import csi.v1.Csi.GetPluginInfoRequest;
import csi.v1.Csi.GetPluginInfoResponse;
import csi.v1.Csi.PluginCapability;
import csi.v1.Csi.ProbeRequest;
import csi.v1.Csi.ProbeResponse;
import csi.v1.IdentityGrpc;
import io.grpc.stub.StreamObserver;
import io.mooring.health.HealthCheck;
import io.mooring.health.Readiness;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** CSI Identity service, served by every plugin mode. */
public final class IdentityService extends IdentityGrpc.IdentityImplBase {

  private final String driverName;
  private final String version;
  private final List<PluginCapability> capabilities;
  private final Readiness readiness;

  /**
   * @param services the services besides Identity and Node this process serves (Controller,
   *     GroupController)
   * @param onlineExpansion whether the controller can expand volumes that are in use
   * @param readiness what Probe reports; it must answer quickly (a {@link HealthCheck} does)
   */
  public IdentityService(
      String driverName,
      String version,
      Set<PluginCapability.Service.Type> services,
      boolean onlineExpansion,
      Readiness readiness) {
    if (driverName.isEmpty()) {
      throw new IllegalArgumentException("driver name must not be empty");
    }
    this.driverName = driverName;
    this.version = version;
    this.readiness = readiness;
    List<PluginCapability> caps = new ArrayList<>();
    new TreeSet<>(services).forEach(type -> caps.add(service(type)));
    if (onlineExpansion) {
      caps.add(
          PluginCapability.newBuilder()
              .setVolumeExpansion(
                  PluginCapability.VolumeExpansion.newBuilder()
                      .setType(PluginCapability.VolumeExpansion.Type.ONLINE))
              .build());
    }
    this.capabilities = List.copyOf(caps);
  }

  private static PluginCapability service(PluginCapability.Service.Type type) {
    return PluginCapability.newBuilder()
        .setService(PluginCapability.Service.newBuilder().setType(type))
        .build();
  }

  @Override
  public void getPluginInfo(
      GetPluginInfoRequest request, StreamObserver<GetPluginInfoResponse> observer) {
    Rpc.unary(
        observer,
        () ->
            GetPluginInfoResponse.newBuilder()
                .setName(driverName)
                .setVendorVersion(version)
                .build());
  }

  @Override
  public void getPluginCapabilities(
      GetPluginCapabilitiesRequest request,
      StreamObserver<GetPluginCapabilitiesResponse> observer) {
    Rpc.unary(
        observer,
        () -> GetPluginCapabilitiesResponse.newBuilder().addAllCapabilities(capabilities).build());
  }

  @Override
  public void probe(ProbeRequest request, StreamObserver<ProbeResponse> observer) {
    // ready=false is a successful answer; the reason (which the message has no field for) is in
    // the log and the plugin's /readyz.
    Rpc.unary(
        observer,
        () ->
            ProbeResponse.newBuilder()
                .setReady(BoolValue.of(readiness.notReadyReason().isEmpty()))
                .build());
  }
}
