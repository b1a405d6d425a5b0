package dev.strata.kafka;

import dev.strata.api.Capability;
import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageException;
import dev.strata.api.WriteTxn;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.BatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A Kafka Streams key-value store on a Strata engine; see the package documentation for the
 * mapping. Built by {@link StrataStores}.
 *
 * <p>Thread safety, as Kafka uses a store: one thread at a time writes (the stream thread, or the
 * restoring thread before it); interactive queries may read from other threads at the same time and
 * see the last commit. Iterators are not thread-safe.
 */
final class StrataKeyValueStore implements KeyValueStore<Bytes, byte[]> {
  private static final System.Logger LOG = System.getLogger(StrataKeyValueStore.class.getName());

  /**
   * Uncommitted bytes ({@link #approximateNumUncommittedBytes()}) after which a restore commits on
   * its own (data only).
   */
  static final long RESTORE_COMMIT_BYTES = 64L << 20;

  /**
   * Bytes counted per written record on top of its key and value: what an engine's open write
   * transaction may hold on the heap for one entry ({@code lsm} keeps its writes in a hash map
   * until commit). It makes the uncommitted-bytes figure track memory, not just payload, for small
   * records.
   */
  static final long RECORD_OVERHEAD_BYTES = 160;

  private final String name;
  private final String engineName;
  private final EngineOptions options;

  private volatile StorageEngine engine;
  private volatile boolean open;
  private StateStoreContext context;

  /** The write transaction collecting the writes since the last commit; writer thread only. */
  private WriteTxn writeTxn;

  /** The thread that last wrote; reads on it go through {@link #writeTxn}. */
  private volatile Thread writer;

  /** Position of every write so far (writer thread), and as of the last commit (any thread). */
  private Position position = Position.emptyPosition();

  private volatile Position committedPosition = Position.emptyPosition();
  private volatile Map<TopicPartition, Long> committedOffsets = Map.of();
  private volatile long uncommittedBytes;
  private long metaKeys;

  private final Set<StrataIterator> iterators = ConcurrentHashMap.newKeySet();

  StrataKeyValueStore(String name, String engineName, EngineOptions options) {
    this.name = name;
    this.engineName = engineName;
    this.options = options;
  }

  @Override
  public String name() {
    return name;
  }

  StorageEngine engine() {
    return engine;
  }

  // ---- life cycle ----

  /**
   * Opens the engine in {@code <stateDir>/<name>}, reads the committed offsets and position, and
   * registers a batching restore callback that commits each restored batch (data only: offsets move
   * only through {@link #commit(Map)}, so they never run ahead of the data).
   *
   * @throws ProcessorStateException if the engine cannot be opened
   */
  @Override
  public void init(StateStoreContext context, StateStore root) {
    this.context = context;
    Path directory = context.stateDir().toPath().resolve(name);
    try {
      engine = StorageEngines.open(engineName, directory, options);
    } catch (StorageException | IllegalArgumentException e) {
      throw new ProcessorStateException(
          "cannot open store " + name + " on engine " + engineName + " in " + directory, e);
    }
    loadCommitted();
    open = true;
    context.register(root, (BatchingStateRestoreCallback) this::restoreAll);
  }

  private void loadCommitted() {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    Position loaded = Position.emptyPosition();
    long meta = 0;
    try (ReadTxn txn = engine.beginRead()) {
      try (Cursor c = txn.cursor(StoreKeys.ALL_OFFSETS)) {
        while (c.next()) {
          byte[] k = c.key();
          offsets.put(
              new TopicPartition(StoreKeys.topicOf(k), StoreKeys.partitionOf(k)),
              StoreKeys.decodeLong(c.value()));
          meta++;
        }
      }
      try (Cursor c = txn.cursor(StoreKeys.ALL_POSITIONS)) {
        while (c.next()) {
          byte[] k = c.key();
          loaded =
              loaded.withComponent(
                  StoreKeys.topicOf(k), StoreKeys.partitionOf(k), StoreKeys.decodeLong(c.value()));
          meta++;
        }
      }
    }
    committedOffsets = Map.copyOf(offsets);
    committedPosition = loaded.copy();
    position = loaded;
    metaKeys = meta;
  }

