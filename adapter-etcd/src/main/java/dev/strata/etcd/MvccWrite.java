package dev.strata.etcd;

import com.google.protobuf.ByteString;
import dev.strata.api.Cursor;
import dev.strata.api.WriteTxn;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import java.util.ArrayList;
import java.util.List;

/**
 * The changes of one etcd write request inside an engine write transaction that a batch of requests
 * shares. Every change gets the same main revision (the revision before this request plus one) and
 * its own sub revision, as in etcd. Each engine write first records the key's previous value, so
 * {@link #undo} can take back exactly this request's writes when it fails midway while the batch's
 * other requests stay.
 */
final class MvccWrite extends MvccView {
  private final WriteTxn write;
  private final long newRevision;
  private final List<Event> events = new ArrayList<>();
  private final List<byte[][]> undoLog = new ArrayList<>();
  private boolean dirty;

  MvccWrite(WriteTxn txn, long baseRevision, long compactedRevision) {
    super(txn, baseRevision, compactedRevision);
    this.write = txn;
    this.newRevision = baseRevision + 1;
  }

  /** Puts through the undo log. */
  private void set(byte[] key, byte[] value) {
    undoLog.add(new byte[][] {key, txn.get(key)});
    write.put(key, value);
  }

  /**
   * Puts a key no earlier request can have written (a history or revision key of this request's own
   * revision): its undo is a delete, with no lookup of an old value.
   */
  private void setNew(byte[] key, byte[] value) {
    undoLog.add(new byte[][] {key, null});
    write.put(key, value);
  }

  /** Deletes through the undo log. */
  private void remove(byte[] key) {
    undoLog.add(new byte[][] {key, txn.get(key)});
    write.delete(key);
  }

  /**
   * Restores every key this request wrote to its value before the request, newest write first, and
   * forgets the request's events.
   */
  void undo() {
    for (int i = undoLog.size() - 1; i >= 0; i--) {
      byte[][] entry = undoLog.get(i);
      if (entry[1] == null) {
        write.delete(entry[0]);
      } else {
        write.put(entry[0], entry[1]);
      }
    }
    undoLog.clear();
    events.clear();
    dirty = false;
  }

  /** Reads inside a transaction that changed keys see the revision those changes become. */
  @Override
  long revision() {
    return changed() ? newRevision : newRevision - 1;
  }

  boolean changed() {
    return !events.isEmpty();
  }

  boolean dirty() {
    return dirty || changed();
  }

  long newRevision() {
    return newRevision;
  }

  List<Event> events() {
    return events;
  }

