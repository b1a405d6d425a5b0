package dev.strata.etcd;

import com.google.protobuf.ByteString;
import dev.strata.api.Capability;
import dev.strata.api.InPlaceCompaction;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DefragmentResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * etcd's Maintenance service where it maps onto a Strata engine: {@code Status}, the alarm list
 * (always empty: the engines raise typed errors instead of alarms) and {@code Snapshot}, which
 * streams a {@link SnapshotArchive} as etcd streams its bbolt file: 32 KiB chunks with the bytes
 * remaining, then one last message whose blob is the SHA-256 of everything before it. {@code
 * Defragment} runs the engine's {@link InPlaceCompaction} when it has one (lsm) and otherwise
 * answers as etcd does, with nothing to do: btree reuses freed pages through its freelist and
 * shrinks only by an offline copy ({@code strata compact}), ledger keeps its history. Hash, HashKV
 * and MoveLeader answer UNIMPLEMENTED.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  /** The etcd API version this server speaks (the stubs' rpc.proto is etcd 3.4's). */
  static final String VERSION = "3.4.0";

  /** etcd's snapshotSendBufferSize. */
  static final int SNAPSHOT_CHUNK = 32 * 1024;

  /** How long a snapshot stream waits for a client that does not read. */
  private static final long SNAPSHOT_STALL_SECONDS = 60;

  private final MvccStore store;
  private final Headers headers;
  private final LongSupplier databaseBytes;

  private final ClusterMembers members;

  /**
   * @param members the cluster this member belongs to, or null for a one-member server
   */
  MaintenanceService(
      MvccStore store, Headers headers, LongSupplier databaseBytes, ClusterMembers members) {
    this.store = store;
    this.headers = headers;
    this.databaseBytes = databaseBytes;
    this.members = members;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          long size = databaseBytes.getAsLong();
          long revision = store.currentRevision();
          StatusResponse.Builder status =
              StatusResponse.newBuilder()
                  .setHeader(headers.current())
                  .setVersion(VERSION)
                  .setDbSize(size)
                  .setDbSizeInUse(size);
          if (members == null) {
            return status
                .setLeader(headers.memberId())
                .setRaftIndex(revision)
                .setRaftAppliedIndex(revision)
                .setRaftTerm(Headers.RAFT_TERM)
                .build();
          }
          // A member asked by another answers from what it knows, so queries never go round.
          ClusterMembers.Member leader =
              Forwarder.isForwarded() ? members.knownLeader() : members.leader();
          return status
              .setLeader(leader == null ? 0 : leader.id())
              .setRaftIndex(members.raftStat("commitIndex"))
              .setRaftAppliedIndex(members.raftStat("appliedIndex"))
              .setRaftTerm(members.term())
              .build();
        });
  }

  @Override
  public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          if (store.engine() instanceof InPlaceCompaction compaction) {
            compaction.compactInPlace();
          }
          return DefragmentResponse.newBuilder().setHeader(headers.current()).build();
        });
  }

  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> observer) {
    Calls.unary(observer, () -> AlarmResponse.newBuilder().setHeader(headers.current()).build());
  }

  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
    ServerCallStreamObserver<SnapshotResponse> call =
        (ServerCallStreamObserver<SnapshotResponse>) observer;
    // gRPC buffers whatever is sent without limit: send a chunk only when the transport is ready.
    Semaphore ready = new Semaphore(0);
    call.setOnReadyHandler(ready::release);
    call.setOnCancelHandler(ready::release);
    // The ready handler runs on the call's serialized executor, which this method occupies: the
    // stream is written from a thread of its own.
    Thread sender =
        new Thread(() -> sendSnapshot(call, ready), "strata-etcd-snapshot-" + call.hashCode());
    sender.setDaemon(true);
    sender.start();
  }

  private void sendSnapshot(ServerCallStreamObserver<SnapshotResponse> call, Semaphore ready) {
    StreamObserver<SnapshotResponse> observer = call;
    if (!store.engine().capabilities().contains(Capability.BACKUP)) {
      observer.onError(
          Status.UNIMPLEMENTED
              .withDescription(
                  "strata-etcd: the " + store.engine().name() + " engine cannot back up")
              .asRuntimeException());
      return;
    }
    Path archive;
    try {
      archive = SnapshotArchive.create(store.engine());
    } catch (RuntimeException e) {
      observer.onError(Calls.toStatus(e));
      return;
    }
    try (InputStream in = Files.newInputStream(archive)) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      long size = Files.size(archive);
      long sent = 0;
      byte[] buffer = new byte[SNAPSHOT_CHUNK];
      while (sent < size) {
        int n = in.readNBytes(buffer, 0, buffer.length);
        if (n <= 0) {
          throw new IOException("snapshot archive shorter than its size");
        }
        sent += n;
        sha.update(buffer, 0, n);
        if (!awaitReady(call, ready)) {
          return;
        }
        call.onNext(
            SnapshotResponse.newBuilder()
                .setRemainingBytes(size - sent)
                .setBlob(ByteString.copyFrom(buffer, 0, n))
                .build());
      }
      if (!awaitReady(call, ready)) {
        return;
      }
      call.onNext(
          SnapshotResponse.newBuilder()
              .setRemainingBytes(0)
              .setBlob(ByteString.copyFrom(sha.digest()))
              .build());
      call.onCompleted();
    } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
      if (!call.isCancelled()) {
        observer.onError(
            Calls.toStatus(e instanceof RuntimeException r ? r : new RuntimeException(e)));
      }
    } finally {
      try {
        Files.deleteIfExists(archive);
      } catch (IOException e) {
        // A leftover temporary file does not change the answer already sent.
      }
    }
  }

  /** Waits until the call can take a message; false when it was cancelled or stalled. */
  private static boolean awaitReady(ServerCallStreamObserver<?> call, Semaphore ready) {
    try {
      while (!call.isReady()) {
        if (call.isCancelled()) {
          return false;
        }
        if (!ready.tryAcquire(SNAPSHOT_STALL_SECONDS, TimeUnit.SECONDS) && !call.isReady()) {
          call.onError(
              Status.DEADLINE_EXCEEDED
                  .withDescription("strata-etcd: snapshot client stopped reading")
                  .asRuntimeException());
          return false;
        }
      }
      return !call.isCancelled();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.onError(Status.CANCELLED.withDescription("strata-etcd: stopping").asRuntimeException());
      return false;
    }
  }
}
