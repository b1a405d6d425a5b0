package dev.strata.etcd;

import static dev.strata.etcd.Requests.bs;
import static dev.strata.etcd.Requests.delete;
import static dev.strata.etcd.Requests.get;
import static dev.strata.etcd.Requests.op;
import static dev.strata.etcd.Requests.prefix;
import static dev.strata.etcd.Requests.put;
import static dev.strata.etcd.Requests.range;
import static dev.strata.etcd.Requests.str;
import static dev.strata.etcd.Requests.versionEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's KV semantics, checked through gRPC and jetcd; one subclass per engine. */
abstract class KvContract {
  @TempDir Path dir;
  TestServer etcd;
  KVGrpc.KVBlockingStub kv;

  abstract String engine();

  /** Whether the engine keeps its data across a restart. */
  boolean persistent() {
    return true;
  }

  @BeforeEach
  void startServer() {
    etcd = TestServer.started(engine(), dir.resolve("data"));
    kv = etcd.kv();
  }

  @AfterEach
  void stopServer() {
    etcd.close();
  }

  @Test
  void freshStore_startsAtRevisionOne_andFirstPutIsRevisionTwo() {
    assertEquals(1, kv.range(get("a")).getHeader().getRevision());
    PutResponse put = kv.put(put("a", "1"));
    assertEquals(2, put.getHeader().getRevision());
    KeyValue a = kv.range(get("a")).getKvs(0);
    assertEquals(2, a.getCreateRevision());
    assertEquals(2, a.getModRevision());
    assertEquals(1, a.getVersion());
    assertEquals("1", str(a.getValue()));
  }

  @Test
  void put_overwrite_keepsCreateRevision_bumpsVersion_returnsPrevKv() {
    kv.put(put("a", "1"));
    PutResponse second = kv.put(put("a", "2").toBuilder().setPrevKv(true).build());
    assertEquals("1", str(second.getPrevKv().getValue()));
    KeyValue a = kv.range(get("a")).getKvs(0);
    assertEquals(2, a.getCreateRevision());
    assertEquals(3, a.getModRevision());
    assertEquals(2, a.getVersion());
    assertFalse(kv.put(put("b", "x").toBuilder().setPrevKv(true).build()).hasPrevKv());
  }

  @Test
  void delete_thenPut_startsNewGeneration() {
    kv.put(put("a", "1"));
    kv.put(put("a", "2"));
    DeleteRangeResponse deleted = kv.deleteRange(delete("a").toBuilder().setPrevKv(true).build());
    assertEquals(1, deleted.getDeleted());
    assertEquals("2", str(deleted.getPrevKvs(0).getValue()));
    assertEquals(4, deleted.getHeader().getRevision());
    assertEquals(0, kv.range(get("a")).getCount());
    kv.put(put("a", "3"));
    KeyValue a = kv.range(get("a")).getKvs(0);
    assertEquals(5, a.getCreateRevision());
    assertEquals(1, a.getVersion());
  }

  @Test
  void deleteOfMissingKey_doesNotBumpRevision() {
    kv.put(put("a", "1"));
    DeleteRangeResponse none = kv.deleteRange(delete("zz"));
    assertEquals(0, none.getDeleted());
    assertEquals(2, none.getHeader().getRevision());
    assertEquals(2, kv.put(put("a", "2")).getHeader().getRevision() - 1);
  }

  @Test
  void range_prefix_fromKey_andBounded() {
    for (String k : List.of("a", "ab", "abc", "b", "c")) {
      kv.put(put(k, k));
    }
    assertEquals(List.of("a", "ab", "abc"), keys(kv.range(prefix("a"))));
    assertEquals(List.of("ab", "abc", "b"), keys(kv.range(range("ab", "c"))));
    RangeRequest fromB =
        RangeRequest.newBuilder()
            .setKey(bs("b"))
            .setRangeEnd(ByteString.copyFrom(new byte[1]))
            .build();
    assertEquals(List.of("b", "c"), keys(kv.range(fromB)));
    RangeRequest all =
        RangeRequest.newBuilder()
            .setKey(ByteString.copyFrom(new byte[1]))
            .setRangeEnd(ByteString.copyFrom(new byte[1]))
            .build();
    assertEquals(5, kv.range(all).getCount());
    assertEquals(0, kv.range(range("c", "a")).getCount());
  }

