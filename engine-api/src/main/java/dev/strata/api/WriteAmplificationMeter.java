package dev.strata.api;

import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what users asked to store against what the engine wrote, so engines can be compared on a
 * user's own workload. Every engine feeds its own instance; {@link StorageEngine#meter()} returns
 * it.
 *
 * <ul>
 *   <li><b>Logical bytes</b>: added at commit, for every {@code put} {@code key.length +
 *       value.length} and for every {@code delete} {@code key.length}. Rolled-back transactions add
 *       nothing.
 *   <li><b>Physical bytes</b>: every byte the engine hands to the operating system for files under
 *       its directory (data pages, metadata, logs, compaction output, indexes).
 *   <li><b>Syncs</b>: fsync / fdatasync calls.
 * </ul>
 *
 * <p>Engines whose physical writes are counted by native code they do not drive (RocksDB's
 * background flushes and compactions) pass a refresh hook to {@link
 * #WriteAmplificationMeter(Runnable)}: the meter runs it before every reading, so a reading always
 * includes the work finished so far, without a polling thread or a push on every commit.
 *
 * <p>Thread-safe: the counters are {@link LongAdder}s, so feeding them from a commit path costs no
 * contention. A reading is not atomic across the three counters; take a {@link #snapshot()} between
 * workload phases and subtract with {@link Snapshot#minus(Snapshot)}.
 */
public final class WriteAmplificationMeter {
  private static final Runnable NO_REFRESH = () -> {};

  private final LongAdder logical = new LongAdder();
  private final LongAdder physical = new LongAdder();
  private final LongAdder syncs = new LongAdder();
  private final Runnable beforeRead;

  /** Creates a meter with every counter at zero, fed only through its {@code add} methods. */
  public WriteAmplificationMeter() {
    this(NO_REFRESH);
  }

  /**
   * Creates a meter with every counter at zero that runs {@code beforeRead} at the start of every
   * reading ({@link #logicalBytes()}, {@link #physicalBytes()}, {@link #syncs()}, {@link
   * #amplification()}, {@link #snapshot()}). The hook brings the counters up to date through the
   * {@code add} methods. It may run on any reading thread, concurrently with itself, and after the
   * engine closed, so it must be thread-safe and must stop touching native state once the engine
   * has closed; it must not read this meter (that would recurse). An exception it throws propagates
   * to the reader.
   *
   * @param beforeRead the refresh hook
   * @throws NullPointerException if {@code beforeRead} is null
   */
  public WriteAmplificationMeter(Runnable beforeRead) {
    this.beforeRead = Objects.requireNonNull(beforeRead, "beforeRead");
  }

  /**
   * Adds logical bytes.
   *
   * @param bytes bytes the user asked to store; must not be negative
   * @throws IllegalArgumentException if {@code bytes} is negative
   */
  public void addLogical(long bytes) {
    logical.add(checkCount(bytes));
  }

  /**
   * Adds physical bytes.
   *
   * @param bytes bytes handed to the operating system; must not be negative
   * @throws IllegalArgumentException if {@code bytes} is negative
   */
  public void addPhysical(long bytes) {
    physical.add(checkCount(bytes));
  }

  /** Counts one fsync or fdatasync. */
  public void addSync() {
    syncs.increment();
  }

  /**
   * Adds several syncs at once, for engines that read a native counter.
   *
   * @param count the number of syncs; must not be negative
   * @throws IllegalArgumentException if {@code count} is negative
   */
  public void addSyncs(long count) {
    syncs.add(checkCount(count));
  }

  /**
   * Returns the logical bytes counted so far.
   *
   * @return logical bytes
   */
  public long logicalBytes() {
    beforeRead.run();
    return logical.sum();
  }

  /**
   * Returns the physical bytes counted so far.
   *
   * @return physical bytes
   */
  public long physicalBytes() {
    beforeRead.run();
    return physical.sum();
  }

  /**
   * Returns the syncs counted so far.
   *
   * @return fsync / fdatasync calls
   */
  public long syncs() {
    beforeRead.run();
    return syncs.sum();
  }

  /**
   * Returns physical bytes divided by logical bytes.
   *
   * @return the write amplification, or {@link Double#NaN} while no logical byte was counted
   */
  public double amplification() {
    return snapshot().amplification();
  }

  /**
   * Returns the three counters as an immutable value.
   *
   * @return the current figures
   */
  public Snapshot snapshot() {
    beforeRead.run();
    return new Snapshot(logical.sum(), physical.sum(), syncs.sum());
  }

  private static long checkCount(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("count must not be negative: " + n);
    }
    return n;
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }

  /**
   * The meter's figures at one moment.
   *
   * @param logicalBytes bytes users asked to store
   * @param physicalBytes bytes the engine wrote
   * @param syncs fsync / fdatasync calls
   */
  public record Snapshot(long logicalBytes, long physicalBytes, long syncs) {
    /**
     * Returns physical bytes divided by logical bytes.
     *
     * @return the write amplification, or {@link Double#NaN} when {@code logicalBytes} is 0
     */
    public double amplification() {
      return logicalBytes == 0 ? Double.NaN : (double) physicalBytes / logicalBytes;
    }

    /**
     * Returns the figures of the phase between {@code earlier} and this snapshot.
     *
     * @param earlier a snapshot of the same meter taken before this one
     * @return the difference of each counter
     * @throws NullPointerException if {@code earlier} is null
     */
    public Snapshot minus(Snapshot earlier) {
      return new Snapshot(
          logicalBytes - earlier.logicalBytes,
          physicalBytes - earlier.physicalBytes,
          syncs - earlier.syncs);
    }
  }
}
