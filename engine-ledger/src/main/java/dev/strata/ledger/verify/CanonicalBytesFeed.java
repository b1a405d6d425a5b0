package dev.strata.ledger.verify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Hands the canonical bytes that the chain pass of {@code verifyIntegrity()} rebuilds to the other
 * passes (the Merkle pass and the index pass), in recycled batches, so the log is read, checksummed
 * and decoded once for all of them while they run on threads of their own. One producer thread;
 * each consumer thread sees every batch, in order, and a batch is reused once every consumer has
 * given it back. Each consumer has a lag of its own, the batches it may fall behind before the
 * producer waits for it; batches (about 1 MB each) are allocated only as the producer gets ahead,
 * up to one more than the largest lag.
 *
 * <p>Once {@link #stop()} is called (a pass failed or gave up) no side blocks any more: the
 * producer's batches are dropped and the consumers see the end. A consumer that read the last batch
 * just leaves.
 */
final class CanonicalBytesFeed {
  private static final int BATCH_ENTRIES = 4096;
  private static final int BATCH_BYTES = 1 << 20;

  /**
   * Entries of one batch: entry {@code i} is {@code data[offsets[i], offsets[i + 1])}, the Merkle
   * leaf's input: the leaf prefix {@code 0x00} followed by the entry's canonical bytes, so a leaf
   * is hashed in one call straight from the batch.
   */
  static final class Batch {
    byte[] data = new byte[BATCH_BYTES];
    final int[] offsets = new int[BATCH_ENTRIES + 1];
    final long[] positions = new long[BATCH_ENTRIES];
    final long[] ends = new long[BATCH_ENTRIES];
    int count;
    boolean last;
    private final AtomicInteger holders = new AtomicInteger();

    /**
     * Who hashes this batch's Merkle leaves: {@link #LEAVES_OPEN} until the Merkle pass or the
     * producer's thread, helping once it has handed over the last batch, takes them.
     */
    final AtomicInteger leafState = new AtomicInteger();

    /** The leaf hashes, 32 bytes each, when the producer's thread hashed them. */
    byte[] leafHashes;

    private void clear() {
      count = 0;
      offsets[0] = 0;
      last = false;
    }
  }

  /** {@link Batch#leafState}: nobody has taken the leaves yet. */
  static final int LEAVES_OPEN = 0;

  /** {@link Batch#leafState}: the consumer hashes them itself. */
  static final int LEAVES_CONSUMER = 1;

  /** {@link Batch#leafState}: the producer's thread is hashing them. */
  static final int LEAVES_HELPING = 2;

  /** {@link Batch#leafState}: they are in {@link Batch#leafHashes}. */
  static final int LEAVES_HASHED = 3;

  /** {@link Batch#leafState}: the producer's thread gave up; the consumer hashes them. */
  static final int LEAVES_DROPPED = 4;

  private final BlockingQueue<Batch> free;
  // Batches at most: allocated only as the producer gets ahead of the slowest consumer.
  private final int batches;
  private final List<BlockingQueue<Batch>> full = new ArrayList<>();
  private volatile boolean stopped;
  private Batch current = new Batch();
  private int allocated = 1;

  /**
   * A feed for {@code lags.length} consumers, numbered from 0; consumer {@code i} may fall up to
   * {@code lags[i]} batches behind the producer before the producer waits for it.
   */
  CanonicalBytesFeed(int... lags) {
    int most = 1;
    for (int lag : lags) {
      full.add(new ArrayBlockingQueue<>(lag));
      most = Math.max(most, lag);
    }
    batches = most + 1;
    free = new ArrayBlockingQueue<>(batches);
  }

  /**
   * Producer: makes room for {@code length} bytes in the current batch (the leaf prefix and the
   * canonical bytes of one entry).
   *
   * @return the offset in {@link #data()} where the entry's bytes go
   */
  int reserve(int length) {
    int fill = current.offsets[current.count];
    if (current.count == BATCH_ENTRIES || (current.count > 0 && fill + length > BATCH_BYTES)) {
      ship(false);
      fill = 0;
    }
    if (current.data.length < fill + length) {
      current.data = Arrays.copyOf(current.data, fill + length);
    }
    return fill;
  }

  /** Producer: the current batch's array, valid until the next {@link #reserve}. */
  byte[] data() {
    return current.data;
  }

  /** Producer: adds the entry just written at the reserved offset. */
  void add(int length, long position, long end) {
    Batch b = current;
    int i = b.count++;
    b.positions[i] = position;
    b.ends[i] = end;
    b.offsets[i + 1] = b.offsets[i] + length;
  }

  /** Producer: hands over the last batch. */
  void finish() {
    ship(true);
  }

  private void ship(boolean last) {
    current.last = last;
    current.holders.set(full.size());
    for (int k = 0; k < full.size(); k++) {
      if (!offer(full.get(k), current)) {
        // Stopped: nobody consumes any more, so the entries are dropped. A batch that no consumer
        // got is reused; one that some got may still be read, so the producer takes a new one.
        if (k == 0) {
          current.clear();
        } else {
          current = new Batch();
        }
        return;
      }
    }
    if (last) {
      current = null;
      return;
    }
    Batch next = free.poll();
    if (next == null && allocated < batches) {
      next = new Batch();
      allocated++;
    } else if (next == null) {
      next = poll(free);
    }
    // Stopped while waiting: a batch of its own lets the producer finish without blocking.
    current = next != null ? next : new Batch();
    // Reopened only here, on the producer's thread: a batch given back keeps its state, so the
    // producer helping after the last batch never takes one that was already hashed.
    current.leafState.set(LEAVES_OPEN);
  }

  /**
   * The batches handed over and not yet taken by consumer {@code consumer}, oldest first; a
   * snapshot, for the producer's thread to help with once it has handed over the last one.
   */
  List<Batch> queued(int consumer) {
    return new ArrayList<>(full.get(consumer));
  }

  /**
   * Consumer {@code consumer}: hands every batch, in order, to {@code each}, up to the last one or
   * until the feed is stopped. A consumer that leaves early (its {@code each} threw) stops the
   * feed, so the producer never waits for it.
   *
   * @return whether the consumer saw the last batch, false when the feed stopped first
   */
  boolean drain(int consumer, Consumer<Batch> each) {
    boolean finished = false;
    try {
      for (Batch b = poll(full.get(consumer)); b != null; b = poll(full.get(consumer))) {
        each.accept(b);
        boolean last = b.last;
        recycle(b);
        if (last) {
          finished = true;
          break;
        }
      }
    } finally {
      if (!finished) {
        stop();
      }
    }
    return finished;
  }

  /** Gives a batch back; the last consumer to do so makes it reusable. */
  private void recycle(Batch b) {
    if (b.holders.decrementAndGet() == 0) {
      b.clear();
      free.offer(b);
    }
  }

  /** Either side: nothing more will be produced or consumed. */
  void stop() {
    stopped = true;
  }

  private boolean offer(BlockingQueue<Batch> queue, Batch b) {
    try {
      while (!stopped) {
        if (queue.offer(b, 10, TimeUnit.MILLISECONDS)) {
          return true;
        }
      }
    } catch (InterruptedException e) {
      stopped = true;
      Thread.currentThread().interrupt();
    }
    return false;
  }

  private Batch poll(BlockingQueue<Batch> queue) {
    try {
      while (!stopped) {
        Batch b = queue.poll(10, TimeUnit.MILLISECONDS);
        if (b != null) {
          return b;
        }
      }
    } catch (InterruptedException e) {
      stopped = true;
      Thread.currentThread().interrupt();
    }
    return null;
  }
}
