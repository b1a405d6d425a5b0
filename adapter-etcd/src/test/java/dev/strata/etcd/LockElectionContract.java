package dev.strata.etcd;

import static dev.strata.etcd.KvContract.assertStatus;
import static dev.strata.etcd.KvContract.bytes;
import static dev.strata.etcd.Requests.bs;
import static dev.strata.etcd.Requests.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Lock and Election services through jetcd 0.8.6's {@code Lock} and {@code Election} clients
 * (and raw stubs where a test needs to cancel a call or send what jetcd never does): two clients
 * contend, a holder's unlock, revoked lease or expired lease passes the lock on, a waiter that
 * gives up leaves no key, and an election's campaign, leader, observe, proclaim and resign behave
 * as etcd's. One subclass per engine.
 */
abstract class LockElectionContract {
  /** How long a contender must stay blocked to count as waiting. */
  private static final long BLOCKED_MILLIS = 300;

  @TempDir Path dir;
  TestServer etcd;
  Client first;
  Client second;

  abstract String engine();

  @BeforeEach
  void startServer() {
    etcd = TestServer.started(engine(), dir.resolve("data"));
    first = etcd.client();
    second = newClient();
  }

  @AfterEach
  void stopServer() {
    second.close();
    etcd.close();
  }

  Client newClient() {
    return Client.builder().endpoints("http://127.0.0.1:" + etcd.server.port()).build();
  }

