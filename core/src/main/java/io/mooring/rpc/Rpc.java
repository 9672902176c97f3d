package io.mooring.rpc;

import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Runs a unary RPC body and answers with its result or with the mapped error. */
public final class Rpc {

  private Rpc() {}

  public static <T> void unary(StreamObserver<T> observer, Supplier<T> body) {
    T response;
    try {
      response = body.get();
    } catch (RuntimeException | Error e) {
      observer.onError(ErrorMapper.toStatus(e).asRuntimeException());
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }
}
