package dev.strata.metrics;

import static dev.strata.metrics.StrataMetrics.LOGICAL_BYTES;
import static dev.strata.metrics.StrataMetrics.TAG_ENGINE;
import static dev.strata.metrics.StrataMetrics.TAG_OUTCOME;
import static dev.strata.metrics.StrataMetrics.TAG_STORE;
import static dev.strata.metrics.StrataMetrics.TAG_TXN;
import static dev.strata.metrics.StrataMetrics.TXN_BEGUN;
import static dev.strata.metrics.StrataMetrics.TXN_COMMIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writers, readers and a scraper on one instrumented engine at once: every count comes out exact,
 * and scraping while and after the engine closes never throws.
 */
class ConcurrentUseTest {
  private static final int WRITERS = 3;
  private static final int READERS = 3;
  private static final int COMMITS_PER_WRITER = 150;
  private static final int READS_PER_READER = 400;

  @TempDir Path dir;

  @ParameterizedTest(name = "{0} engine")
  @ValueSource(strings = {"memory", "btree"})
  void countsAreExact_underConcurrentWritersReadersAndScrapes(String engine) throws Exception {
    EngineOptions options = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    Readout.Prometheus readout = new Readout.Prometheus();
    String[] tags = {TAG_ENGINE, engine, TAG_STORE, "busy"};
    InstrumentedStorageEngine db =
        StrataMetrics.instrument(
            StorageEngines.open(engine, dir.resolve(engine), options), "busy", Duration.ZERO);
    db.bindTo(readout.registry);

    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean scraping = new AtomicBoolean(true);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      workers.add(
          thread(
              failure,
              start,
              () -> {
                for (int i = 0; i < COMMITS_PER_WRITER; i++) {
                  try (WriteTxn txn = db.beginWrite()) {
                    txn.put(key(writer, i), new byte[10]);
                    txn.commit();
                  }
                }
              }));
    }
    for (int r = 0; r < READERS; r++) {
      workers.add(
          thread(
              failure,
              start,
              () -> {
                for (int i = 0; i < READS_PER_READER; i++) {
                  db.get(key(0, i % COMMITS_PER_WRITER));
                }
              }));
    }
    Thread scraper =
        thread(
            failure,
            start,
            () -> {
              while (scraping.get()) {
                readout.scrape();
              }
            });
    start.countDown();
    for (Thread t : workers) {
      t.join();
    }
    assertNull(failure.get(), () -> "a worker failed: " + failure.get());

    int commits = WRITERS * COMMITS_PER_WRITER;
    assertEquals(
        commits, readout.counter(TXN_BEGUN, FailedCommitTest.with(tags, TAG_TXN, "write")));
    assertEquals(
        commits,
        readout.timerCount(TXN_COMMIT, FailedCommitTest.with(tags, TAG_OUTCOME, "success")));
    assertEquals(
        READERS * READS_PER_READER,
        readout.counter(TXN_BEGUN, FailedCommitTest.with(tags, TAG_TXN, "read")));
    // Each put: an 8-byte key and a 10-byte value.
    assertEquals(commits * 18.0, readout.counter(LOGICAL_BYTES, tags));
    db.verifyIntegrity();

    db.close();
    Thread.sleep(50); // the scraper keeps scraping the closed engine
    scraping.set(false);
    scraper.join();
    assertNull(failure.get(), () -> "scraping failed: " + failure.get());
  }

  private static byte[] key(int writer, int i) {
    return ByteBuffer.allocate(8).putInt(writer).putInt(i).array();
  }

  private static Thread thread(
      AtomicReference<Throwable> failure, CountDownLatch start, Runnable work) {
    Thread t =
        new Thread(
            () -> {
              try {
                start.await();
                work.run();
              } catch (Throwable e) {
                failure.compareAndSet(null, e);
              }
            });
    t.start();
    return t;
  }
}
