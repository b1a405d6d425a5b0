package dev.strata.kafka;

import dev.strata.api.EngineOptions;
import java.util.Map;

/**
 * Engine settings a Kafka Streams store gets unless the application sets them: for {@code lsm}, the
 * RocksDB shape of Kafka's own {@code RocksDBStore} (Kafka 4.x {@code openDB}), so a topology moved
 * onto {@code lsm} keeps the memory and compaction profile it was sized for. Settings are passed by
 * name; the adapter never imports an engine. Stateless; thread-safe.
 *
 * <table>
 *   <caption>{@code lsm} settings and the Kafka option each mirrors</caption>
 *   <tr><th>setting</th><th>value</th><th>Kafka's {@code RocksDBStore}</th></tr>
 *   <tr><td>{@code lsm.writeBufferBytes}</td><td>16 MiB</td><td>{@code WRITE_BUFFER_SIZE}</td></tr>
 *   <tr><td>{@code lsm.maxWriteBuffers}</td><td>3</td><td>{@code MAX_WRITE_BUFFERS}</td></tr>
 *   <tr><td>{@code lsm.blockCacheBytes}</td><td>50 MiB</td><td>{@code BLOCK_CACHE_SIZE}</td></tr>
 *   <tr><td>{@code lsm.compression}</td><td>{@code none}</td><td>{@code NO_COMPRESSION}</td></tr>
 *   <tr><td>{@code lsm.compactionStyle}</td><td>{@code universal}</td><td>{@code
 *       UNIVERSAL}</td></tr>
 * </table>
 *
 * <p>Why they matter for a count: a smaller memtable keeps the skip list every get and insert walks
 * within the CPU caches, and flushes drop the superseded versions of hot keys that range scans over
 * one large memtable step over.
 */
final class KafkaEngineDefaults {
  /** The {@code lsm} settings added when absent. */
  static final Map<String, String> LSM =
      Map.of(
          "lsm.writeBufferBytes", "16MiB",
          "lsm.maxWriteBuffers", "3",
          "lsm.blockCacheBytes", "50MiB",
          "lsm.compression", "none",
          "lsm.compactionStyle", "universal");

  private KafkaEngineDefaults() {}

  /**
   * Returns {@code options} with the defaults of {@code engine} added for every setting the options
   * do not name; settings the application gave win. Engines without Kafka defaults get {@code
   * options} unchanged.
   */
  static EngineOptions apply(String engine, EngineOptions options) {
    if (!engine.equals("lsm")) {
      return options;
    }
    Map<String, String> given = options.settings();
    EngineOptions.Builder builder = null;
    for (Map.Entry<String, String> d : LSM.entrySet()) {
      if (!given.containsKey(d.getKey())) {
        if (builder == null) {
          builder = options.toBuilder();
        }
        builder.set(d.getKey(), d.getValue());
      }
    }
    return builder == null ? options : builder.build();
  }
}
