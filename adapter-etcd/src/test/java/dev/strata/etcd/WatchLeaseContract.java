package dev.strata.etcd;

import static dev.strata.etcd.KvContract.assertStatus;
import static dev.strata.etcd.KvContract.bytes;
import static dev.strata.etcd.Requests.bs;
import static dev.strata.etcd.Requests.delete;
import static dev.strata.etcd.Requests.get;
import static dev.strata.etcd.Requests.put;
import static dev.strata.etcd.Requests.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's Watch and Lease semantics; one subclass per engine. */
abstract class WatchLeaseContract {
  @TempDir Path dir;
  TestServer etcd;
  KVGrpc.KVBlockingStub kv;

  abstract String engine();

  boolean persistent() {
    return true;
  }

  @BeforeEach
  void startServer() {
    etcd =
        new TestServer(engine(), dir.resolve("data")) {
          @Override
          EtcdServer.Config config() {
            return super.config().progressNotifyInterval(300);
          }
        };
    etcd.start();
    kv = etcd.kv();
  }

  @AfterEach
  void stopServer() {
    etcd.close();
  }

  static WatchCreateRequest watchPrefix(String prefix) {
    return WatchCreateRequest.newBuilder()
        .setKey(Requests.prefix(prefix).getKey())
        .setRangeEnd(Requests.prefix(prefix).getRangeEnd())
        .build();
  }

  @Test
  void watch_liveEvents_inRange_withPrevKvWhenAsked() throws Exception {
    try (WatchStream w = new WatchStream(etcd.watch())) {
      w.create(watchPrefix("p/").toBuilder().setPrevKv(true).build());
      WatchResponse created = w.next();
      assertTrue(created.getCreated());
      assertEquals(0, created.getWatchId());
      assertEquals(1, created.getHeader().getRevision());
      kv.put(put("p/a", "1")); // 2
      kv.put(put("other", "1")); // 3
      kv.put(put("p/a", "2")); // 4
      kv.deleteRange(delete("p/a")); // 5
      WatchResponse first = w.next();
      assertEquals(2, first.getHeader().getRevision());
      assertEquals(Event.EventType.PUT, first.getEvents(0).getType());
      assertFalse(first.getEvents(0).hasPrevKv());
      WatchResponse second = w.next();
      assertEquals(4, second.getEvents(0).getKv().getModRevision());
      assertEquals("1", str(second.getEvents(0).getPrevKv().getValue()));
      WatchResponse third = w.next();
      assertEquals(Event.EventType.DELETE, third.getEvents(0).getType());
      assertEquals(5, third.getEvents(0).getKv().getModRevision());
      assertEquals("2", str(third.getEvents(0).getPrevKv().getValue()));
      w.expectNothing(200);
    }
  }

  @Test
  void watch_liveEvents_largeValues_carryPrevKvReadFromHistory() throws Exception {
    String first = "a".repeat(HistoryRecord.INLINE_VALUE_BYTES + 1);
    String second = "b".repeat(9000);
    try (WatchStream w = new WatchStream(etcd.watch());
        WatchStream plain = new WatchStream(etcd.watch())) {
      w.create(watchPrefix("p/").toBuilder().setPrevKv(true).build());
      assertTrue(w.next().getCreated());
      plain.create(watchPrefix("p/"));
      assertTrue(plain.next().getCreated());
      kv.put(put("p/big", first)); // 2
      kv.put(put("p/big", second)); // 3: the put itself does not ask for the previous value
      kv.put(put("p/big", "small")); // 4
      assertFalse(w.next().getEvents(0).hasPrevKv());
      Event overwrite = w.next().getEvents(0);
      assertEquals(second, str(overwrite.getKv().getValue()));
      assertEquals(first, str(overwrite.getPrevKv().getValue()));
      assertEquals(2, overwrite.getPrevKv().getModRevision());
      assertEquals(second, str(w.next().getEvents(0).getPrevKv().getValue()));
      for (int i = 0; i < 3; i++) {
        assertFalse(plain.next().getEvents(0).hasPrevKv());
      }
    }
  }

