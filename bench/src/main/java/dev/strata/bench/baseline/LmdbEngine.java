package dev.strata.bench.baseline;

import dev.strata.api.CorruptionException;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.api.spi.DirectoryLock;
import dev.strata.api.spi.StoreFiles;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
final class LmdbEngine extends BaselineEngine {
  static final String NAME = "lmdb";
  static final String MAP_SIZE = "lmdb.mapSize";
  static final String MAX_READERS = "lmdb.maxReaders";
  private static final Set<String> SETTINGS = Set.of(MAP_SIZE, MAX_READERS);
  private static final long DEFAULT_MAP_SIZE = 64L << 30;

  private final boolean sync;
  private final Env<byte[]> env;
  private final Dbi<byte[]> dbi;

  private LmdbEngine(
      Path directory, EngineOptions options, DirectoryLock lock, Env<byte[]> env, Dbi<byte[]> dbi) {
    super(NAME, directory, options.readOnly(), lock);
    this.sync = options.durability() == Durability.SYNC;
    this.env = env;
    this.dbi = dbi;
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
  BaselineTxn newReadTxn() {
    return new LmdbTxn(this, guard(), env.txnRead(), false);
  }

  @Override
  BaselineTxn newWriteTxn() {
    return new LmdbTxn(this, guard(), env.txnWrite(), true);
  }

  /** Called once by a transaction when it ends. */
  void ended(LmdbTxn txn, boolean committedWrites, long logicalBytes) {
    if (committedWrites) {
      meter.addLogical(logicalBytes);
      if (sync) {
        // mdb_txn_commit syncs the data pages, then the meta page.
        meter.addSyncs(2);
      }
    }
    ended(txn);
  }

  Dbi<byte[]> dbi() {
    return dbi;
  }

  int maxKeySize() {
    return env.getMaxKeySize();
  }

  /** LMDB's own entry count ({@code mdb_env_stat}), exact and constant-time. */
  @Override
  public long approximateKeyCount() {
    return stats().get("entries").longValue();
  }

  @Override
  public Map<String, Number> stats() {
    checkOpen();
    enter();
    Stat stat;
    EnvInfo info;
    try {
      stat = env.stat();
      info = env.info();
    } finally {
      guard().exit();
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
              directory().resolve("data.mdb") + ": keys out of order at entry " + position);
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
    enter();
    try {
      env.copy(target.toFile(), CopyFlags.MDB_CP_COMPACT);
    } catch (LmdbException e) {
      throw new StorageIOException("cannot back up lmdb store " + directory() + " to " + target, e);
    } finally {
      guard().exit();
    }
  }

  @Override
  void closeNative() {
    try {
      env.close();
    } catch (LmdbException e) {
      throw new StorageException("cannot close lmdb store " + directory(), e);
    }
  }
}
