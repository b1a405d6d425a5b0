package dev.strata.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WriteAmplificationMeterTest {
  @Test
  void amplification_isPhysicalOverLogicalAndNaNAtZero() {
    WriteAmplificationMeter m = new WriteAmplificationMeter();
    assertTrue(Double.isNaN(m.amplification()));
    m.addPhysical(300);
    assertTrue(Double.isNaN(m.amplification()));
    m.addLogical(100);
    assertEquals(3.0, m.amplification());
  }

  @Test
  void snapshotMinus_givesPhaseDelta() {
    WriteAmplificationMeter m = new WriteAmplificationMeter();
    m.addLogical(10);
    m.addPhysical(20);
    m.addSync();
    WriteAmplificationMeter.Snapshot before = m.snapshot();
    m.addLogical(5);
    m.addPhysical(50);
    m.addSyncs(2);
    WriteAmplificationMeter.Snapshot delta = m.snapshot().minus(before);
    assertEquals(new WriteAmplificationMeter.Snapshot(5, 50, 2), delta);
    assertEquals(10.0, delta.amplification());
  }

  @Test
  void negativeCounts_areRejected() {
    WriteAmplificationMeter m = new WriteAmplificationMeter();
    assertThrows(IllegalArgumentException.class, () -> m.addLogical(-1));
    assertThrows(IllegalArgumentException.class, () -> m.addPhysical(-1));
    assertThrows(IllegalArgumentException.class, () -> m.addSyncs(-1));
  }

  @Test
  void concurrentAdds_areAllCounted() throws Exception {
    WriteAmplificationMeter m = new WriteAmplificationMeter();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      pool.submit(
          () -> {
            for (int i = 0; i < 100_000; i++) {
              m.addLogical(1);
              m.addPhysical(2);
              m.addSync();
            }
          });
    }
    pool.shutdown();
    assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
    assertEquals(new WriteAmplificationMeter.Snapshot(400_000, 800_000, 400_000), m.snapshot());
  }

  @Test
  void refreshHook_runsBeforeEveryReading_soReadingsIncludeWhatItAdds() {
    AtomicLong nativeCounter = new AtomicLong();
    long[] folded = {0};
    WriteAmplificationMeter[] meter = new WriteAmplificationMeter[1];
    meter[0] =
        new WriteAmplificationMeter(
            () -> {
              synchronized (folded) {
                long now = nativeCounter.get();
                meter[0].addPhysical(now - folded[0]);
                folded[0] = now;
              }
            });
    nativeCounter.set(400);
    assertEquals(400, meter[0].physicalBytes());
    meter[0].addLogical(100);
    nativeCounter.set(700);
    assertEquals(7.0, meter[0].amplification());
    nativeCounter.set(900);
    assertEquals(new WriteAmplificationMeter.Snapshot(100, 900, 0), meter[0].snapshot());
    assertEquals(100, meter[0].logicalBytes());
    assertEquals(0, meter[0].syncs());
  }

  @Test
  void refreshHook_null_isRejected() {
    assertThrows(NullPointerException.class, () -> new WriteAmplificationMeter(null));
  }
}
