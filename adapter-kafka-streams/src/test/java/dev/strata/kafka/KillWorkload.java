package dev.strata.kafka;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.tck.reliability.ChildWorkload;
import java.io.File;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The child JVM of {@link KillTest}: processes records as a task does, until killed. Record {@code
 * i} writes {@code key(i) = i}; every {@value #COMMIT_EVERY} records the store commits with the
 * changelog offset of its last record ({@code i}: one changelog record per record) and prints
 * {@code ACK i} once the commit returned. It starts after the offset the store committed last, so
 * kills stack up on one store.
 */
public final class KillWorkload implements ChildWorkload {
  static final int KEYS = 50;
  static final int COMMIT_EVERY = 7;
  static final String STORE = "kill";
  static final TopicPartition CHANGELOG = new TopicPartition("kill-app-kill-changelog", 0);

  /** Creates the workload; the child JVM calls it. */
  public KillWorkload() {}

  static String key(long record) {
    return "k" + (record % KEYS);
  }

  static KeyValueBytesStoreSupplier supplier(String kind) {
    if (kind.equals("kafka-rocksdb")) {
      return Stores.persistentKeyValueStore(STORE);
    }
    // "engine" runs the adapter's default durability (NO_SYNC), "engine:SYNC" fsyncs every commit.
    int colon = kind.indexOf(':');
    if (colon < 0) {
      return StrataStores.keyValueStore(STORE, kind);
    }
    return StrataStores.keyValueStore(
        STORE,
        kind.substring(0, colon),
        EngineOptions.builder().durability(Durability.valueOf(kind.substring(colon + 1))).build());
  }

  /** Opens the store as a task would, on {@code stateDir}. */
  static KeyValueStore<String, Long> open(String kind, File stateDir) {
    MockProcessorContext<Void, Void> context =
        new MockProcessorContext<>(new Properties(), new TaskId(0, 0), stateDir);
    KeyValueStore<String, Long> store =
        Stores.keyValueStoreBuilder(supplier(kind), Serdes.String(), Serdes.Long())
            .withLoggingDisabled()
            .build();
    store.init(context.getStateStoreContext(), store);
    return store;
  }

  /**
   * Runs until killed.
   *
   * @param args the store kind and the state directory
   */
  @Override
  public void run(String[] args) {
    KeyValueStore<String, Long> store = open(args[0], new File(args[1]));
    Long committed = store.committedOffset(CHANGELOG);
    long next = committed == null ? 0 : committed + 1;
    System.out.println("READY " + next);
    System.out.flush();
    for (long i = next; ; i++) {
      store.put(key(i), i);
      if ((i + 1) % COMMIT_EVERY == 0) {
        store.commit(Map.of(CHANGELOG, i));
        System.out.println("ACK " + i);
        System.out.flush();
      }
    }
  }
}
