package dev.strata.bench.baseline;

import dev.strata.api.Capability;
import dev.strata.api.EngineClosedException;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.CallGuard;
import dev.strata.api.spi.DirectoryLock;
import dev.strata.api.spi.WriterGate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The part of a baseline engine that does not depend on the native store: the directory lock, the
 * single-writer gate, the {@link CallGuard} that keeps {@code close()} from freeing native memory
 * under a running call, the set of open transactions that {@code close()} ends, and the closed
 * state. Subclasses create the native transactions and free the native store. Thread-safe.
 */
abstract class BaselineEngine implements StorageEngine {
  private final String name;
  private final Path directory;
  private final boolean readOnly;
  private final DirectoryLock lock;

  /** The engine's meter, for subclasses to count into; {@link #meter()} may refresh it first. */
  final WriteAmplificationMeter meter = new WriteAmplificationMeter();

  private final WriterGate gate;
  private final CallGuard guard = new CallGuard();
  private final Set<BaselineTxn> openTxns = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  BaselineEngine(String name, Path directory, boolean readOnly, DirectoryLock lock) {
    this.name = name;
    this.directory = directory;
    this.readOnly = readOnly;
    this.lock = lock;
    this.gate = new WriterGate(name + " engine at " + directory);
  }

  /** Begins a native read transaction; runs inside the guard. */
  abstract BaselineTxn newReadTxn();

  /** Begins a native write transaction; runs inside the guard, holding the writer gate. */
  abstract BaselineTxn newWriteTxn();

  /** Frees the native store; called once by {@link #close()} after every transaction ended. */
  abstract void closeNative();

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Set<Capability> capabilities() {
    return Set.of(Capability.PERSISTENT, Capability.BACKUP);
  }

  @Override
  public final ReadTxn beginRead() {
    checkOpen();
    enter();
    try {
      return register(newReadTxn());
    } finally {
      guard.exit();
    }
  }

  @Override
  public final WriteTxn beginWrite() {
    checkWritable();
    gate.acquire();
    if (!guard.tryEnter()) {
      gate.release();
      throw closedException();
    }
    try {
      return register(newWriteTxn());
    } catch (RuntimeException e) {
      gate.release();
      throw e;
    } finally {
      guard.exit();
    }
  }

  private BaselineTxn register(BaselineTxn txn) {
    openTxns.add(txn);
    return txn;
  }

  /** Called once by a transaction when it ends; a write transaction's end frees the writer. */
  final void ended(BaselineTxn txn) {
    openTxns.remove(txn);
    if (txn.isWrite()) {
      gate.release();
    }
  }

  /**
   * Runs a one-shot write outside any transaction under the writer gate, inside the guard.
   *
   * @throws EngineClosedException if the engine is closed
   */
  final void writeOutsideTxn(Runnable write) {
    checkWritable();
    gate.acquire();
    try {
      enter();
      try {
        write.run();
      } finally {
        guard.exit();
      }
    } finally {
      gate.release();
    }
  }

  /** The guard every native call enters. */
  final CallGuard guard() {
    return guard;
  }

  /** Enters the guard, or throws {@link EngineClosedException} if the engine is closing. */
  final void enter() {
    if (!guard.tryEnter()) {
      throw closedException();
    }
  }

  final Path directory() {
    return directory;
  }

  final boolean isClosed() {
    return closed;
  }

  final void checkOpen() {
    if (closed) {
      throw closedException();
    }
  }

  private void checkWritable() {
    checkOpen();
    if (readOnly) {
      throw new UnsupportedOperationException(
          name + " engine at " + directory + " was opened read-only");
    }
  }

  private EngineClosedException closedException() {
    return new EngineClosedException(name + " engine at " + directory + " is closed");
  }

  @Override
  public WriteAmplificationMeter meter() {
    return meter;
  }

  @Override
  public final void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    gate.close();
    guard.close();
    guard.awaitIdle();
    for (BaselineTxn txn : new ArrayList<>(openTxns)) {
      txn.endNow();
    }
    try {
      closeNative();
    } finally {
      lock.close();
    }
  }
}
