package dev.strata.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.NavigableMap;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The key-value store contract against a {@code TreeMap} model, through Kafka's own store stack
 * (metered, change-logging) in a {@link TopologyTestDriver}: puts with null values, putIfAbsent,
 * putAll, delete returning the old value, the empty key, inclusive ranges with null bounds in both
 * directions, prefix scans, and a processor that deletes entries while it iterates them.
 * Randomized; the seed is printed and {@code -Dstrata.test.seed=N} replays it.
 */
class StoreModelTest {
  static final String STORE = "model";

  @TempDir Path stateDir;

  /** Deletes, while iterating, every entry whose key starts with the record's key. */
  static final class PurgeByPrefix implements Processor<Bytes, byte[], Void, Void> {
    private KeyValueStore<Bytes, byte[]> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<Bytes, byte[]> record) {
      try (KeyValueIterator<Bytes, byte[]> it =
          store.prefixScan(record.key().get(), new ByteArraySerializer())) {
        while (it.hasNext()) {
          store.delete(it.next().key);
        }
      }
    }
  }

  static TopologyTestDriver driver(StoreKind kind, Path stateDir) {
    Topology topology = new Topology();
    topology.addSource(
        "src", Serdes.Bytes().deserializer(), Serdes.ByteArray().deserializer(), "purge");
    topology.addProcessor("purge", PurgeByPrefix::new, "src");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(kind.supplier(STORE), Serdes.Bytes(), Serdes.ByteArray()),
        "purge");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "model-" + kind.name().toLowerCase(Locale.ROOT));
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    return new TopologyTestDriver(topology, p);
  }

  private static long seed() {
    String fixed = System.getProperty("strata.test.seed", "").trim();
    return fixed.isEmpty() ? System.nanoTime() : Long.parseLong(fixed);
  }

  private static Bytes key(SplittableRandom random) {
    // Short keys over a small alphabet: prefixes, equal bounds and the empty key all occur.
    byte[] k = new byte[random.nextInt(4)];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (random.nextInt(3) * 0x7F);
    }
    return Bytes.wrap(k);
  }

  private static String render(KeyValueIterator<Bytes, byte[]> it) {
    List<String> out = new ArrayList<>();
    try (it) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> kv = it.next();
        out.add(HexFormat.of().formatHex(kv.key.get()) + "=" + HexFormat.of().formatHex(kv.value));
      }
    }
    return String.join(",", out);
  }

  private static String render(NavigableMap<Bytes, byte[]> view) {
    List<String> out = new ArrayList<>();
    view.forEach(
        (k, v) -> out.add(HexFormat.of().formatHex(k.get()) + "=" + HexFormat.of().formatHex(v)));
    return String.join(",", out);
  }

  @ParameterizedTest
  @MethodSource("dev.strata.kafka.StoreKind#all")
  void randomOperations_matchTreeMapModel(StoreKind kind) {
    long seed = seed();
    System.out.println("StoreModelTest " + kind + " seed " + seed);
    try (TopologyTestDriver driver = driver(kind, stateDir)) {
      run(driver, new SplittableRandom(seed));
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(kind + " failed; replay with -Dstrata.test.seed=" + seed, e);
    }
  }

  private static void run(TopologyTestDriver driver, SplittableRandom random) {
    KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore(STORE);
    var purge =
        driver.createInputTopic(
            "purge", Serdes.Bytes().serializer(), Serdes.ByteArray().serializer());
    TreeMap<Bytes, byte[]> model = new TreeMap<>();
    for (int op = 0; op < 1_500; op++) {
      Bytes k = key(random);
      byte[] v = new byte[] {(byte) random.nextInt(256)};
      switch (random.nextInt(12)) {
        case 0, 1, 2 -> {
          store.put(k, v);
          model.put(k, v);
        }
        case 3 -> {
          store.put(k, null);
          model.remove(k);
        }
        case 4 -> {
          byte[] old = store.putIfAbsent(k, v);
          assertArrayEquals(model.get(k), old, "putIfAbsent returns the present value");
          model.putIfAbsent(k, v);
        }
        case 5 -> {
          List<KeyValue<Bytes, byte[]>> batch =
              List.of(KeyValue.pair(k, v), KeyValue.pair(key(random), null));
          store.putAll(batch);
          model.put(k, v);
          batch.subList(1, 2).forEach(kv -> model.remove(kv.key));
          if (batch.get(1).key.equals(k)) {
            model.remove(k);
          }
        }
        case 6 ->
            assertArrayEquals(model.remove(k), store.delete(k), "delete returns the old value");
        case 7 -> assertArrayEquals(model.get(k), store.get(k));
        case 8 -> {
          Bytes from = random.nextInt(4) == 0 ? null : k;
          Bytes to = random.nextInt(4) == 0 ? null : key(random);
          if (from != null && to != null && from.compareTo(to) > 0) {
            assertEquals("", render(store.range(from, to)), "from > to yields nothing");
            break;
          }
          NavigableMap<Bytes, byte[]> view =
              from == null
                  ? (to == null ? model : model.headMap(to, true))
                  : (to == null ? model.tailMap(from, true) : model.subMap(from, true, to, true));
          assertEquals(render(view), render(store.range(from, to)), "range " + from + ".." + to);
          assertEquals(render(view.descendingMap()), render(store.reverseRange(from, to)));
        }
        case 9 -> {
          assertEquals(render(model), render(store.all()));
          assertEquals(render(model.descendingMap()), render(store.reverseAll()));
        }
        case 10 -> {
          // Non-empty: Kafka's in-memory store fails on an empty prefix.
          byte[] prefix = Arrays.copyOf(k.get(), Math.max(1, Math.min(k.get().length, 2)));
          NavigableMap<Bytes, byte[]> view = new TreeMap<>();
          model.forEach(
              (mk, mv) -> {
                if (mk.get().length >= prefix.length
                    && Arrays.equals(mk.get(), 0, prefix.length, prefix, 0, prefix.length)) {
                  view.put(mk, mv);
                }
              });
          assertEquals(render(view), render(store.prefixScan(prefix, new ByteArraySerializer())));
        }
        default -> {
          // The processor deletes a prefix's entries while it iterates them.
          byte[] prefix = Arrays.copyOf(k.get(), 1);
          purge.pipeInput(Bytes.wrap(prefix), new byte[0]);
          model
              .keySet()
              .removeIf(
                  mk ->
                      mk.get().length >= prefix.length
                          && Arrays.equals(mk.get(), 0, prefix.length, prefix, 0, prefix.length));
        }
      }
    }
    assertEquals(render(model), render(store.all()));
    assertTrue(store.approximateNumEntries() >= 0);
  }

  @ParameterizedTest
  @MethodSource("dev.strata.kafka.StoreKind#all")
  void emptyKey_isAnOrdinaryKeySortingFirst(StoreKind kind) {
    try (TopologyTestDriver driver = driver(kind, stateDir)) {
      KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore(STORE);
      Bytes empty = Bytes.wrap(new byte[0]);
      store.put(Bytes.wrap(new byte[] {0}), new byte[] {2});
      store.put(empty, new byte[] {1});
      assertArrayEquals(new byte[] {1}, store.get(empty));
      try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
        assertEquals(empty, it.peekNextKey());
      }
      assertEquals("=01", render(store.range(empty, empty)));
      assertArrayEquals(new byte[] {1}, store.delete(empty));
      assertNull(store.get(empty));
    }
  }

  @ParameterizedTest
  @MethodSource("dev.strata.kafka.StoreKind#all")
  void nullKey_isRejected(StoreKind kind) {
    try (TopologyTestDriver driver = driver(kind, stateDir)) {
      KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore(STORE);
      assertThrows(NullPointerException.class, () -> store.put(null, new byte[1]));
      assertThrows(NullPointerException.class, () -> store.get(null));
    }
  }

  @ParameterizedTest
  @MethodSource("dev.strata.kafka.StoreKind#all")
  void approximateNumEntries_followsCommittedWrites(StoreKind kind) {
    try (TopologyTestDriver driver = driver(kind, stateDir)) {
      KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore(STORE);
      var purge =
          driver.createInputTopic(
              "purge", Serdes.Bytes().serializer(), Serdes.ByteArray().serializer());
      for (int i = 0; i < 200; i++) {
        store.put(Bytes.wrap(new byte[] {1, (byte) i}), new byte[8]);
      }
      // A record through the topology makes the driver commit.
      purge.pipeInput(Bytes.wrap(new byte[] {9}), new byte[0]);
      long n = store.approximateNumEntries();
      assertTrue(n >= 100 && n <= 400, kind + " estimated " + n + " for 200 entries");
      if (kind == StoreKind.MEMORY || kind == StoreKind.LEDGER || kind == StoreKind.KAFKA_MEMORY) {
        assertEquals(200, n, "exact for this store");
      }
    }
  }
}
