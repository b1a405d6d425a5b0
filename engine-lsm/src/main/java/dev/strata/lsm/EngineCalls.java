package dev.strata.lsm;

import dev.strata.api.EngineClosedException;
import dev.strata.api.spi.CallGuard;
import org.rocksdb.RocksDBException;

/**
 * The calls made directly on an {@code lsm} engine (one-shot reads and writes, stats, maintenance,
 * backup), which {@link LsmEngine#close()} must wait for before it frees RocksDB's native objects;
 * transactions have guards of their own. Its closed flag is the engine's: once {@link #close()} has
 * run, every entry fails with {@link EngineClosedException}.
 *
 * <p>Thread-safe.
 */
final class EngineCalls {
  /** A RocksDB call returning a value. */
  interface RocksCall<T> {
    T run() throws RocksDBException;
  }

  /** A RocksDB call returning nothing. */
  interface RocksAction {
    void run() throws RocksDBException;
  }

  private final CallGuard guard = new CallGuard();
  private final String description;
  private final WriteFailureLatch failures;

  /**
   * @param description the engine's description, which opens every message
   * @param failures where RocksDB errors are mapped, and fatal write failures remembered
   */
  EngineCalls(String description, WriteFailureLatch failures) {
    this.description = description;
    this.failures = failures;
  }

  /**
   * Enters a call; pair it with {@link #exit()} in a {@code finally}.
   *
   * @throws EngineClosedException if the engine is closed
   */
  void enter() {
    if (!guard.tryEnter()) {
      throw closedException();
    }
  }

  /** Leaves a call entered with {@link #enter()}. */
  void exit() {
    guard.exit();
  }

  /**
   * Runs {@code call} inside the guard, mapping a RocksDB error through the write-failure latch.
   *
   * @param operation names the call in an error message
   * @throws EngineClosedException if the engine is closed
   * @throws dev.strata.api.StorageException if RocksDB reports an error
   */
  <T> T call(String operation, RocksCall<T> call) {
    enter();
    try {
      return call.run();
    } catch (RocksDBException e) {
      throw failures.record(operation, e);
    } finally {
      exit();
    }
  }

  /** Runs {@code action} as {@link #call} does. */
  void run(String operation, RocksAction action) {
    enter();
    try {
      action.run();
    } catch (RocksDBException e) {
      throw failures.record(operation, e);
    } finally {
      exit();
    }
  }

  /**
   * Makes every later entry fail.
   *
   * @return true for the first call, false once closed
   */
  boolean close() {
    return guard.close();
  }

  /** Waits until the calls inside have left; call after {@link #close()}. */
  void awaitIdle() {
    guard.awaitIdle();
  }

  boolean isClosed() {
    return guard.isClosed();
  }

  /**
   * Passes while the engine is open.
   *
   * @throws EngineClosedException if the engine is closed
   */
  void checkOpen() {
    if (guard.isClosed()) {
      throw closedException();
    }
  }

  EngineClosedException closedException() {
    return new EngineClosedException(description + " is closed");
  }
}
