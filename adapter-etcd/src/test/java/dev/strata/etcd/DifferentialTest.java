package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One seeded sequence of KV and Lease requests, valid and invalid, sent to a real etcd and to
 * strata-etcd: every response (or error status and message) must be equal apart from the cluster
 * id, member id and raft term in headers. Finally a watch from the start of the history must
 * deliver the same events on both. Skipped when etcd (Debian package etcd-server) is absent.
 */
class DifferentialTest {
  private static final String[] KEYS = {"a", "b", "c", "d", "p/1", "p/2", "p/3", "q"};
  private static final int STEPS = Integer.getInteger("strata.etcd.diff.steps", 250);

  @TempDir Path dir;

  /** The two stubs of one side. */
  record Side(KVGrpc.KVBlockingStub kv, LeaseGrpc.LeaseBlockingStub lease, ManagedChannel channel) {
    static Side of(ManagedChannel channel) {
      return new Side(
          KVGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS),
          LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS),
          channel);
    }
  }

  /** A request, its description, and how a side answers it. */
  record Step(String description, Function<Side, Message> call) {}

  static long seed() {
    String configured = System.getProperty("strata.test.seed", "");
    return configured.isEmpty() ? System.nanoTime() : Long.parseLong(configured);
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void seededSequence_matchesRealEtcd(String engine) throws Exception {
    Path etcdBinary = Binaries.require("etcd", "etcd-server");
    long seed = seed();
    System.out.println(
        "DifferentialTest " + engine + " seed=" + seed + " (-Dstrata.test.seed=" + seed + ")");
    Path realDir = dir.resolve("real");
    java.nio.file.Files.createDirectories(realDir);
    try (RealEtcd real = new RealEtcd(etcdBinary, realDir);
        TestServer strata = TestServer.started(engine, dir.resolve("strata"))) {
      Side etcd = Side.of(real.channel());
      Side ours = Side.of(strata.channel());
      SplittableRandom random = new SplittableRandom(seed);
      State state = new State();
      for (int i = 0; i < STEPS; i++) {
        Step step = randomStep(random, state);
        String expected = outcome(etcd, step, state, true);
        String actual = outcome(ours, step, state, false);
        assertEquals(
            expected,
            actual,
            "seed=" + seed + " step " + i + " engine " + engine + ": " + step.description());
      }
      long start = state.compacted + 1;
      assertEquals(
          watchAll(real.channel(), start, state.revision),
          watchAll(strata.channel(), start, state.revision),
          "seed=" + seed + ": watch from revision " + start);
    }
  }

  /** What the generator knows: the revision and compaction point as the real etcd reports them. */
  static final class State {
    long revision = 1;
    long compacted;
  }

  private static String outcome(Side side, Step step, State state, boolean track) {
    try {
      Message response = step.call().apply(side);
      if (track) {
        for (FieldDescriptor f : response.getDescriptorForType().getFields()) {
          if (f.getName().equals("header")) {
            state.revision =
                Math.max(state.revision, ((ResponseHeader) response.getField(f)).getRevision());
          }
        }
        if (response instanceof io.etcd.jetcd.api.CompactionResponse) {
          state.compacted = Long.parseLong(step.description().replaceAll("\\D", ""));
        }
      }
      return normalize(response).toString();
    } catch (StatusRuntimeException e) {
      return "ERROR " + e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  /**
   * Clears what differs between two clusters by nature: ids, raft term, remaining lease time, and
   * the order of a lease's keys (etcd lists them from a Go map, in no set order).
   */
  static Message normalize(Message m) {
    Message.Builder b = m.toBuilder();
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (f.isRepeated()) {
        for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
          b.setRepeatedField(f, i, normalize((Message) m.getRepeatedField(f, i)));
        }
      } else if (m.hasField(f)) {
        b.setField(f, normalize((Message) m.getField(f)));
      }
    }
    if (b instanceof ResponseHeader.Builder h) {
      h.clearClusterId().clearMemberId().clearRaftTerm();
    }
    if (b instanceof LeaseTimeToLiveResponse.Builder t) {
      if (t.getTTL() > 0) {
        t.clearTTL();
      }
      List<ByteString> keys = new ArrayList<>(t.getKeysList());
      keys.sort(ByteString.unsignedLexicographicalComparator());
      t.clearKeys().addAllKeys(keys);
    }
    return b.build();
  }

  private static ByteString key(SplittableRandom r) {
    return Requests.bs(KEYS[r.nextInt(KEYS.length)]);
  }

  private static ByteString value(SplittableRandom r) {
    return r.nextInt(10) == 0 ? ByteString.EMPTY : Requests.bs("v" + r.nextInt(10));
  }

  /** A key range in one of etcd's forms: single key, bounded, prefix, from-key, everything. */
  private static ByteString[] keyRange(SplittableRandom r) {
    ByteString zero = ByteString.copyFrom(new byte[1]);
    return switch (r.nextInt(5)) {
      case 0, 1 -> new ByteString[] {key(r), ByteString.EMPTY};
      case 2 -> new ByteString[] {key(r), key(r)};
      case 3 -> new ByteString[] {Requests.bs("p/"), Requests.bs("p0")};
      default -> r.nextBoolean() ? new ByteString[] {key(r), zero} : new ByteString[] {zero, zero};
    };
  }

  private static PutRequest randomPut(SplittableRandom r) {
    PutRequest.Builder p = PutRequest.newBuilder().setKey(key(r)).setValue(value(r));
    p.setPrevKv(r.nextBoolean());
    int lease = r.nextInt(10);
    if (lease < 2) {
      p.setLease(1 + r.nextInt(4));
    }
    if (r.nextInt(20) == 0) {
      p.setIgnoreValue(true).clearValue();
    }
    if (r.nextInt(20) == 0) {
      p.setIgnoreLease(true).clearLease();
    }
    return p.build();
  }

  private static RangeRequest randomRange(SplittableRandom r, State s) {
    ByteString[] range = keyRange(r);
    RangeRequest.Builder q = RangeRequest.newBuilder().setKey(range[0]).setRangeEnd(range[1]);
    if (r.nextInt(3) == 0) {
      q.setLimit(r.nextInt(5));
    }
    if (r.nextInt(3) == 0) {
      q.setSortOrderValue(r.nextInt(3));
      q.setSortTargetValue(r.nextInt(5));
    }
    q.setKeysOnly(r.nextInt(5) == 0);
    q.setCountOnly(r.nextInt(10) == 0);
    if (r.nextInt(4) == 0) {
      q.setRevision(1 + r.nextLong(s.revision + 1));
    }
    if (r.nextInt(7) == 0) {
      switch (r.nextInt(4)) {
        case 0 -> q.setMinModRevision(r.nextLong(s.revision + 1));
        case 1 -> q.setMaxModRevision(r.nextLong(s.revision + 1));
        case 2 -> q.setMinCreateRevision(r.nextLong(s.revision + 1));
        default -> q.setMaxCreateRevision(r.nextLong(s.revision + 1));
      }
    }
    return q.build();
  }

  private static DeleteRangeRequest randomDelete(SplittableRandom r) {
    ByteString[] range = keyRange(r);
    return DeleteRangeRequest.newBuilder()
        .setKey(range[0])
        .setRangeEnd(range[1])
        .setPrevKv(r.nextBoolean())
        .build();
  }

  private static Compare randomCompare(SplittableRandom r, State s) {
    Compare.Builder c = Compare.newBuilder().setKey(key(r)).setResultValue(r.nextInt(4));
    if (r.nextInt(5) == 0) {
      c.setKey(Requests.bs("p/")).setRangeEnd(Requests.bs("p0"));
    }
    switch (r.nextInt(4)) {
      case 0 -> c.setTarget(Compare.CompareTarget.VERSION).setVersion(r.nextInt(4));
      case 1 ->
          c.setTarget(Compare.CompareTarget.CREATE).setCreateRevision(r.nextLong(s.revision + 1));
      case 2 -> c.setTarget(Compare.CompareTarget.MOD).setModRevision(r.nextLong(s.revision + 1));
      default -> c.setTarget(Compare.CompareTarget.VALUE).setValue(value(r));
    }
    return c.build();
  }

  private static TxnRequest randomTxn(SplittableRandom r, State s, int depth) {
    TxnRequest.Builder t = TxnRequest.newBuilder();
    int compares = r.nextInt(4);
    for (int i = 0; i < compares; i++) {
      t.addCompare(randomCompare(r, s));
    }
    for (int branch = 0; branch < 2; branch++) {
      int ops = r.nextInt(4);
      for (int i = 0; i < ops; i++) {
        RequestOp.Builder op = RequestOp.newBuilder();
        switch (r.nextInt(depth == 0 ? 4 : 3)) {
          case 0 ->
              op.setRequestPut(
                  randomPut(r).toBuilder()
                      .clearLease()
                      .setIgnoreValue(false)
                      .setIgnoreLease(false)
                      .setValue(value(r)));
          case 1 -> op.setRequestRange(randomRange(r, s).toBuilder().clearRevision());
          case 2 -> op.setRequestDeleteRange(randomDelete(r));
          default -> op.setRequestTxn(randomTxn(r, s, depth + 1));
        }
        if (branch == 0) {
          t.addSuccess(op);
        } else {
          t.addFailure(op);
        }
      }
    }
    return t.build();
  }

  private static Step randomStep(SplittableRandom r, State s) {
    int kind = r.nextInt(100);
    if (kind < 30) {
      PutRequest p = randomPut(r);
      return new Step("put " + p, side -> side.kv().put(p));
    } else if (kind < 55) {
      RangeRequest q = randomRange(r, s);
      return new Step("range " + q, side -> side.kv().range(q));
    } else if (kind < 65) {
      DeleteRangeRequest d = randomDelete(r);
      return new Step("delete " + d, side -> side.kv().deleteRange(d));
    } else if (kind < 85) {
      TxnRequest t = randomTxn(r, s, 0);
      return new Step("txn " + t, side -> side.kv().txn(t));
    } else if (kind < 88) {
      long revision = s.compacted + r.nextLong(Math.max(1, s.revision - s.compacted + 2));
      CompactionRequest c = CompactionRequest.newBuilder().setRevision(revision).build();
      return new Step("compact " + revision, side -> side.kv().compact(c));
    } else if (kind < 92) {
      LeaseGrantRequest g =
          LeaseGrantRequest.newBuilder().setID(1 + r.nextInt(4)).setTTL(600).build();
      return new Step("grant " + g, side -> side.lease().leaseGrant(g));
    } else if (kind < 94) {
      LeaseRevokeRequest v = LeaseRevokeRequest.newBuilder().setID(1 + r.nextInt(4)).build();
      return new Step("revoke " + v, side -> side.lease().leaseRevoke(v));
    } else if (kind < 96) {
      LeaseTimeToLiveRequest t =
          LeaseTimeToLiveRequest.newBuilder().setID(1 + r.nextInt(4)).setKeys(true).build();
      return new Step("time-to-live " + t, side -> side.lease().leaseTimeToLive(t));
    } else {
      return switch (r.nextInt(3)) {
        case 0 ->
            new Step(
                "range of empty key", side -> side.kv().range(RangeRequest.getDefaultInstance()));
        case 1 ->
            new Step("put of empty key", side -> side.kv().put(PutRequest.getDefaultInstance()));
        default ->
            new Step(
                "delete of empty key",
                side -> side.kv().deleteRange(DeleteRangeRequest.getDefaultInstance()));
      };
    }
  }

  /** Every event from {@code start} to {@code last} of one watch on the whole keyspace. */
  private static List<String> watchAll(ManagedChannel channel, long start, long last)
      throws InterruptedException {
    List<String> events = new ArrayList<>();
    if (start > last) {
      return events;
    }
    try (WatchStream w = new WatchStream(WatchGrpc.newStub(channel))) {
      ByteString zero = ByteString.copyFrom(new byte[1]);
      w.create(
          WatchCreateRequest.newBuilder()
              .setKey(zero)
              .setRangeEnd(zero)
              .setStartRevision(start)
              .setPrevKv(true)
              .build());
      WatchResponse created = w.next();
      events.add("created=" + created.getCreated());
      long seen = 0;
      while (seen < last) {
        WatchResponse r = w.responses.poll(5, TimeUnit.SECONDS);
        if (r == null) {
          events.add("no more events after revision " + seen);
          break;
        }
        if (r.getCanceled()) {
          events.add("canceled compact_revision=" + r.getCompactRevision());
          break;
        }
        for (Event e : r.getEventsList()) {
          events.add(normalize(e).toString());
          seen = e.getKv().getModRevision();
        }
      }
    }
    return events;
  }
}
