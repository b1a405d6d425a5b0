package dev.strata.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus names the README documents, from a real scrape of a {@code btree} store. The
 * scrape is also written to {@code target/prometheus-sample.txt}, where the README's sample comes
 * from.
 */
class PrometheusScrapeTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void scrape_namesEveryMeterAsTheReadmeDocuments() throws IOException, InterruptedException {
    Readout.Prometheus readout = new Readout.Prometheus();
    String[] tags = {StrataMetrics.TAG_ENGINE, "btree", StrataMetrics.TAG_STORE, "orders"};
    String text;
    try (InstrumentedStorageEngine db =
        StrataMetrics.instrument(
            StorageEngines.open("btree", dir.resolve("orders")), "orders", Duration.ZERO)) {
      db.bindTo(readout.registry);
      for (int i = 0; i < 100; i++) {
        db.put(bytes("order-" + i), bytes("{\"qty\":" + i + "}"));
      }
      try (WriteTxn w = db.beginWrite()) {
        w.put(bytes("order-x"), bytes("draft"));
        w.rollback();
      }
      db.get(bytes("order-7"));
      db.verifyIntegrity();
      // Stats are sampled off the scraping thread: wait until a sample shows the workload.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (readout.gauge(StrataMetrics.statMeterName("keys"), tags) != 100
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      text = readout.scrape();
    }
    Path target = Path.of("target", "prometheus-sample.txt");
    Files.createDirectories(target.getParent());
    Files.writeString(target, text);

    List<String> expected =
        List.of(
            "# TYPE strata_logical_bytes_total counter",
            "# TYPE strata_physical_bytes_total counter",
            "# TYPE strata_syncs_total counter",
            "# TYPE strata_write_amplification gauge",
            "# TYPE strata_txn_begun_total counter",
            "# TYPE strata_txn_rollbacks_total counter",
            "# TYPE strata_txn_commit_seconds summary",
            "# TYPE strata_txn_commit_seconds_max gauge",
            "# TYPE strata_stats_keys gauge",
            "# TYPE strata_stats_pages_in_use gauge",
            "strata_stats_keys{strata_engine=\"btree\",strata_store=\"orders\"} 100.0",
            "strata_txn_begun_total{strata_engine=\"btree\",strata_store=\"orders\",strata_txn=\"write\"} 101.0",
            "strata_txn_begun_total{strata_engine=\"btree\",strata_store=\"orders\",strata_txn=\"read\"} 1.0",
            "strata_txn_rollbacks_total{strata_engine=\"btree\",strata_store=\"orders\"} 1.0",
            "strata_txn_commit_seconds_count{strata_engine=\"btree\",strata_outcome=\"success\",strata_store=\"orders\"} 100");
    for (String line : expected) {
      assertTrue(text.contains(line), "missing '" + line + "' in\n" + text);
    }
  }
}
