package dev.strata.etcd;

import com.google.protobuf.ByteString;
import dev.strata.api.KeyRange;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Validation of KV requests before anything is read or written, in etcd's order and with its
 * errors, so that an invalid request fails the same way as against etcd and never half-applies.
 */
final class RequestChecks {
  private final int maxTxnOps;
  private final int maxRequestBytes;

  RequestChecks(int maxTxnOps, int maxRequestBytes) {
    this.maxTxnOps = maxTxnOps;
    this.maxRequestBytes = maxRequestBytes;
  }

  void checkRange(RangeRequest r) {
    if (r.getKey().isEmpty()) {
      throw EtcdErrors.emptyKey();
    }
    if (r.getSortOrder() == RangeRequest.SortOrder.UNRECOGNIZED
        || r.getSortTarget() == RangeRequest.SortTarget.UNRECOGNIZED) {
      throw EtcdErrors.invalidSortOption();
    }
    checkKeyLength(r.getKey().size());
  }

  void checkPut(PutRequest r) {
    if (r.getKey().isEmpty()) {
      throw EtcdErrors.emptyKey();
    }
    if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
      throw EtcdErrors.valueProvided();
    }
    if (r.getIgnoreLease() && r.getLease() != 0) {
      throw EtcdErrors.leaseProvided();
    }
    checkKeyLength(r.getKey().size());
  }

  void checkDelete(DeleteRangeRequest r) {
    if (r.getKey().isEmpty()) {
      throw EtcdErrors.emptyKey();
    }
    checkKeyLength(r.getKey().size());
  }

  /** A write request larger than etcd's --max-request-bytes (what etcd proposes to raft). */
  void checkSize(com.google.protobuf.MessageLite request) {
    // etcd measures the request wrapped in its raft envelope, a few bytes more than the request.
    if (request.getSerializedSize() + 16 > maxRequestBytes) {
      throw EtcdErrors.requestTooLarge();
    }
  }

  void checkTxn(TxnRequest r) {
    checkTxn(r, maxTxnOps);
    checkIntervals(r.getSuccessList());
    checkIntervals(r.getFailureList());
  }

  private void checkTxn(TxnRequest r, int allowedOps) {
    int ops = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
    if (ops > allowedOps) {
      throw EtcdErrors.tooManyOps();
    }
    for (var c : r.getCompareList()) {
      if (c.getKey().isEmpty()) {
        throw EtcdErrors.emptyKey();
      }
    }
    for (RequestOp op : r.getSuccessList()) {
      checkOp(op, allowedOps - ops);
    }
    for (RequestOp op : r.getFailureList()) {
      checkOp(op, allowedOps - ops);
    }
  }

  private void checkOp(RequestOp op, int allowedOps) {
    switch (op.getRequestCase()) {
      case REQUEST_RANGE -> checkRange(op.getRequestRange());
      case REQUEST_PUT -> checkPut(op.getRequestPut());
      case REQUEST_DELETE_RANGE -> checkDelete(op.getRequestDeleteRange());
      case REQUEST_TXN -> checkTxn(op.getRequestTxn(), allowedOps);
      default -> throw EtcdErrors.keyNotFound();
    }
  }

  private static void checkKeyLength(int length) {
    if (length > KeyLayout.MAX_KEY_BYTES) {
      throw EtcdErrors.keyTooLarge(length);
    }
  }

  /** A half-open interval of keys; {@code end == null} is unbounded. */
  private record Interval(byte[] begin, byte[] end) {
    boolean contains(ByteString key) {
      byte[] k = key.toByteArray();
      return KeyRange.compare(begin, k) <= 0 && (end == null || KeyRange.compare(k, end) < 0);
    }
  }

  private record Writes(Set<ByteString> puts, List<Interval> deletes) {}

  /**
   * etcd forbids a txn branch to write one key twice: two puts of a key, or a put of a key that a
   * delete of the same branch covers. Nested txns count with their branches, where the two branches
   * of one nested txn may put the same key (only one of them runs).
   */
  private static Writes checkIntervals(List<RequestOp> ops) {
    List<Interval> deletes = new ArrayList<>();
    for (RequestOp op : ops) {
      if (op.hasRequestDeleteRange()) {
        DeleteRangeRequest d = op.getRequestDeleteRange();
        byte[] begin = d.getKey().toByteArray();
        byte[] end;
        if (d.getRangeEnd().isEmpty()) {
          end = pointEnd(d.getKey().toByteArray());
        } else {
          // etcd takes range_end literally here, so a from-key delete ("\0") covers no put.
          end = d.getRangeEnd().toByteArray();
        }
        deletes.add(new Interval(begin, end));
      }
    }
    Set<ByteString> puts = new HashSet<>();
    for (RequestOp op : ops) {
      if (!op.hasRequestTxn()) {
        continue;
      }
      Writes then = checkIntervals(op.getRequestTxn().getSuccessList());
      Writes otherwise = checkIntervals(op.getRequestTxn().getFailureList());
      for (ByteString k : then.puts()) {
        if (puts.contains(k) || covered(deletes, k)) {
          throw EtcdErrors.duplicateKey();
        }
        puts.add(k);
      }
      for (ByteString k : otherwise.puts()) {
        if ((puts.contains(k) && !then.puts().contains(k)) || covered(deletes, k)) {
          throw EtcdErrors.duplicateKey();
        }
        puts.add(k);
      }
      deletes.addAll(then.deletes());
      deletes.addAll(otherwise.deletes());
    }
    for (RequestOp op : ops) {
      if (!op.hasRequestPut()) {
        continue;
      }
      ByteString k = op.getRequestPut().getKey();
      if (puts.contains(k) || covered(deletes, k)) {
        throw EtcdErrors.duplicateKey();
      }
      puts.add(k);
    }
    return new Writes(puts, deletes);
  }

  private static byte[] pointEnd(byte[] key) {
    return java.util.Arrays.copyOf(key, key.length + 1);
  }

  private static boolean covered(List<Interval> deletes, ByteString key) {
    for (Interval i : deletes) {
      if (i.contains(key)) {
        return true;
      }
    }
    return false;
  }
}
