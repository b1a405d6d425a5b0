package dev.strata.tck.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Capability;
import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrency soak every engine runs through a one-line subclass ({@code engine()} returns the
 * engine name). One writer moves money between {@value #ACCOUNTS} accounts (one to four transfers
 * per transaction, one transaction in sixteen rolled back) while {@value #READERS} readers each
 * open snapshots and sum every balance, alternately with a forward and a reverse cursor, plus point
 * reads: every snapshot must see the invariant total and all accounts. A long reader holds one
 * snapshot over the first half of the run (it must see the same sum at the end of its hold); once
 * it closes, the store must stop growing: over the second half the store size may not grow past
 * twice its size at the close plus 16 MiB (engines whose store grows by design, such as an
 * append-only log, override {@link #boundedStore()}). Heap use after GC is printed.
 *
 * <p>Duration: {@code -Dstrata.soak.seconds} (5 in CI, 600 under {@code -Preliability}). Seed
 * printed; rerun with {@code -Dstrata.test.seed=N}. The writer commits under NO_SYNC: this test is
 * about isolation and space reuse, durability is the kill harness's job.
 */
public abstract class ConcurrencySoak extends EngineHarness {
  private static final int ACCOUNTS = 1000;
  private static final int READERS = 8;
  private static final long INITIAL = 1_000_000;
  private static final byte[] PREFIX = "acct/".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  /**
   * Tells whether the store must stop growing once no snapshot pins old data.
   *
   * @return true by default; false for stores that keep every version by design
   */
  protected boolean boundedStore() {
    return true;
  }

  @Test
  void transfers_keepTheTotalInEverySnapshot_andSpaceIsReusedAfterALongReader() throws Exception {
    long seed = seed();
    long seconds = Long.getLong("strata.soak.seconds", 5);
    announce("ConcurrencySoak", seconds + " s", seed);
    EngineOptions options = options(Durability.NO_SYNC, null);
    Path store = dir.resolve("store");
    long total = (long) ACCOUNTS * INITIAL;
    boolean persistent;
    try (StorageEngine e = StorageEngines.open(engine(), store, options)) {
      persistent = e.capabilities().contains(Capability.PERSISTENT);
      try (WriteTxn t = e.beginWrite()) {
        for (int i = 0; i < ACCOUNTS; i++) {
          t.put(account(i), encode(INITIAL));
        }
        t.commit();
      }
      AtomicBoolean stop = new AtomicBoolean();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      AtomicLong commits = new AtomicLong();
      AtomicLong snapshots = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      SplittableRandom master = new SplittableRandom(seed);
      SplittableRandom writerRandom = master.split();
      threads.add(
          thread(
              "writer",
              failures,
              () -> {
                while (!stop.get()) {
                  try (WriteTxn t = e.beginWrite()) {
                    int transfers = 1 + writerRandom.nextInt(4);
                    for (int k = 0; k < transfers; k++) {
                      int from = writerRandom.nextInt(ACCOUNTS);
                      int to = writerRandom.nextInt(ACCOUNTS);
                      long amount = writerRandom.nextInt(1000);
                      t.put(account(from), encode(decode(t.get(account(from))) - amount));
                      t.put(account(to), encode(decode(t.get(account(to))) + amount));
                    }
                    if (writerRandom.nextInt(16) == 0) {
                      t.rollback();
                    } else {
                      t.commit();
                      commits.incrementAndGet();
                    }
                  }
                }
              }));
      for (int r = 0; r < READERS; r++) {
        SplittableRandom rr = master.split();
        threads.add(
            thread(
                "reader-" + r,
                failures,
                () -> {
                  while (!stop.get()) {
                    try (ReadTxn t = e.beginRead()) {
                      boolean reverse = rr.nextBoolean();
                      long sum = sum(t, reverse);
                      assertEquals(total, sum, (reverse ? "reverse" : "forward") + " snapshot sum");
                      assertEquals(sum, sum(t, !reverse), "the same snapshot summed the other way");
                      int i = rr.nextInt(ACCOUNTS);
                      assertTrue(t.get(account(i)) != null, "account " + i + " vanished");
                      snapshots.incrementAndGet();
                    }
                  }
                }));
      }
      long start = System.nanoTime();
      threads.forEach(Thread::start);
      long sizeAtOpen = size(store);
      long sizeAtClose;
      long heapAtClose;
      try (ReadTxn longReader = e.beginRead()) {
        long before = sum(longReader, false);
        sleepUntil(start, seconds * 500, stop, failures);
        assertEquals(before, sum(longReader, true), "the long reader's snapshot changed");
        assertEquals(total, before);
      }
      sizeAtClose = size(store);
      heapAtClose = heapAfterGc();
      long maxAfterClose = sizeAtClose;
      long halfEnd = start + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < halfEnd && failures.isEmpty()) {
        Thread.sleep(200);
        maxAfterClose = Math.max(maxAfterClose, size(store));
      }
      stop.set(true);
      for (Thread t : threads) {
        t.join();
      }
      if (!failures.isEmpty()) {
        AssertionError error =
            new AssertionError(
                engine() + " soak (seed " + seed + ") failed: " + failures.peek(), failures.peek());
        failures.stream().skip(1).forEach(error::addSuppressed);
        throw error;
      }
      long heapAtEnd = heapAfterGc();
      e.verifyIntegrity();
      assertEquals(total, sum(e, false));
      System.out.println(
          "RELIABILITY soak engine="
              + engine()
              + " seconds="
              + seconds
              + " commits="
              + commits
              + " snapshots="
              + snapshots
              + " storeBytesAtOpen="
              + sizeAtOpen
              + " storeBytesWhenLongReaderClosed="
              + sizeAtClose
              + " storeBytesMaxAfter="
              + maxAfterClose
              + " heapAfterGcAtClose="
              + heapAtClose
              + " heapAfterGcAtEnd="
              + heapAtEnd
              + " seed="
              + seed);
      if (boundedStore()) {
        assertTrue(
            maxAfterClose <= 2 * sizeAtClose + (16L << 20),
            "the store kept growing after"
                + " the long reader closed: "
                + sizeAtClose
                + " -> "
                + maxAfterClose
                + " bytes");
      }
    }
    if (persistent) {
      try (StorageEngine e = StorageEngines.open(engine(), store, options)) {
        e.verifyIntegrity();
        assertEquals(total, sum(e, true));
      }
    }
  }

  private static long sum(StorageEngine e, boolean reverse) {
    try (ReadTxn t = e.beginRead()) {
      return sum(t, reverse);
    }
  }

  private static long sum(ReadTxn t, boolean reverse) {
    KeyRange range = KeyRange.prefix(PREFIX);
    long sum = 0;
    int count = 0;
    try (Cursor c = t.cursor(reverse ? range.reversed() : range)) {
      while (c.next()) {
        sum += decode(c.value());
        count++;
      }
    }
    assertEquals(
        ACCOUNTS, count, "accounts seen by a " + (reverse ? "reverse" : "forward") + " cursor");
    return sum;
  }

  private static void sleepUntil(
      long start, long millis, AtomicBoolean stop, ConcurrentLinkedQueue<Throwable> failures)
      throws InterruptedException {
    long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < end && failures.isEmpty() && !stop.get()) {
      Thread.sleep(50);
    }
  }

  private static Thread thread(
      String name, ConcurrentLinkedQueue<Throwable> failures, Runnable body) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
              } catch (Throwable x) {
                failures.add(x);
              }
            },
            name);
    t.setDaemon(true);
    return t;
  }

  private static long heapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }

  private static long size(Path store) {
    if (!Files.exists(store)) {
      return 0;
    }
    for (int attempt = 0; ; attempt++) {
      try {
        return walkSize(store);
      } catch (IOException | UncheckedIOException x) {
        // RocksDB deletes obsolete files while we walk; try again.
        if (attempt == 10) {
          throw new AssertionError("cannot measure " + store, x);
        }
      }
    }
  }

  private static long walkSize(Path store) throws IOException {
    try (Stream<Path> files = Files.walk(store)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException x) {
                  return 0; // Deleted between listing and sizing: it no longer counts.
                }
              })
          .sum();
    }
  }

  private static byte[] account(int i) {
    return String.format("acct/%04d", i).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] encode(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  private static long decode(byte[] v) {
    return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }
}
