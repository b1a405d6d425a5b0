package dev.strata.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.CampaignResponse;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.ProclaimResponse;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.api.ResignResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.stub.StreamObserver;

/**
 * etcd's Election service ({@code v3electionpb.Election}), which runs etcd's election recipe
 * against the server's own KV through the {@link LocalClient}, as etcd's {@code v3election} does. A
 * candidate's key is {@code name/<lease hex>} holding its value; the oldest key under {@code name/}
 * leads.
 *
 * <ul>
 *   <li>{@code Campaign} ({@link Campaign}) creates the key and answers once every older candidate
 *       is gone.
 *   <li>{@code Proclaim} sets the leader key's value while it is still the one {@code Campaign}
 *       created (same create revision), else answers {@code "election: not leader"}.
 *   <li>{@code Resign} deletes the leader key under the same condition, and succeeds either way.
 *   <li>{@code Leader} answers the oldest key, or {@code "election: no leader"}.
 *   <li>{@code Observe} ({@link LeaderObserver}) streams the leader and each change of it.
 * </ul>
 *
 * <p>Proclaim and Resign without a leader key answer {@code "\"leader\" field must be provided"}.
 * Errors have the code {@code UNKNOWN} and etcd's message, as jetcd expects. Thread-safe.
 */
final class ElectionService extends ElectionGrpc.ElectionImplBase {
  private final LocalClient client;

  ElectionService(LocalClient client) {
    this.client = client;
  }

  @Override
  public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> observer) {
    new Campaign(client, request, observer).start();
  }

  @Override
  public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          if (!request.hasLeader()) {
            throw Recipes.missingLeaderKey();
          }
          LeaderKey leader = request.getLeader();
          // etcd's session for the request grants a lease when it names none, and puts with it.
          long lease =
              leader.getLease() != 0
                  ? leader.getLease()
                  : client.grant(Recipes.SESSION_TTL_SECONDS);
          TxnResponse response =
              proclaim(client, leader.getKey(), leader.getRev(), request.getValue(), lease);
          if (!response.getSucceeded()) {
            throw Recipes.notLeader();
          }
          return ProclaimResponse.newBuilder().setHeader(response.getHeader()).build();
        });
  }

  /** Puts {@code value} on the leader key if it is still the one created at {@code revision}. */
  static TxnResponse proclaim(
      LocalClient client, ByteString key, long revision, ByteString value, long lease) {
    return client.txn(
        TxnRequest.newBuilder()
            .addCompare(Recipes.createRevisionIs(key, revision))
            .addSuccess(Recipes.putOp(key, value, lease))
            .build());
  }

  /** Deletes the leader key if it is still the one created at {@code revision}. */
  static TxnResponse resign(LocalClient client, ByteString key, long revision) {
    return client.txn(
        TxnRequest.newBuilder()
            .addCompare(Recipes.createRevisionIs(key, revision))
            .addSuccess(Recipes.deleteOp(key))
            .build());
  }

  @Override
  public void resign(ResignRequest request, StreamObserver<ResignResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          if (!request.hasLeader()) {
            throw Recipes.missingLeaderKey();
          }
          LeaderKey leader = request.getLeader();
          TxnResponse response = resign(client, leader.getKey(), leader.getRev());
          return ResignResponse.newBuilder().setHeader(response.getHeader()).build();
        });
  }

  @Override
  public void leader(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          RangeResponse first =
              client.range(Recipes.firstCreated(Recipes.prefix(request.getName())));
          if (first.getKvsCount() == 0) {
            throw Recipes.noLeader();
          }
          return LeaderResponse.newBuilder()
              .setHeader(first.getHeader())
              .setKv(first.getKvs(0))
              .build();
        });
  }

  @Override
  public void observe(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
    new LeaderObserver(client, request.getName(), observer).start();
  }
}
