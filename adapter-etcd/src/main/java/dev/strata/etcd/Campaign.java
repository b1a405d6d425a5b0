package dev.strata.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.CampaignResponse;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

/**
 * One {@code Campaign} call: etcd's {@code Election.Campaign}. Creates the candidate's key {@code
 * name/<lease hex>} with its value and lease (a 60-second lease is granted for lease 0), or finds
 * it when the lease campaigned before (then sets the value if it differs), and answers once every
 * key under {@code name/} created before it is gone, waiting without a thread ({@link
 * WaitingCall}). The answer carries the header of the first txn and the leader key (name, key,
 * create revision, lease) that Proclaim and Resign take.
 *
 * <p>A campaign that is cancelled (or passes its deadline, or loses its connection) while it waits
 * resigns, deleting its key; one that fails otherwise leaves the key to its lease, as etcd does. A
 * candidate whose key went while it waited (its lease expired or was revoked, or another call
 * resigned it) gets {@code "election: not leader"}, where etcd would answer as if it led.
 */
final class Campaign implements WaitingCall.Handler {
  private final LocalClient client;
  private final CampaignRequest request;
  private final StreamObserver<CampaignResponse> observer;
  private final WaitingCall call;
  private final ByteString prefix;
  private volatile ByteString key;
  private volatile long lease;

  /** The create revision of the key, once known (0 before). */
  private volatile long revision;

  Campaign(LocalClient client, CampaignRequest request, StreamObserver<CampaignResponse> observer) {
    this.client = client;
    this.request = request;
    this.observer = observer;
    this.call = new WaitingCall(client, this);
    this.prefix = Recipes.prefix(request.getName());
  }

  void start() {
    call.start(this::enter);
  }

  private void enter() {
    lease =
        request.getLease() != 0 ? request.getLease() : client.grant(Recipes.SESSION_TTL_SECONDS);
    key = Recipes.waiterKey(prefix, lease);
    TxnResponse response =
        client.txn(
            TxnRequest.newBuilder()
                .addCompare(Recipes.createRevisionIs(key, 0))
                .addSuccess(Recipes.putOp(key, request.getValue(), lease))
                .addFailure(Recipes.rangeOp(Recipes.get(key)))
                .build());
    ResponseHeader header = response.getHeader();
    if (response.getSucceeded()) {
      revision = header.getRevision();
    } else {
      KeyValue existing = response.getResponses(0).getResponseRange().getKvs(0);
      revision = existing.getCreateRevision();
      if (!existing.getValue().equals(request.getValue())) {
        boolean proclaimed;
        try {
          proclaimed =
              ElectionService.proclaim(client, key, revision, request.getValue(), lease)
                  .getSucceeded();
        } catch (StatusRuntimeException e) {
          resignQuietly();
          throw e;
        }
        if (!proclaimed) {
          resignQuietly();
          throw Recipes.notLeader();
        }
      }
    }
    call.awaitDeletes(prefix, revision - 1, none -> confirm(header));
  }

  /** Every older candidate is gone; this one leads if its key outlived the wait. */
  private void confirm(ResponseHeader header) {
    RangeResponse mine = client.range(Recipes.get(key));
    if (mine.getKvsCount() == 0 || mine.getKvs(0).getCreateRevision() != revision) {
      throw Recipes.notLeader();
    }
    LeaderKey leader =
        LeaderKey.newBuilder()
            .setName(request.getName())
            .setKey(key)
            .setRev(revision)
            .setLease(lease)
            .build();
    call.finish(
        () -> {
          observer.onNext(
              CampaignResponse.newBuilder().setHeader(header).setLeader(leader).build());
          observer.onCompleted();
        });
  }

  @Override
  public void failed(StatusRuntimeException error) {
    observer.onError(error);
  }

  @Override
  public void cancelled() {
    resignQuietly();
  }

  private void resignQuietly() {
    if (revision == 0) {
      return;
    }
    try {
      ElectionService.resign(client, key, revision);
    } catch (StatusRuntimeException e) {
      // Its lease still ends it.
      System.getLogger(Campaign.class.getName())
          .log(System.Logger.Level.WARNING, "cannot resign a cancelled campaign", e);
    }
  }
}