  /**
   * Applies a batch of changelog records to the open write transaction. Kafka commits the store
   * (with the restored offsets) periodically while it restores and whenever restoration completes
   * or the task leaves the restoring thread, so a restore commits like processing does; in between,
   * a data-only commit once {@link #approximateNumUncommittedBytes()} reaches {@link
   * #RESTORE_COMMIT_BYTES} bounds what the transaction holds. A restore thus reaches the engine as
   * a few large transactions: an engine that collapses repeated writes of a key within a
   * transaction ({@code lsm} does) writes each key once per commit however often the changelog
   * repeats it.
   */
  private void restoreAll(Collection<KeyValue<byte[], byte[]>> records) {
    checkOpen();
    WriteTxn txn = writeTxn();
    long bytes = 0;
    for (KeyValue<byte[], byte[]> record : records) {
      byte[] key = StoreKeys.data(record.key);
      if (record.value == null) {
        txn.delete(key);
        bytes += key.length + RECORD_OVERHEAD_BYTES;
      } else {
        txn.put(key, record.value);
        bytes += key.length + record.value.length + RECORD_OVERHEAD_BYTES;
      }
    }
    uncommittedBytes += bytes;
    if (uncommittedBytes >= RESTORE_COMMIT_BYTES) {
      commitWriteTxn();
    }
  }

  /** True once {@link #init} ran on an engine that keeps data across reopen. */
  @Override
  public boolean persistent() {
    StorageEngine e = engine;
    if (e != null) {
      return e.capabilities().contains(Capability.PERSISTENT);
    }
    return !engineName.equals("memory");
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /**
   * Closes open iterators, rolls back writes not yet committed (Kafka commits before a clean close)
   * and closes the engine. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (!open) {
      return;
    }
    open = false;
    for (StrataIterator it : List.copyOf(iterators)) {
      it.close();
    }
    if (writeTxn != null) {
      writeTxn.rollback();
      writeTxn = null;
    }
    engine.close();
  }

  // ---- offsets ----

  /** Always true: offsets are committed in the same engine commit as the data they cover. */
  @Override
  @SuppressWarnings("deprecation")
  public boolean managesOffsets() {
    return true;
  }

  /**
   * Commits the writes since the last commit together with {@code changelogOffsets} and the current
   * position, in one engine commit. An empty map clears every committed offset; a null value clears
   * that partition's.
   */
  @Override
  public synchronized void commit(Map<TopicPartition, Long> changelogOffsets) {
    checkOpen();
    WriteTxn txn = writeTxn();
    Map<TopicPartition, Long> offsets = new HashMap<>(committedOffsets);
    if (changelogOffsets.isEmpty()) {
      txn.deleteRange(StoreKeys.ALL_OFFSETS);
      offsets.clear();
    }
    for (Map.Entry<TopicPartition, Long> e : changelogOffsets.entrySet()) {
      byte[] key = StoreKeys.offsetKey(e.getKey());
      if (e.getValue() == null) {
        txn.delete(key);
        offsets.remove(e.getKey());
      } else {
        txn.put(key, StoreKeys.encodeLong(e.getValue()));
        offsets.put(e.getKey(), e.getValue());
      }
    }
    long positionKeys = 0;
    for (String topic : position.getTopics()) {
      for (Map.Entry<Integer, Long> p : position.getPartitionPositions(topic).entrySet()) {
        txn.put(StoreKeys.positionKey(topic, p.getKey()), StoreKeys.encodeLong(p.getValue()));
        positionKeys++;
      }
    }
    Position snapshot = position.copy();
    commitWriteTxn();
    committedOffsets = Collections.unmodifiableMap(offsets);
    committedPosition = snapshot;
    metaKeys = offsets.size() + positionKeys;
  }

  private void commitWriteTxn() {
    WriteTxn txn = writeTxn;
    writeTxn = null;
    try {
      txn.commit();
    } catch (StorageException e) {
      throw new ProcessorStateException("commit of store " + name + " failed", e);
    } finally {
      uncommittedBytes = 0;
    }
    for (StrataIterator it : iterators) {
      if (it.readsWriteTxn()) {
        it.moveToSnapshot();
      }
    }
  }

  /**
   * The offset of the last commit for {@code partition}; null when none, and always null for an
   * engine without {@link Capability#PERSISTENT} (Kafka then restores from the changelog's start).
   */
  @Override
  public Long committedOffset(TopicPartition partition) {
    if (!persistent()) {
      return null;
    }
    return committedOffsets.get(partition);
  }

  /**
   * Bytes written since the last commit, keys and values plus {@value #RECORD_OVERHEAD_BYTES} per
   * record for the engine's bookkeeping; Kafka commits early when it grows too large.
   */
  @Override
  public long approximateNumUncommittedBytes() {
    return uncommittedBytes;
  }

  // ---- writes ----

  private WriteTxn writeTxn() {
    writer = Thread.currentThread();
    if (writeTxn == null) {
      writeTxn = engine.beginWrite();
    }
    return writeTxn;
  }

  /** Stores a value; a null value deletes the key. */
  @Override
  public void put(Bytes key, byte[] value) {
    Objects.requireNonNull(key, "key cannot be null");
    checkOpen();
    byte[] engineKey = StoreKeys.data(key.get());
    WriteTxn txn = writeTxn();
    if (value == null) {
      txn.delete(engineKey);
      uncommittedBytes += engineKey.length + RECORD_OVERHEAD_BYTES;
    } else {
      txn.put(engineKey, value);
      uncommittedBytes += engineKey.length + value.length + RECORD_OVERHEAD_BYTES;
    }
    trackPosition();
  }

  private void trackPosition() {
    if (context == null) {
      return;
    }
    context
        .recordMetadata()
        .ifPresent(
            m -> {
              if (m.topic() != null) {
                position = position.withComponent(m.topic(), m.partition(), m.offset());
              }
            });
  }

  @Override
  public byte[] putIfAbsent(Bytes key, byte[] value) {
    Objects.requireNonNull(key, "key cannot be null");
    byte[] old = get(key);
    if (old == null) {
      put(key, value);
    }
    return old;
  }

  @Override
  public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
    for (KeyValue<Bytes, byte[]> entry : entries) {
      put(entry.key, entry.value);
    }
  }

