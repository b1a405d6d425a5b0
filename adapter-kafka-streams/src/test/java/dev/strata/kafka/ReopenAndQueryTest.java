package dev.strata.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reopening a store on the same state directory, interactive queries with position bounds, and
 * iterators that stay open across commits.
 */
class ReopenAndQueryTest {
  static final String STORE = "counts";
  static final String INPUT = "events";

  @TempDir Path stateDir;

  /** Counts records per key. */
  static final class Count implements Processor<String, String, Void, Void> {
    private KeyValueStore<String, Long> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, String> record) {
      Long n = store.get(record.key());
      store.put(record.key(), n == null ? 1 : n + 1);
    }
  }

  private TopologyTestDriver driver(StoreKind kind) {
    return driver(kind, stateDir);
  }

  private TopologyTestDriver driver(StoreKind kind, Path stateDir) {
    Topology topology = new Topology();
    topology.addSource(
        "src", Serdes.String().deserializer(), Serdes.String().deserializer(), INPUT);
    topology.addProcessor("count", Count::new, "src");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(kind.supplier(STORE), Serdes.String(), Serdes.Long()), "count");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, app(kind));
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    return new TopologyTestDriver(topology, p);
  }

  private static String app(StoreKind kind) {
    return "reopen-" + kind.name().toLowerCase(Locale.ROOT);
  }

  private static TopicPartition changelog(StoreKind kind) {
    return new TopicPartition(app(kind) + "-" + STORE + "-changelog", 0);
  }

  private static TestInputTopic<String, String> input(TopologyTestDriver driver) {
    return driver.createInputTopic(
        INPUT, Serdes.String().serializer(), Serdes.String().serializer());
  }

  /** A clean close and a reopen of the same directory, through Kafka's store stack. */
  @ParameterizedTest
  @MethodSource("dev.strata.kafka.StoreKind#persistentKinds")
  void reopen_afterCleanClose_keepsDataAndCommittedOffset(StoreKind kind) {
    TopicPartition tp = changelog(kind);
    MockProcessorContext<Void, Void> context =
        new MockProcessorContext<>(new Properties(), new TaskId(0, 0), stateDir.toFile());
    KeyValueStore<String, Long> store =
        Stores.keyValueStoreBuilder(kind.supplier(STORE), Serdes.String(), Serdes.Long())
            .withLoggingDisabled()
            .build();
    store.init(context.getStateStoreContext(), store);
    for (int i = 0; i < 100; i++) {
      context.setRecordMetadata(INPUT, 0, i);
      store.put("k" + (i % 7), (long) i);
    }
    store.commit(Map.of(tp, 99L));
    store.put("uncommitted", 1L);
    store.close();

    KeyValueStore<String, Long> again =
        Stores.keyValueStoreBuilder(kind.supplier(STORE), Serdes.String(), Serdes.Long())
            .withLoggingDisabled()
            .build();
    again.init(context.getStateStoreContext(), again);
    try {
      assertEquals(98L, again.get("k0"));
      assertEquals(97L, again.get("k6"));
      assertEquals(99L, again.committedOffset(tp));
      assertEquals(99L, again.getPosition().getPartitionPositions(INPUT).get(0));
      again.commit(Map.of());
      assertEquals(null, again.committedOffset(tp), "an empty commit clears the offsets");
    } finally {
      again.close();
    }
  }

  /**
   * Strata commits are durable when Kafka's commit returns, so a copy of the open store taken
   * between records (what a crash then leaves) reopens with its data and offsets. Not run for
   * Kafka's RocksDB store, which disables RocksDB's write-ahead log and relies on the changelog.
   */
  @ParameterizedTest
  @MethodSource("dev.strata.kafka.StoreKind#strataPersistent")
  void reopen_copyOfOpenStore_keepsDataAndCommittedOffset(StoreKind kind, @TempDir Path copy)
      throws IOException {
    Long committed;
    try (TopologyTestDriver driver = driver(kind)) {
      TestInputTopic<String, String> in = input(driver);
      for (int i = 0; i < 120; i++) {
        in.pipeInput("k" + (i % 7), "x");
      }
      StateStore store = driver.<String, Long>getKeyValueStore(STORE);
      assertTrue(store.managesOffsets());
      committed = store.committedOffset(changelog(kind));
      assertEquals(119L, committed, "one changelog record per put, the last at offset 119");
      // The driver deletes its state directory on close: reopen a copy taken while it idles
      // between records, which is also what a crash at that moment would leave.
      copyTree(stateDir, copy);
    }
    try (TopologyTestDriver driver = driver(kind, copy)) {
      KeyValueStore<String, Long> store = driver.getKeyValueStore(STORE);
      assertEquals(18L, store.get("k0"));
      assertEquals(17L, store.get("k6"));
      assertEquals(
          committed, driver.<String, Long>getKeyValueStore(STORE).committedOffset(changelog(kind)));
      input(driver).pipeInput("k0", "x");
      assertEquals(19L, store.get("k0"));
    }
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.getFileName().toString().endsWith(".lock")) {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("dev.strata.kafka.StoreKind#all")
  void query_keyAndRange_answerWithinPositionBound(StoreKind kind) {
    try (TopologyTestDriver driver = driver(kind)) {
      TestInputTopic<String, String> in = input(driver);
      for (int i = 0; i < 30; i++) {
        in.pipeInput("k" + (i % 5), "x");
      }
      StateStore store = driver.<String, Long>getKeyValueStore(STORE);
      PositionBound reached =
          PositionBound.at(Position.emptyPosition().withComponent(INPUT, 0, 29));
      QueryResult<Long> key =
          store.query(KeyQuery.<String, Long>withKey("k3"), reached, new QueryConfig(true));
      assertTrue(key.isSuccess(), () -> key.getFailureMessage());
      assertEquals(6L, key.getResult());
      assertEquals(29L, key.getPosition().getPartitionPositions(INPUT).get(0));

      QueryResult<KeyValueIterator<String, Long>> range =
          store.query(
              RangeQuery.<String, Long>withRange("k1", "k3").withDescendingKeys(),
              PositionBound.unbounded(),
              new QueryConfig(false));
      assertTrue(range.isSuccess(), () -> range.getFailureMessage());
      List<String> keys = new ArrayList<>();
      try (KeyValueIterator<String, Long> it = range.getResult()) {
        it.forEachRemaining(kv -> keys.add(kv.key + "=" + kv.value));
      }
      assertEquals(List.of("k3=6", "k2=6", "k1=6"), keys);

      PositionBound ahead = PositionBound.at(Position.emptyPosition().withComponent(INPUT, 0, 40));
      QueryResult<Long> tooEarly =
          store.query(KeyQuery.<String, Long>withKey("k3"), ahead, new QueryConfig(false));
      assertTrue(tooEarly.isFailure());
      assertEquals(FailureReason.NOT_UP_TO_BOUND, tooEarly.getFailureReason());
    }
  }

  @ParameterizedTest
  @MethodSource("dev.strata.kafka.StoreKind#all")
  void readsFromAnotherThread_seeCommittedState(StoreKind kind) throws Exception {
    try (TopologyTestDriver driver = driver(kind)) {
      TestInputTopic<String, String> in = input(driver);
      for (int i = 0; i < 10; i++) {
        in.pipeInput("k", "x");
      }
      KeyValueStore<String, Long> store = driver.getKeyValueStore(STORE);
      Long seen = CompletableFuture.supplyAsync(() -> store.get("k")).get(10, TimeUnit.SECONDS);
      assertEquals(10L, seen);
      List<KeyValue<String, Long>> all =
          CompletableFuture.supplyAsync(
                  () -> {
                    List<KeyValue<String, Long>> out = new ArrayList<>();
                    try (KeyValueIterator<String, Long> it = store.all()) {
                      it.forEachRemaining(out::add);
                    }
                    return out;
                  })
              .get(10, TimeUnit.SECONDS);
      assertEquals(List.of(KeyValue.pair("k", 10L)), all);
    }
  }

  /**
   * An iterator opened by the processing thread stays usable across the commits that follow, and an
   * iterator another thread forgets to close holds up no commit.
   */
  @ParameterizedTest
  @MethodSource("dev.strata.kafka.StoreKind#all")
  void openIterators_surviveCommitsAndBlockNone(StoreKind kind) throws Exception {
    try (TopologyTestDriver driver = driver(kind)) {
      TestInputTopic<String, String> in = input(driver);
      for (int i = 0; i < 50; i++) {
        in.pipeInput("k" + (10 + i), "x");
      }
      KeyValueStore<String, Long> store = driver.getKeyValueStore(STORE);
      KeyValueIterator<String, Long> forgotten =
          CompletableFuture.supplyAsync(
                  () -> {
                    KeyValueIterator<String, Long> it = store.all();
                    it.next();
                    return it;
                  })
              .get(10, TimeUnit.SECONDS);
      store.put("k10", 7L);
      TreeSet<String> seen = new TreeSet<>();
      try (KeyValueIterator<String, Long> it = store.all()) {
        for (int i = 0; i < 20; i++) {
          seen.add(it.next().key);
        }
        // Commits while the iterator is open (the driver commits after each record).
        for (int i = 0; i < 5; i++) {
          in.pipeInput("k" + (10 + i), "x");
        }
        it.forEachRemaining(kv -> seen.add(kv.key));
        assertFalse(it.hasNext());
      }
      assertEquals(50, seen.size());
      assertNotNull(store.get("k59"));
      forgotten.close();
    }
  }
}