  /**
   * Puts a key as etcd's Put does.
   *
   * @param leaseCheckFirst whether an unknown lease is reported before a missing key
   * @param prevValue whether the caller needs the previous value (prev_kv); without it, a previous
   *     value stored only in history is not read, and the event carries no previous key-value (a
   *     watcher that asks for one reads it from history, as etcd's watchers do)
   * @return the previous key-value (with its value when asked for or inline), or null when the key
   *     did not exist
   * @throws io.grpc.StatusRuntimeException etcd's "key not found" (ignore_value/ignore_lease on a
   *     missing key) or "requested lease not found"
   */
  KeyValue put(
      byte[] key,
      ByteString value,
      long lease,
      boolean ignoreValue,
      boolean ignoreLease,
      boolean leaseCheckFirst,
      boolean prevValue) {
    // etcd checks a lone Put's lease before its key, and a txn's puts the other way round.
    boolean leaseMissing = lease != 0 && !leaseExists(lease);
    if (leaseCheckFirst && leaseMissing) {
      throw EtcdErrors.leaseNotFound();
    }
    byte[] liveKey = KeyLayout.current(key);
    byte[] prevRecord = txn.get(liveKey);
    boolean prevComplete = prevRecord == null || !HistoryRecord.isReference(prevRecord);
    KeyValue prev;
    if (prevRecord == null) {
      prev = null;
    } else if (prevValue || ignoreValue) {
      prev = live(prevRecord);
      prevComplete = true;
    } else {
      prev = HistoryRecord.current(prevRecord);
    }
    if ((ignoreValue || ignoreLease) && prev == null) {
      throw EtcdErrors.keyNotFound();
    }
    if (leaseMissing) {
      throw EtcdErrors.leaseNotFound();
    }
    ByteString newValue = ignoreValue ? prev.getValue() : value;
    long newLease = ignoreLease ? prev.getLease() : lease;
    long sub = events.size();
    KeyValue kv =
        KeyValue.newBuilder()
            .setKey(ByteString.copyFrom(key))
            .setValue(newValue)
            .setCreateRevision(prev == null ? newRevision : prev.getCreateRevision())
            .setModRevision(newRevision)
            .setVersion(prev == null ? 1 : prev.getVersion() + 1)
            .setLease(newLease)
            .build();
    if (prev != null && prev.getLease() != 0 && prev.getLease() != newLease) {
      remove(KeyLayout.attached(prev.getLease(), key));
    }
    if (newLease != 0) {
      set(KeyLayout.attached(newLease, key), new byte[0]);
    }
    byte[] historyKey = KeyLayout.history(key, newRevision, sub);
    setNew(historyKey, HistoryRecord.encode(false, kv));
    undoLog.add(new byte[][] {liveKey, prevRecord});
    write.put(liveKey, HistoryRecord.encodeLive(kv, sub));
    setNew(KeyLayout.revision(newRevision, sub), historyKey);
    Event.Builder event = Event.newBuilder().setType(Event.EventType.PUT).setKv(kv);
    if (prev != null && prevComplete) {
      event.setPrevKv(prev);
    }
    events.add(event.build());
    return prev;
  }

  /**
   * Deletes the keys of an etcd range ({@code rangeEnd} as in {@link #range}).
   *
   * @return the deleted key-values, in key order
   */
  List<KeyValue> deleteRange(byte[] key, byte[] rangeEnd) {
    List<KeyValue> doomed = new ArrayList<>();
    if (rangeEnd.length == 0) {
      KeyValue kv = current(key);
      if (kv != null) {
        doomed.add(kv);
      }
    } else {
      byte[] end = isFromKey(rangeEnd) ? null : rangeEnd;
      if (end == null || dev.strata.api.KeyRange.compare(key, end) < 0) {
        try (Cursor cursor = txn.cursor(KeyLayout.currentRange(key, end))) {
          while (cursor.next()) {
            doomed.add(live(cursor.value()));
          }
        }
      }
    }
    for (KeyValue prev : doomed) {
      byte[] k = prev.getKey().toByteArray();
      long sub = events.size();
      KeyValue tombstone =
          KeyValue.newBuilder().setKey(prev.getKey()).setModRevision(newRevision).build();
      remove(KeyLayout.current(k));
      if (prev.getLease() != 0) {
        remove(KeyLayout.attached(prev.getLease(), k));
      }
      byte[] historyKey = KeyLayout.history(k, newRevision, sub);
      setNew(historyKey, HistoryRecord.encode(true, tombstone));
      setNew(KeyLayout.revision(newRevision, sub), historyKey);
      events.add(
          Event.newBuilder()
              .setType(Event.EventType.DELETE)
              .setKv(tombstone)
              .setPrevKv(prev)
              .build());
    }
    return doomed;
  }

  /** Records a lease (no revision: leases are not keys). */
  void putLease(long id, long ttl) {
    set(KeyLayout.lease(id), KeyLayout.longBytes(ttl));
    dirty = true;
  }

  /**
   * Removes a lease and deletes its keys in this transaction's revision.
   *
   * @return the number of keys deleted
   */
  int revokeLease(long id) {
    List<byte[]> keys = leaseKeys(id);
    for (byte[] k : keys) {
      deleteRange(k, new byte[0]);
    }
    remove(KeyLayout.lease(id));
    dirty = true;
    return keys.size();
  }
}
