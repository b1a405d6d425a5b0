package dev.strata.etcd;

import io.etcd.jetcd.api.KVGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.concurrent.Executor;

/**
 * Runs etcd's KV {@code Put} calls on the transport thread that read them and every other call on
 * the server's executor. A Put served this way only checks and queues its request ({@link
 * MvccStore#writeAsync}) and never blocks; the thread that commits its batch answers it. Only for a
 * server whose Put never blocks (not a cluster member, which may forward it).
 */
final class PutOnTransport implements ServerCallExecutorSupplier {
  private static final String PUT = KVGrpc.getPutMethod().getFullMethodName();

  /** Runs each task at once on the calling thread; gRPC serializes a call's tasks around it. */
  private static final Executor ON_CALLING_THREAD = Runnable::run;

  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
    return PUT.equals(call.getMethodDescriptor().getFullMethodName()) ? ON_CALLING_THREAD : null;
  }
}
