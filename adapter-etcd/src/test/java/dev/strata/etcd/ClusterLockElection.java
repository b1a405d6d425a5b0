package dev.strata.etcd;

import static dev.strata.etcd.KvContract.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Lock and Election on a cluster over the {@code raft} engine, each client on its own follower: the
 * recipes' writes are forwarded to the leader like any client's, their reads and watches run on the
 * follower, and a waiter on one follower wakes when a holder on the other unlocks, proclaims or
 * resigns. Run by {@link ClusterTest} on its running cluster; leaves no key and no lease behind.
 */
final class ClusterLockElection implements AutoCloseable {
  private final EtcdServer leader;
  private final EtcdServer[] followers;
  private final List<AutoCloseable> clients = new ArrayList<>();

  private ClusterLockElection(EtcdServer leader, EtcdServer first, EtcdServer second) {
    this.leader = leader;
    this.followers = new EtcdServer[] {first, second};
  }

  /** Runs the scenario with clients on the two followers; the leader answers a last read. */
  static void throughTwoFollowers(EtcdServer leader, EtcdServer first, EtcdServer second)
      throws Exception {
    try (ClusterLockElection scenario = new ClusterLockElection(leader, first, second)) {
      scenario.run();
    }
  }

  private void run() throws Exception {
    Client one = client(followers[0]);
    Client two = client(followers[1]);
    long leaseOne = one.getLeaseClient().grant(60).get(20, TimeUnit.SECONDS).getID();
    long leaseTwo = two.getLeaseClient().grant(60).get(20, TimeUnit.SECONDS).getID();

    // A lock held through one follower, awaited through the other.
    var held = one.getLockClient().lock(bytes("job"), leaseOne).get(20, TimeUnit.SECONDS);
    var waiting = two.getLockClient().lock(bytes("job"), leaseTwo);
    assertThrows(TimeoutException.class, () -> waiting.get(300, TimeUnit.MILLISECONDS));
    one.getLockClient().unlock(held.getKey()).get(20, TimeUnit.SECONDS);
    assertEquals(
        "job/" + Long.toHexString(leaseTwo), waiting.get(20, TimeUnit.SECONDS).getKey().toString());

    // A raw lock attempt on the first follower that passes its deadline leaves no key.
    ManagedChannel channel = channel(followers[0]);
    StatusRuntimeException late =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                LockGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(1, TimeUnit.SECONDS)
                    .lock(
                        LockRequest.newBuilder()
                            .setName(Requests.bs("job"))
                            .setLease(leaseOne)
                            .build()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, late.getStatus().getCode());
    awaitKeys(followers[0], "job/", 1);

    // An election: observed on the second follower, contended across both.
    BlockingQueue<LeaderResponse> observed = new LinkedBlockingQueue<>();
    Election electionTwo = two.getElectionClient();
    electionTwo.observe(
        bytes("el"),
        new Election.Listener() {
          @Override
          public void onNext(LeaderResponse response) {
            observed.add(response);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    Election electionOne = one.getElectionClient();
    CampaignResponse won =
        electionOne.campaign(bytes("el"), leaseOne, bytes("one")).get(20, TimeUnit.SECONDS);
    assertEquals("one", next(observed));
    CompletableFuture<CampaignResponse> challenger =
        electionTwo.campaign(bytes("el"), leaseTwo, bytes("two"));
    assertThrows(TimeoutException.class, () -> challenger.get(300, TimeUnit.MILLISECONDS));
    electionOne.proclaim(won.getLeader(), bytes("one-2")).get(20, TimeUnit.SECONDS);
    assertEquals("one-2", next(observed));
    electionOne.resign(won.getLeader()).get(20, TimeUnit.SECONDS);
    assertEquals(
        "el/" + Long.toHexString(leaseTwo),
        challenger.get(20, TimeUnit.SECONDS).getLeader().getKey().toString());
    assertEquals("two", next(observed));
    assertEquals(
        "two",
        client(leader)
            .getElectionClient()
            .leader(bytes("el"))
            .get(20, TimeUnit.SECONDS)
            .getKv()
            .getValue()
            .toString());

    // Revoking the leases takes the keys along, on every member.
    one.getLeaseClient().revoke(leaseOne).get(20, TimeUnit.SECONDS);
    two.getLeaseClient().revoke(leaseTwo).get(20, TimeUnit.SECONDS);
    awaitKeys(followers[1], "job/", 0);
    awaitKeys(followers[1], "el/", 0);
  }

  private static String next(BlockingQueue<LeaderResponse> observed) throws InterruptedException {
    LeaderResponse r = observed.poll(20, TimeUnit.SECONDS);
    assertNotNull(r, "no leader change observed within 20 s");
    return r.getKv().getValue().toString();
  }

  private void awaitKeys(EtcdServer member, String prefix, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    ManagedChannel channel = channel(member);
    while (true) {
      RangeResponse r =
          KVGrpc.newBlockingStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .range(Requests.prefix(prefix));
      if (r.getKvsCount() == count) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, count + " keys under " + prefix + ": " + r);
      Thread.sleep(50);
    }
  }

  private ManagedChannel channel(EtcdServer member) {
    ManagedChannel c =
        NettyChannelBuilder.forAddress("127.0.0.1", member.port()).usePlaintext().build();
    clients.add(c::shutdownNow);
    return c;
  }

  private Client client(EtcdServer member) {
    Client c = Client.builder().endpoints("http://127.0.0.1:" + member.port()).build();
    clients.add(c);
    return c;
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : clients) {
      c.close();
    }
  }
}
