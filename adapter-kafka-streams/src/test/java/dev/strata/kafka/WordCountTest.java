package dev.strata.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The DSL word count, with the store chosen per operator and for the whole topology. */
class WordCountTest {
  private static final List<String> LINES =
      List.of(
          "the quick brown fox",
          "jumps over the lazy dog",
          "The dog barks",
          "",
          "fox and dog and fox");

  @TempDir Path stateDir;

  private static Map<String, Long> expectedCounts() {
    Map<String, Long> counts = new TreeMap<>();
    for (String line : LINES) {
      for (String word : line.toLowerCase(Locale.ROOT).split("\\W+")) {
        if (!word.isEmpty()) {
          counts.merge(word, 1L, Long::sum);
        }
      }
    }
    return counts;
  }

  private Properties props(String app) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    return p;
  }

  private static KTable<String, Long> count(
      StreamsBuilder builder, Materialized<String, Long, KeyValueStore<Bytes, byte[]>> store) {
    return builder.stream("lines", Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split("\\W+")))
        .filter((k, word) -> !word.isEmpty())
        .groupBy((k, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
        .count(store);
  }

  /** Runs the count and checks it; returns whether a Strata store directory existed meanwhile. */
  private boolean runAndCheck(StreamsBuilder builder, Properties props) {
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
      TestInputTopic<String, String> in =
          driver.createInputTopic(
              "lines", Serdes.String().serializer(), Serdes.String().serializer());
      TestOutputTopic<String, Long> out =
          driver.createOutputTopic(
              "counts", Serdes.String().deserializer(), Serdes.Long().deserializer());
      LINES.forEach(in::pipeInput);
      Map<String, Long> latest = new LinkedHashMap<>(out.readKeyValuesToMap());
      assertEquals(expectedCounts(), new TreeMap<>(latest));
      KeyValueStore<String, ValueAndTimestamp<Long>> store =
          driver.getTimestampedKeyValueStore("word-counts");
      Map<String, Long> stored = new TreeMap<>();
      try (KeyValueIterator<String, ValueAndTimestamp<Long>> it = store.all()) {
        while (it.hasNext()) {
          KeyValue<String, ValueAndTimestamp<Long>> kv = it.next();
          stored.put(kv.key, kv.value.value());
        }
      }
      assertEquals(expectedCounts(), stored);
      assertEquals(expectedCounts().get("dog"), store.get("dog").value());
      // Checked while the driver runs: it deletes its state directory on close.
      return strataStoreDirectoryExists();
    }
  }

  @ParameterizedTest
  @MethodSource("dev.strata.kafka.StoreKind#all")
  void wordCount_materializedAsSupplier_countsEveryWord(StoreKind kind) {
    StreamsBuilder builder = new StreamsBuilder();
    count(
            builder,
            Materialized.<String, Long>as(kind.supplier("word-counts"))
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.Long()))
        .toStream()
        .to("counts", Produced.with(Serdes.String(), Serdes.Long()));
    runAndCheck(builder, props("wc-" + kind.name().toLowerCase(Locale.ROOT)));
  }

  @ParameterizedTest
  @MethodSource("dev.strata.kafka.StoreKind#all")
  void wordCount_dslStoreSuppliersConfig_putsTheTopologyOnTheStore(StoreKind kind) {
    Properties props = props("wcdsl-" + kind.name().toLowerCase(Locale.ROOT));
    props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, kind.dslSuppliers());
    if (kind.engine != null) {
      props.put(StrataDslStoreSuppliers.ENGINE_CONFIG, kind.engine);
      props.put(StrataDslStoreSuppliers.DURABILITY_CONFIG, "NO_SYNC");
    }
    StreamsBuilder builder =
        new StreamsBuilder(new org.apache.kafka.streams.TopologyConfig(new StreamsConfig(props)));
    count(builder, Materialized.as("word-counts"))
        .toStream()
        .to("counts", Produced.with(Serdes.String(), Serdes.Long()));
    boolean onStrata = runAndCheck(builder, props);
    if (kind.engine != null && kind.persistent) {
      assertTrue(onStrata, "the DSL store was opened on Strata");
    }
  }

  /** A Strata store lives in {@code <task>/word-counts}; Kafka's RocksDB in {@code rocksdb/}. */
  private boolean strataStoreDirectoryExists() {
    try (Stream<Path> paths = Files.walk(stateDir)) {
      return paths.anyMatch(
          p ->
              p.getFileName().toString().equals("word-counts")
                  && !p.getParent().getFileName().toString().equals("rocksdb"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
