package dev.strata.metrics;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.WriteTxn;

/**
 * A write transaction of an instrumented engine: delegates every call, times {@code commit()} and
 * counts how the transaction ended. Like the transaction it wraps, it belongs to one thread at a
 * time; the {@code ended} flag relies on that. Every {@link WriteTxn} method is overridden here (a
 * test fails when the interface gains one this class does not declare).
 */
final class InstrumentedWriteTxn implements WriteTxn {
  private final WriteTxn delegate;
  private final TxnMeters txns;
  private boolean ended;

  InstrumentedWriteTxn(WriteTxn delegate, TxnMeters txns) {
    this.delegate = delegate;
    this.txns = txns;
  }

  @Override
  public byte[] get(byte[] key) {
    return delegate.get(key);
  }

  @Override
  public Cursor cursor(KeyRange range) {
    return delegate.cursor(range);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    delegate.put(key, value);
  }

  @Override
  public void delete(byte[] key) {
    delegate.delete(key);
  }

  /** The engine's own range deletion (native in {@code lsm}), not the cursor walk. */
  @Override
  public void deleteRange(dev.strata.api.KeyRange range) {
    delegate.deleteRange(range);
  }

  @Override
  public void commit() {
    if (ended) {
      // Already committed or rolled back: the wrapped transaction throws, nothing is recorded.
      delegate.commit();
      return;
    }
    long start = System.nanoTime();
    try {
      delegate.commit();
    } catch (RuntimeException | Error e) {
      ended = true;
      txns.commitFailed(System.nanoTime() - start);
      throw e;
    }
    ended = true;
    txns.committed(System.nanoTime() - start);
  }

  @Override
  public void rollback() {
    try {
      delegate.rollback();
    } finally {
      endWithoutCommit();
    }
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      endWithoutCommit();
    }
  }

  private void endWithoutCommit() {
    if (!ended) {
      ended = true;
      txns.rolledBack();
    }
  }

  @Override
  public String toString() {
    return "instrumented " + delegate;
  }
}
