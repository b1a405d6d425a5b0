package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.WriteTxn;
import dev.strata.btree.format.Meta;
import dev.strata.btree.format.PageFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One-sync commits against power loss. A {@code SYNC} workload runs through a recording {@link
 * PageIO}; for every commit, the files a power loss before its sync could leave are rebuilt: what
 * the previous sync made durable, plus any subset of the commit's writes (every subset when there
 * are few, else every prefix, every write lost alone, every write but the meta lost, and seeded
 * random subsets), plus the meta write torn. Each image must open, check clean and hold exactly the
 * state of the commit or of its predecessor; with nothing lost it must hold the commit. Two cases
 * are built on purpose: a lost write over a page that still holds an older run with a valid
 * checksum (only the checksum the commit record expects tells it apart), and a lost commit record.
 * The invariant behind the rollback is checked directly: no commit writes a page its predecessor's
 * meta reaches, commit record included.
 */
class OneSyncCrashTest {
  private static final int PAGE = Settings.DEFAULT_PAGE_SIZE;
  private static final int COMMITS = 6;

  @TempDir Path dir;

  private final List<RecordingPageIO.Op> ops = new ArrayList<>();

  /** The committed content after each txid. */
  private final Map<Long, TreeMap<byte[], byte[]>> states = new HashMap<>();

  /** Each commit's sync: the index of its last op, by txid. */
  private final TreeMap<Long, Integer> syncAt = new TreeMap<>();

  private byte[] initial;
  private String[] settings;
  private long firstTxid;