  @Test
  void range_limit_setsMoreAndCountsAll() {
    for (int i = 0; i < 10; i++) {
      kv.put(put("k" + i, "v" + i));
    }
    RangeResponse limited = kv.range(prefix("k").toBuilder().setLimit(3).build());
    assertEquals(List.of("k0", "k1", "k2"), keys(limited));
    assertTrue(limited.getMore());
    assertEquals(10, limited.getCount());
    RangeResponse exact = kv.range(prefix("k").toBuilder().setLimit(10).build());
    assertFalse(exact.getMore());
    assertEquals(10, exact.getKvsCount());
  }

  @Test
  void range_sortByTargets_keysOnly_countOnly() {
    kv.put(put("a", "3"));
    kv.put(put("b", "1"));
    kv.put(put("c", "2"));
    kv.put(put("b", "4"));
    RangeRequest all = range("a", "z");
    assertEquals(
        List.of("c", "b", "a"),
        keys(kv.range(all.toBuilder().setSortOrder(RangeRequest.SortOrder.DESCEND).build())));
    assertEquals(
        List.of("b", "a", "c"),
        keys(
            kv.range(
                all.toBuilder()
                    .setSortTarget(RangeRequest.SortTarget.VALUE)
                    .setSortOrder(RangeRequest.SortOrder.DESCEND)
                    .build())));
    assertEquals(
        List.of("a", "c", "b"),
        keys(kv.range(all.toBuilder().setSortTarget(RangeRequest.SortTarget.MOD).build())));
    assertEquals(
        List.of("a", "b"),
        keys(
            kv.range(
                all.toBuilder()
                    .setSortTarget(RangeRequest.SortTarget.CREATE)
                    .setSortOrder(RangeRequest.SortOrder.ASCEND)
                    .setLimit(2)
                    .build())));
    RangeResponse keysOnly = kv.range(all.toBuilder().setKeysOnly(true).build());
    assertTrue(keysOnly.getKvs(0).getValue().isEmpty());
    assertEquals(2, keysOnly.getKvs(0).getModRevision());
    RangeResponse countOnly = kv.range(all.toBuilder().setCountOnly(true).build());
    assertEquals(0, countOnly.getKvsCount());
    assertEquals(3, countOnly.getCount());
  }

  @Test
  void range_revisionFilters() {
    kv.put(put("a", "1")); // 2
    kv.put(put("b", "1")); // 3
    kv.put(put("a", "2")); // 4
    RangeRequest all = range("a", "z");
    assertEquals(List.of("a"), keys(kv.range(all.toBuilder().setMinModRevision(4).build())));
    assertEquals(List.of("b"), keys(kv.range(all.toBuilder().setMaxModRevision(3).build())));
    assertEquals(List.of("b"), keys(kv.range(all.toBuilder().setMinCreateRevision(3).build())));
    assertEquals(List.of("a"), keys(kv.range(all.toBuilder().setMaxCreateRevision(2).build())));
    RangeResponse filtered = kv.range(all.toBuilder().setMinModRevision(4).build());
    assertEquals(2, filtered.getCount(), "count is taken before the filters, as in etcd");
  }

