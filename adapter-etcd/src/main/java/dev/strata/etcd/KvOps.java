package dev.strata.etcd;

import com.google.protobuf.ByteString;
import dev.strata.api.KeyRange;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * etcd's KV semantics on a {@link MvccView}: what a Range, Put, DeleteRange and Txn return. The
 * headers set here carry only the revision; the service adds cluster and member ids to the
 * top-level response, as etcd does.
 */
final class KvOps {
  /** etcd's {@code Compare.CompareTarget.LEASE}, newer than the stubs' enum. */
  static final int COMPARE_TARGET_LEASE = 4;

  /** The field number of {@code Compare.lease} in etcd's rpc.proto. */
  private static final int COMPARE_LEASE_FIELD = 8;

  private KvOps() {}

  static RangeResponse range(MvccView view, RangeRequest r) {
    boolean filtered =
        r.getMinModRevision() != 0
            || r.getMaxModRevision() != 0
            || r.getMinCreateRevision() != 0
            || r.getMaxCreateRevision() != 0;
    // Like etcd: fetch everything when sorting or filtering, else one more than the limit so that
    // 'more' can be told.
    long fetch =
        r.getSortOrder() != RangeRequest.SortOrder.NONE || filtered
            ? 0
            : (r.getLimit() > 0 ? r.getLimit() + 1 : 0);
    MvccView.RangeResult result =
        view.range(
            r.getKey().toByteArray(),
            r.getRangeEnd().toByteArray(),
            r.getRevision(),
            fetch,
            r.getCountOnly());
    List<KeyValue> kvs = result.kvs();
    if (filtered) {
      kvs = new ArrayList<>(kvs);
      kvs.removeIf(kv -> !passes(r, kv));
    }
    RangeRequest.SortOrder order = r.getSortOrder();
    if (r.getSortTarget() != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
      // etcd sorts ascending by a non-key target even when no order is given.
      order = RangeRequest.SortOrder.ASCEND;
    }
    if (order != RangeRequest.SortOrder.NONE) {
      Comparator<KeyValue> byTarget = comparator(r.getSortTarget());
      kvs = new ArrayList<>(kvs);
      kvs.sort(order == RangeRequest.SortOrder.DESCEND ? byTarget.reversed() : byTarget);
    }
    boolean more = false;
    if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
      kvs = kvs.subList(0, (int) r.getLimit());
      more = true;
    }
    RangeResponse.Builder response =
        RangeResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(result.revision()))
            .setCount(result.count())
            .setMore(more);
    for (KeyValue kv : kvs) {
      response.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
    }
    return response.build();
  }

  private static boolean passes(RangeRequest r, KeyValue kv) {
    return (r.getMinModRevision() == 0 || kv.getModRevision() >= r.getMinModRevision())
        && (r.getMaxModRevision() == 0 || kv.getModRevision() <= r.getMaxModRevision())
        && (r.getMinCreateRevision() == 0 || kv.getCreateRevision() >= r.getMinCreateRevision())
        && (r.getMaxCreateRevision() == 0 || kv.getCreateRevision() <= r.getMaxCreateRevision());
  }

  private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
    return switch (target) {
      case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
      case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
      case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
      case VALUE ->
          (a, b) -> KeyRange.compare(a.getValue().toByteArray(), b.getValue().toByteArray());
      default -> (a, b) -> KeyRange.compare(a.getKey().toByteArray(), b.getKey().toByteArray());
    };
  }

  static PutResponse put(MvccWrite write, PutRequest r, boolean alone) {
    KeyValue prev =
        write.put(
            r.getKey().toByteArray(),
            r.getValue(),
            r.getLease(),
            r.getIgnoreValue(),
            r.getIgnoreLease(),
            alone,
            r.getPrevKv());
    PutResponse.Builder response =
        PutResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(write.newRevision()));
    if (r.getPrevKv() && prev != null) {
      response.setPrevKv(prev);
    }
    return response.build();
  }

  static DeleteRangeResponse delete(MvccWrite write, DeleteRangeRequest r) {
    List<KeyValue> deleted =
        write.deleteRange(r.getKey().toByteArray(), r.getRangeEnd().toByteArray());
    DeleteRangeResponse.Builder response =
        DeleteRangeResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(write.revision()))
            .setDeleted(deleted.size());
    if (r.getPrevKv()) {
      response.addAllPrevKvs(deleted);
    }
    return response.build();
  }

  /** Whether a txn (with its nested txns) may write: a read-only txn needs no write lock. */
  static boolean isReadOnly(TxnRequest r) {
    for (List<RequestOp> ops : List.of(r.getSuccessList(), r.getFailureList())) {
      for (RequestOp op : ops) {
        if (op.hasRequestPut() || op.hasRequestDeleteRange()) {
          return false;
        }
        if (op.hasRequestTxn() && !isReadOnly(op.getRequestTxn())) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Runs a txn: every compare (nested ones too) is evaluated on the state before the txn, the
   * chosen branches' range revisions are checked, then the operations run in order. The caller runs
   * this inside one engine transaction, so an error leaves nothing behind.
   */
  static TxnResponse txn(MvccView view, TxnRequest r) {
    List<Boolean> path = new ArrayList<>();
    choosePath(view, r, path);
    checkRanges(view, r, path, new int[] {0});
    return applyTxn(view, r, path, new int[] {0});
  }

  private static void choosePath(MvccView view, TxnRequest r, List<Boolean> path) {
    boolean succeeded = true;
    for (Compare c : r.getCompareList()) {
      if (!compare(view, c)) {
        succeeded = false;
        break;
      }
    }
    path.add(succeeded);
    for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
      if (op.hasRequestTxn()) {
        choosePath(view, op.getRequestTxn(), path);
      }
    }
  }

  private static void checkRanges(MvccView view, TxnRequest r, List<Boolean> path, int[] at) {
    boolean succeeded = path.get(at[0]++);
    for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
      if (op.hasRequestRange()) {
        long revision = op.getRequestRange().getRevision();
        if (revision > view.revision()) {
          throw EtcdErrors.futureRevision();
        }
        if (revision > 0 && revision < view.compactedRevision()) {
          throw EtcdErrors.compacted();
        }
      } else if (op.hasRequestTxn()) {
        checkRanges(view, op.getRequestTxn(), path, at);
      }
    }
  }

  private static TxnResponse applyTxn(MvccView view, TxnRequest r, List<Boolean> path, int[] at) {
    boolean succeeded = path.get(at[0]++);
    TxnResponse.Builder response =
        TxnResponse.newBuilder()
            .setHeader(ResponseHeader.getDefaultInstance())
            .setSucceeded(succeeded);
    for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
      ResponseOp.Builder result = ResponseOp.newBuilder();
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> result.setResponseRange(range(view, op.getRequestRange()));
        case REQUEST_PUT -> result.setResponsePut(put((MvccWrite) view, op.getRequestPut(), false));
        case REQUEST_DELETE_RANGE ->
            result.setResponseDeleteRange(delete((MvccWrite) view, op.getRequestDeleteRange()));
        case REQUEST_TXN -> result.setResponseTxn(applyTxn(view, op.getRequestTxn(), path, at));
        default -> throw EtcdErrors.keyNotFound();
      }
      response.addResponses(result);
    }
    return response.build();
  }

  static boolean compare(MvccView view, Compare c) {
    MvccView.RangeResult result =
        view.range(c.getKey().toByteArray(), c.getRangeEnd().toByteArray(), 0, 0, false);
    if (result.kvs().isEmpty()) {
      if (c.getTarget() == Compare.CompareTarget.VALUE) {
        // etcd: a value compare on a missing key always fails (no way to tell missing from "").
        return false;
      }
      return compareOne(c, KeyValue.getDefaultInstance());
    }
    for (KeyValue kv : result.kvs()) {
      if (!compareOne(c, kv)) {
        return false;
      }
    }
    return true;
  }

  private static boolean compareOne(Compare c, KeyValue kv) {
    int outcome;
    switch (c.getTargetValue()) {
      case Compare.CompareTarget.VALUE_VALUE -> {
        ByteString wanted =
            c.getTargetUnionCase() == Compare.TargetUnionCase.VALUE
                ? c.getValue()
                : ByteString.EMPTY;
        outcome = KeyRange.compare(kv.getValue().toByteArray(), wanted.toByteArray());
      }
      case Compare.CompareTarget.CREATE_VALUE ->
          outcome =
              Long.compare(
                  kv.getCreateRevision(),
                  c.getTargetUnionCase() == Compare.TargetUnionCase.CREATE_REVISION
                      ? c.getCreateRevision()
                      : 0);
      case Compare.CompareTarget.MOD_VALUE ->
          outcome =
              Long.compare(
                  kv.getModRevision(),
                  c.getTargetUnionCase() == Compare.TargetUnionCase.MOD_REVISION
                      ? c.getModRevision()
                      : 0);
      case Compare.CompareTarget.VERSION_VALUE ->
          outcome =
              Long.compare(
                  kv.getVersion(),
                  c.getTargetUnionCase() == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0);
      case COMPARE_TARGET_LEASE -> outcome = Long.compare(kv.getLease(), compareLease(c));
      default -> outcome = 0;
    }
    return switch (c.getResultValue()) {
      case Compare.CompareResult.EQUAL_VALUE -> outcome == 0;
      case Compare.CompareResult.NOT_EQUAL_VALUE -> outcome != 0;
      case Compare.CompareResult.GREATER_VALUE -> outcome > 0;
      case Compare.CompareResult.LESS_VALUE -> outcome < 0;
      default -> true;
    };
  }

  /** The lease of a LEASE compare: a field the stubs' older rpc.proto keeps as unknown. */
  private static long compareLease(Compare c) {
    var field = c.getUnknownFields().getField(COMPARE_LEASE_FIELD);
    List<Long> values = field.getVarintList();
    return values.isEmpty() ? 0 : values.get(values.size() - 1);
  }
}