  /** Deletes a key and returns the value it had, or null. */
  @Override
  public byte[] delete(Bytes key) {
    Objects.requireNonNull(key, "key cannot be null");
    byte[] old = get(key);
    put(key, null);
    return old;
  }

  // ---- reads ----

  /** The open write transaction when the caller is the writing thread, else null. */
  private ReadTxn writerView() {
    // The writing thread reads through its transaction, opening one if needed: cheaper than a
    // read transaction per call, and it sees the thread's own writes.
    return writer == Thread.currentThread() ? writeTxn() : null;
  }

  @Override
  public byte[] get(Bytes key) {
    Objects.requireNonNull(key, "key cannot be null");
    checkOpen();
    byte[] engineKey = StoreKeys.data(key.get());
    ReadTxn view = writerView();
    if (view != null) {
      return view.get(engineKey);
    }
    try (ReadTxn txn = engine.beginRead()) {
      return txn.get(engineKey);
    }
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
    return range(from, to, false);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
    return range(from, to, true);
  }

  private KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to, boolean reverse) {
    checkOpen();
    if (from != null && to != null && from.compareTo(to) > 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "range query on store {0} with from > to returns no entries",
          name);
      return iterate(KeyRange.between(new byte[] {1}, new byte[] {1}));
    }
    return iterate(
        StoreKeys.inclusive(
            from == null ? null : from.get(), to == null ? null : to.get(), reverse));
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> all() {
    checkOpen();
    return iterate(StoreKeys.ALL_DATA);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseAll() {
    checkOpen();
    return iterate(StoreKeys.ALL_DATA.reversed());
  }

  @Override
  public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(
      P prefix, PS prefixKeySerializer) {
    Objects.requireNonNull(prefix, "prefix cannot be null");
    Objects.requireNonNull(prefixKeySerializer, "prefixKeySerializer cannot be null");
    checkOpen();
    return iterate(StoreKeys.prefix(prefixKeySerializer.serialize(name, prefix)));
  }

  KeyValueIterator<Bytes, byte[]> iterate(KeyRange range) {
    ReadTxn view = writerView();
    StrataIterator it =
        view != null
            ? new StrataIterator(this, range, view, false)
            : new StrataIterator(this, range, engine.beginRead(), true);
    iterators.add(it);
    return it;
  }

  void forget(StrataIterator it) {
    iterators.remove(it);
  }

  /**
   * The engine's constant-time key-count estimate ({@link StorageEngine#approximateKeyCount()}),
   * less the store's bookkeeping keys; it reflects the last commit.
   */
  @Override
  public long approximateNumEntries() {
    checkOpen();
    return Math.max(0, engine.approximateKeyCount() - metaKeys);
  }

  // ---- interactive queries ----

  @Override
  public <R> QueryResult<R> query(Query<R> query, PositionBound bound, QueryConfig config) {
    return StoreQueries.run(this, query, bound, config);
  }

  /** The position of what a read on the calling thread sees. */
  Position visiblePosition() {
    return writer == Thread.currentThread() ? position.copy() : committedPosition;
  }

  int partition() {
    return context == null ? -1 : context.taskId().partition();
  }

  @Override
  public Position getPosition() {
    return position;
  }

  void checkOpen() {
    if (!open) {
      throw new InvalidStateStoreException("store " + name + " is not open");
    }
  }
}