  @Test
  void range_atPastRevision_seesHistoryIncludingDeletedKeys() {
    kv.put(put("a", "1")); // 2
    kv.put(put("b", "1")); // 3
    kv.put(put("a", "2")); // 4
    kv.deleteRange(delete("b")); // 5
    RangeResponse at3 = kv.range(range("a", "z").toBuilder().setRevision(3).build());
    assertEquals(List.of("a", "b"), keys(at3));
    assertEquals("1", str(at3.getKvs(0).getValue()));
    assertEquals(5, at3.getHeader().getRevision());
    assertEquals(List.of("a"), keys(kv.range(range("a", "z").toBuilder().setRevision(5).build())));
    assertEquals(0, kv.range(get("a").toBuilder().setRevision(1).build()).getCount());
    assertEquals(
        "2", str(kv.range(get("a").toBuilder().setRevision(4).build()).getKvs(0).getValue()));
    StatusRuntimeException future =
        assertThrows(
            StatusRuntimeException.class,
            () -> kv.range(get("a").toBuilder().setRevision(6).build()));
    assertStatus(
        future,
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision is a future revision");
  }

  @Test
  void keysWithZeroAndHighBytes_keepOrderInHistory() {
    byte[][] keys = {{1}, {1, 0}, {1, 0, 0}, {1, 0, (byte) 0xFF}, {1, 1}, {1, (byte) 0xFF}};
    for (byte[] k : keys) {
      kv.put(io.etcd.jetcd.api.PutRequest.newBuilder().setKey(ByteString.copyFrom(k)).build());
    }
    kv.put(put("x", "y"));
    RangeRequest all =
        RangeRequest.newBuilder()
            .setKey(ByteString.copyFrom(new byte[] {1}))
            .setRangeEnd(ByteString.copyFrom(new byte[] {2}))
            .build();
    RangeResponse now = kv.range(all);
    RangeResponse past =
        kv.range(all.toBuilder().setRevision(now.getHeader().getRevision() - 1).build());
    assertEquals(keys.length, now.getKvsCount());
    assertEquals(now.getKvsList(), past.getKvsList());
    for (int i = 0; i < keys.length; i++) {
      assertEquals(ByteString.copyFrom(keys[i]), past.getKvs(i).getKey());
    }
  }

  @Test
  void txn_comparesChooseBranch_andAllChangesShareOneRevision() {
    kv.put(put("a", "1")); // 2
    TxnResponse ok =
        kv.txn(
            TxnRequest.newBuilder()
                .addCompare(versionEquals("a", 1))
                .addSuccess(op(put("b", "1")))
                .addSuccess(op(put("c", "1")))
                .addSuccess(op(get("b")))
                .addFailure(op(put("f", "1")))
                .build());
    assertTrue(ok.getSucceeded());
    assertEquals(3, ok.getHeader().getRevision());
    assertEquals(3, kv.range(get("b")).getKvs(0).getModRevision());
    assertEquals(3, kv.range(get("c")).getKvs(0).getModRevision());
    assertEquals("1", str(ok.getResponses(2).getResponseRange().getKvs(0).getValue()));
    TxnResponse failed =
        kv.txn(
            TxnRequest.newBuilder()
                .addCompare(versionEquals("a", 5))
                .addSuccess(op(put("s", "1")))
                .addFailure(op(get("a")))
                .build());
    assertFalse(failed.getSucceeded());
    assertEquals(3, failed.getHeader().getRevision());
    assertEquals(0, kv.range(get("s")).getCount());
  }

  @Test
  void txn_compareTargets_onRangesAndMissingKeys() {
    kv.put(put("p/1", "x")); // 2
    kv.put(put("p/2", "y")); // 3
    Compare createdAfter1 =
        Compare.newBuilder()
            .setKey(bs("p/"))
            .setRangeEnd(bs("p0"))
            .setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.GREATER)
            .setCreateRevision(1)
            .build();
    assertTrue(txn(createdAfter1).getSucceeded());
    Compare modLess3 =
        createdAfter1.toBuilder()
            .setTarget(Compare.CompareTarget.MOD)
            .setResult(Compare.CompareResult.LESS)
            .setModRevision(3)
            .build();
    assertFalse(txn(modLess3).getSucceeded(), "p/2 has mod revision 3");
    Compare valueNotEqual =
        Compare.newBuilder()
            .setKey(bs("p/1"))
            .setTarget(Compare.CompareTarget.VALUE)
            .setResult(Compare.CompareResult.NOT_EQUAL)
            .setValue(bs("z"))
            .build();
    assertTrue(txn(valueNotEqual).getSucceeded());
    assertFalse(
        txn(valueNotEqual.toBuilder().setKey(bs("missing")).build()).getSucceeded(),
        "a value compare on a missing key fails");
    assertTrue(txn(versionEquals("missing", 0)).getSucceeded());
    Compare createZero =
        Compare.newBuilder()
            .setKey(bs("missing"))
            .setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.EQUAL)
            .setCreateRevision(0)
            .build();
    assertTrue(txn(createZero).getSucceeded());
  }

  @Test
  void txn_nested_runsChosenBranchesAndNestedComparesSeeStateBeforeTxn() {
    kv.put(put("a", "1")); // 2
    TxnRequest inner =
        TxnRequest.newBuilder()
            .addCompare(versionEquals("a", 1))
            .addSuccess(op(put("inner-ok", "1")))
            .addFailure(op(put("inner-failed", "1")))
            .build();
    TxnResponse outer =
        kv.txn(
            TxnRequest.newBuilder()
                .addSuccess(op(put("a", "2")))
                .addSuccess(RequestOp.newBuilder().setRequestTxn(inner))
                .build());
    assertTrue(outer.getSucceeded());
    assertTrue(outer.getResponses(1).getResponseTxn().getSucceeded());
    assertEquals(1, kv.range(get("inner-ok")).getCount());
    assertEquals(0, kv.range(get("inner-failed")).getCount());
    assertEquals(3, kv.range(get("inner-ok")).getKvs(0).getModRevision());
  }

  @Test
  void txn_readOnly_doesNotBumpRevision() {
    kv.put(put("a", "1"));
    TxnResponse r = kv.txn(TxnRequest.newBuilder().addSuccess(op(get("a"))).build());
    assertEquals(2, r.getHeader().getRevision());
    assertEquals(2, kv.put(put("b", "1")).getHeader().getRevision() - 1);
  }

  @Test
  void compact_dropsOldRevisions_keepsLatestAtCompactionPoint() {
    kv.put(put("a", "1")); // 2
    kv.put(put("a", "2")); // 3
    kv.put(put("b", "1")); // 4
    kv.deleteRange(delete("b")); // 5
    kv.put(put("a", "3")); // 6
    kv.compact(CompactionRequest.newBuilder().setRevision(5).build());
    StatusRuntimeException compacted =
        assertThrows(
            StatusRuntimeException.class,
            () -> kv.range(get("a").toBuilder().setRevision(4).build()));
    assertStatus(
        compacted,
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision has been compacted");
    RangeResponse at5 = kv.range(range("a", "z").toBuilder().setRevision(5).build());
    assertEquals(List.of("a"), keys(at5));
    assertEquals("2", str(at5.getKvs(0).getValue()));
    assertEquals("3", str(kv.range(get("a")).getKvs(0).getValue()));
    StatusRuntimeException again =
        assertThrows(
            StatusRuntimeException.class,
            () -> kv.compact(CompactionRequest.newBuilder().setRevision(5).build()));
    assertStatus(
        again, Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
    StatusRuntimeException future =
        assertThrows(
            StatusRuntimeException.class,
            () -> kv.compact(CompactionRequest.newBuilder().setRevision(7).build()));
    assertStatus(
        future,
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision is a future revision");
    long historyEntries = etcd.server.engine().view(txn -> count(txn, KeyLayout.HISTORY));
    assertEquals(2, historyEntries, "a@3 and a@6 stay; a@2, b@4 and the tombstone b@5 go");
  }

  @Test
  void restart_resumesAtSameRevision_withHistoryAndCompaction() {
    Assumptions.assumeTrue(persistent(), "the engine keeps nothing across a restart");
    kv.put(put("a", "1")); // 2
    kv.put(put("a", "2")); // 3
    kv.put(put("b", "1")); // 4
    kv.compact(CompactionRequest.newBuilder().setRevision(3).build());
    etcd.restart();
    kv = etcd.kv();
    assertEquals(4, kv.range(get("a")).getHeader().getRevision());
    assertEquals(
        "2", str(kv.range(get("a").toBuilder().setRevision(3).build()).getKvs(0).getValue()));
    assertThrows(
        StatusRuntimeException.class, () -> kv.range(get("a").toBuilder().setRevision(2).build()));
    assertEquals(5, kv.put(put("c", "1")).getHeader().getRevision());
    assertEquals(3, kv.range(get("a")).getKvs(0).getModRevision());
  }

  @Test
  void largeValues_storedOnceInHistory_readAtEveryRevision_afterCompactionAndRestart() {
    String first = "a".repeat(HistoryRecord.INLINE_VALUE_BYTES + 1);
    String second = "b".repeat(9000);
    kv.put(put("big", first)); // 2
    PutResponse overwrite = kv.put(put("big", second).toBuilder().setPrevKv(true).build()); // 3
    assertEquals(first, str(overwrite.getPrevKv().getValue()));
    kv.put(put("small", "s")); // 4
    assertEquals(second, str(kv.range(get("big")).getKvs(0).getValue()));
    assertEquals(
        first, str(kv.range(get("big").toBuilder().setRevision(2).build()).getKvs(0).getValue()));
    RangeResponse all = kv.range(range("a", "z"));
    assertEquals(2, all.getKvsCount());
    assertEquals(second, str(all.getKvs(0).getValue()));
    assertEquals(3, all.getKvs(0).getModRevision());
    assertEquals(2, all.getKvs(0).getVersion());
    TxnResponse txn =
        kv.txn(
            TxnRequest.newBuilder()
                .addCompare(
                    Compare.newBuilder()
                        .setKey(bs("big"))
                        .setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL)
                        .setValue(bs(second)))
                .addSuccess(op(get("big")))
                .build());
    assertTrue(txn.getSucceeded());
    assertEquals(second, str(txn.getResponses(0).getResponseRange().getKvs(0).getValue()));
    // Compaction keeps each live key's last change, which holds the live value.
    kv.compact(CompactionRequest.newBuilder().setRevision(4).build());
    assertEquals(second, str(kv.range(get("big")).getKvs(0).getValue()));
    if (persistent()) {
      etcd.restart();
      kv = etcd.kv();
      assertEquals(second, str(kv.range(get("big")).getKvs(0).getValue()));
    }
    DeleteRangeResponse deleted = kv.deleteRange(delete("big").toBuilder().setPrevKv(true).build());
    assertEquals(second, str(deleted.getPrevKvs(0).getValue()));
    assertEquals(0, kv.range(get("big")).getKvsCount());
  }

  @Test
  void status_reportsRevisionAndVersion() {
    kv.put(put("a", "1"));
    StatusResponse status = etcd.maintenance().status(StatusRequest.getDefaultInstance());
    assertEquals(2, status.getHeader().getRevision());
    assertEquals(MaintenanceService.VERSION, status.getVersion());
    assertEquals(status.getHeader().getMemberId(), status.getLeader());
    assertEquals(persistent(), status.getDbSize() > 0);
  }

  @Test
  void jetcd_putGetDeleteTxn() throws Exception {
    KV client = etcd.client().getKVClient();
    ByteSequence key = bytes("jetcd/key");
    client.put(key, bytes("v1")).get(30, TimeUnit.SECONDS);
    client.put(bytes("jetcd/other"), bytes("v2")).get(30, TimeUnit.SECONDS);
    GetResponse got =
        client
            .get(bytes("jetcd/"), GetOption.builder().isPrefix(true).build())
            .get(30, TimeUnit.SECONDS);
    assertEquals(2, got.getCount());
    assertEquals("v1", got.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
    var txn =
        client
            .txn()
            .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(1)))
            .Then(Op.put(key, bytes("v3"), PutOption.DEFAULT))
            .commit()
            .get(30, TimeUnit.SECONDS);
    assertTrue(txn.isSucceeded());
    assertEquals(2, client.get(key).get(30, TimeUnit.SECONDS).getKvs().get(0).getVersion());
    assertEquals(1, client.delete(key).get(30, TimeUnit.SECONDS).getDeleted());
    assertEquals(0, client.get(key).get(30, TimeUnit.SECONDS).getCount());
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  TxnResponse txn(Compare compare) {
    return kv.txn(TxnRequest.newBuilder().addCompare(compare).build());
  }

  static long count(dev.strata.api.ReadTxn txn, byte tag) {
    long n = 0;
    try (var cursor = txn.cursor(dev.strata.api.KeyRange.prefix(new byte[] {tag}))) {
      while (cursor.next()) {
        n++;
      }
    }
    return n;
  }

  static List<String> keys(RangeResponse response) {
    return response.getKvsList().stream().map(kv -> str(kv.getKey())).toList();
  }

  static void assertStatus(StatusRuntimeException e, Status.Code code, String message) {
    assertEquals(code, e.getStatus().getCode(), e.toString());
    assertEquals(message, e.getStatus().getDescription());
  }

  static DeleteRangeRequest deleteRange(String key, String end) {
    return DeleteRangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(end)).build();
  }
}
