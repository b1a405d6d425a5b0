package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compaction whose physical step a crash interrupted: opening the store leaves the history as it
 * is (opening reads only the meta keys), and the background finisher removes what the compaction
 * covers while the store serves.
 */
class CompactionResumeTest {
  private static final byte[] KEY = "k".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  private StorageEngine engine;

  @BeforeEach
  void open() {
    engine = StorageEngines.open("btree", dir);
  }

  @AfterEach
  void close() {
    engine.verifyIntegrity();
    engine.close();
  }

  @Test
  void open_afterCrashBetweenCompactionSteps_servesAtOnceAndFinishesInBackground()
      throws InterruptedException {
    MvccStore writer = new MvccStore(engine);
    for (int i = 0; i < 5; i++) {
      ByteString value = ByteString.copyFromUtf8("v" + i);
      writer.write(w -> w.put(KEY, value, 0, false, false, true, false));
    }
    assertEquals(6, writer.currentRevision());
    // The logical step of a compaction at 5 is on disk, the physical one never ran.
    engine.update(
        txn -> {
          txn.put(KeyLayout.META_COMPACTED, KeyLayout.longBytes(5));
          return null;
        });

    MvccStore reopened = new MvccStore(engine);
    assertEquals(5, reopened.compactedRevision());
    assertEquals(6, reopened.currentRevision());
    assertEquals(5, count(KeyLayout.historyPrefix(KEY)), "open must not walk the history");

    reopened.finishCompactionInBackground();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (physicallyCompacted() < 5 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(5, physicallyCompacted());
    // Revisions 5 (the last at or below the compaction) and 6 stay, in history and in the log.
    assertEquals(2, count(KeyLayout.historyPrefix(KEY)));
    assertEquals(2, count(new byte[] {KeyLayout.REVISION}));
    assertEquals(
        "v4",
        reopened
            .read(view -> view.range(KEY, new byte[0], 0, 0, false))
            .kvs()
            .get(0)
            .getValue()
            .toStringUtf8());
  }

  private long physicallyCompacted() {
    return engine.view(txn -> KeyLayout.longOf(txn.get(KeyLayout.META_COMPACTED_PHYSICALLY), -1));
  }

  private int count(byte[] prefix) {
    return engine.view(
        txn -> {
          int n = 0;
          try (Cursor cursor = txn.cursor(KeyRange.prefix(prefix))) {
            while (cursor.next()) {
              n++;
            }
          }
          return n;
        });
  }
}
