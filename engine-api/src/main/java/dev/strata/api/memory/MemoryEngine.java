package dev.strata.api.memory;

import dev.strata.api.Capability;
import dev.strata.api.CorruptionException;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.StoreFiles;
import dev.strata.api.spi.WriteOverlay;
import dev.strata.api.spi.WriterGate;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The {@code memory} engine: the contract's reference implementation, kept entirely on the heap.
 *
 * <p>Multi-version: each key maps to a chain of committed versions, newest first; a read
 * transaction fixes a commit number and sees, for each key, the newest version at or before it.
 * Commits prune versions that no open reader can reach and drop tombstones once no reader needs
 * them, so memory tracks live data plus what open snapshots pin.
 *
 * <p>Data lives as long as the engine object (no {@link Capability#PERSISTENT}). {@link
 * #backup(Path)} writes a snapshot file; opening a directory that holds one restores it.
 *
 * <p>Stats keys: {@code keys} (live keys in the last commit), {@code versions} (version records
 * retained, including those pinned by readers), {@code openReaders}, {@code commit} (last commit
 * number).
 */
final class MemoryEngine implements StorageEngine {
  static final String NAME = "memory";
  private static final Set<String> SETTINGS = Set.of();

  private final Path directory;
  private final boolean readOnly;
  private final WriteAmplificationMeter meter = new WriteAmplificationMeter();
  private final WriterGate gate;
  final ConcurrentSkipListMap<byte[], Version> data =
      new ConcurrentSkipListMap<>(KeyRange::compare);

  /** Open transactions, so close() can end them. */
  private final Set<MemoryTxn> openTxns = ConcurrentHashMap.newKeySet();

  /** Reader count per snapshot; guarded by itself. Lets commits know what they may prune. */
  private final TreeMap<Long, Integer> readersBySnapshot = new TreeMap<>();

  /** Keys deleted by a commit, waiting until no reader needs their tombstone. Writer-only. */
  private final ArrayDeque<Map.Entry<byte[], Long>> tombstones = new ArrayDeque<>();

  private volatile long lastCommit;
  private volatile long liveKeys;
  private volatile boolean closed;

  private MemoryEngine(Path directory, boolean readOnly) {
    this.directory = directory;
    this.readOnly = readOnly;
    this.gate = new WriterGate("memory engine at " + directory);
  }

  static MemoryEngine open(Path directory, EngineOptions options) {
    options.requireKnownSettings(NAME + ".", SETTINGS);
    MemoryEngine engine = new MemoryEngine(directory, options.readOnly());
    if (SnapshotFile.exists(directory)) {
      engine.restore();
    } else if (!options.createIfMissing()) {
      throw new StorageException(
          "no memory snapshot in " + directory + " and createIfMissing is false");
    }
    return engine;
  }

  private void restore() {
    long[] count = {0};
    SnapshotFile.read(
        directory,
        (key, value) -> {
          if (!data.isEmpty() && KeyRange.compare(data.lastKey(), key) >= 0) {
            throw new CorruptionException(
                directory.resolve(SnapshotFile.FILE_NAME)
                    + ": keys out of order at entry "
                    + count[0]);
          }
          data.put(key, new Version(0, value, null));
          count[0]++;
        });
    liveKeys = count[0];
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.BACKUP);
  }

  @Override
  public ReadTxn beginRead() {
    checkOpen();
    long snapshot;
    synchronized (readersBySnapshot) {
      // Reading the commit number and registering under one lock keeps a commit from pruning
      // the versions of a snapshot that is about to be registered.
      snapshot = lastCommit;
      readersBySnapshot.merge(snapshot, 1, Integer::sum);
    }
    MemoryTxn txn = new MemoryTxn(this, snapshot);
    openTxns.add(txn);
    if (closed) {
      txn.close();
      throw closedException();
    }
    return txn;
  }

  @Override
  public WriteTxn beginWrite() {
    checkOpen();
    if (readOnly) {
      throw new UnsupportedOperationException(
          "memory engine at " + directory + " was opened read-only");
    }
    gate.acquire();
    MemoryWriteTxn txn;
    synchronized (readersBySnapshot) {
      readersBySnapshot.merge(lastCommit, 1, Integer::sum);
      txn = new MemoryWriteTxn(this, lastCommit);
    }
    openTxns.add(txn);
    if (closed) {
      txn.close();
      throw closedException();
    }
    return txn;
  }

  /** Called once by a transaction when it ends. */
  void ended(MemoryTxn txn) {
    synchronized (readersBySnapshot) {
      readersBySnapshot.computeIfPresent(txn.snapshot, (k, n) -> n == 1 ? null : n - 1);
    }
    openTxns.remove(txn);
    if (txn instanceof MemoryWriteTxn) {
      gate.release();
    }
  }

  /** Applies a write transaction's overlay as the next commit. Runs under the writer gate. */
  void commit(WriteOverlay overlay) {
    long logicalBytes = overlay.logicalBytes();
    synchronized (this) {
      if (closed) {
        throw closedException();
      }
      long oldest;
      synchronized (readersBySnapshot) {
        oldest = readersBySnapshot.isEmpty() ? lastCommit : readersBySnapshot.firstKey();
      }
      long next = lastCommit + 1;
      long live = liveKeys;
      for (int slot : overlay.sortedSlots()) {
        byte[] key = overlay.key(slot);
        byte[] value = overlay.value(slot) == WriteOverlay.TOMBSTONE ? null : overlay.value(slot);
        Version current = data.get(key);
        boolean wasLive = current != null && current.value() != null;
        if (value == null && !wasLive) {
          continue;
        }
        Version older = current == null ? null : current.pruned(oldest);
        data.put(key, new Version(next, value, older));
        live += (value != null ? 1 : 0) - (wasLive ? 1 : 0);
        if (value == null) {
          tombstones.add(new AbstractMap.SimpleImmutableEntry<>(key, next));
        }
      }
      purgeTombstones(oldest);
      liveKeys = live;
      meter.addLogical(logicalBytes);
      lastCommit = next;
    }
  }

  private void purgeTombstones(long oldest) {
    while (!tombstones.isEmpty() && tombstones.peek().getValue() <= oldest) {
      Map.Entry<byte[], Long> t = tombstones.poll();
      Version v = data.get(t.getKey());
      if (v != null && v.value() == null && v.commit() == t.getValue()) {
        // Every reader sees this tombstone or later, so nobody can reach older versions.
        data.remove(t.getKey(), v);
      }
    }
  }

  void checkOpen() {
    if (closed) {
      throw closedException();
    }
  }

  boolean isClosed() {
    return closed;
  }

  EngineClosedException closedException() {
    return new EngineClosedException("memory engine at " + directory + " is closed");
  }

  /** Exact: the live-key count the last commit recorded. */
  @Override
  public long approximateKeyCount() {
    checkOpen();
    return liveKeys;
  }

  @Override
  public WriteAmplificationMeter meter() {
    return meter;
  }

  @Override
  public Map<String, Number> stats() {
    checkOpen();
    long versions = 0;
    for (Version v : data.values()) {
      versions += v.depth();
    }
    int readers;
    synchronized (readersBySnapshot) {
      readers = readersBySnapshot.values().stream().mapToInt(Integer::intValue).sum();
    }
    Map<String, Number> stats = new LinkedHashMap<>();
    stats.put("keys", liveKeys);
    stats.put("versions", versions);
    stats.put("openReaders", readers);
    stats.put("commit", lastCommit);
    return Map.copyOf(stats);
  }

  @Override
  public void verifyIntegrity() {
    checkOpen();
    byte[] previous = null;
    long live = 0;
    long snapshot = lastCommit;
    for (Map.Entry<byte[], Version> e : data.entrySet()) {
      if (previous != null && KeyRange.compare(previous, e.getKey()) >= 0) {
        throw new CorruptionException("memory engine: keys out of order");
      }
      previous = e.getKey();
      long newer = Long.MAX_VALUE;
      for (Version v = e.getValue(); v != null; v = v.older()) {
        if (v.commit() >= newer) {
          throw new CorruptionException("memory engine: version chain out of order for a key");
        }
        newer = v.commit();
      }
      Version visible = e.getValue().visibleAt(snapshot);
      if (visible != null && visible.value() != null) {
        live++;
      }
    }
    if (snapshot == lastCommit && live != liveKeys) {
      throw new CorruptionException(
          "memory engine: " + live + " live keys counted, " + liveKeys + " recorded");
    }
  }

  @Override
  public void backup(Path target) {
    Objects.requireNonNull(target, "target");
    checkOpen();
    StoreFiles.prepareEmptyDirectory(target);
    try (ReadTxn txn = beginRead()) {
      MemoryTxn snapshot = (MemoryTxn) txn;
      SnapshotFile.write(target, () -> snapshot.entries(KeyRange.all()));
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
    List<MemoryTxn> open = new ArrayList<>(openTxns);
    for (MemoryTxn txn : open) {
      txn.close();
    }
  }

  /** Iterates committed entries of a snapshot inside a range, in the range's direction. */
  Iterator<Map.Entry<byte[], byte[]>> committed(long snapshot, KeyRange range) {
    return new VisibleIterator(MemoryCursor.view(data, range).entrySet().iterator(), snapshot);
  }

  /** Skips keys with no version visible at the snapshot, and tombstones. */
  private static final class VisibleIterator implements Iterator<Map.Entry<byte[], byte[]>> {
    private final Iterator<Map.Entry<byte[], Version>> source;
    private final long snapshot;
    private Map.Entry<byte[], byte[]> next;

    VisibleIterator(Iterator<Map.Entry<byte[], Version>> source, long snapshot) {
      this.source = source;
      this.snapshot = snapshot;
    }

    @Override
    public boolean hasNext() {
      while (next == null && source.hasNext()) {
        Map.Entry<byte[], Version> e = source.next();
        Version v = e.getValue().visibleAt(snapshot);
        if (v != null && v.value() != null) {
          next = new AbstractMap.SimpleImmutableEntry<>(e.getKey(), v.value());
        }
      }
      return next != null;
    }

    @Override
    public Map.Entry<byte[], byte[]> next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      Map.Entry<byte[], byte[]> e = next;
      next = null;
      return e;
    }
  }
}
