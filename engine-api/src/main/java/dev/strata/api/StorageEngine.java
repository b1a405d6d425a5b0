package dev.strata.api;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * An open key-value store: ordered byte-array keys and values with snapshot-isolated read
 * transactions and one serial write transaction at a time. Open one with {@link StorageEngines}.
 *
 * <h2>Order</h2>
 *
 * Keys compare as unsigned bytes, lexicographically ({@link KeyRange#compare}), in every engine.
 *
 * <h2>Thread safety</h2>
 *
 * The engine is thread-safe. A transaction and its cursors belong to one thread at a time. Readers
 * never block the writer and the writer never blocks readers (the {@code ledger} engine may block
 * readers briefly while it publishes a commit).
 *
 * <h2>Ownership</h2>
 *
 * Arrays passed in may be reused by the caller after the call returns; arrays returned are new and
 * belong to the caller.
 *
 * <h2>Durability</h2>
 *
 * Under {@link Durability#SYNC} a returned commit survives {@code kill -9} and power loss; a failed
 * or unfinished one leaves no trace. Under {@link Durability#NO_SYNC} recent commits may be lost on
 * power loss, but the store is never corrupted.
 *
 * <h2>Closing</h2>
 *
 * {@link #close()} makes new transactions fail with {@link EngineClosedException}, rolls back an
 * open write transaction, closes open read transactions (their next call throws {@link
 * TransactionClosedException}), waits for calls already running inside them to return, and never
 * unmaps memory a reader may still touch.
 */
public interface StorageEngine extends AutoCloseable {
  /**
   * Returns the engine's name.
   *
   * @return {@code "btree"}, {@code "lsm"}, {@code "ledger"}, {@code "memory"} or another
   *     provider's name
   */
  String name();

  /**
   * Returns the optional parts of the contract this engine supports. Works after {@link #close()}.
   *
   * @return an unmodifiable set
   */
  Set<Capability> capabilities();

  /**
   * Begins a read transaction on the last committed state.
   *
   * @return the transaction; the caller must close it
   * @throws EngineClosedException if the engine is closed
   */
  ReadTxn beginRead();

  /**
   * Begins the write transaction, waiting while another write transaction is open.
   *
   * @return the transaction; the caller must commit, roll back or close it
   * @throws EngineClosedException if the engine is closed, also when it closes while waiting
   * @throws IllegalStateException if the calling thread already holds the open write transaction
   *     (waiting would deadlock)
   * @throws UnsupportedOperationException if the engine was opened {@linkplain
   *     EngineOptions#readOnly() read-only}
   * @throws EngineFailedException if an earlier fatal failure made the engine refuse writes
   * @throws StorageException if the thread is interrupted while waiting (the interrupt flag stays
   *     set)
   */
  WriteTxn beginWrite();

  /**
   * Reads one key in its own read transaction.
   *
   * @param key the key
   * @return a new array that belongs to the caller, or null when absent
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if the key is empty or too long
   * @throws EngineClosedException if the engine is closed
   */
  default byte[] get(byte[] key) {
    Limits.checkKey(key);
    try (ReadTxn txn = beginRead()) {
      return txn.get(key);
    }
  }

  /**
   * Writes one key in its own write transaction and commits it.
   *
   * @param key the key
   * @param value the value
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key or value is outside {@link Limits}
   * @throws EngineClosedException if the engine is closed
   * @throws StorageException as {@link WriteTxn#commit()} does
   */
  default void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    try (WriteTxn txn = beginWrite()) {
      txn.put(key, value);
      txn.commit();
    }
  }

  /**
   * Deletes one key in its own write transaction and commits it; does nothing visible when absent.
   *
   * @param key the key
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if the key is empty or too long
   * @throws EngineClosedException if the engine is closed
   * @throws StorageException as {@link WriteTxn#commit()} does
   */
  default void delete(byte[] key) {
    Limits.checkKey(key);
    try (WriteTxn txn = beginWrite()) {
      txn.delete(key);
      txn.commit();
    }
  }

  /**
   * Runs {@code work} in a read transaction and closes it afterwards.
   *
   * @param work the reads to run; must not keep the transaction or its cursors
   * @param <R> the result type
   * @return what {@code work} returned
   * @throws NullPointerException if {@code work} is null
   * @throws EngineClosedException if the engine is closed
   */
  default <R> R view(Function<? super ReadTxn, R> work) {
    Objects.requireNonNull(work, "work");
    try (ReadTxn txn = beginRead()) {
      return work.apply(txn);
    }
  }

  /**
   * Runs {@code work} in the write transaction and commits when it returns; rolls back and rethrows
   * when it throws. {@code work} must not commit or roll back the transaction itself.
   *
   * @param work the writes to run
   * @param <R> the result type
   * @return what {@code work} returned
   * @throws NullPointerException if {@code work} is null
   * @throws EngineClosedException if the engine is closed
   * @throws StorageException as {@link WriteTxn#commit()} does
   */
  default <R> R update(Function<? super WriteTxn, R> work) {
    Objects.requireNonNull(work, "work");
    try (WriteTxn txn = beginWrite()) {
      R result = work.apply(txn);
      txn.commit();
      return result;
    }
  }

  /**
   * Returns an estimate of the number of live keys in the last committed state, in constant time:
   * it never walks the store, never waits for the write transaction and never blocks readers. The
   * estimate ignores the uncommitted writes of an open write transaction.
   *
   * <p>How close it is depends on the engine, which documents it: exact for {@code memory} and
   * {@code ledger} (counters kept by each commit); RocksDB's {@code rocksdb.estimate-num-keys} for
   * {@code lsm} (overwrites and deletes not yet compacted skew it); for {@code btree} a projection
   * from the fan-out along a few root-to-leaf paths (a handful of page reads, exact while the tree
   * is a single leaf).
   *
   * @return a non-negative estimate
   * @throws EngineClosedException if the engine is closed
   */
  long approximateKeyCount();

  /**
   * Returns this engine's write-amplification meter. Works after {@link #close()}, which freezes
   * it.
   *
   * @return the meter, live for the engine's lifetime
   */
  WriteAmplificationMeter meter();

  /**
   * Returns engine statistics. Each engine documents its keys; values are current at the call.
   *
   * @return an unmodifiable map of figures
   * @throws EngineClosedException if the engine is closed
   */
  Map<String, Number> stats();

  /**
   * Checks every stored structure: checksums, ordering, reachability, hash chains.
   *
   * @throws CorruptionException naming the first damaged file and page, offset or sequence number
   * @throws TamperException for the {@code ledger} engine when history fails verification
   * @throws EngineFailedException if a failed commit left the engine unsure whether its files or
   *     its memory hold the truth (it refuses writes too): close, reopen, then check
   * @throws EngineClosedException if the engine is closed
   */
  void verifyIntegrity();

  /**
   * Writes a consistent copy of the last committed state into {@code target}, while other
   * transactions continue. {@code StorageEngines.open(name(), target)} opens the copy.
   *
   * @param target a directory that does not exist or is empty
   * @throws NullPointerException if {@code target} is null
   * @throws IllegalArgumentException if {@code target} exists and is not an empty directory
   * @throws UnsupportedOperationException if the engine lacks {@link Capability#BACKUP}
   * @throws StorageIOException if the copy cannot be written
   * @throws EngineClosedException if the engine is closed
   */
  void backup(Path target);

  /** Closes the engine as the type's documentation describes. Idempotent. */
  @Override
  void close();
}
