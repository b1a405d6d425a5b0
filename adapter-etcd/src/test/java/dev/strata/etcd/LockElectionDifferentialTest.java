package dev.strata.etcd;

import static dev.strata.etcd.Requests.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.CampaignResponse;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One scripted session of Lock and Election calls sent to a real etcd 3.4 and to strata-etcd on
 * {@code btree}: every answer, or error code and message, must be equal apart from cluster id,
 * member id and raft term, and so must the keys the services leave behind. The leases have ids
 * chosen by the script, so the keys ({@code name/<lease hex>}) are the same on both. Covers the
 * uncontended and contended lock, unlock, a waiter that gives up, an unknown lease, and campaign,
 * campaigning again with a new value, leader, proclaim, observe, resign and their errors. Skipped
 * when etcd (Debian package etcd-server) is absent.
 */
class LockElectionDifferentialTest {
  private static final long A = 0x1a2b;
  private static final long B = 0x1a2c;
  private static final long C = 0x1a2d;

  @TempDir Path dir;

  /** The stubs of one side. */
  record Side(ManagedChannel channel) {
    LockGrpc.LockBlockingStub lock() {
      return LockGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    ElectionGrpc.ElectionBlockingStub election() {
      return ElectionGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    KVGrpc.KVBlockingStub kv() {
      return KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    int keysUnder(String prefix) {
      return kv().range(Requests.prefix(prefix)).getKvsCount();
    }
  }

  @Test
  void scriptedSession_matchesRealEtcd() throws Exception {
    Path etcdBinary = Binaries.require("etcd", "etcd-server");
    Path realDir = dir.resolve("real");
    Files.createDirectories(realDir);
    try (RealEtcd real = new RealEtcd(etcdBinary, realDir);
        TestServer strata = TestServer.started("btree", dir.resolve("strata"))) {
      List<Side> sides = List.of(new Side(real.channel()), new Side(strata.channel()));
      Script script = new Script(sides);

      for (long id : new long[] {A, B, C}) {
        script.same(
            "grant " + id,
            s ->
                LeaseGrpc.newBlockingStub(s.channel())
                    .leaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(60).build()));
      }
      script.same("lock job A", s -> s.lock().lock(lock("job", A)));
      script.same("lock job A again", s -> s.lock().lock(lock("job", A)));
      script.same("lock with an unknown lease", s -> s.lock().lock(lock("job", 0x9999)));
      script.same("lock with an empty name", s -> s.lock().lock(lock("", A)));

      // B waits for A; A unlocks; B holds.
      List<CompletableFuture<Message>> waitingB =
          script.start(s -> (o -> LockGrpc.newStub(s.channel()).lock(lock("job", B), as(o))));
      script.awaitKeys("job/", 2);
      script.assertWaiting(waitingB);
      script.same("unlock job A", s -> s.lock().unlock(unlock("job/1a2b")));
      script.sameAnswer("B holds job", waitingB);
      script.same("unlock an empty key", s -> s.lock().unlock(unlock("")));
      script.same("unlock a missing key", s -> s.lock().unlock(unlock("job/none")));

      // C waits for B and gives up: its key goes.
      List<Context.CancellableContext> attempts = script.cancellable();
      List<CompletableFuture<Message>> waitingC =
          script.startIn(
              attempts, s -> (o -> LockGrpc.newStub(s.channel()).lock(lock("job", C), as(o))));
      script.awaitKeys("job/", 2);
      script.assertWaiting(waitingC);
      attempts.forEach(a -> a.cancel(null));
      script.awaitKeys("job/", 1);
      script.same("keys under job/", s -> s.kv().range(Requests.prefix("job/")));

      // An election.
      script.same("leader of an empty election", s -> s.election().leader(leader("el")));
      script.same("campaign el A", s -> s.election().campaign(campaign("el", A, "v1")));
      script.same(
          "campaign el A again, same value", s -> s.election().campaign(campaign("el", A, "v1")));
      script.same(
          "campaign el A again, new value", s -> s.election().campaign(campaign("el", A, "v1b")));
      LeaderKey keyA = ((CampaignResponse) script.last(0)).getLeader();
      assertEquals(keyA, ((CampaignResponse) script.last(1)).getLeader());
      script.same("leader el", s -> s.election().leader(leader("el")));
      script.same("proclaim v2", s -> s.election().proclaim(proclaim(keyA, "v2")));
      LeaderKey stale = keyA.toBuilder().setRev(keyA.getRev() - 1).build();
      script.same("proclaim with a stale key", s -> s.election().proclaim(proclaim(stale, "x")));
      script.same(
          "proclaim without a key",
          s -> s.election().proclaim(ProclaimRequest.newBuilder().setValue(bs("x")).build()));
      script.same(
          "resign without a key", s -> s.election().resign(ResignRequest.getDefaultInstance()));
      script.same(
          "campaign with an unknown lease",
          s -> s.election().campaign(campaign("el", 0x9999, "u")));

      List<BlockingQueue<Object>> observed = script.observe("el");
      script.sameNext("observe: the leader", observed);
      List<CompletableFuture<Message>> waitingCampaign =
          script.start(
              s ->
                  (o -> ElectionGrpc.newStub(s.channel()).campaign(campaign("el", B, "w"), as(o))));
      script.awaitKeys("el/", 2);
      script.assertWaiting(waitingCampaign);
      script.same("proclaim v3", s -> s.election().proclaim(proclaim(keyA, "v3")));
      script.sameNext("observe: the proclaimed value", observed);
      script.same(
          "resign A", s -> s.election().resign(ResignRequest.newBuilder().setLeader(keyA).build()));
      script.sameAnswer("B leads el", waitingCampaign);
      LeaderKey keyB = ((CampaignResponse) script.last(0)).getLeader();
      script.sameNext("observe: the next leader", observed);
      script.same("leader el after A resigned", s -> s.election().leader(leader("el")));
      script.same(
          "resign A again",
          s -> s.election().resign(ResignRequest.newBuilder().setLeader(keyA).build()));
      script.same(
          "resign B", s -> s.election().resign(ResignRequest.newBuilder().setLeader(keyB).build()));
      script.same("leader el after everyone resigned", s -> s.election().leader(leader("el")));
      script.same("campaign el C", s -> s.election().campaign(campaign("el", C, "c")));
      script.sameNext("observe: a leader after none", observed);

      script.same(
          "every key",
          s ->
              s.kv()
                  .range(
                      RangeRequest.newBuilder()
                          .setKey(ByteString.copyFrom(new byte[1]))
                          .setRangeEnd(ByteString.copyFrom(new byte[1]))
                          .build()));
    }
  }

  /** Runs each step on every side in turn and compares the outcomes. */
  static final class Script {
    private final List<Side> sides;
    private final Message[] last;

    Script(List<Side> sides) {
      this.sides = sides;
      this.last = new Message[sides.size()];
    }

    /** The last successful answer of side {@code i}. */
    Message last(int i) {
      return last[i];
    }

    void same(String description, Function<Side, Message> call) {
      String[] outcomes = new String[sides.size()];
      for (int i = 0; i < sides.size(); i++) {
        try {
          Message response = call.apply(sides.get(i));
          last[i] = response;
          outcomes[i] = DifferentialTest.normalize(response).toString();
        } catch (StatusRuntimeException e) {
          outcomes[i] = "ERROR " + e.getStatus().getCode() + ": " + e.getStatus().getDescription();
        }
      }
      assertEquals(outcomes[0], outcomes[1], description);
    }

    /** Compares the answers of calls started on each side. */
    void sameAnswer(String description, List<CompletableFuture<Message>> started) {
      same(description, s -> join(started.get(sides.indexOf(s))));
    }

    /** Compares the next response of a stream on each side. */
    void sameNext(String description, List<BlockingQueue<Object>> streams) {
      same(
          description,
          s -> {
            try {
              Object next = streams.get(sides.indexOf(s)).poll(15, TimeUnit.SECONDS);
              if (next instanceof RuntimeException e) {
                throw e;
              }
              return next == null ? LeaderResponse.getDefaultInstance() : (Message) next;
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
          });
    }

    List<CompletableFuture<Message>> start(
        Function<Side, java.util.function.Consumer<StreamObserver<Message>>> call) {
      return sides.stream().map(s -> started(call.apply(s))).toList();
    }

    List<CompletableFuture<Message>> startIn(
        List<Context.CancellableContext> contexts,
        Function<Side, java.util.function.Consumer<StreamObserver<Message>>> call) {
      return sides.stream()
          .map(
              s -> {
                List<CompletableFuture<Message>> out = new java.util.ArrayList<>();
                contexts.get(sides.indexOf(s)).run(() -> out.add(started(call.apply(s))));
                return out.get(0);
              })
          .toList();
    }

    List<Context.CancellableContext> cancellable() {
      return sides.stream().map(s -> Context.current().withCancellation()).toList();
    }

    List<BlockingQueue<Object>> observe(String name) {
      return sides.stream()
          .map(
              s -> {
                BlockingQueue<Object> responses = new LinkedBlockingQueue<>();
                ElectionGrpc.newStub(s.channel())
                    .observe(
                        leader(name),
                        new StreamObserver<>() {
                          @Override
                          public void onNext(LeaderResponse value) {
                            responses.add(value);
                          }

                          @Override
                          public void onError(Throwable t) {
                            responses.add(t);
                          }

                          @Override
                          public void onCompleted() {}
                        });
                return responses;
              })
          .toList();
    }

    void assertWaiting(List<CompletableFuture<Message>> started) throws InterruptedException {
      Thread.sleep(300);
      for (CompletableFuture<Message> f : started) {
        assertFalse(f.isDone(), "answered while it should wait: " + f);
      }
    }

    void awaitKeys(String prefix, int count) throws InterruptedException {
      for (Side s : sides) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (s.keysUnder(prefix) != count) {
          assertTrue(System.nanoTime() < deadline, count + " keys under " + prefix);
          Thread.sleep(20);
        }
      }
    }

    private static CompletableFuture<Message> started(
        java.util.function.Consumer<StreamObserver<Message>> call) {
      CompletableFuture<Message> answer = new CompletableFuture<>();
      call.accept(
          new StreamObserver<>() {
            @Override
            public void onNext(Message value) {
              answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
          });
      return answer;
    }

    private static Message join(CompletableFuture<Message> f) {
      try {
        return f.get(15, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof StatusRuntimeException s) {
          throw s;
        }
        throw new IllegalStateException(e);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A side's answer observer as the stub's type: the script handles every answer as a message. */
  @SuppressWarnings("unchecked")
  static <T> StreamObserver<T> as(StreamObserver<Message> observer) {
    return (StreamObserver<T>) (StreamObserver<?>) observer;
  }

  static LockRequest lock(String name, long lease) {
    return LockRequest.newBuilder().setName(bs(name)).setLease(lease).build();
  }

  static UnlockRequest unlock(String key) {
    return UnlockRequest.newBuilder().setKey(bs(key)).build();
  }

  static CampaignRequest campaign(String name, long lease, String value) {
    return CampaignRequest.newBuilder()
        .setName(bs(name))
        .setLease(lease)
        .setValue(bs(value))
        .build();
  }

  static LeaderRequest leader(String name) {
    return LeaderRequest.newBuilder().setName(bs(name)).build();
  }

  static ProclaimRequest proclaim(LeaderKey key, String value) {
    return ProclaimRequest.newBuilder().setLeader(key).setValue(bs(value)).build();
  }
}
