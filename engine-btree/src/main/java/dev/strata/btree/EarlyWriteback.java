package dev.strata.btree;

import java.io.IOException;

/**
 * Starts the kernel's write-back of a syncing commit's pages while the writer is still writing the
 * rest. A commit of scattered puts writes over a thousand pages and then syncs them; the sync's
 * write-back (walking the page cache, building and submitting a request per page, the device's
 * work) then starts only once the last page is written, and the writing thread does the submission
 * itself. Here a helper thread calls fdatasync each time the writer has written another batch, so
 * that work runs on another core, overlapping the writes, and the commit's own sync finds most
 * pages already on their way.
 *
 * <p>Only the commit's own sync makes its pages durable; the helper's syncs are an optimization and
 * never stand in for it. Their failures still count: Linux reports a write-back error to one
 * fdatasync of an open file, so an error the helper's call took would be missing from the commit's
 * own. {@link #finish} hands such an error to the commit, which then fails like a failed sync.
 *
 * <p>Thread-safety: {@link #request} and {@link #finish} are called by the writer (under the
 * engine's writer gate); the helper thread is the only other party. State is guarded by {@code
 * this}.
 */
final class EarlyWriteback implements AutoCloseable {
  private final PageFile file;
  private final String threadName;
  private Thread helper;
  private boolean requested;
  private boolean running;
  private boolean closed;
  private IOException failure;

  EarlyWriteback(PageFile file, String threadName) {
    this.file = file;
    this.threadName = threadName;
  }

  /** Whether a machine has the spare core this needs: on one core it only adds syncs. */
  static boolean worthwhile() {
    return Runtime.getRuntime().availableProcessors() > 1;
  }

  /**
   * Asks the helper to sync the file once the pages written so far are in the page cache. Does not
   * wait; a request while the helper is syncing is served once it is done, and requests made
   * meanwhile coalesce into that one.
   */
  synchronized void request() {
    if (closed) {
      return;
    }
    if (helper == null) {
      Thread t = new Thread(this::serve, threadName);
      t.setDaemon(true);
      t.start();
      helper = t;
    }
    requested = true;
    notifyAll();
  }

  /**
   * Drops a request the helper has not begun, waits for a sync it is running and throws the first
   * failure of the helper's syncs since the last call. Called after the commit's own sync, before
   * its meta page is written.
   *
   * @throws IOException a sync of the helper's failed: the commit's pages may not be durable
   */
  synchronized void finish() throws IOException {
    requested = false;
    boolean interrupted = false;
    while (running) {
      try {
        wait();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    IOException failed = failure;
    failure = null;
    if (failed != null) {
      throw failed;
    }
  }

  /** Stops the helper after the sync it may be running; later requests are ignored. */
  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      closed = true;
      requested = false;
      notifyAll();
      t = helper;
    }
    if (t != null) {
      boolean interrupted = false;
      while (t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void serve() {
    while (true) {
      synchronized (this) {
        while (!requested && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            // Only close() ends the helper. Nothing in the engine interrupts it; an interrupt
            // during FileChannel.force would close the store's channel, so none is passed on.
          }
        }
        if (closed) {
          return;
        }
        requested = false;
        running = true;
      }
      IOException failed = null;
      try {
        file.force();
      } catch (IOException e) {
        failed = e;
      } catch (RuntimeException | Error e) {
        // Recorded like a failed sync: the helper must never die with running set, or the
        // commit's finish() would wait for it forever.
        failed = new IOException("early write-back sync failed: " + e, e);
      } finally {
        synchronized (this) {
          running = false;
          if (failed != null && failure == null) {
            failure = failed;
          }
          notifyAll();
        }
      }
    }
  }
}