  private static String[] settingsFor(String freelist) {
    return switch (freelist) {
      case "snapshots" -> new String[] {"btree.freelistLogPercent", "0"};
      case "rebuilt" -> new String[] {"btree.freelistSync", "false"};
      default -> new String[0];
    };
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"deltas", "snapshots", "rebuilt"})
  void everyImageOfACommit_opensAtTheCommitOrItsPredecessor_neverAMix(String freelist)
      throws Exception {
    long seed = TestSupport.seed("OneSyncCrashTest[" + freelist + "]");
    SplittableRandom random = new SplittableRandom(seed);
    record(freelist, random);
    int images = 0;
    int stale = 0;
    for (Map.Entry<Long, Integer> c : syncAt.entrySet()) {
      long txid = c.getKey();
      if (txid == firstTxid) {
        continue;
      }
      int from = syncAt.lowerEntry(txid).getValue() + 1;
      int sync = c.getValue();
      byte[] durable = durableBefore(from);
      checkWritesAvoidThePredecessor(durable, from, sync, txid, seed);
      List<Integer> writes = writesIn(from, sync);
      int meta = metaWrite(writes, txid);
      images += imagesOfCommit(durable, writes, meta, txid, random, seed);
      stale += staleRunImage(durable, writes, meta, txid, seed);
      recordLostImage(durable, writes, meta, txid, seed);
      images += 2;
    }
    assertTrue(
        stale > 0, "no commit overwrote a page holding an older valid run (seed " + seed + ")");
    System.out.println(
        "OneSyncCrashTest["
            + freelist
            + "]: "
            + COMMITS
            + " commits, "
            + images
            + " images clean, "
            + stale
            + " of them with a lost write over an older valid run");
  }

  /**
   * A writable open that rolls back overwrites the other meta page with the state it rolled back
   * to, so no later crash can bring the torn commit back; a read-only open changes nothing.
   */
  @Test
  void rollbackAtAWritableOpen_overwritesTheTornMeta_readOnlyOpenWritesNothing() throws Exception {
    long seed = TestSupport.seed("OneSyncCrashTest.rollback");
    record("deltas", new SplittableRandom(seed));
    long txid = syncAt.lastKey();
    int from = syncAt.lowerEntry(txid).getValue() + 1;
    List<Integer> writes = writesIn(from, syncAt.get(txid));
    int meta = metaWrite(writes, txid);
    byte[] durable = durableBefore(from);
    // Every write of the commit but its first run: the meta is on disk, the commit is not whole.
    List<Integer> kept = new ArrayList<>(writes);
    kept.remove(Integer.valueOf(firstRunWrite(writes, meta)));
    byte[] torn = build(durable, kept, -1, -1);

    Path readOnly = materialise(torn, "read-only");
    try (BTreeEngine e =
        BTreeEngine.open(readOnly, EngineOptions.builder().readOnly(true).build(), PageIO::of)) {
      assertEquals(txid - 1, e.store.meta.txid(), "seed " + seed);
      FaultInjectionTest.assertContent(e, states.get(txid - 1));
    }
    assertArrayEquals(
        torn, Files.readAllBytes(readOnly.resolve(Store.FILE_NAME)), "a read-only open wrote");

    Path writable = materialise(torn, "writable");
    try (BTreeEngine e = TestSupport.open(writable, settings)) {
      assertEquals(txid - 1, e.store.meta.txid(), "seed " + seed);
      e.verifyIntegrity();
    }
    byte[] after = Files.readAllBytes(writable.resolve(Store.FILE_NAME));
    for (int page = 0; page < 2; page++) {
      ByteBuffer b =
          ByteBuffer.wrap(after, page * PAGE, PAGE).slice().order(ByteOrder.LITTLE_ENDIAN);
      Meta m = Meta.decode(b, page, "image");
      assertTrue(m != null && m.txid() == txid - 1, "meta page " + page + " holds " + m);
    }
  }

  // ------------------------------------------------------------------ the workload

  private void record(String freelist, SplittableRandom random) throws IOException {
    settings = settingsFor(freelist);
    Path store = dir.resolve("store");
    try (BTreeEngine e = TestSupport.open(store, settings)) {
      e.put(TestSupport.key(-1), new byte[] {1});
    }
    initial = Files.readAllBytes(store.resolve(Store.FILE_NAME));
    TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
    model.put(TestSupport.key(-1), new byte[] {1});
    EngineOptions.Builder b = EngineOptions.builder();
    for (int i = 0; i < settings.length; i += 2) {
      b.set(settings[i], settings[i + 1]);
    }
    try (BTreeEngine e = BTreeEngine.open(store, b.build(), f -> new RecordingPageIO(f, ops))) {
      firstTxid = e.store.meta.txid();
      states.put(firstTxid, new TreeMap<>(model));
      syncAt.put(firstTxid, lastForce(ops.size()));
      for (int commit = 0; commit < COMMITS; commit++) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = 0; i < 30; i++) {
            byte[] k = TestSupport.key(random.nextInt(300));
            if (random.nextInt(4) == 0) {
              t.delete(k);
              model.remove(k);
            } else {
              byte[] v = TestSupport.value(random.nextLong(), random.nextInt(25) == 0 ? 6000 : 90);
              t.put(k, v);
              model.put(k, v);
            }
          }
          t.commit();
        }
        long txid = e.store.meta.txid();
        assertTrue(e.store.meta.oneSync(), "commit " + txid + " synced once");
        states.put(txid, new TreeMap<>(model));
        syncAt.put(txid, lastForce(ops.size()));
      }
      assertEquals((long) COMMITS, e.stats().get("oneSyncCommits"));
    }
  }

  private int lastForce(int end) {
    for (int i = end - 1; i >= 0; i--) {
      if (ops.get(i).force()) {
        return i;
      }
    }
    throw new AssertionError("no sync recorded");
  }

  /** The file once every op before {@code from} is durable (truncations applied in order). */
  private byte[] durableBefore(int from) {
    byte[] file = initial.clone();
    for (int i = 0; i < from; i++) {
      file = RecordingPageIO.apply(file, ops.get(i), lengthOf(ops.get(i)));
    }
    return file;
  }

  private static int lengthOf(RecordingPageIO.Op op) {
    return op.isWrite() ? op.bytes().length : 0;
  }

  /** The ops of {@code [from, sync)} that are writes (the commit writes nothing else there). */
  private List<Integer> writesIn(int from, int sync) {
    List<Integer> writes = new ArrayList<>();
    for (int i = from; i < sync; i++) {
      RecordingPageIO.Op op = ops.get(i);
      if (op.isWrite()) {
        writes.add(i);
      } else {
        assertTrue(op.truncateTo() >= 0, "a one-sync commit synced before its sync at op " + i);
      }
    }
    return writes;
  }

  /** The index of the commit's meta write, checked to be the commit's last write. */
  private int metaWrite(List<Integer> writes, long txid) {
    int last = writes.get(writes.size() - 1);
    Meta.Page page = metaPage(ops.get(last));
    assertTrue(page != null && page.meta().txid() == txid, "the meta is the commit's last write");
    assertTrue(page.meta().oneSync() && page.unsyncedBoot() == null, "a one-sync meta");
    return last;
  }

  // ------------------------------------------------------------------ images

  private int imagesOfCommit(
      byte[] durable, List<Integer> writes, int meta, long txid, SplittableRandom random, long seed)
      throws IOException {
    int u = writes.size();
    List<boolean[]> subsets = new ArrayList<>();
    if (u <= 5) {
      for (int mask = 0; mask < 1 << u; mask++) {
        boolean[] keep = new boolean[u];
        for (int k = 0; k < u; k++) {
          keep[k] = (mask >>> k & 1) != 0;
        }
        subsets.add(keep);
      }
    } else {
      for (int prefix = 0; prefix <= u; prefix++) {
        boolean[] keep = new boolean[u];
        Arrays.fill(keep, 0, prefix, true);
        subsets.add(keep);
      }
      for (int k = 0; k < u; k++) {
        boolean[] keep = new boolean[u];
        Arrays.fill(keep, true);
        keep[k] = false;
        subsets.add(keep);
      }
      boolean[] onlyMeta = new boolean[u];
      onlyMeta[u - 1] = true;
      subsets.add(onlyMeta);
      for (int s = 0; s < 5; s++) {
        boolean[] keep = new boolean[u];
        for (int k = 0; k < u; k++) {
          keep[k] = random.nextBoolean();
        }
        keep[u - 1] = true;
        subsets.add(keep);
      }
    }
    int images = 0;
    for (boolean[] keep : subsets) {
      List<Integer> kept = new ArrayList<>();
      for (int k = 0; k < u; k++) {
        if (keep[k]) {
          kept.add(writes.get(k));
        }
      }
      boolean all = kept.size() == u;
      long opened = openAndCheck(build(durable, kept, -1, -1), txid, seed, "subset " + kept);
      if (all) {
        assertEquals(txid, opened, "every write of commit " + txid + " kept (seed " + seed + ")");
      }
      images++;
    }
    // The meta write torn, everything else kept: the previous meta is intact on its page.
    int metaLength = ops.get(meta).bytes().length;
    for (int length : new int[] {Meta.USED / 2, 1 + random.nextInt(metaLength - 1)}) {
      long opened = openAndCheck(build(durable, writes, meta, length), txid, seed, "torn meta");
      assertTrue(
          opened == txid - 1 || length >= Meta.USED, "a torn meta opened (seed " + seed + ")");
      images++;
    }
    return images;
  }

  /**
   * Loses the first write of the commit whose first page still holds an older run with a valid
   * checksum and its own page id (a reused page): the meta and everything else reach the disk.
   *
   * @return 1 if the commit had such a write, else 0
   */
  private int staleRunImage(byte[] durable, List<Integer> writes, int meta, long txid, long seed)
      throws IOException {
    for (int w : writes) {
      RecordingPageIO.Op op = ops.get(w);
      long page = op.position() / PAGE;
      if (w == meta || page < 2 || op.position() % PAGE != 0) {
        continue;
      }
      Integer staleCrc = validRunCrc(durable, page);
      if (staleCrc == null
          || staleCrc == ByteBuffer.wrap(op.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(0)) {
        continue;
      }
      List<Integer> kept = new ArrayList<>(writes);
      kept.remove(Integer.valueOf(w));
      byte[] image = build(durable, kept, -1, -1);
      if (!staleCrc.equals(validRunCrc(image, page))) {
        // The older run spanned a page another write of the commit changed: not this case.
        continue;
      }
      long opened = openAndCheck(image, txid, seed, "lost write over an older valid run");
      assertEquals(
          txid - 1,
          opened,
          "commit "
              + txid
              + " opened although its write at page "
              + page
              + " was lost (seed "
              + seed
              + ")");
      return 1;
    }
    return 0;
  }

  /** Loses only the write holding the commit record: the commit must roll back. */
  private void recordLostImage(byte[] durable, List<Integer> writes, int meta, long txid, long seed)
      throws IOException {
    Meta m = metaPage(ops.get(meta)).meta();
    long at = m.recordPage() * PAGE;
    List<Integer> kept = new ArrayList<>();
    boolean found = false;
    for (int w : writes) {
      RecordingPageIO.Op op = ops.get(w);
      if (op.position() <= at && at < op.position() + op.bytes().length) {
        found = true;
      } else {
        kept.add(w);
      }
    }
    assertTrue(found, "the commit wrote its record at page " + m.recordPage());
    long opened = openAndCheck(build(durable, kept, -1, -1), txid, seed, "lost commit record");
    assertEquals(txid - 1, opened, "a commit without its record rolled back (seed " + seed + ")");
  }

  /** The first write of the commit that starts with a run's header (not the meta, not padding). */
  private int firstRunWrite(List<Integer> writes, int meta) {
    for (int w : writes) {
      RecordingPageIO.Op op = ops.get(w);
      ByteBuffer b = ByteBuffer.wrap(op.bytes()).order(ByteOrder.LITTLE_ENDIAN);
      if (w != meta
          && b.limit() >= PageFormat.HEADER_SIZE
          && b.get(PageFormat.OFF_TYPE) >= PageFormat.TYPE_BRANCH
          && b.getLong(PageFormat.OFF_PGID) == op.position() / PAGE) {
        return w;
      }
    }
    throw new AssertionError("the commit wrote no run");
  }

  /** The header checksum of a run at {@code page} whose page id and checksum hold, or null. */
  private static Integer validRunCrc(byte[] file, long page) {
    int at = (int) (page * PAGE);
    if (file.length < at + PAGE) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    int used = b.getInt(at + PageFormat.OFF_USED);
    if (b.getLong(at + PageFormat.OFF_PGID) != page
        || used < PageFormat.HEADER_SIZE
        || at + (long) used > file.length) {
      return null;
    }
    ByteBuffer run = ByteBuffer.wrap(file, at, used).slice().order(ByteOrder.LITTLE_ENDIAN);
    int crc = run.getInt(0);
    return PageFormat.crc(run, 4, used) == crc ? crc : null;
  }

  /** The durable file plus the kept writes in call order, write {@code torn} cut short. */
  private byte[] build(byte[] durable, List<Integer> kept, int torn, int tornLength) {
    byte[] file = durable.clone();
    for (int w : kept) {
      RecordingPageIO.Op op = ops.get(w);
      file = RecordingPageIO.apply(file, op, w == torn ? tornLength : op.bytes().length);
    }
    return file;
  }

  private Path materialise(byte[] file, String name) throws IOException {
    Path image = dir.resolve(name);
    if (Files.exists(image)) {
      try (var paths = Files.walk(image)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(image);
    Files.write(image.resolve(Store.FILE_NAME), file);
    return image;
  }

  /** Opens an image writably, checks it and its content, commits once more; returns its txid. */
  private long openAndCheck(byte[] file, long txid, long seed, String what) throws IOException {
    Path image = materialise(file, "image");
    try (BTreeEngine e = TestSupport.open(image, settings)) {
      e.verifyIntegrity();
      long opened = e.store.meta.txid();
      assertTrue(
          opened == txid || opened == txid - 1,
          what + ": commit " + txid + " opened at txid " + opened + " (seed " + seed + ")");
      FaultInjectionTest.assertContent(e, states.get(opened));
      e.put(TestSupport.key(100_000), new byte[] {7});
      e.verifyIntegrity();
      return opened;
    }
  }

  /**
   * Commit {@code txid} writes no page the previous commit's meta reaches: its tree, its stored
   * freelist and its commit record stay as they are until the commit after it.
   */
  private void checkWritesAvoidThePredecessor(
      byte[] durable, int from, int sync, long txid, long seed) throws IOException {
    Path image = materialise(durable, "predecessor");
    BitSet reached;
    try (BTreeEngine e =
        BTreeEngine.open(image, EngineOptions.builder().readOnly(true).build(), PageIO::of)) {
      assertEquals(txid - 1, e.store.meta.txid());
      reached = Checker.reachable(e.store.file, e.store.meta, e.store.chain);
      if (e.store.meta.oneSync()) {
        assertTrue(reached.get((int) e.store.meta.recordPage()), "the record counts as reached");
      }
    }
    for (int i = from; i < sync; i++) {
      RecordingPageIO.Op op = ops.get(i);
      if (!op.isWrite() || op.position() < 2L * PAGE) {
        continue;
      }
      int first = (int) (op.position() / PAGE);
      int end = (int) ((op.position() + op.bytes().length + PAGE - 1) / PAGE);
      int hit = reached.nextSetBit(first);
      assertTrue(
          hit < 0 || hit >= end,
          "commit "
              + txid
              + " wrote page "
              + hit
              + ", reached from txid "
              + (txid - 1)
              + " (seed "
              + seed
              + ")");
    }
  }

  private static Meta.Page metaPage(RecordingPageIO.Op op) {
    if (!op.isWrite() || op.position() >= 2L * PAGE || op.bytes().length < Meta.USED) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(op.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    return Meta.decodePage(b, op.position() / PAGE, "record");
  }
}
