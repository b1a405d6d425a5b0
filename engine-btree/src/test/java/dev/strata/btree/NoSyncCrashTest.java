package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.WriteTxn;
import dev.strata.btree.format.Meta;
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
 * commit. Guards against a NO_SYNC meta that reaches the disk ahead of its pages after a power
 * loss, and against reusing pages the on-disk meta still reaches.
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
    SyncPoints.noSyncIntervalNanos = SyncPoints.NO_SYNC_INTERVAL_NANOS;
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void crashImages_afterARestartOrAProcessCrash_openCleanAtACommittedState(String freelist)
      throws Exception {
    long seed = TestSupport.seed("NoSyncCrashTest[" + freelist + "]");
    Path store = dir.resolve("store");
    byte[] initial = create(store, freelist);
    // Sync points every few milliseconds, so a run of 60 commits holds several of them.
    SyncPoints.noSyncIntervalNanos = 3_000_000;
    SplittableRandom random = new SplittableRandom(seed);
    TreeMap<byte[], byte[]> model = initialModel();
    try (BTreeEngine e = BTreeEngine.open(store, noSync(freelist), this::recording)) {
      firstTxid = e.store.meta.txid();
      states.put(firstTxid, new TreeMap<>(model));
      commit(e, model, random, 60);
    }
    int images = checkImages(initial, 1, ops.size(), true, freelist, seed);
    System.out.println(
        "NoSyncCrashTest[" + freelist + "]: " + ops.size() + " ops, " + images + " images clean");
  }

  /**
   * Regression: a sync point whose sync after the meta write fails leaves that meta, flagged
   * synced, in the kernel's cache only; if a reopen in the same boot took it for durable, the next
   * NO_SYNC commit would overwrite the page with the only durable meta and a power loss would leave
   * no meta a restart trusts. A failed sync stops writes, and every writable open syncs the meta it
   * picked.
   */
  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash"})
  void failedSyncPoint_thenReopenInTheSameBoot_restartImagesStillOpen(String freelist)
      throws Exception {
    long seed = TestSupport.seed("NoSyncCrashTest.failedSyncPoint[" + freelist + "]");
    Path store = dir.resolve("store");
    byte[] initial = create(store, freelist);
    SplittableRandom random = new SplittableRandom(seed);
    TreeMap<byte[], byte[]> model = initialModel();
    try (BTreeEngine e = BTreeEngine.open(store, noSync(freelist), this::recording)) {
      firstTxid = e.store.meta.txid();
      states.put(firstTxid, new TreeMap<>(model));
      commit(e, model, random, 10);
      failSyncAfterSyncedMeta = true;
      e.withWriterGate(
          () -> {
            e.store.syncNow();
            return null;
          });
      assertTrue(e.store.failure != null, "a failed sync under NO_SYNC stops writes");
      assertTrue(!failSyncAfterSyncedMeta, "the sync after the synced meta failed");
    }
    int reopenedAt = ops.size();
    try (BTreeEngine e = BTreeEngine.open(store, noSync(freelist), this::recording)) {
      commit(e, model, random, 10);
      closingAt = ops.size();
    }
    int images = checkImages(initial, reopenedAt, closingAt, false, freelist, seed);
    System.out.println("NoSyncCrashTest.failedSyncPoint: " + images + " images clean");
  }

  /** Creates the store with one synced commit and returns its bytes. */
  private static byte[] create(Path store, String freelist) throws IOException {
    try (BTreeEngine e = TestSupport.open(store, "btree.freelist", freelist)) {
      e.put(TestSupport.key(-1), new byte[] {1});
    }
    return Files.readAllBytes(store.resolve(Store.FILE_NAME));
  }

  private static TreeMap<byte[], byte[]> initialModel() {
    TreeMap<byte[], byte[]> model = new TreeMap<>(java.util.Arrays::compareUnsigned);
    model.put(TestSupport.key(-1), new byte[] {1});
    return model;
  }

  private static EngineOptions noSync(String freelist) {
    return EngineOptions.builder()
        .durability(Durability.NO_SYNC)
        .set("btree.freelist", freelist)
        .build();
  }

  private int closingAt = Integer.MAX_VALUE;

  /** Whether the recording seam fails the next sync after a meta written as synced, once. */
  private boolean failSyncAfterSyncedMeta;

  private boolean syncedMetaSinceSync;

  /**
   * Opens crash images at ops {@code from..to} (crashes after a restart, with four choices of the
   * unsynced writes; and, if asked, after a process crash) and returns how many opened clean.
   */
  private int checkImages(
      byte[] initial, int from, int to, boolean processCrashes, String freelist, long seed)
      throws IOException {
    SplittableRandom choice = new SplittableRandom(seed ^ 0x5DEECE66DL);
    int images = 0;
    for (int crash = from; crash <= to; crash += 1 + choice.nextInt(4)) {
      int lastForce = -1;
      for (int i = 0; i < crash; i++) {
        if (ops.get(i).force()) {
          lastForce = i;
        }
      }
      long durable = syncedTxidBefore(lastForce);
      for (int variant = 0; variant < 4; variant++) {
        Path image = freshImage();
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
      if (processCrashes) {
        Path image = freshImage();
        build(image, initial, crash, crash - 1, 0, choice);
        long txid = openAndCheck(image, freelist, "process crash, crash point " + crash, seed);
        assertEquals(
            lastMetaTxidBefore(crash),
            txid,
            "a process crash keeps every commit whose meta was written (seed " + seed + ")");
        images++;
      }
    }
    return images;
  }

  private Path freshImage() throws IOException {
    Path image = dir.resolve("image");
    deleteRecursively(image);
    Files.createDirectories(image);
    return image;
  }

  private void commit(
      BTreeEngine e, TreeMap<byte[], byte[]> model, SplittableRandom random, int commits) {
    for (int commit = 0; commit < commits; commit++) {
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

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash"})
  void noSyncCommits_syncWithinASecondWithoutAnotherCommit_andAtClose(String freelist)
      throws Exception {
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
      // No commit comes: the background syncer syncs once the second has passed.
      long deadline = System.nanoTime() + 10 * SyncPoints.NO_SYNC_INTERVAL_NANOS;
      while (((Number) e.stats().get("syncedTxid")).longValue() < e.store.meta.txid()
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(e.store.meta.txid(), ((Number) e.stats().get("syncedTxid")).longValue());
      e.put(TestSupport.key(3), new byte[] {3});
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

  private PageIO recording(dev.strata.api.spi.StorageFile file) {
    PageIO real = PageIO.of(file);
    return new PageIO() {
      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        ByteBuffer copy = src.duplicate();
        int n = real.write(src, position);
        byte[] bytes = new byte[n];
        copy.get(bytes);
        Op op = new Op(position, bytes, -1, false);
        Meta.Page page = metaPage(op);
        syncedMetaSinceSync |= page != null && page.unsyncedBoot() == null;
        ops.add(op);
        return n;
      }

      @Override
      public void force() throws IOException {
        if (failSyncAfterSyncedMeta && syncedMetaSinceSync) {
          failSyncAfterSyncedMeta = false;
          // Nothing is known to have reached the disk: recorded as no sync at all.
          throw new IOException("injected fsync failure after a synced meta write");
        }
        real.force();
        syncedMetaSinceSync = false;
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
