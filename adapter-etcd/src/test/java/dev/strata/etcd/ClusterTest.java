package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three strata-etcd members over the {@code raft} engine on loopback: writes through any member
 * (followers forward them), transactions, leases, Lock and Election ({@link ClusterLockElection}),
 * compaction and watches on followers, one jetcd client over all endpoints, the leader stopped and
 * writes going on, the stopped member restarted and every member converging to the same revision
 * and content.
 */
class ClusterTest {
  private static final int MEMBERS = 3;

  @TempDir Path dir;
  private TestMembers members;

  private ManagedChannel channel(int i) {
    return members.channel(i);
  }

  private KVGrpc.KVBlockingStub kv(int i) {
    return KVGrpc.newBlockingStub(channel(i)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private StatusResponse status(int i) {
    return MaintenanceGrpc.newBlockingStub(channel(i))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .status(StatusRequest.getDefaultInstance());
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static ByteSequence seq(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private RangeResponse all(int i) {
    return kv(i).range(RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).build());
  }

  @Test
  void threeMembers_serveWritesOnEveryMember_andSurviveTheLeaderStopping() throws Exception {
    members = new TestMembers(dir, MEMBERS, (i, config) -> config, null);
    members.startNew(MEMBERS);
    Set<Integer> running = new HashSet<>(Set.of(0, 1, 2));
    int leader = members.awaitLeader(running);
    int follower = (leader + 1) % MEMBERS;
    int other = (leader + 2) % MEMBERS;

    // Real member ids and the raft term in headers; MemberList lists all three.
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < MEMBERS; i++) {
      StatusResponse s = status(i);
      ids.add(s.getHeader().getMemberId());
      assertEquals(members.server(i).memberId(), s.getHeader().getMemberId());
      assertTrue(s.getRaftTerm() >= 1 && s.getHeader().getRaftTerm() == s.getRaftTerm(), "" + s);
    }
    assertEquals(MEMBERS, ids.size());
    var list =
        ClusterGrpc.newBlockingStub(channel(follower))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .memberList(MemberListRequest.getDefaultInstance());
    assertEquals(MEMBERS, list.getMembersCount());
    assertEquals(ids, new HashSet<>(list.getMembersList().stream().map(m -> m.getID()).toList()));

    // A watcher on a follower sees every revision, whichever member committed it.
    WatchStream watch = new WatchStream(WatchGrpc.newStub(channel(other)));
    watch.create(WatchCreateRequest.newBuilder().setKey(bs("k/")).setRangeEnd(bs("k0")).build());
    assertTrue(watch.next().getCreated());

    // Puts on each member: followers forward to the leader.
    List<String> written = new ArrayList<>();
    for (int n = 0; n < 12; n++) {
      String key = "k/" + n;
      kv(n % MEMBERS).put(PutRequest.newBuilder().setKey(bs(key)).setValue(bs("v" + n)).build());
      written.add(key);
    }
    TxnResponse txn =
        kv(follower)
            .txn(
                TxnRequest.newBuilder()
                    .addCompare(
                        Compare.newBuilder()
                            .setKey(bs("k/0"))
                            .setTarget(Compare.CompareTarget.VERSION)
                            .setResult(Compare.CompareResult.EQUAL)
                            .setVersion(1))
                    .addSuccess(
                        RequestOp.newBuilder()
                            .setRequestPut(
                                PutRequest.newBuilder().setKey(bs("k/txn")).setValue(bs("ok"))))
                    .build());
    assertTrue(txn.getSucceeded());
    written.add("k/txn");

    // Every member answers the same revision and content (linearizable reads).
    RangeResponse reference = all(leader);
    assertEquals(txn.getHeader().getRevision(), reference.getHeader().getRevision());
    for (int i = 0; i < MEMBERS; i++) {
      RangeResponse r = all(i);
      assertEquals(reference.getHeader().getRevision(), r.getHeader().getRevision());
      assertEquals(reference.getKvsList(), r.getKvsList());
      assertEquals(members.server(i).memberId(), r.getHeader().getMemberId());
    }

    // Leases through followers: granted on the leader, attached and inspected elsewhere.
    long lease =
        LeaseGrpc.newBlockingStub(channel(follower))
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build())
            .getID();
    kv(other)
        .put(
            PutRequest.newBuilder()
                .setKey(bs("k/leased"))
                .setValue(bs("x"))
                .setLease(lease)
                .build());
    written.add("k/leased");
    var ttl =
        LeaseGrpc.newBlockingStub(channel(other))
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .leaseTimeToLive(
                LeaseTimeToLiveRequest.newBuilder().setID(lease).setKeys(true).build());
    assertEquals(60, ttl.getGrantedTTL());
    assertTrue(ttl.getTTL() > 0 && ttl.getTTL() <= 60, "" + ttl);
    assertEquals(List.of(bs("k/leased")), ttl.getKeysList());
    // A keep-alive stream on a follower is proxied to the leader.
    java.util.concurrent.BlockingQueue<LeaseKeepAliveResponse> kept =
        new java.util.concurrent.LinkedBlockingQueue<>();
    var keepAlive =
        LeaseGrpc.newStub(channel(follower))
            .leaseKeepAlive(
                new io.grpc.stub.StreamObserver<>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse r) {
                    kept.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
    LeaseKeepAliveResponse renewed = kept.poll(10, TimeUnit.SECONDS);
    assertEquals(lease, renewed.getID());
    assertEquals(60, renewed.getTTL());
    keepAlive.onCompleted();

    // Lock and Election through followers: their recipes' writes are forwarded like the above.
    ClusterLockElection.throughTwoFollowers(
        members.server(leader), members.server(follower), members.server(other));

    assertEquals(written, watchedKeys(watch, written.size()));

    // Compaction through a follower; etcd's errors come back through forwarding unchanged.
    long compactAt = reference.getHeader().getRevision();
    kv(follower).compact(CompactionRequest.newBuilder().setRevision(compactAt).build());
    StatusRuntimeException compactedTwice =
        assertThrows(
            StatusRuntimeException.class,
            () -> kv(other).compact(CompactionRequest.newBuilder().setRevision(compactAt).build()));
    assertEquals(Status.Code.OUT_OF_RANGE, compactedTwice.getStatus().getCode());
    assertEquals(
        "etcdserver: mvcc: required revision has been compacted",
        compactedTwice.getStatus().getDescription());
    StatusRuntimeException old =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                kv(other)
                    .range(
                        RangeRequest.newBuilder()
                            .setKey(bs("k/0"))
                            .setRevision(compactAt - 1)
                            .build()));
    assertEquals(Status.Code.OUT_OF_RANGE, old.getStatus().getCode());

    // One jetcd client over all endpoints; its watch and puts go wherever it balances them.
    String[] endpoints = new String[MEMBERS];
    for (int i = 0; i < MEMBERS; i++) {
      endpoints[i] = members.clientUrl(i);
    }
    try (Client client = Client.builder().endpoints(endpoints).build()) {
      KV jkv = client.getKVClient();
      ConcurrentLinkedQueue<String> jetcdWatched = new ConcurrentLinkedQueue<>();
      // The watch starts at the next revision: jetcd creates it asynchronously, so without a start
      // revision the first puts could commit before it exists.
      long from = all(other).getHeader().getRevision() + 1;
      var watcher =
          client
              .getWatchClient()
              .watch(
                  seq("j/"),
                  io.etcd.jetcd.options.WatchOption.builder()
                      .isPrefix(true)
                      .withRevision(from)
                      .build(),
                  response -> {
                    for (WatchEvent e : response.getEvents()) {
                      jetcdWatched.add(e.getKeyValue().getKey().toString());
                    }
                  });
      for (int n = 0; n < 10; n++) {
        jkv.put(seq("j/" + n), seq("before")).get(20, TimeUnit.SECONDS);
      }

      // The leader stops; writes go on once the survivors elect a new one. Its watch streams end
      // with etcd's "server stopped", on which clients resume their watches elsewhere.
      WatchStream onLeader = new WatchStream(WatchGrpc.newStub(channel(leader)));
      onLeader.create(WatchCreateRequest.newBuilder().setKey(bs("j/")).build());
      assertTrue(onLeader.next().getCreated());
      members.server(leader).close();
      Status stopped = Status.fromThrowable(onLeader.error.get(10, TimeUnit.SECONDS));
      assertEquals(Status.Code.UNAVAILABLE, stopped.getCode());
      assertEquals("etcdserver: server stopped", stopped.getDescription());
      members.dropChannel(leader);
      running.remove(leader);
      List<String> after = new ArrayList<>();
      for (int n = 0; n < 10; n++) {
        String key = "j/after/" + n;
        putWithRetry(jkv, key);
        after.add(key);
      }
      int newLeader = members.awaitLeader(running);
      assertNotEquals(leader, newLeader);
      // The new leader took the lease over from the store.
      var takenOver =
          LeaseGrpc.newBlockingStub(channel(other))
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .leaseTimeToLive(
                  LeaseTimeToLiveRequest.newBuilder().setID(lease).setKeys(true).build());
      assertEquals(60, takenOver.getGrantedTTL());
      assertTrue(takenOver.getTTL() > 0, "" + takenOver);
      assertEquals(List.of(bs("k/leased")), takenOver.getKeysList());

      // The follower's raw watcher saw the writes through the failover too.
      kv(other).put(PutRequest.newBuilder().setKey(bs("k/end")).setValue(bs("e")).build());
      assertEquals(List.of("k/end"), watchedKeys(watch, 1));
      watch.close();

      // The stopped member comes back and catches up.
      members.start(leader, members.config(leader, List.of(0, 1, 2)));
      running.add(leader);
      awaitConverged();

      // jetcd's watch saw every key, before and after the failover (it resumes on another member).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      Set<String> expected = new HashSet<>(after);
      for (int n = 0; n < 10; n++) {
        expected.add("j/" + n);
      }
      while (!new HashSet<>(jetcdWatched).containsAll(expected) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(
          new HashSet<>(jetcdWatched).containsAll(expected),
          "jetcd watch saw " + jetcdWatched + ", expected " + expected);
      watcher.close();
    }
  }

  private static void putWithRetry(KV kv, String key) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        kv.put(seq(key), seq("after")).get(10, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        // No leader yet, or the client's call went to the stopped member: retry, as clients do.
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no write succeeded within 30 s of the leader stopping", e);
        }
        Thread.sleep(200);
      }
    }
  }

  /** Waits until every member answers the same revision and the same key-values. */
  private void awaitConverged() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        RangeResponse first = all(0);
        boolean same = true;
        for (int i = 1; i < MEMBERS; i++) {
          RangeResponse r = all(i);
          same &=
              r.getHeader().getRevision() == first.getHeader().getRevision()
                  && r.getKvsList().equals(first.getKvsList());
        }
        if (same) {
          // 12 k/n, k/txn, k/leased, k/end, 10 j/n and 10 j/after/n.
          assertEquals(35, first.getKvsCount());
          return;
        }
        last = "revisions differ";
      } catch (RuntimeException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("members did not converge within 30 s: " + last);
  }

  /** The keys of the next {@code n} events, in delivery order. */
  private static List<String> watchedKeys(WatchStream watch, int n) throws InterruptedException {
    List<String> keys = new ArrayList<>();
    long lastRevision = 0;
    while (keys.size() < n) {
      WatchResponse r = watch.next();
      assertTrue(r.getHeader().getRevision() > lastRevision, "revisions in order");
      lastRevision = r.getHeader().getRevision();
      for (Event e : r.getEventsList()) {
        KeyValue kv = e.getKv();
        keys.add(kv.getKey().toStringUtf8());
      }
    }
    return keys;
  }

  @AfterEach
  void stop() {
    if (members == null) {
      return;
    }
    for (int i = 0; i < MEMBERS; i++) {
      EtcdServer s = members.server(i);
      try {
        s.engine().verifyIntegrity();
      } catch (RuntimeException e) {
        // Closed already (the stopped leader).
      }
    }
    members.close();
  }
}
