package dev.strata.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.etcd.jetcd.api.lock.UnlockResponse;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

/**
 * etcd's Lock service ({@code v3lockpb.Lock}), which runs etcd's mutex recipe against the server's
 * own KV through the {@link LocalClient}, as etcd's {@code v3lock} does.
 *
 * <p>{@code Lock} creates the key {@code name/<lease hex>} with the caller's lease (a 60-second
 * lease is granted for lease 0) unless that lease has it already, and holds the lock once every key
 * under {@code name/} created before it is gone: it waits for the youngest of them to be deleted,
 * again and again, without holding a thread ({@link WaitingCall}). It answers with the key, which
 * {@code Unlock} deletes. A lock attempt that ends without the lock (cancelled, past its deadline,
 * its connection closed, or failed while waiting) deletes its key; a holder whose lease expires or
 * is revoked loses its key, so the next waiter gets the lock. A waiter whose own key went meanwhile
 * gets {@code "mutex: session is expired"}, as in etcd 3.5 and later (etcd 3.4 answered it as if it
 * held the lock). Errors have the code {@code UNKNOWN} and etcd's message. Thread-safe.
 */
final class LockService extends LockGrpc.LockImplBase {
  private final LocalClient client;

  LockService(LocalClient client) {
    this.client = client;
  }

  @Override
  public void lock(LockRequest request, StreamObserver<LockResponse> observer) {
    new Acquisition(request, observer).start();
  }

  @Override
  public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> observer) {
    Calls.unary(
        observer,
        () ->
            UnlockResponse.newBuilder()
                .setHeader(client.delete(request.getKey()).getHeader())
                .build());
  }

  /** One Lock call: etcd's {@code Mutex.Lock}. */
  private final class Acquisition implements WaitingCall.Handler {
    private final LockRequest request;
    private final StreamObserver<LockResponse> observer;
    private final WaitingCall call;
    private final ByteString prefix;
    private ByteString key;

    /** Whether the key may exist: its txn was sent, and the key was not found gone since. */
    private volatile boolean keyMayExist;

    Acquisition(LockRequest request, StreamObserver<LockResponse> observer) {
      this.request = request;
      this.observer = observer;
      this.call = new WaitingCall(client, this);
      this.prefix = Recipes.prefix(request.getName());
    }

    void start() {
      call.start(this::enqueue);
    }

    /** Creates the key, or finds it when the lease has it already, and the current holder. */
    private void enqueue() {
      long lease =
          request.getLease() != 0 ? request.getLease() : client.grant(Recipes.SESSION_TTL_SECONDS);
      key = Recipes.waiterKey(prefix, lease);
      TxnRequest txn =
          TxnRequest.newBuilder()
              .addCompare(Recipes.createRevisionIs(key, 0))
              .addSuccess(Recipes.putOp(key, ByteString.EMPTY, lease))
              .addSuccess(Recipes.rangeOp(Recipes.firstCreated(prefix)))
              .addFailure(Recipes.rangeOp(Recipes.get(key)))
              .addFailure(Recipes.rangeOp(Recipes.firstCreated(prefix)))
              .build();
      // A txn that fails may still have been applied (a forwarded one cut off); a refused one
      // wrote nothing, and deleting a key that does not exist changes nothing.
      keyMayExist = true;
      TxnResponse response = client.txn(txn);
      long myRevision =
          response.getSucceeded()
              ? response.getHeader().getRevision()
              : response.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
      RangeResponse holder = response.getResponses(1).getResponseRange();
      if (holder.getKvsCount() == 0 || holder.getKvs(0).getCreateRevision() == myRevision) {
        answer(response.getHeader());
        return;
      }
      call.awaitDeletes(prefix, myRevision - 1, none -> confirm());
    }

    /** Every older waiter is gone; the lock is held if the key outlived the wait. */
    private void confirm() {
      RangeResponse mine = client.range(Recipes.get(key));
      if (mine.getKvsCount() == 0) {
        keyMayExist = false;
        throw Recipes.sessionExpired();
      }
      answer(mine.getHeader());
    }

    private void answer(ResponseHeader header) {
      call.finish(
          () -> {
            observer.onNext(LockResponse.newBuilder().setHeader(header).setKey(key).build());
            observer.onCompleted();
          });
    }

    @Override
    public void failed(StatusRuntimeException error) {
      if (keyMayExist) {
        // Outside the call's context, which may be cancelled by now, as etcd unlocks with the
        // client's own context.
        Context.ROOT.run(this::release);
      }
      observer.onError(error);
    }

    @Override
    public void cancelled() {
      if (keyMayExist) {
        release();
      }
    }

    /** etcd's {@code Mutex.Unlock} after a failed wait: the key goes, whoever created it. */
    private void release() {
      try {
        client.delete(key);
      } catch (StatusRuntimeException e) {
        // Its lease still ends it.
        System.getLogger(LockService.class.getName())
            .log(System.Logger.Level.WARNING, "cannot delete lock key of a failed attempt", e);
      }
    }
  }
}
