package dev.strata.etcd;

import dev.strata.api.KeyRange;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Delivers committed events to watchers, and replays history to watchers that start in the past.
 *
 * <p>A watcher that starts at or below the current revision first catches up from the revision log
 * of a snapshot taken after it was registered; live events that arrive meanwhile wait in its buffer
 * and are sent after the replay, skipping those the snapshot already held. So a watcher sees every
 * revision from its start once, in order. Responses to one stream are sent under the stream's lock,
 * since a gRPC stream observer is not thread-safe.
 */
final class WatchHub implements MvccStore.CommitListener, AutoCloseable {
  private final MvccStore store;
  private final Headers headers;
  private final Map<Watcher, Boolean> watchers = new ConcurrentHashMap<>();
  private final ScheduledExecutorService progress;

  WatchHub(MvccStore store, Headers headers, long progressIntervalMillis) {
    this.store = store;
    this.headers = headers;
    this.progress =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-etcd-watch-progress");
              t.setDaemon(true);
              return t;
            });
    progress.scheduleAtFixedRate(
        this::notifyProgress,
        progressIntervalMillis,
        progressIntervalMillis,
        TimeUnit.MILLISECONDS);
  }

  /** One client stream: the observer and its lock. */
  static final class Stream {
    private final StreamObserver<WatchResponse> observer;
    private boolean ended;

    Stream(StreamObserver<WatchResponse> observer) {
      this.observer = observer;
    }

    synchronized void send(WatchResponse response) {
      if (!ended) {
        try {
          observer.onNext(response);
        } catch (RuntimeException e) {
          // The client went away; the stream's own close removes its watchers.
          ended = true;
        }
      }
    }

    synchronized void end() {
      ended = true;
    }

    /** Ends the stream with an error, unless it ended already. */
    synchronized void fail(StatusRuntimeException error) {
      if (!ended) {
        ended = true;
        try {
          observer.onError(error);
        } catch (RuntimeException e) {
          // The client went away meanwhile.
        }
      }
    }
  }

  /** The events of one committed revision, held while a watcher catches up. */
  private record Committed(long revision, List<Event> events) {}

  /** A watcher: its range, options and catch-up state. */
  final class Watcher {
    final Stream stream;
    final long id;
    private final byte[] key;
    private final byte[] end;
    private final boolean single;
    private final boolean prevKv;
    private final boolean noPut;
    private final boolean noDelete;
    private final boolean progressNotify;
    private final long startRevision;
    private List<Committed> buffer = new ArrayList<>();
    private long replayedUpTo;
    private volatile boolean sentSinceProgress;

    Watcher(Stream stream, long id, WatchCreateRequest r, long startRevision) {
      this.stream = stream;
      this.id = id;
      this.key = r.getKey().toByteArray();
      byte[] rangeEnd = r.getRangeEnd().toByteArray();
      this.single = rangeEnd.length == 0;
      this.end = MvccView.isFromKey(rangeEnd) ? null : rangeEnd;
      this.prevKv = r.getPrevKv();
      this.noPut = r.getFiltersList().contains(WatchCreateRequest.FilterType.NOPUT);
      this.noDelete = r.getFiltersList().contains(WatchCreateRequest.FilterType.NODELETE);
      this.progressNotify = r.getProgressNotify();
      this.startRevision = startRevision;
    }

    private boolean matches(Event e) {
      if ((noPut && e.getType() == Event.EventType.PUT)
          || (noDelete && e.getType() == Event.EventType.DELETE)) {
        return false;
      }
      byte[] k = e.getKv().getKey().toByteArray();
      if (single) {
        return java.util.Arrays.equals(k, key);
      }
      return KeyRange.compare(k, key) >= 0 && (end == null || KeyRange.compare(k, end) < 0);
    }

    private void deliver(long revision, List<Event> events) {
      if (revision < startRevision) {
        return;
      }
      WatchResponse.Builder response = null;
      for (Event e : events) {
        if (matches(e)) {
          if (response == null) {
            response =
                WatchResponse.newBuilder()
                    .setHeader(headers.fill(headerAt(revision)))
                    .setWatchId(id);
          }
          response.addEvents(
              prevKv
                  ? withPrevious(e, revision)
                  : (e.hasPrevKv() ? e.toBuilder().clearPrevKv().build() : e));
        }
      }
      if (response != null) {
        sentSinceProgress = true;
        stream.send(response.build());
      }
    }

    synchronized void live(long revision, List<Event> events) {
      if (buffer != null) {
        buffer.add(new Committed(revision, events));
        return;
      }
      if (revision > replayedUpTo) {
        deliver(revision, events);
      }
    }

    /** Replays history from the start revision, then the buffered live events. */
    void catchUp() {
      long upTo =
          store.read(
              view -> {
                replay(view);
                return view.revision();
              });
      synchronized (this) {
        replayedUpTo = upTo;
        for (Committed pending : buffer) {
          if (pending.revision() > upTo) {
            deliver(pending.revision(), pending.events());
          }
        }
        buffer = null;
      }
    }

    private void replay(MvccView view) {
      RevisionLog.read(view, startRevision, view.revision(), prevKv, this::deliver);
    }
  }

  /**
   * The event with its previous key-value. A put over a key whose value is stored only in history
   * commits its event without one (reading it would slow every put down for the few watchers that
   * want it), so such a watcher reads it at the revision before, as etcd's watchers do; below the
   * compaction point it is gone and the event goes without, as in etcd.
   */
  private Event withPrevious(Event e, long revision) {
    if (e.hasPrevKv() || e.getType() != Event.EventType.PUT || e.getKv().getVersion() == 1) {
      return e;
    }
    byte[] key = e.getKv().getKey().toByteArray();
    KeyValue prev =
        store.read(
            view ->
                revision - 1 < view.compactedRevision() ? null : view.historic(key, revision - 1));
    return prev == null ? e : e.toBuilder().setPrevKv(prev).build();
  }

  private static io.etcd.jetcd.api.ResponseHeader headerAt(long revision) {
    return io.etcd.jetcd.api.ResponseHeader.newBuilder().setRevision(revision).build();
  }

  /**
   * Creates a watcher on a stream and sends its {@code created} response, then either the
   * compaction error or its history.
   */
  Watcher create(Stream stream, long id, WatchCreateRequest r) {
    long current = store.currentRevision();
    long start = r.getStartRevision() <= 0 ? current + 1 : r.getStartRevision();
    Watcher watcher = new Watcher(stream, id, r, start);
    stream.send(
        WatchResponse.newBuilder()
            .setHeader(headers.current())
            .setWatchId(id)
            .setCreated(true)
            .build());
    long compacted = store.compactedRevision();
    if (start < compacted) {
      // etcd: a watcher below the compaction point is cancelled with the compacted revision.
      stream.send(
          WatchResponse.newBuilder()
              .setHeader(headers.current())
              .setWatchId(id)
              .setCompactRevision(compacted)
              .setCanceled(true)
              .build());
      return null;
    }
    watchers.put(watcher, Boolean.TRUE);
    watcher.catchUp();
    return watcher;
  }

  io.etcd.jetcd.api.ResponseHeader header() {
    return headers.current();
  }

  void cancel(Watcher watcher) {
    watchers.remove(watcher);
  }

  @Override
  public void committed(long revision, List<Event> events) {
    for (Watcher w : watchers.keySet()) {
      w.live(revision, events);
    }
  }

  /** Sends a progress notice to idle watchers that asked for them. */
  private void notifyProgress() {
    for (Watcher w : watchers.keySet()) {
      if (w.progressNotify) {
        if (!w.sentSinceProgress) {
          w.stream.send(
              WatchResponse.newBuilder().setHeader(headers.current()).setWatchId(w.id).build());
        }
        w.sentSinceProgress = false;
      }
    }
  }

  /** Answers a stream's progress request: the current revision, for no watcher in particular. */
  void progress(Stream stream) {
    stream.send(WatchResponse.newBuilder().setHeader(headers.current()).setWatchId(-1).build());
  }

  /**
   * Stops delivering and ends every stream that has watchers with etcd's {@code UNAVAILABLE
   * "etcdserver: server stopped"}, which clients take as a reason to resume their watches on
   * another member (from the revision after the last one they received), as when an etcd member
   * stops.
   */
  @Override
  public void close() {
    progress.shutdownNow();
    Set<Stream> streams = new HashSet<>();
    for (Watcher w : watchers.keySet()) {
      streams.add(w.stream);
    }
    watchers.clear();
    StatusRuntimeException stopped =
        Status.UNAVAILABLE.withDescription("etcdserver: server stopped").asRuntimeException();
    for (Stream stream : streams) {
      stream.fail(stopped);
    }
  }
}
