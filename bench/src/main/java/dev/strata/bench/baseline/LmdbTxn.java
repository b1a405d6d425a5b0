package dev.strata.bench.baseline;

import dev.strata.api.KeyRange;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.api.spi.CallGuard;
import org.lmdbjava.Env;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/**
 * A read or write transaction of the {@code lmdb} baseline, wrapping one LMDB transaction. LMDB
 * gives read transactions a snapshot and lets write transactions read their own writes, so this
 * class only makes the native calls; {@link BaselineTxn} adds the Strata checks and the engine's
 * {@link CallGuard}. Not thread-safe, except that the engine may end it from its closing thread.
 */
final class LmdbTxn extends BaselineTxn {
  private final LmdbEngine engine;
  private final Txn<byte[]> txn;

  LmdbTxn(LmdbEngine engine, CallGuard guard, Txn<byte[]> txn, boolean write) {
    super(guard, write);
    this.engine = engine;
    this.txn = txn;
  }

  @Override
  byte[] nativeGet(byte[] key) {
    return engine.dbi().get(txn, key);
  }

  @Override
  BaselineCursor nativeCursor(KeyRange range) {
    return new LmdbCursor(this, guard(), engine.dbi().openCursor(txn), range);
  }

  @Override
  void nativePut(byte[] key, byte[] value) {
    try {
      engine.dbi().put(txn, key, value);
    } catch (Env.MapFullException e) {
      throw mapFull(e);
    }
  }

  @Override
  void nativeDelete(byte[] key) {
    engine.dbi().delete(txn, key);
  }

  @Override
  void nativeCommit() {
    try {
      txn.commit();
    } catch (Env.MapFullException e) {
      throw mapFull(e);
    } catch (LmdbException e) {
      throw new StorageIOException("lmdb commit failed: " + e.getMessage(), e);
    }
  }

  @Override
  void release(boolean committed) {
    txn.close();
    engine.ended(this, committed && wrote(), logicalBytes());
  }

  @Override
  void checkKey(byte[] key) {
    super.checkKey(key);
    if (key.length > engine.maxKeySize()) {
      throw new IllegalArgumentException(
          "key is "
              + key.length
              + " bytes; the lmdb baseline's maximum key size is "
              + engine.maxKeySize());
    }
  }

  private static StorageFullException mapFull(Env.MapFullException e) {
    return new StorageFullException("lmdb map is full; raise " + LmdbEngine.MAP_SIZE, e);
  }
}
