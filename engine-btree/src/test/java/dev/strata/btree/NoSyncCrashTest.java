package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.WriteTxn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * NO_SYNC commits against crashes. Every write, sync and truncation of a NO_SYNC workload is
 * recorded through the {@link PageIO} seam, then crash images are built from the record. After a
 * restart of the system (another boot id) any subset of what was not synced may be on disk: the
 * store must open, check clean, and hold a committed state no older than the last synced meta.
 * After a process crash (same boot) the kernel kept every write: the store must hold the last
 * commit. Regression (review): NO_SYNC commits wrote their meta with no sync at all, so a power
 * loss could leave a meta on disk ahead of its pages, and pages the on-disk meta reached were
 * reused.
 */
class NoSyncCrashTest {
  @org.junit.jupiter.api.io.TempDir Path dir;

  private record Op(long position, byte[] bytes, long truncateTo, boolean force) {}

  private final List<Op> ops = new ArrayList<>();

  /** The committed content after each txid. */
  private final Map<Long, TreeMap<byte[], byte[]>> states = new HashMap<>();

  /** The txid of the synced store the workload starts from. */
  private long firstTxid;

  @AfterEach
  void sameBootAgain() {
    BootId.override = null;
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void crashImages_afterARestartOrAProcessCrash_openCleanAtACommittedState(String freelist)
      throws Exception {
    long seed = TestSupport.seed("NoSyncCrashTest[" + freelist + "]");
    Path store = dir.resolve("store");
    try (BTreeEngine e = TestSupport.open(store, "btree.freelist", freelist)) {
      e.put(TestSupport.key(-1), new byte[] {1});
    }
    byte[] initial = Files.readAllBytes(store.resolve(Store.FILE_NAME));
    runWorkload(store, freelist, new SplittableRandom(seed));
    SplittableRandom choice = new SplittableRandom(seed ^ 0x5DEECE66DL);
    int images = 0;
    for (int crash = 1; crash <= ops.size(); crash += 1 + choice.nextInt(6)) {
      int lastForce = -1;
      for (int i = 0; i < crash; i++) {
        if (ops.get(i).force()) {
          lastForce = i;
        }
      }
      long durable = syncedTxidBefore(lastForce);
      for (int variant = 0; variant < 4; variant++) {
        Path image = dir.resolve("image");
        deleteRecursively(image);
        Files.createDirectories(image);
        build(image, initial, crash, lastForce, variant, choice);
        BootId.override = new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        long txid = openAndCheck(image, freelist, "restart, crash point " + crash, seed);
        assertTrue(
            txid >= durable,
            "restart image at op "
                + crash
                + " (variant "
                + variant
                + ", seed "
                + seed
                + ") recovered txid "
                + txid
                + ", older than the synced txid "
                + durable);
        images++;
      }
      BootId.override = null;
      Path image = dir.resolve("image");
      deleteRecursively(image);
      Files.createDirectories(image);
      build(image, initial, crash, crash - 1, 0, choice);
      long txid = openAndCheck(image, freelist, "process crash, crash point " + crash, seed);
      assertEquals(
          lastMetaTxidBefore(crash),
          txid,
          "a process crash keeps every commit whose meta was written (seed " + seed + ")");
      images++;
    }
    System.out.println(
        "NoSyncCrashTest[" + freelist + "]: " + ops.size() + " ops, " + images + " images clean");
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash"})
  void noSyncCommits_syncWithinASecond_andAtClose(String freelist) throws Exception {
    Path store = dir.resolve("timed");
    EngineOptions options =
        EngineOptions.builder()
            .durability(Durability.NO_SYNC)
            .set("btree.freelist", freelist)
            .build();
    try (BTreeEngine e = BTreeEngine.open(store, options, PageIO::of)) {
      e.put(TestSupport.key(1), new byte[] {1});
      e.put(TestSupport.key(2), new byte[] {2});
      long first = ((Number) e.stats().get("syncedTxid")).longValue();
      assertTrue(first < e.store.meta.txid(), "NO_SYNC commits do not sync each time");
      Thread.sleep(Store.NO_SYNC_INTERVAL_NANOS / 1_000_000 + 50);
      e.put(TestSupport.key(3), new byte[] {3});
      assertEquals(e.store.meta.txid(), ((Number) e.stats().get("syncedTxid")).longValue());
      e.put(TestSupport.key(4), new byte[] {4});
    }
    BootId.override = new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    try (BTreeEngine e = BTreeEngine.open(store, options, PageIO::of)) {
      for (int k = 1; k <= 4; k++) {
        assertEquals(k, e.get(TestSupport.key(k))[0], "a clean close syncs the last commit");
      }
      e.verifyIntegrity();
    }
  }

  private void runWorkload(Path store, String freelist, SplittableRandom random) {
    EngineOptions options =
        EngineOptions.builder()
            .durability(Durability.NO_SYNC)
            .set("btree.freelist", freelist)
            .build();
    TreeMap<byte[], byte[]> model = new TreeMap<>(java.util.Arrays::compareUnsigned);
    model.put(TestSupport.key(-1), new byte[] {1});
    try (BTreeEngine e = BTreeEngine.open(store, options, this::recording)) {
      firstTxid = e.store.meta.txid();
      states.put(firstTxid, new TreeMap<>(model));
      for (int commit = 0; commit < 60; commit++) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = 0; i < 40; i++) {
            byte[] k = TestSupport.key(random.nextInt(400));
            if (random.nextInt(4) == 0) {
              t.delete(k);
              model.remove(k);
            } else {
              byte[] v = TestSupport.value(random.nextLong(), random.nextInt(30) == 0 ? 9000 : 80);
              t.put(k, v);
              model.put(k, v);
            }
          }
          t.commit();
        }
        states.put(e.store.meta.txid(), new TreeMap<>(model));
      }
    }
  }

  private PageIO recording(dev.strata.api.spi.StorageFile file) {
    PageIO real = PageIO.of(file);
    return new PageIO() {
      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        ByteBuffer copy = src.duplicate();
        int n = real.write(src, position);
        byte[] bytes = new byte[n];
        copy.get(bytes);
        ops.add(new Op(position, bytes, -1, false));
        return n;
      }

      @Override
      public void force() throws IOException {
        real.force();
        ops.add(new Op(-1, null, -1, true));
      }

      @Override
      public void truncate(long size) throws IOException {
        real.truncate(size);
        ops.add(new Op(-1, null, size, false));
      }
    };
  }

  /**
   * Writes the file a crash after {@code crash} ops could leave: everything up to the last sync,
   * and of the ops after it none (variant 0), all (1), only the meta writes (2) or a random subset
   * (3).
   */
  private void build(
      Path image, byte[] initial, int crash, int lastForce, int variant, SplittableRandom random)
      throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            image.resolve(Store.FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(initial), 0);
      for (int i = 0; i < crash; i++) {
        Op op = ops.get(i);
        boolean synced = i <= lastForce;
        boolean kept =
            synced
                || variant == 1
                || variant == 2 && op.position() >= 0 && op.position() < 2L * 4096
                || variant == 3 && random.nextBoolean();
        if (!kept) {
          continue;
        }
        if (op.bytes() != null) {
          ch.write(ByteBuffer.wrap(op.bytes()), op.position());
        } else if (op.truncateTo() >= 0) {
          ch.truncate(op.truncateTo());
        }
      }
    }
  }

  private long openAndCheck(Path image, String freelist, String what, long seed) {
    try (BTreeEngine e = TestSupport.open(image, "btree.freelist", freelist)) {
      e.verifyIntegrity();
      long txid = e.store.meta.txid();
      TreeMap<byte[], byte[]> expected = states.get(txid);
      assertTrue(
          expected != null, what + ": txid " + txid + " was never committed (seed " + seed + ")");
      FaultInjectionTest.assertContent(e, expected);
      e.put(TestSupport.key(10_000), new byte[] {7});
      e.verifyIntegrity();
      return txid;
    }
  }

  /** The txid of the newest meta written without the unsynced flag and synced by op {@code to}. */
  private long syncedTxidBefore(int lastForce) {
    long txid = firstTxid;
    for (int i = 0; i < lastForce; i++) {
      Meta.Page page = metaPage(ops.get(i));
      if (page != null && page.unsyncedBoot() == null) {
        txid = Math.max(txid, page.meta().txid());
      }
    }
    return txid;
  }

  private long lastMetaTxidBefore(int crash) {
    long txid = firstTxid;
    for (int i = 0; i < crash; i++) {
      Meta.Page page = metaPage(ops.get(i));
      if (page != null) {
        txid = Math.max(txid, page.meta().txid());
      }
    }
    return txid;
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (var paths = Files.walk(path)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static Meta.Page metaPage(Op op) {
    if (op.bytes() == null || op.position() >= 2L * 4096 || op.bytes().length < 1024) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(op.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    return Meta.decodePage(b, op.position() / 4096, "record");
  }
}
