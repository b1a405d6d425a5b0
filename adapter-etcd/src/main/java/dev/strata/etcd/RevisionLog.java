package dev.strata.etcd;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import java.util.ArrayList;
import java.util.List;

/** Reads committed revisions back as watch events from the revision log (table {@code r}). */
final class RevisionLog {
  /** Receives the events of one revision. */
  interface Sink {
    void revision(long revision, List<Event> events);
  }

  private RevisionLog() {}

  /**
   * Sends the events of every revision in {@code [from, to]} that {@code view} holds, in order, one
   * call per revision with events.
   *
   * @param prevKv whether events carry the key's previous value (never for a create, as in etcd)
   */
  static void read(MvccView view, long from, long to, boolean prevKv, Sink sink) {
    if (from > to) {
      return;
    }
    byte[] start = KeyLayout.revision(from, 0);
    byte[] end = KeyLayout.revision(to + 1, 0);
    long revision = -1;
    List<Event> events = new ArrayList<>();
    try (Cursor cursor = view.txn.cursor(KeyRange.between(start, end))) {
      while (cursor.next()) {
        long main = KeyLayout.revisionMain(cursor.key());
        if (main != revision && !events.isEmpty()) {
          sink.revision(revision, events);
          events = new ArrayList<>();
        }
        revision = main;
        byte[] record = view.txn.get(cursor.value());
        if (record == null) {
          continue;
        }
        KeyValue kv = HistoryRecord.keyValue(record);
        boolean tombstone = HistoryRecord.isTombstone(record);
        Event.Builder event =
            Event.newBuilder()
                .setType(tombstone ? Event.EventType.DELETE : Event.EventType.PUT)
                .setKv(kv);
        // etcd gives no previous key-value to a create event (version 1), even after a delete of
        // the key in the same revision.
        if (prevKv && !(kv.getVersion() == 1 && !tombstone)) {
          KeyValue prev = view.historic(kv.getKey().toByteArray(), main - 1);
          if (prev != null) {
            event.setPrevKv(prev);
          }
        }
        events.add(event.build());
      }
    }
    if (!events.isEmpty()) {
      sink.revision(revision, events);
    }
  }
}
