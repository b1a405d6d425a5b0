package dev.strata.bench.baseline;

import dev.strata.api.Capability;
import dev.strata.api.CorruptionException;
import dev.strata.api.Durability;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.DirectoryLock;
import dev.strata.api.spi.StoreFiles;
import dev.strata.api.spi.WriterGate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.CopyFlags;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Stat;

/**
 * The {@code lmdb} baseline: one unnamed LMDB database, keys in LMDB's native memcmp order (which
 * is Strata's unsigned order), accessed through lmdbjava's {@code byte[]} proxy so no JDK internals
 * need opening.
 *
 * <p>Shortcuts against the Strata contract, acceptable for a benchmark baseline:
 *
 * <ul>
 *   <li>keys are limited to LMDB's compile-time maximum (511 bytes), not {@code MAX_KEY_SIZE};
 *   <li>a write transaction must be committed or rolled back on the thread that began it (an LMDB
 *       rule);
 *   <li>the meter counts logical bytes and LMDB's two fdatasyncs per non-empty {@code SYNC} commit,
 *       but no physical bytes: LMDB does not report the pages it writes. The bench takes LMDB's
 *       physical bytes from the operating system ({@code /proc/self/io}).
 * </ul>
 *
 * <p>Stats keys: {@code entries}, {@code depth}, {@code pageSize}, {@code leafPages}, {@code
 * branchPages}, {@code overflowPages}, {@code lastPageNumber}, {@code mapSize}, {@code
 * physicalMetered} (always 0). Thread-safe.
 */
final class LmdbEngine implements StorageEngine {
  static final String NAME = "lmdb";
  static final String MAP_SIZE = "lmdb.mapSize";
  static final String MAX_READERS = "lmdb.maxReaders";
  private static final Set<String> SETTINGS = Set.of(MAP_SIZE, MAX_READERS);
  private static final long DEFAULT_MAP_SIZE = 64L << 30;

  private final Path directory;
  private final boolean sync;
  private final boolean readOnly;
  private final DirectoryLock lock;
  private final Env<byte[]> env;
  private final Dbi<byte[]> dbi;
  private final WriteAmplificationMeter meter = new WriteAmplificationMeter();
  private final WriterGate gate;
  private final CallGuard guard = new CallGuard();
  private final Set<LmdbTxn> openTxns = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private LmdbEngine(
      Path directory, EngineOptions options, DirectoryLock lock, Env<byte[]> env, Dbi<byte[]> dbi) {
    this.directory = directory;
    this.sync = options.durability() == Durability.SYNC;
    this.readOnly = options.readOnly();
    this.lock = lock;
    this.env = env;
    this.dbi = dbi;
    this.gate = new WriterGate("lmdb engine at " + directory);
  }

