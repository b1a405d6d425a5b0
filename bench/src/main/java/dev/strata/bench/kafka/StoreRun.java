package dev.strata.bench.kafka;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.kafka.StrataStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.internals.StateRestoreCallbackAdapter;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * One store's run of {@link KafkaStreamsCommand}, in its own JVM: the count-by-key with range
 * queries, then a restore, then one {@code RESULT} line on standard output.
 *
 * <p>Stores are built as Kafka builds them ({@code Stores.keyValueStoreBuilder}: metered store and
 * serdes; change logging and caching off, so the figures are the stores') and initialised with
 * Kafka's {@code MockProcessorContext}. Commits go through {@code StateStore.commit(offsets)}, as a
 * task commit does. Restore feeds the callback the store registered through Kafka's own adapter
 * ({@code StateRestoreCallbackAdapter}), in batches of 1,000 records as the changelog reader does.
 */
public final class StoreRun {
  static final String RESULT = "RESULT ";
  private static final String INPUT = "input";
  private static final int RANGE_ENTRIES = 1_000;
  private static final int RESTORE_BATCH = 1_000;

  private StoreRun() {}

  /**
   * Runs one store.
   *
   * @param args store, records, keys, commit-every, range-every, durability, directory
   * @throws Exception when the run fails
   */
  public static void main(String[] args) throws Exception {
    String store = args[0];
    long records = Long.parseLong(args[1]);
    int keys = Integer.parseInt(args[2]);
    int commitEvery = Integer.parseInt(args[3]);
    int rangeEvery = Integer.parseInt(args[4]);
    Durability durability = Durability.valueOf(args[5]);
    Path dir = Path.of(args[6]);
    deleteTree(dir);
    Files.createDirectories(dir);
    EngineOptions options = EngineOptions.builder().durability(durability).build();

    String[] keyNames = new String[keys];
    for (int i = 0; i < keys; i++) {
      keyNames[i] = String.format(Locale.ROOT, "key-%08d", i);
    }
    TopicPartition changelog = new TopicPartition("bench-counts-changelog", 0);

    // ---- count by key, with range queries ----
    MockProcessorContext<Void, Void> context =
        new MockProcessorContext<>(
            new Properties(), new TaskId(0, 0), dir.resolve("count").toFile());
    KeyValueStore<String, Long> counts = build(supplier(store, "counts", options));
    counts.init(context.getStateStoreContext(), counts);
    SplittableRandom random = new SplittableRandom(42);
    long wcharBefore = ProcFigures.wchar();
    long rangeNanos = 0;
    long rangeQueries = 0;
    long rangeEntries = 0;
    long start = System.nanoTime();
    for (long i = 0; i < records; i++) {
      String key = keyNames[random.nextInt(keys)];
      context.setRecordMetadata(INPUT, 0, i);
      Long n = counts.get(key);
      counts.put(key, n == null ? 1 : n + 1);
      if ((i + 1) % commitEvery == 0) {
        counts.commit(Map.of(changelog, i));
      }
      if ((i + 1) % rangeEvery == 0) {
        long t = System.nanoTime();
        try (KeyValueIterator<String, Long> it =
            counts.range(keyNames[random.nextInt(keys)], null)) {
          for (int e = 0; e < RANGE_ENTRIES && it.hasNext(); e++) {
            it.next();
            rangeEntries++;
          }
        }
        rangeNanos += System.nanoTime() - t;
        rangeQueries++;
      }
    }
    counts.commit(Map.of(changelog, records - 1));
    long countNanos = System.nanoTime() - start - rangeNanos;
    long wcharCount = ProcFigures.wchar() - wcharBefore;
    System.gc();
    long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    long entries = counts.approximateNumEntries();
    counts.close();

    // ---- restore a fresh store from a changelog of the same size ----
    List<ConsumerRecord<byte[], byte[]>> log = new ArrayList<>();
    SplittableRandom replay = new SplittableRandom(7);
    long[] seen = new long[keys];
    MockProcessorContext<Void, Void> restoreContext =
        new MockProcessorContext<>(
            new Properties(), new TaskId(0, 1), dir.resolve("restore").toFile());
    CapturingContext capturing = new CapturingContext(restoreContext.getStateStoreContext());
    // The bytes store itself, as Kafka restores into it: the metered layer adds nothing here.
    KeyValueStore<Bytes, byte[]> restored = supplier(store, "counts", options).get();
    restored.init(capturing, restored);
    RecordBatchingStateRestoreCallback callback =
        StateRestoreCallbackAdapter.adapt(capturing.callback);
    long wcharRestoreBefore = ProcFigures.wchar();
    long restoreNanos = 0;
    for (long offset = 0; offset < records; offset++) {
      int k = replay.nextInt(keys);
      seen[k]++;
      log.add(
          new ConsumerRecord<>(
              changelog.topic(),
              0,
              offset,
              keyNames[k].getBytes(StandardCharsets.UTF_8),
              Serdes.Long().serializer().serialize(changelog.topic(), seen[k])));
      if (log.size() == RESTORE_BATCH || offset == records - 1) {
        long t = System.nanoTime();
        callback.restoreBatch(log);
        restoreNanos += System.nanoTime() - t;
        log.clear();
      }
    }
    long t = System.nanoTime();
    restored.commit(Map.of(changelog, records - 1));
    restoreNanos += System.nanoTime() - t;
    long wcharRestore = ProcFigures.wchar() - wcharRestoreBefore;
    restored.close();

    System.out.printf(
        Locale.ROOT,
        "%sstore=%s countPerSec=%.1f rangePerSec=%.1f rangeEntries=%d restoreMillis=%.1f"
            + " wcharCount=%d wcharRestore=%d heapBytes=%d peakRssBytes=%d entries=%d%n",
        RESULT,
        store,
        records / (countNanos / 1e9),
        rangeQueries / (rangeNanos / 1e9),
        rangeEntries,
        restoreNanos / 1e6,
        wcharCount,
        wcharRestore,
        heap,
        ProcFigures.peakRss(),
        entries);
    deleteTree(dir);
  }

  private static KeyValueBytesStoreSupplier supplier(
      String store, String name, EngineOptions options) {
    return switch (store) {
      case "kafka-rocksdb" -> Stores.persistentKeyValueStore(name);
      case "kafka-memory" -> Stores.inMemoryKeyValueStore(name);
      default -> StrataStores.keyValueStore(name, store, options);
    };
  }

  private static KeyValueStore<String, Long> build(KeyValueBytesStoreSupplier supplier) {
    return Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.Long())
        .withLoggingDisabled()
        .withCachingDisabled()
        .build();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Keeps the restore callback a store registers. */
  private static final class CapturingContext extends DelegatingStateStoreContext {
    StateRestoreCallback callback;

    CapturingContext(org.apache.kafka.streams.processor.StateStoreContext delegate) {
      super(delegate);
    }

    @Override
    void registered(StateRestoreCallback callback) {
      this.callback = callback;
    }
  }
}