  @Test
  void watch_startRevision_replaysHistoryThenLive() throws Exception {
    kv.put(put("k", "1")); // 2
    kv.put(put("k", "2")); // 3
    kv.deleteRange(delete("k")); // 4
    kv.put(put("k", "3")); // 5
    try (WatchStream w = new WatchStream(etcd.watch())) {
      w.create(
          WatchCreateRequest.newBuilder()
              .setKey(bs("k"))
              .setStartRevision(3)
              .setPrevKv(true)
              .build());
      assertTrue(w.next().getCreated());
      List<Long> revisions = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        WatchResponse r = w.next();
        revisions.add(r.getEvents(0).getKv().getModRevision());
      }
      assertEquals(List.of(3L, 4L, 5L), revisions);
      kv.put(put("k", "4")); // 6
      WatchResponse live = w.next();
      assertEquals(6, live.getEvents(0).getKv().getModRevision());
      assertEquals("3", str(live.getEvents(0).getPrevKv().getValue()));
      assertEquals(2, live.getEvents(0).getKv().getVersion());
    }
  }

  @Test
  void watch_filters_dropPutsOrDeletes() throws Exception {
    try (WatchStream w = new WatchStream(etcd.watch())) {
      w.create(
          watchPrefix("f/").toBuilder().addFilters(WatchCreateRequest.FilterType.NOPUT).build());
      w.next();
      kv.put(put("f/a", "1"));
      kv.deleteRange(delete("f/a"));
      WatchResponse r = w.next();
      assertEquals(1, r.getEventsCount());
      assertEquals(Event.EventType.DELETE, r.getEvents(0).getType());
    }
  }

  @Test
  void watch_belowCompaction_isCancelledWithCompactRevision() throws Exception {
    kv.put(put("k", "1")); // 2
    kv.put(put("k", "2")); // 3
    kv.put(put("k", "3")); // 4
    kv.compact(CompactionRequest.newBuilder().setRevision(4).build());
    try (WatchStream w = new WatchStream(etcd.watch())) {
      w.create(WatchCreateRequest.newBuilder().setKey(bs("k")).setStartRevision(2).build());
      assertTrue(w.next().getCreated());
      WatchResponse cancelled = w.next();
      assertTrue(cancelled.getCanceled());
      assertEquals(4, cancelled.getCompactRevision());
      w.create(WatchCreateRequest.newBuilder().setKey(bs("k")).setStartRevision(4).build());
      assertEquals(1, w.next().getWatchId());
      assertEquals(4, w.next().getEvents(0).getKv().getModRevision());
    }
  }

  @Test
  void watch_manyWatchersOnOneStream_andCancel() throws Exception {
    int n = 20;
    try (WatchStream w = new WatchStream(etcd.watch())) {
      for (int i = 0; i < n; i++) {
        w.create(WatchCreateRequest.newBuilder().setKey(bs("m/" + i)).build());
        assertEquals(i, w.next().getWatchId());
      }
      for (int i = 0; i < n; i++) {
        kv.put(put("m/" + i, "v"));
      }
      for (int i = 0; i < n; i++) {
        WatchResponse r = w.next();
        assertEquals(i, r.getWatchId());
        assertEquals("m/" + i, str(r.getEvents(0).getKv().getKey()));
      }
      w.cancel(3);
      WatchResponse cancelled = w.next();
      assertTrue(cancelled.getCanceled());
      assertEquals(3, cancelled.getWatchId());
      kv.put(put("m/3", "again"));
      kv.put(put("m/4", "again"));
      assertEquals(4, w.next().getWatchId());
    }
  }

  @Test
  void watch_progressNotify_andProgressRequest() throws Exception {
    kv.put(put("x", "1"));
    try (WatchStream w = new WatchStream(etcd.watch())) {
      w.create(WatchCreateRequest.newBuilder().setKey(bs("quiet")).setProgressNotify(true).build());
      assertTrue(w.next().getCreated());
      WatchResponse notice = w.next();
      assertEquals(0, notice.getEventsCount());
      assertEquals(0, notice.getWatchId());
      assertEquals(2, notice.getHeader().getRevision());
      w.progress();
      WatchResponse answer;
      do {
        answer = w.next();
      } while (answer.getWatchId() != -1);
      assertEquals(2, answer.getHeader().getRevision());
    }
  }

  @Test
  void jetcd_watch_receivesPutAndDelete() throws Exception {
    BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
    Watch.Listener listener = Watch.listener(r -> events.addAll(r.getEvents()));
    // jetcd creates the watch asynchronously: starting it at the next revision makes it see the
    // put however late it is created.
    long from =
        etcd.client()
                .getKVClient()
                .get(bytes("j/"))
                .get(30, TimeUnit.SECONDS)
                .getHeader()
                .getRevision()
            + 1;
    try (Watch.Watcher watcher =
        etcd.client()
            .getWatchClient()
            .watch(
                bytes("j/"),
                WatchOption.builder().isPrefix(true).withRevision(from).build(),
                listener)) {
      etcd.client().getKVClient().put(bytes("j/a"), bytes("1")).get(30, TimeUnit.SECONDS);
      etcd.client().getKVClient().delete(bytes("j/a")).get(30, TimeUnit.SECONDS);
      assertEquals(WatchEvent.EventType.PUT, events.poll(10, TimeUnit.SECONDS).getEventType());
      assertEquals(WatchEvent.EventType.DELETE, events.poll(10, TimeUnit.SECONDS).getEventType());
    }
  }

  LeaseGrantResponse grant(long ttl) {
    return etcd.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build());
  }

  @Test
  void lease_grantAttachTimeToLiveRevoke_deletesKeysInOneRevision() {
    LeaseGrantResponse lease = grant(60);
    assertEquals(60, lease.getTTL());
    assertTrue(lease.getID() > 0);
    kv.put(put("l/a", "1").toBuilder().setLease(lease.getID()).build()); // 2
    kv.put(put("l/b", "1").toBuilder().setLease(lease.getID()).build()); // 3
    kv.put(put("l/c", "1")); // 4
    assertEquals(lease.getID(), kv.range(get("l/a")).getKvs(0).getLease());
    LeaseTimeToLiveResponse ttl =
        etcd.lease()
            .leaseTimeToLive(
                LeaseTimeToLiveRequest.newBuilder().setID(lease.getID()).setKeys(true).build());
    assertEquals(60, ttl.getGrantedTTL());
    assertTrue(ttl.getTTL() > 55 && ttl.getTTL() <= 60, "remaining " + ttl.getTTL());
    assertEquals(List.of("l/a", "l/b"), ttl.getKeysList().stream().map(Requests::str).toList());
    etcd.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease.getID()).build());
    assertEquals(0, kv.range(get("l/a")).getCount());
    assertEquals(0, kv.range(get("l/b")).getCount());
    assertEquals(1, kv.range(get("l/c")).getCount());
    assertEquals(5, kv.range(get("l/c")).getHeader().getRevision(), "both deletes in revision 5");
    assertEquals(
        -1,
        etcd.lease()
            .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease.getID()).build())
            .getTTL());
  }

  @Test
  void lease_errors() {
    StatusRuntimeException missing =
        assertThrows(
            StatusRuntimeException.class,
            () -> etcd.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(42).build()));
    assertStatus(missing, Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
    etcd.lease().leaseGrant(LeaseGrantRequest.newBuilder().setID(42).setTTL(10).build());
    StatusRuntimeException exists =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                etcd.lease()
                    .leaseGrant(LeaseGrantRequest.newBuilder().setID(42).setTTL(10).build()));
    assertStatus(exists, Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists");
    StatusRuntimeException tooLong =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                etcd.lease()
                    .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(9_000_000_001L).build()));
    assertStatus(tooLong, Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL");
    assertEquals(2, grant(1).getTTL(), "TTLs below etcd's minimum are raised to it");
  }

  @Test
  void lease_expiry_deletesKeysInOneRevision_keepAliveExtends() throws Exception {
    long kept = grant(2).getID();
    long expiring = grant(2).getID();
    kv.put(put("e/a", "1").toBuilder().setLease(expiring).build()); // 2
    kv.put(put("e/b", "1").toBuilder().setLease(expiring).build()); // 3
    kv.put(put("k/a", "1").toBuilder().setLease(kept).build()); // 4
    BlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
    StreamObserver<LeaseKeepAliveRequest> keepAlive =
        io.etcd.jetcd.api.LeaseGrpc.newStub(etcd.channel())
            .leaseKeepAlive(
                new StreamObserver<>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse value) {
                    answers.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4000);
    while (System.nanoTime() < deadline) {
      keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(kept).build());
      Thread.sleep(400);
    }
    assertEquals(2, answers.poll(5, TimeUnit.SECONDS).getTTL());
    assertEquals(0, kv.range(get("e/a")).getCount());
    assertEquals(0, kv.range(get("e/b")).getCount());
    assertEquals(1, kv.range(get("k/a")).getCount());
    assertEquals(5, kv.range(get("k/a")).getHeader().getRevision(), "expiry is one revision");
    keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(expiring).build());
    LeaseKeepAliveResponse gone;
    do {
      gone = answers.poll(5, TimeUnit.SECONDS);
    } while (gone.getID() != expiring);
    assertEquals(0, gone.getTTL(), "keep-alive of an expired lease answers TTL 0");
    keepAlive.onCompleted();
  }

  @Test
  void lease_survivesRestart_withItsKeys() {
    Assumptions.assumeTrue(persistent(), "the engine keeps nothing across a restart");
    long id = grant(60).getID();
    kv.put(put("r/a", "1").toBuilder().setLease(id).build());
    etcd.restart();
    kv = etcd.kv();
    LeaseTimeToLiveResponse ttl =
        etcd.lease()
            .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build());
    assertEquals(60, ttl.getGrantedTTL());
    assertEquals(List.of("r/a"), ttl.getKeysList().stream().map(Requests::str).toList());
    etcd.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());
    assertEquals(0, kv.range(get("r/a")).getCount());
  }

  @Test
  void jetcd_leaseGrantPutKeepAliveOnce() throws Exception {
    var leases = etcd.client().getLeaseClient();
    long id = leases.grant(30).get(30, TimeUnit.SECONDS).getID();
    etcd.client()
        .getKVClient()
        .put(
            bytes("jl/a"),
            bytes("1"),
            io.etcd.jetcd.options.PutOption.builder().withLeaseId(id).build())
        .get(30, TimeUnit.SECONDS);
    assertEquals(30, leases.keepAliveOnce(id).get(30, TimeUnit.SECONDS).getTTL());
    leases.revoke(id).get(30, TimeUnit.SECONDS);
    assertEquals(0, kv.range(get("jl/a")).getCount());
  }
}
