package dev.strata.etcd;

import dev.strata.api.ReadTxn;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Delivers the revisions other members commit to this member's watchers: a thread reads the
 * replicated engine's revision log past the last revision it delivered (on a signal from a local
 * commit, else every {@link #POLL_MILLIS}), sends each revision's events to the listener in order,
 * and raises the store's revision and compaction mark to the engine's. Every revision is delivered
 * once, in order, whichever member committed it. The same read also gives the replicated state
 * beside the revisions (the member list) to a reader of its own.
 *
 * <p>Thread-safe; owns its thread.
 */
final class ReplicaFollower implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ReplicaFollower.class.getName());

  /** How often the engine is read for revisions committed elsewhere. */
  static final long POLL_MILLIS = 20;

  private final MvccStore store;
  private final MvccStore.CommitListener listener;
  private final Consumer<ReadTxn> alsoRead;
  private final Thread thread;
  private final Object signal = new Object();
  private boolean signalled;
  private volatile boolean closed;
  private long delivered;

  /**
   * @param alsoRead reads more of each snapshot the thread reads, on the thread; must not block
   */
  ReplicaFollower(
      MvccStore store, MvccStore.CommitListener listener, String name, Consumer<ReadTxn> alsoRead) {
    this.store = store;
    this.listener = listener;
    this.alsoRead = alsoRead;
    this.delivered = store.currentRevision();
    this.thread = new Thread(this::run, "strata-etcd-follower-" + name);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Wakes the thread: a revision was committed here. */
  void signal() {
    synchronized (signal) {
      signalled = true;
      signal.notifyAll();
    }
  }

  private void run() {
    while (!closed) {
      try {
        synchronized (signal) {
          if (!signalled) {
            signal.wait(POLL_MILLIS);
          }
          signalled = false;
        }
        catchUp();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        // No quorum, or the store is being replaced by a snapshot: try again shortly.
        LOG.log(System.Logger.Level.DEBUG, "cannot read the revision log yet", e);
        try {
          Thread.sleep(10 * POLL_MILLIS);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private void catchUp() {
    store.read(
        view -> {
          long to = view.revision();
          if (to > delivered) {
            RevisionLog.read(view, delivered + 1, to, true, listener::committed);
            delivered = to;
          }
          store.observe(to, view.compactedRevision());
          alsoRead.accept(view.txn);
          return null;
        });
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
