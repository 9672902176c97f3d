package io.mooring.rpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.mooring.exec.Redaction;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Logs every RPC once, when it completes: method, the IDs it names, gRPC code, duration. Secret
 * values of the request are masked in the status message before it leaves the process, and the
 * request itself is only ever logged (at DEBUG) with its secret fields cleared.
 */
public final class RpcLogInterceptor implements ServerInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger("io.mooring.rpc");

  /** Polled constantly by sidecars and the kubelet: logged at DEBUG when they succeed. */
  private static final Set<String> QUIET =
      Set.of(
          "Probe",
          "GetPluginInfo",
          "GetPluginCapabilities",
          "ControllerGetCapabilities",
          "NodeGetCapabilities",
          "NodeGetInfo",
          "NodeGetVolumeStats");

  private static final Set<Status.Code> CLIENT_ERRORS =
      Set.of(
          Status.Code.INVALID_ARGUMENT,
          Status.Code.NOT_FOUND,
          Status.Code.ALREADY_EXISTS,
          Status.Code.ABORTED,
          Status.Code.OUT_OF_RANGE,
          Status.Code.FAILED_PRECONDITION,
          Status.Code.UNIMPLEMENTED);
  private static final String[] ID_FIELDS = {"volume_id", "snapshot_id", "name", "target_path"};

  private final AtomicLong sequence = new AtomicLong();
  private final Metrics metrics;

  public RpcLogInterceptor(Metrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String method = call.getMethodDescriptor().getBareMethodName();
    String requestId = Long.toString(sequence.incrementAndGet(), 36);
    AtomicReference<Message> request = new AtomicReference<>();

    ServerCall<Q, R> logged =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            Message req = request.get();
            Status safe = status;
            if (req != null && status.getDescription() != null) {
              safe =
                  status.withDescription(
                      Redaction.mask(status.getDescription(), SecretRedactor.values(req)));
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            record(requestId, method, req, safe, millis);
            super.close(safe, trailers);
          }
        };
    ServerCall.Listener<Q> delegate = next.startCall(logged, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        if (message instanceof Message m) {
          request.set(m);
          if (LOG.isDebugEnabled()) {
            LOG.debug("rpc={} req={} request: {}", method, requestId, SecretRedactor.strip(m));
          }
        }
        inContext(requestId, () -> super.onMessage(message));
      }

      @Override
      public void onHalfClose() {
        inContext(requestId, super::onHalfClose);
      }
    };
  }

  private static void inContext(String requestId, Runnable body) {
    MDC.put("req", requestId);
    try {
      body.run();
    } finally {
      MDC.remove("req");
    }
  }

  private void record(String requestId, String method, Message req, Status status, long millis) {
    metrics.rpc(method, status.getCode().name(), millis);
    StringBuilder line = new StringBuilder("rpc=").append(method).append(" req=").append(requestId);
    if (req != null) {
      for (String name : ID_FIELDS) {
        FieldDescriptor field = req.getDescriptorForType().findFieldByName(name);
        if (field != null
            && field.getType() == FieldDescriptor.Type.STRING
            && req.hasField(field)) {
          line.append(' ').append(name).append('=').append(req.getField(field));
        }
      }
    }
    line.append(" code=").append(status.getCode()).append(" ms=").append(millis);
    if (status.getDescription() != null) {
      line.append(" msg=\"").append(status.getDescription()).append('"');
    }
    if (status.isOk()) {
      if (QUIET.contains(method)) {
        LOG.debug("{}", line);
      } else {
        LOG.info("{}", line);
      }
    } else if (CLIENT_ERRORS.contains(status.getCode())) {
      LOG.info("{}", line);
    } else {
      LOG.warn("{}", line);
    }
  }
}