  long grant(long ttlSeconds) {
    return etcd.lease()
        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build())
        .getID();
  }

  RangeResponse under(String prefix) {
    return etcd.kv().range(Requests.prefix(prefix));
  }

  static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(15, TimeUnit.SECONDS);
  }

  static void assertBlocked(CompletableFuture<?> future) throws Exception {
    assertThrows(TimeoutException.class, () -> future.get(BLOCKED_MILLIS, TimeUnit.MILLISECONDS));
  }

  @Test
  void lock_secondClientWaits_untilTheFirstUnlocks() throws Exception {
    long leaseA = grant(60);
    long leaseB = grant(60);
    var held = await(first.getLockClient().lock(bytes("job"), leaseA));
    assertEquals("job/" + Long.toHexString(leaseA), held.getKey().toString());
    CompletableFuture<io.etcd.jetcd.lock.LockResponse> waiting =
        second.getLockClient().lock(bytes("job"), leaseB);
    awaitKeys("job/", 2);
    assertBlocked(waiting);
    // The waiter's key is in place, created after the holder's.
    RangeResponse keys =
        etcd.kv()
            .range(
                Requests.prefix("job/").toBuilder()
                    .setSortTarget(RangeRequest.SortTarget.CREATE)
                    .setSortOrder(RangeRequest.SortOrder.ASCEND)
                    .build());
    assertEquals(2, keys.getKvsCount());
    assertEquals(leaseA, keys.getKvs(0).getLease());
    assertEquals(leaseB, keys.getKvs(1).getLease());
    assertTrue(keys.getKvs(0).getCreateRevision() < keys.getKvs(1).getCreateRevision());

    long unlockRevision =
        await(first.getLockClient().unlock(held.getKey())).getHeader().getRevision();
    var taken = await(waiting);
    assertEquals("job/" + Long.toHexString(leaseB), taken.getKey().toString());
    assertTrue(taken.getHeader().getRevision() >= unlockRevision);
    assertEquals(1, under("job/").getKvsCount());
    await(second.getLockClient().unlock(taken.getKey()));
    assertEquals(0, under("job/").getKvsCount());
  }

  @Test
  void lock_threeContenders_getItInTheOrderTheyCame() throws Exception {
    long[] leases = {grant(60), grant(60), grant(60)};
    var holder = await(first.getLockClient().lock(bytes("q"), leases[0]));
    var secondInLine = second.getLockClient().lock(bytes("q"), leases[1]);
    // Each waiter's key is in place before the next comes, so the order is the arrival order.
    awaitKeys("q/", 2);
    var thirdInLine = second.getLockClient().lock(bytes("q"), leases[2]);
    awaitKeys("q/", 3);
    assertBlocked(secondInLine);
    assertBlocked(thirdInLine);
    await(first.getLockClient().unlock(holder.getKey()));
    var next = await(secondInLine);
    assertEquals("q/" + Long.toHexString(leases[1]), next.getKey().toString());
    assertBlocked(thirdInLine);
    await(first.getLockClient().unlock(next.getKey()));
    assertEquals("q/" + Long.toHexString(leases[2]), await(thirdInLine).getKey().toString());
  }

  @Test
  void lock_excludesConcurrentHolders_underContention() throws Exception {
    int workers = 3;
    int rounds = 4;
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    etcd.kv().put(Requests.put("counter", "0"));
    List<CompletableFuture<Void>> done = new ArrayList<>();
    // Threads of their own: the workers block, and jetcd completes its futures on the common pool.
    ExecutorService threads = Executors.newFixedThreadPool(workers);
    for (int w = 0; w < workers; w++) {
      Client client = w % 2 == 0 ? first : second;
      long lease = grant(60);
      done.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  for (int r = 0; r < rounds; r++) {
                    var held = await(client.getLockClient().lock(bytes("mutex"), lease));
                    if (holding.incrementAndGet() != 1) {
                      overlaps.incrementAndGet();
                    }
                    // A read-modify-write that only the lock keeps from losing updates.
                    var kv = client.getKVClient();
                    long n =
                        Long.parseLong(
                            await(kv.get(bytes("counter"))).getKvs().get(0).getValue().toString());
                    await(kv.put(bytes("counter"), bytes(Long.toString(n + 1))));
                    holding.decrementAndGet();
                    await(client.getLockClient().unlock(held.getKey()));
                  }
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              },
              threads));
    }
    try {
      for (CompletableFuture<Void> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertEquals(0, overlaps.get(), "two holders at once");
    assertEquals(
        Integer.toString(workers * rounds),
        str(etcd.kv().range(Requests.get("counter")).getKvs(0).getValue()));
    assertEquals(0, under("mutex/").getKvsCount());
  }

  @Test
  void lock_passesOn_whenTheHoldersLeaseIsRevoked() throws Exception {
    long leaseA = grant(60);
    long leaseB = grant(60);
    await(first.getLockClient().lock(bytes("r"), leaseA));
    var waiting = second.getLockClient().lock(bytes("r"), leaseB);
    assertBlocked(waiting);
    etcd.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(leaseA).build());
    assertEquals("r/" + Long.toHexString(leaseB), await(waiting).getKey().toString());
  }

  @Test
  void lock_waiterWhoseLeaseIsRevoked_getsSessionExpired_whenItsTurnComes() throws Exception {
    long leaseA = grant(60);
    long leaseB = grant(60);
    var held = await(first.getLockClient().lock(bytes("s"), leaseA));
    BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
    LockGrpc.newStub(etcd.channel())
        .lock(
            LockRequest.newBuilder().setName(bs("s")).setLease(leaseB).build(), recorder(outcome));
    awaitKeys("s/", 2);
    etcd.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(leaseB).build());
    await(first.getLockClient().unlock(held.getKey()));
    assertStatus(
        (StatusRuntimeException) poll(outcome), Status.Code.UNKNOWN, "mutex: session is expired");
    assertEquals(0, under("s/").getKvsCount());
  }

  @Test
  void lock_waitingWhenTheServerStops_endsWithServerStopped_andLeavesNoKey() throws Exception {
    long leaseA = grant(60);
    long leaseB = grant(60);
    var held = await(first.getLockClient().lock(bytes("stop"), leaseA));
    BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
    LockGrpc.newStub(etcd.channel())
        .lock(
            LockRequest.newBuilder().setName(bs("stop")).setLease(leaseB).build(),
            recorder(outcome));
    awaitKeys("stop/", 2);
    etcd.server.close();
    assertStatus(
        (StatusRuntimeException) poll(outcome),
        Status.Code.UNAVAILABLE,
        "etcdserver: server stopped");
    etcd.restart();
    if (!engine().equals("memory")) {
      // The waiter's key went before the store closed; the holder's stays with its lease.
      RangeResponse left = under("stop/");
      assertEquals(1, left.getKvsCount());
      assertEquals(held.getKey().toString(), str(left.getKvs(0).getKey()));
    }
  }

  @Test
  void lock_cancelledAttempt_leavesNoKey() throws Exception {
    long leaseA = grant(60);
    long leaseB = grant(60);
    var held = await(first.getLockClient().lock(bytes("c"), leaseA));
    BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
    Context.CancellableContext attempt = Context.current().withCancellation();
    attempt.run(
        () ->
            LockGrpc.newStub(etcd.channel())
                .lock(
                    LockRequest.newBuilder().setName(bs("c")).setLease(leaseB).build(),
                    recorder(outcome)));
    awaitKeys("c/", 2);
    attempt.cancel(null);
    assertEquals(
        Status.Code.CANCELLED, ((StatusRuntimeException) poll(outcome)).getStatus().getCode());
    awaitKeys("c/", 1);
    assertEquals(held.getKey().toString(), str(under("c/").getKvs(0).getKey()));
  }

  @Test
  void lock_attemptPastItsDeadline_leavesNoKey() throws Exception {
    await(first.getLockClient().lock(bytes("d"), grant(60)));
    long leaseB = grant(60);
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                LockGrpc.newBlockingStub(etcd.channel())
                    .withDeadlineAfter(500, TimeUnit.MILLISECONDS)
                    .lock(LockRequest.newBuilder().setName(bs("d")).setLease(leaseB).build()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    awaitKeys("d/", 1);
  }

  @Test
  void lock_closedClient_leavesNoKey() throws Exception {
    await(first.getLockClient().lock(bytes("z"), grant(60)));
    Client leaving = newClient();
    var waiting = leaving.getLockClient().lock(bytes("z"), grant(60));
    awaitKeys("z/", 2);
    leaving.close();
    // The server sees the connection go and deletes the waiter's key.
    awaitKeys("z/", 1);
    assertFalse(waiting.isDone() && !waiting.isCompletedExceptionally());
  }

  @Test
  void lock_unknownLease_isRefused_andWritesNothing() throws Exception {
    long before = etcd.server.revision();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                LockGrpc.newBlockingStub(etcd.channel())
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .lock(LockRequest.newBuilder().setName(bs("u")).setLease(12345).build()));
    assertStatus(e, Status.Code.UNKNOWN, "etcdserver: requested lease not found");
    assertEquals(before, etcd.server.revision());
    assertEquals(0, under("u/").getKvsCount());
  }

  @Test
  void lock_withoutLease_getsASixtySecondLease_andTheSameLeaseTwiceHoldsAtOnce() throws Exception {
    LockResponse own =
        LockGrpc.newBlockingStub(etcd.channel())
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .lock(LockRequest.newBuilder().setName(bs("n")).build());
    KeyValue key = under("n/").getKvs(0);
    assertEquals(own.getKey(), key.getKey());
    assertEquals("n/" + Long.toHexString(key.getLease()), str(key.getKey()));
    LeaseTimeToLiveResponse ttl =
        etcd.lease()
            .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(key.getLease()).build());
    assertEquals(Recipes.SESSION_TTL_SECONDS, ttl.getGrantedTTL());
    // The lease that holds the lock asks again: it holds it, with the same key.
    var again = await(first.getLockClient().lock(bytes("n"), key.getLease()));
    assertEquals(str(own.getKey()), again.getKey().toString());
    assertEquals(1, under("n/").getKvsCount());
  }

  @Test
  void election_campaignLeaderObserveProclaimResign() throws Exception {
    Election a = first.getElectionClient();
    Election b = second.getElectionClient();
    long leaseA = grant(60);
    long leaseB = grant(60);
    assertInstanceOf(NoLeaderException.class, failure(a.leader(bytes("e"))));

    BlockingQueue<Object> observed = new LinkedBlockingQueue<>();
    b.observe(bytes("e"), listener(observed));

    CampaignResponse won = await(a.campaign(bytes("e"), leaseA, bytes("alpha")));
    var leaderKey = won.getLeader();
    assertEquals("e/" + Long.toHexString(leaseA), leaderKey.getKey().toString());
    assertEquals("e", leaderKey.getName().toString());
    assertEquals(leaseA, leaderKey.getLease());
    assertEquals(won.getHeader().getRevision(), leaderKey.getRevision());
    assertEquals("alpha", ((LeaderResponse) poll(observed)).getKv().getValue().toString());
    assertEquals("alpha", await(b.leader(bytes("e"))).getKv().getValue().toString());

    CompletableFuture<CampaignResponse> challenger = b.campaign(bytes("e"), leaseB, bytes("beta"));
    assertBlocked(challenger);
    // The challenger's key does not change the leader.
    assertEquals("alpha", await(b.leader(bytes("e"))).getKv().getValue().toString());

    await(a.proclaim(leaderKey, bytes("alpha-2")));
    LeaderResponse proclaimed = (LeaderResponse) poll(observed);
    assertEquals("alpha-2", proclaimed.getKv().getValue().toString());
    assertEquals(leaderKey.getRevision(), proclaimed.getKv().getCreateRevision());

    await(a.resign(leaderKey));
    CampaignResponse next = await(challenger);
    assertEquals("e/" + Long.toHexString(leaseB), next.getLeader().getKey().toString());
    assertEquals("beta", ((LeaderResponse) poll(observed)).getKv().getValue().toString());
    assertEquals("beta", await(a.leader(bytes("e"))).getKv().getValue().toString());

    // The old leader key no longer leads: proclaiming with it fails, resigning is a no-op.
    assertInstanceOf(NotLeaderException.class, failure(a.proclaim(leaderKey, bytes("stale"))));
    long revision = etcd.server.revision();
    await(a.resign(leaderKey));
    assertEquals(revision, etcd.server.revision());
    assertEquals("beta", await(a.leader(bytes("e"))).getKv().getValue().toString());

    await(b.resign(next.getLeader()));
    assertInstanceOf(NoLeaderException.class, failure(a.leader(bytes("e"))));
    // A new campaign after no leader: observe reports it as the first put.
    await(a.campaign(bytes("e"), leaseA, bytes("gamma")));
    assertEquals("gamma", ((LeaderResponse) poll(observed)).getKv().getValue().toString());
  }

  @Test
  void leaseExpiry_passesTheLockAndTheLeadershipOn() throws Exception {
    long shortLease = grant(Lessor.MIN_TTL_SECONDS);
    await(first.getLockClient().lock(bytes("x"), shortLease));
    await(first.getElectionClient().campaign(bytes("ex"), shortLease, bytes("one")));
    long leaseB = grant(60);
    var lock = second.getLockClient().lock(bytes("x"), leaseB);
    var campaign = second.getElectionClient().campaign(bytes("ex"), leaseB, bytes("two"));
    assertBlocked(lock);
    assertBlocked(campaign);
    // Nobody keeps the holder's lease alive: it expires within its TTL and takes its keys along.
    assertEquals("x/" + Long.toHexString(leaseB), await(lock).getKey().toString());
    assertEquals(1, under("x/").getKvsCount());
    CampaignResponse won = await(campaign);
    LeaderResponse leader = await(first.getElectionClient().leader(bytes("ex")));
    assertEquals("two", leader.getKv().getValue().toString());
    assertEquals(won.getLeader().getKey(), leader.getKv().getKey());
  }

  @Test
  void election_cancelledCampaign_resigns() throws Exception {
    await(first.getElectionClient().campaign(bytes("cc"), grant(60), bytes("one")));
    long leaseB = grant(60);
    BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
    Context.CancellableContext attempt = Context.current().withCancellation();
    attempt.run(
        () ->
            ElectionGrpc.newStub(etcd.channel())
                .campaign(
                    CampaignRequest.newBuilder()
                        .setName(bs("cc"))
                        .setLease(leaseB)
                        .setValue(bs("two"))
                        .build(),
                    recorder(outcome)));
    awaitKeys("cc/", 2);
    attempt.cancel(null);
    assertEquals(
        Status.Code.CANCELLED, ((StatusRuntimeException) poll(outcome)).getStatus().getCode());
    awaitKeys("cc/", 1);
  }

  @Test
  void election_sameLeaseCampaignsAgain_withANewValue_proclaimsIt() throws Exception {
    long lease = grant(60);
    CampaignResponse first1 =
        await(first.getElectionClient().campaign(bytes("s"), lease, bytes("v1")));
    CampaignResponse again =
        await(first.getElectionClient().campaign(bytes("s"), lease, bytes("v2")));
    assertEquals(first1.getLeader().getRevision(), again.getLeader().getRevision());
    KeyValue kv = under("s/").getKvs(0);
    assertEquals("v2", str(kv.getValue()));
    assertEquals(2, kv.getVersion());
  }

  @Test
  void election_requestsWithoutLeaderKey_orWithAStaleOne_getEtcdsErrors() {
    ElectionGrpc.ElectionBlockingStub stub =
        ElectionGrpc.newBlockingStub(etcd.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertStatus(
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.proclaim(ProclaimRequest.newBuilder().setValue(bs("v")).build())),
        Status.Code.UNKNOWN,
        "\"leader\" field must be provided");
    assertStatus(
        assertThrows(
            StatusRuntimeException.class, () -> stub.resign(ResignRequest.getDefaultInstance())),
        Status.Code.UNKNOWN,
        "\"leader\" field must be provided");
    LeaderKey stale =
        LeaderKey.newBuilder().setName(bs("w")).setKey(bs("w/1")).setRev(5).setLease(1).build();
    assertStatus(
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stub.proclaim(
                    ProclaimRequest.newBuilder().setLeader(stale).setValue(bs("v")).build())),
        Status.Code.UNKNOWN,
        "election: not leader");
    assertStatus(
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.leader(LeaderRequest.newBuilder().setName(bs("w")).build())),
        Status.Code.UNKNOWN,
        "election: no leader");
    assertEquals(
        1,
        stub.resign(ResignRequest.newBuilder().setLeader(stale).build()).getHeader().getRevision());
  }

  /** Waits for the number of keys under the prefix (a clean-up runs after its call ended). */
  private void awaitKeys(String prefix, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (under(prefix).getKvsCount() != count) {
      assertTrue(
          System.nanoTime() < deadline,
          "expected " + count + " keys under " + prefix + ": " + under(prefix));
      Thread.sleep(20);
    }
  }

  private static Object poll(BlockingQueue<Object> queue) throws InterruptedException {
    Object next = queue.poll(15, TimeUnit.SECONDS);
    assertNotNull(next, "nothing within 15 s");
    return next;
  }

  private static Throwable failure(CompletableFuture<?> future) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(future));
    return e.getCause();
  }

  private static <T> StreamObserver<T> recorder(BlockingQueue<Object> outcome) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        outcome.add(value);
      }

      @Override
      public void onError(Throwable t) {
        outcome.add(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  private static Election.Listener listener(BlockingQueue<Object> observed) {
    return new Election.Listener() {
      @Override
      public void onNext(LeaderResponse response) {
        observed.add(response);
      }

      @Override
      public void onError(Throwable t) {
        observed.add(t);
      }

      @Override
      public void onCompleted() {}
    };
  }
}
