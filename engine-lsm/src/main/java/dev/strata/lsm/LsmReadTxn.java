package dev.strata.lsm;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.spi.CallGuard;
import dev.strata.api.spi.TxnEnd;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;

/**
 * A read transaction: a RocksDB {@link Snapshot} and the {@link ReadOptions} that pin it. Also the
 * base of {@link LsmWriteTxn}, which shares the guard that keeps {@link LsmEngine#close()} from
 * freeing native memory under a running call.
 *
 * <p>The guard is one volatile flag per transaction rather than the engine's {@link CallGuard},
 * which every transaction would contend on (that guard serves the engine's own calls and holds its
 * closed flag): a transaction belongs to one thread at a time, so the flag is never contended, and
 * {@code close()} (which sets the engine's closed flag first, then waits for each transaction's
 * flag to drop) and a call (which raises its flag first, then reads the engine's closed flag)
 * cannot both miss each other — volatile accesses are sequentially consistent.
 */
class LsmReadTxn implements ReadTxn {
  final LsmEngine engine;
  private final TxnEnd end = new TxnEnd();
  private final List<LsmCursor> cursors = new ArrayList<>();
  private volatile boolean inCall;
  private Snapshot snapshot;
  private ReadOptions readOptions;

  private static final VarHandle IN_CALL;

  static {
    try {
      IN_CALL = MethodHandles.lookup().findVarHandle(LsmReadTxn.class, "inCall", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  LsmReadTxn(LsmEngine engine) {
    this.engine = engine;
  }

  /** Pins the last committed state; called once, inside the guard, after registration. */
  void openSnapshot() {
    snapshot = engine.db().getSnapshot();
    readOptions = new ReadOptions().setSnapshot(snapshot);
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    enter();
    try {
      return engine.db().get(readOptions, key);
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    } finally {
      exit();
    }
  }

  @Override
  public Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    enter();
    try {
      LsmCursor cursor = openCursor(range);
      cursors.add(cursor);
      return present(cursor, range);
    } finally {
      exit();
    }
  }

  LsmCursor openCursor(KeyRange range) {
    return LsmCursor.overSnapshot(this, range, snapshot);
  }

  /** The cursor the caller gets for a registered database cursor; a write transaction merges. */
  Cursor present(LsmCursor cursor, KeyRange range) {
    return cursor;
  }

  /**
   * Marks the start of a call that touches native memory.
   *
   * @throws TransactionClosedException if this transaction or its engine is closed
   */
  final void enter() {
    inCall = true;
    if (end.isEnded() || engine.isClosed()) {
      inCall = false;
      end.check(describe(), engine.isClosed());
    }
  }

  /** Raises the guard while the engine registers and sets up a new transaction. */
  final void enterSetup() {
    inCall = true;
  }

  /**
   * Checks that the transaction is usable, for calls that touch no native memory (and so need no
   * guard).
   *
   * @throws TransactionClosedException if this transaction or its engine is closed
   */
  final void checkActive() {
    // The description is built only for the exception: this runs on every read and write.
    if (end.isEnded() || engine.isClosed()) {
      end.check(describe(), engine.isClosed());
    }
  }

  final void exit() {
    // A release store suffices to leave: the closer's volatile read that sees false then also sees
    // every native access of the call. Only entering needs the full fence (store, then load).
    IN_CALL.setRelease(this, false);
  }

  /** Waits until no call of this transaction is running; {@code close()} has already started. */
  final void awaitIdle() {
    for (int round = 0; inCall; round++) {
      CallGuard.backOff(round);
    }
  }

  String describe() {
    return "read transaction of " + engine.description();
  }

  /** Removes a cursor its user closed; runs inside the guard. */
  final void forget(LsmCursor cursor) {
    cursors.remove(cursor);
  }

  /**
   * Ends the transaction once and frees its native objects: cursors first, then the options that
   * reference the snapshot, then the snapshot. Runs inside the guard or after the engine saw the
   * guard drop. Returns whether this call ended it.
   */
  boolean end(String how) {
    if (!end.end(how)) {
      return false;
    }
    for (LsmCursor c : cursors) {
      c.free();
    }
    cursors.clear();
    freeResources();
    engine.ended(this);
    return true;
  }

  void freeResources() {
    if (readOptions != null) {
      readOptions.close();
    }
    if (snapshot != null) {
      engine.db().releaseSnapshot(snapshot);
    }
  }

  /** Called by the closing engine once {@link #awaitIdle()} returned. */
  void endByEngine() {
    end("closed: its engine was closed");
  }

  @Override
  public void close() {
    inCall = true;
    try {
      if (!engine.isClosed()) {
        end("closed");
      }
    } finally {
      inCall = false;
    }
  }
}
