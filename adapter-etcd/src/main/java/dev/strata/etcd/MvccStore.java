package dev.strata.etcd;

import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteTxn;
import io.etcd.jetcd.api.Event;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * etcd's multi-version store (revisions, create/mod revision, version, tombstones, compaction) kept
 * in one Strata engine with the layout of {@link KeyLayout}.
 *
 * <p>Writes are group-committed: concurrent calls of {@link #write} queue in arrival order, and one
 * caller at a time, the leader, applies the queued requests as one batch in ONE engine write
 * transaction and commits it once (one engine commit on a durable engine). The other callers sleep;
 * when a batch is done its callers wake and return, and the leader hands the lead to the oldest
 * request still queued, which starts the next batch with everything that arrived meanwhile. So
 * under load each batch holds the requests that came during the previous commit, and an answered
 * request never waits for a later batch. Each request of the batch still gets its own etcd revision
 * (when it changed keys), in queue order, and sees the writes of the requests before it. A request
 * whose work throws has its own writes undone ({@link MvccWrite#undo}) and fails alone; the others
 * go on. When the commit itself fails, every request of the batch fails with that error and nothing
 * of the batch is visible. A batch holds at most {@link #MAX_BATCH_REQUESTS} requests and, after
 * its first request, at most {@link #MAX_BATCH_BYTES} of request bytes; the rest waits for the next
 * batch.
 *
 * <p>A request queued by {@link #writeAsync} has no waiting thread: a thread of the store's own
 * leads the batch it starts, and goes on leading while the oldest queued request is asynchronous
 * too; the leading thread hands each asynchronous request its outcome after the commit, before it
 * starts the next batch. Waiting and asynchronous requests share one queue and one order.
 *
 * <p>Callers return only after the commit, and {@link #currentRevision} moves only after it, so a
 * read after a write's answer sees it and no header reports an uncommitted revision. Reads run on
 * engine snapshots and never wait for the writer. Committed events go to the {@link CommitListener}
 * in revision order, from the committing thread, before any request of the batch returns and before
 * the next batch starts.
 */
final class MvccStore implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(MvccStore.class.getName());

  /** Receives the events of each committed revision, in order; must not block. */
  interface CommitListener {
    void committed(long revision, List<Event> events);
  }

  /** Most requests applied in one engine write transaction. */
  static final int MAX_BATCH_REQUESTS = 512;

  /** Most request bytes (serialized sizes) in one batch beyond its first request. */
  static final long MAX_BATCH_BYTES = 4L << 20;

  private final ArrayDeque<PendingWrite<?>> queue = new ArrayDeque<>();

  /**
   * Threads that lead batches started by asynchronous requests, which have no waiting thread of
   * their own to lead with. Such a thread goes on leading while the oldest queued request is
   * asynchronous too, so under a stream of asynchronous requests one thread runs batch after batch
   * without a hand-off between them.
   */
  private final ExecutorService asyncLeaders =
      Executors.newCachedThreadPool(
          task -> {
            Thread thread = new Thread(task, "strata-etcd-writer");
            thread.setDaemon(true);
            return thread;
          });

  /** Whether a caller is leading (running batches); guarded by the queue's monitor. */
  private boolean leading;

  private final StorageEngine engine;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final long clusterId;
  private final boolean replicated;
  private volatile long currentRevision;
  private volatile long compactedRevision;
  private volatile CommitListener listener = (revision, events) -> {};

  /** Finishes an interrupted compaction after open; null when none was started. */
  private Thread compactionFinisher;

  /** Set by {@link #close}: physical compaction stops before its next batch. */
  private volatile boolean closing;

  MvccStore(StorageEngine engine) {
    this(engine, false);
  }

  /**
   * Opens the store on {@code engine}, reading only its four meta keys: the cost of opening does
   * not grow with the keys, the history or the leases. A compaction whose physical step a crash
   * interrupted is not finished here but by {@link #finishCompactionInBackground} or {@link
   * #finishCompaction}; its revision is already recorded, so reads below it fail meanwhile as they
   * should. A {@code replicated} store shares its engine with other members that may write too:
   * each batch and compaction rereads the revision from the engine instead of trusting the one it
   * last committed, and an unfinished compaction is left to the member that can write. A store that
   * exists is opened with reads only, so a member that cannot write opens it as well.
   */
  MvccStore(StorageEngine engine, boolean replicated) {
    this.engine = engine;
    this.replicated = replicated;
    long[] state = engine.view(MvccStore::readState);
    if (state == null) {
      state = engine.update(MvccStore::initialize);
    }
    this.clusterId = state[0];
    this.currentRevision = state[1];
    this.compactedRevision = state[2];
  }

  private static long[] readState(ReadTxn txn) {
    byte[] cluster = txn.get(KeyLayout.META_CLUSTER_ID);
    if (cluster == null) {
      return null;
    }
    return new long[] {
      KeyLayout.longOf(cluster, 0),
      KeyLayout.longOf(txn.get(KeyLayout.META_REVISION), 1),
      KeyLayout.longOf(txn.get(KeyLayout.META_COMPACTED), -1),
      KeyLayout.longOf(txn.get(KeyLayout.META_COMPACTED_PHYSICALLY), -1)
    };
  }

  private static long[] initialize(WriteTxn txn) {
    long[] state = readState(txn);
    if (state != null) {
      return state;
    }
    // A fresh etcd starts at revision 1; the first change is revision 2.
    byte[] cluster = KeyLayout.longBytes(new SecureRandom().nextLong() & Long.MAX_VALUE);
    txn.put(KeyLayout.META_CLUSTER_ID, cluster);
    txn.put(KeyLayout.META_REVISION, KeyLayout.longBytes(1));
    // Nothing compacted yet is -1, as in etcd, so that compacting at 0 is accepted once.
    txn.put(KeyLayout.META_COMPACTED, KeyLayout.longBytes(-1));
    txn.put(KeyLayout.META_COMPACTED_PHYSICALLY, KeyLayout.longBytes(-1));
    return new long[] {KeyLayout.longOf(cluster, 0), 1, -1, -1};
  }

  /**
   * Raises the revisions this store reports to what the engine holds, for a replicated store whose
   * engine other members write to. Never lowers them.
   */
  void observe(long revision, long compacted) {
    synchronized (queue) {
      if (revision > currentRevision) {
        currentRevision = revision;
      }
      if (compacted > compactedRevision) {
        compactedRevision = compacted;
      }
    }
  }

  /**
   * Starts finishing, on a daemon thread of its own, a compaction whose physical step a crash
   * interrupted, and returns at once; does nothing when there is none. The removal runs in batches
   * between write batches, as after a {@code Compact} request; {@link #close} stops it between two
   * batches, and the next open starts it again. Called once, by the member that writes.
   */
  void finishCompactionInBackground() {
    long[] state = engine.view(MvccStore::readState);
    if (state == null || state[3] >= state[2]) {
      return;
    }
    long revision = state[2];
    Thread finisher =
        new Thread(
            () -> {
              try {
                compactPhysically(revision);
              } catch (RuntimeException e) {
                // The engine closed or failed: the next open finds the compaction unfinished.
                LOG.log(System.Logger.Level.WARNING, "compaction at " + revision + " stopped", e);
              }
            },
            "strata-etcd-compaction");
    finisher.setDaemon(true);
    synchronized (this) {
      compactionFinisher = finisher;
    }
    finisher.start();
  }

  /** Finishes a compaction whose physical step did not complete; on the member that writes. */
  void finishCompaction() {
    long[] state = engine.view(MvccStore::readState);
    if (state != null && state[3] < state[2]) {
      compactPhysically(state[2]);
    }
  }

  void setListener(CommitListener listener) {
    this.listener = listener;
  }

  StorageEngine engine() {
    return engine;
  }

  long clusterId() {
    return clusterId;
  }

  long currentRevision() {
    return currentRevision;
  }

  long compactedRevision() {
    return compactedRevision;
  }

  /** Runs {@code work} on a snapshot of the last committed revision. */
  <R> R read(Function<? super MvccView, R> work) {
    try (ReadTxn txn = engine.beginRead()) {
      long revision = KeyLayout.longOf(txn.get(KeyLayout.META_REVISION), 1);
      long compacted = KeyLayout.longOf(txn.get(KeyLayout.META_COMPACTED), -1);
      return work.apply(new MvccView(txn, revision, compacted));
    }
  }

  /** As {@link #write(Function, long)} for a request of unknown (counted as zero) size. */
  <R> R write(Function<? super MvccWrite, R> work) {
    return write(work, 0);
  }

  /**
   * Runs {@code work} as one etcd write request of a group-committed batch and returns after the
   * batch committed. A request that changed keys becomes one new revision. When {@code work}
   * throws, its writes are undone and the exception is rethrown here; when the batch's commit
   * fails, the commit's exception is rethrown to every request of the batch.
   *
   * @param bytes the request's serialized size, counted against {@link #MAX_BATCH_BYTES}
   */
  <R> R write(Function<? super MvccWrite, R> work, long bytes) {
    PendingWrite<R> pending = new PendingWrite<>(work, bytes, null);
    boolean lead;
    synchronized (queue) {
      queue.addLast(pending);
      lead = !leading;
      leading = true;
    }
    // Followers sleep until their batch is done or the leader hands them the lead. A done request
    // returns at once, without waiting for any lock, while the next leader already applies the
    // next batch.
    boolean interrupted = false;
    while (!lead) {
      LockSupport.park(this);
      // The request is queued and will run: an interrupt cannot take it back, so it is kept for
      // the caller instead of spinning on it.
      interrupted |= Thread.interrupted();
      synchronized (queue) {
        if (pending.done) {
          break;
        }
        lead = pending.leads;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (lead) {
      lead(pending);
    }
    if (pending.failure != null) {
      throw pending.failure;
    }
    return pending.result;
  }

  /**
   * Queues {@code work} as one etcd write request of a group-committed batch, as {@link
   * #write(Function, long)} does, and returns at once without waiting for a thread: {@code
   * completion} receives the result (and a null failure) once the batch is committed, or the
   * request's or the commit's exception (and a null result). {@code completion} runs on the thread
   * that led the batch, before that thread starts another batch, so it must be quick and must not
   * block; what it throws is logged and ignored. Requests are applied in queue order together with
   * the waiting ones of {@link #write}.
   *
   * @param bytes the request's serialized size, counted against {@link #MAX_BATCH_BYTES}
   */
  <R> void writeAsync(
      Function<? super MvccWrite, R> work,
      long bytes,
      BiConsumer<? super R, RuntimeException> completion) {
    PendingWrite<R> pending = new PendingWrite<>(work, bytes, Objects.requireNonNull(completion));
    boolean lead;
    synchronized (queue) {
      queue.addLast(pending);
      lead = !leading;
      leading = true;
    }
    if (lead) {
      leadAsync(pending);
    }
  }

  /** Leads, on a thread of {@link #asyncLeaders}, from the asynchronous request {@code head}. */
  private void leadAsync(PendingWrite<?> head) {
    try {
      asyncLeaders.execute(() -> lead(head));
    } catch (RejectedExecutionException e) {
      // The store is closed: nothing queued will run.
      failQueued(new IllegalStateException("the etcd store is closed", e));
    }
  }

  /** Fails every queued request and ends leading; for a store that can no longer write. */
  private void failQueued(RuntimeException failure) {
    List<PendingWrite<?>> failed;
    synchronized (queue) {
      failed = new ArrayList<>(queue);
      queue.clear();
      leading = false;
    }
    finish(failed, failure);
    wake(failed);
  }

  /**
   * Runs batches until {@code own} is done (the queue is FIFO, so it is in the first batch unless
   * the batch limits cut it off), then hands the lead to the oldest waiting request, if any.
   *
   * <p>The next leader is chosen and woken before the callers of the last batch, and after the
   * write lock is released: the gap between two batches is one thread wake-up, not that plus the
   * wake-ups of the whole batch (whose threads would otherwise compete with the next leader for the
   * cores) plus a second wake-up when the next leader found the lock still held.
   */
  private void lead(PendingWrite<?> own) {
    boolean asyncThread = own.caller == null;
    List<PendingWrite<?>> batch = List.of();
    PendingWrite<?> next = null;
    boolean handedOff = false;
    writeLock.lock();
    try {
      while (true) {
        batch = takeBatch();
        runBatch(batch);
        if (isDone(own)) {
          next = handOff();
          handedOff = true;
          if (next == null || next.caller != null || !asyncThread) {
            break;
          }
          // The oldest queued request is asynchronous and this thread has no caller to answer:
          // it leads on, with no hand-off.
          own = next;
          next = null;
          handedOff = false;
        }
        // Either this caller's request was cut off by the batch limits, or this thread leads on:
        // the batch's callers answer now.
        wake(batch);
        batch = List.of();
      }
    } finally {
      try {
        if (!handedOff) {
          next = handOff();
        }
      } finally {
        writeLock.unlock();
      }
      if (next != null) {
        if (next.caller != null) {
          LockSupport.unpark(next.caller);
        } else {
          leadAsync(next);
        }
      }
      wake(batch);
    }
  }

  /**
   * Gives the lead to the oldest queued request and returns it, or ends leading and returns null
   * when none is queued.
   */
  private PendingWrite<?> handOff() {
    synchronized (queue) {
      PendingWrite<?> head = queue.peekFirst();
      if (head == null) {
        leading = false;
        return null;
      }
      head.leads = true;
      return head;
    }
  }

  /** The number of write requests waiting for a batch. */
  int queuedRequests() {
    synchronized (queue) {
      return queue.size();
    }
  }

  private boolean isDone(PendingWrite<?> pending) {
    synchronized (queue) {
      return pending.done;
    }
  }

  private List<PendingWrite<?>> takeBatch() {
    List<PendingWrite<?>> batch = new ArrayList<>();
    long bytes = 0;
    synchronized (queue) {
      while (!queue.isEmpty() && batch.size() < MAX_BATCH_REQUESTS) {
        PendingWrite<?> next = queue.peekFirst();
        if (!batch.isEmpty() && bytes + next.bytes > MAX_BATCH_BYTES) {
          break;
        }
        bytes += next.bytes;
        batch.add(queue.pollFirst());
      }
    }
    return batch;
  }

  /**
   * Applies and commits one batch and records each request's outcome; runs under the write lock.
   * The callers are woken by {@link #wake}.
   */
  private void runBatch(List<PendingWrite<?>> batch) {
    List<PendingWrite<?>> changed = new ArrayList<>();
    try (WriteTxn txn = engine.beginWrite()) {
      if (replicated) {
        // Another member may have written since this one last did.
        observe(
            KeyLayout.longOf(txn.get(KeyLayout.META_REVISION), 1),
            KeyLayout.longOf(txn.get(KeyLayout.META_COMPACTED), -1));
      }
      long revision = currentRevision;
      boolean dirty = false;
      for (PendingWrite<?> pending : batch) {
        MvccWrite view = new MvccWrite(txn, revision, compactedRevision);
        if (apply(pending, view)) {
          dirty |= view.dirty();
          if (view.changed()) {
            revision = view.newRevision();
            pending.write = view;
            changed.add(pending);
          }
        }
      }
      if (revision != currentRevision) {
        txn.put(KeyLayout.META_REVISION, KeyLayout.longBytes(revision));
      }
      if (dirty) {
        txn.commit();
      }
      observe(revision, compactedRevision);
    } catch (RuntimeException e) {
      // Nothing of the batch committed: every request of it fails with the same error.
      finish(batch, e);
      return;
    } catch (Error e) {
      finish(batch, new IllegalStateException("write batch failed: " + e, e));
      throw e;
    }
    try {
      for (PendingWrite<?> pending : changed) {
        listener.committed(pending.write.newRevision(), pending.write.events());
      }
    } finally {
      finish(batch, null);
    }
  }

  /**
   * Runs one request on the batch's transaction; on a throw undoes its writes and records its
   * failure. An undo that fails leaves the transaction in an unknown state, so it fails the batch.
   */
  private static <R> boolean apply(PendingWrite<R> pending, MvccWrite view) {
    try {
      pending.result = pending.work.apply(view);
      return true;
    } catch (RuntimeException e) {
      view.undo();
      pending.failure = e;
      return false;
    }
  }

  private void finish(List<PendingWrite<?>> batch, RuntimeException batchFailure) {
    synchronized (queue) {
      for (PendingWrite<?> pending : batch) {
        if (batchFailure != null) {
          pending.failure = batchFailure;
          pending.result = null;
        }
        pending.write = null;
        pending.done = true;
      }
    }
  }

  /** Wakes the callers of a finished batch and answers its asynchronous requests. */
  private static void wake(List<PendingWrite<?>> batch) {
    for (PendingWrite<?> pending : batch) {
      pending.answer();
    }
  }

  /**
   * Compacts the history at {@code revision}: reads below it fail from now on, and for every key
   * only its latest version at or below it stays (none when that version is a deletion).
   */
  void compact(long revision) {
    writeLock.lock();
    try {
      if (replicated) {
        long[] state = engine.view(MvccStore::readState);
        observe(state[1], state[2]);
      }
      if (revision <= compactedRevision) {
        throw EtcdErrors.compacted();
      }
      if (revision > currentRevision) {
        throw EtcdErrors.futureRevision();
      }
      engine.update(
          txn -> {
            txn.put(KeyLayout.META_COMPACTED, KeyLayout.longBytes(revision));
            return null;
          });
      compactedRevision = revision;
    } finally {
      writeLock.unlock();
    }
    compactPhysically(revision);
  }

  /** The physical step of a compaction at {@code revision}; stops early when the store closes. */
  private void compactPhysically(long revision) {
    HistoryCompaction.removeObsolete(engine, writeLock, revision, () -> closing);
  }

  /**
   * Closes the engine, after waiting for a compaction finishing in the background to stop at its
   * next batch.
   */
  @Override
  public void close() {
    closing = true;
    asyncLeaders.shutdown();
    Thread finisher;
    synchronized (this) {
      finisher = compactionFinisher;
    }
    if (finisher != null) {
      try {
        finisher.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    engine.close();
  }
}
