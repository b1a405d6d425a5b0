package dev.strata.etcd;

import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.stub.StreamObserver;
import java.util.function.LongSupplier;

/**
 * etcd's Maintenance service where it maps onto a Strata engine: {@code Status} and the alarm list
 * (always empty: the engines raise typed errors instead of alarms). Defragment, Snapshot, Hash,
 * HashKV and MoveLeader answer UNIMPLEMENTED.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  /** The etcd API version this server speaks (the stubs' rpc.proto is etcd 3.4's). */
  static final String VERSION = "3.4.0";

  private final MvccStore store;
  private final Headers headers;
  private final LongSupplier databaseBytes;

  MaintenanceService(MvccStore store, Headers headers, LongSupplier databaseBytes) {
    this.store = store;
    this.headers = headers;
    this.databaseBytes = databaseBytes;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          long size = databaseBytes.getAsLong();
          long revision = store.currentRevision();
          return StatusResponse.newBuilder()
              .setHeader(headers.current())
              .setVersion(VERSION)
              .setDbSize(size)
              .setDbSizeInUse(size)
              .setLeader(headers.memberId())
              .setRaftIndex(revision)
              .setRaftAppliedIndex(revision)
              .setRaftTerm(Headers.RAFT_TERM)
              .build();
        });
  }

  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> observer) {
    Calls.unary(observer, () -> AlarmResponse.newBuilder().setHeader(headers.current()).build());
  }
}