  static LmdbEngine open(Path directory, EngineOptions options) {
    options.requireKnownSettings(NAME + ".", SETTINGS);
    long mapSize = options.longSetting(MAP_SIZE, DEFAULT_MAP_SIZE, 1L << 20, 1L << 44);
    int maxReaders = options.intSetting(MAX_READERS, 1024, 1, 1 << 20);
    DirectoryLock lock = BaselineDirectory.acquire(NAME, directory, options.createIfMissing());
    try {
      EnumSet<EnvFlags> flags = EnumSet.of(EnvFlags.MDB_NOTLS);
      if (options.durability() == Durability.NO_SYNC) {
        flags.add(EnvFlags.MDB_NOSYNC);
        flags.add(EnvFlags.MDB_NOMETASYNC);
      }
      if (options.readOnly()) {
        flags.add(EnvFlags.MDB_RDONLY_ENV);
      }
      Env<byte[]> env =
          Env.create(ByteArrayProxy.PROXY_BA)
              .setMapSize(mapSize)
              .setMaxDbs(1)
              .setMaxReaders(maxReaders)
              .open(directory.toFile(), flags.toArray(new EnvFlags[0]));
      try {
        // MDB_UNSIGNEDKEY only affects lmdbjava's Java-side comparator; LMDB itself uses memcmp.
        Dbi<byte[]> dbi =
            options.readOnly()
                ? env.openDbi((byte[]) null, DbiFlags.MDB_UNSIGNEDKEY)
                : env.openDbi((byte[]) null, DbiFlags.MDB_CREATE, DbiFlags.MDB_UNSIGNEDKEY);
        return new LmdbEngine(directory, options, lock, env, dbi);
      } catch (RuntimeException e) {
        env.close();
        throw e;
      }
    } catch (LmdbException e) {
      lock.close();
      throw new StorageIOException(
          "cannot open lmdb store " + directory + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.PERSISTENT, Capability.BACKUP);
  }

  @Override
  public ReadTxn beginRead() {
    checkOpen();
    if (!guard.tryEnter()) {
      throw closedException();
    }
    try {
      return register(new LmdbTxn(this, guard, env.txnRead(), false));
    } finally {
      guard.exit();
    }
  }

  @Override
  public WriteTxn beginWrite() {
    checkOpen();
    if (readOnly) {
      throw new UnsupportedOperationException(
          "lmdb engine at " + directory + " was opened read-only");
    }
    gate.acquire();
    if (!guard.tryEnter()) {
      gate.release();
      throw closedException();
    }
    try {
      return register(new LmdbTxn(this, guard, env.txnWrite(), true));
    } catch (RuntimeException e) {
      gate.release();
      throw e;
    } finally {
      guard.exit();
    }
  }

  private LmdbTxn register(LmdbTxn txn) {
    openTxns.add(txn);
    return txn;
  }

  /** Called once by a transaction when it ends. */
  void ended(LmdbTxn txn, boolean committedWrites, long logicalBytes) {
    openTxns.remove(txn);
    if (txn.isWrite()) {
      if (committedWrites) {
        meter.addLogical(logicalBytes);
        if (sync) {
          // mdb_txn_commit syncs the data pages, then the meta page.
          meter.addSyncs(2);
        }
      }
      gate.release();
    }
  }

  Dbi<byte[]> dbi() {
    return dbi;
  }

  int maxKeySize() {
    return env.getMaxKeySize();
  }

  boolean isClosed() {
    return closed;
  }

  private void checkOpen() {
    if (closed) {
      throw closedException();
    }
  }

  private EngineClosedException closedException() {
    return new EngineClosedException("lmdb engine at " + directory + " is closed");
  }

  @Override
  public WriteAmplificationMeter meter() {
    return meter;
  }

  @Override
  public Map<String, Number> stats() {
    checkOpen();
    if (!guard.tryEnter()) {
      throw closedException();
    }
    Stat stat;
    EnvInfo info;
    try {
      stat = env.stat();
      info = env.info();
    } finally {
      guard.exit();
    }
    Map<String, Number> stats = new LinkedHashMap<>();
    stats.put("entries", stat.entries);
    stats.put("depth", stat.depth);
    stats.put("pageSize", stat.pageSize);
    stats.put("leafPages", stat.leafPages);
    stats.put("branchPages", stat.branchPages);
    stats.put("overflowPages", stat.overflowPages);
    stats.put("lastPageNumber", info.lastPageNumber);
    stats.put("mapSize", info.mapSize);
    stats.put("physicalMetered", 0);
    return Map.copyOf(stats);
  }

  @Override
  public void verifyIntegrity() {
    try (ReadTxn txn = beginRead();
        dev.strata.api.Cursor cursor = txn.cursor(KeyRange.all())) {
      byte[] previous = null;
      long position = 0;
      while (cursor.next()) {
        byte[] key = cursor.key();
        if (previous != null && KeyRange.compare(previous, key) >= 0) {
          throw new CorruptionException(
              directory.resolve("data.mdb") + ": keys out of order at entry " + position);
        }
        previous = key;
        position++;
      }
    }
  }

  @Override
  public void backup(Path target) {
    Objects.requireNonNull(target, "target");
    checkOpen();
    StoreFiles.prepareEmptyDirectory(target);
    if (!guard.tryEnter()) {
      throw closedException();
    }
    try {
      env.copy(target.toFile(), CopyFlags.MDB_CP_COMPACT);
    } catch (LmdbException e) {
      throw new StorageIOException("cannot back up lmdb store " + directory + " to " + target, e);
    } finally {
      guard.exit();
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    gate.close();
    guard.closeAndWait();
    for (LmdbTxn txn : new ArrayList<>(openTxns)) {
      txn.endNow();
    }
    try {
      env.close();
    } catch (LmdbException e) {
      throw new StorageException("cannot close lmdb store " + directory, e);
    } finally {
      lock.close();
    }
  }
}
