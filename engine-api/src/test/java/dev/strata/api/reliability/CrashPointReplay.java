package dev.strata.api.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import dev.strata.api.reliability.FaultyFileIO.Call;
import dev.strata.api.reliability.FaultyFileIO.Op;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash-point replay for engines that write through {@link EngineOptions#fileIO()} (one-line
 * subclass, {@code engine()} returns the name).
 *
 * <p>A workload of {@code -Dstrata.replay.txns} SYNC transactions (10 in CI, 50 under {@code
 * -Preliability}) runs on a new store through a recording {@link FaultyFileIO}: every write, sync,
 * truncation, file creation, rename and directory sync, from the store's creation on. Then, for
 * every crash point {@code p} (before call {@code p}, for every {@code p} up to the end), it builds
 * the files a crash there could leave and opens them with the real file system:
 *
 * <ul>
 *   <li>every write to a file before that file's last completed sync is on disk;
 *   <li>of the writes after it ("unsynced"), any subset: every subset when there are at most
 *       {@value #EXHAUSTIVE} of them, else every prefix plus {@value #SAMPLES} seeded random
 *       subsets;
 *   <li>and, when the call just before the crash is an unsynced write, that write torn (half of it,
 *       and a random cut) after all other unsynced writes.
 * </ul>
 *
 * <p>File creations, renames and truncations are applied in call order (the model of a journaling
 * file system that keeps metadata operations ordered); only file data is subject to loss. Each
 * image must open, pass {@link StorageEngine#verifyIntegrity()}, and hold exactly the state after
 * some committed prefix of the workload that includes every transaction whose commit returned
 * before the crash point. Seeded; the seed is printed.
 */
public abstract class CrashPointReplay {
  static final int EXHAUSTIVE = 5;
  static final int SAMPLES = 8;

  @TempDir Path dir;

  /**
   * Returns the engine name passed to {@link StorageEngines#open}.
   *
   * @return the engine name
   */
  protected abstract String engine();

  /**
   * Returns engine settings for every open.
   *
   * @return settings; none by default
   */
  protected Map<String, String> settings() {
    return Map.of();
  }

  @Test
  void everyCrashPoint_recoversToACommittedPrefixHoldingEveryAcknowledgedTxn() throws Exception {
    long seed = seed();
    int txns = Integer.getInteger("strata.replay.txns", 10);
    System.out.println(
        "CrashPointReplay "
            + engine()
            + " seed "
            + seed
            + ", "
            + txns
            + " txns (rerun with -Dstrata.test.seed="
            + seed
            + ")");
    SplittableRandom random = new SplittableRandom(seed);
    Path recorded = dir.resolve("recorded");
    FaultyFileIO io = new FaultyFileIO();
    io.record(true);
    Map<String, Integer> stateToTxn = new HashMap<>();
    long[] ackCount = new long[txns];
    TreeMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    stateToTxn.put(render(model), -1);
    try (StorageEngine e = StorageEngines.open(engine(), recorded, options(io))) {
      for (int t = 0; t < txns; t++) {
        commit(e, t, model);
        ackCount[t] = io.callCount();
        stateToTxn.put(render(model), t);
      }
    }
    List<Call> calls = io.calls();
    long images = 0;
    long points = 0;
    for (int p = 0; p <= calls.size(); p++) {
      points++;
      int required = -1;
      for (int t = 0; t < txns; t++) {
        if (ackCount[t] <= calls.get(0).index() + p) {
          required = t;
        }
      }
      for (Image image : images(calls, p, random)) {
        images++;
        Path target = dir.resolve("image");
        image.materialise(recorded, target);
        String label =
            engine()
                + " crash before call "
                + p
                + " of "
                + calls.size()
                + " ("
                + image.description
                + ", seed "
                + seed
                + ")";
        try (StorageEngine e = StorageEngines.open(engine(), target, options(null))) {
          e.verifyIntegrity();
          Integer t = stateToTxn.get(render(content(e)));
          assertTrue(t != null, label + ": the state is no committed prefix");
          assertTrue(
              t >= required,
              label + ": recovered to txn " + t + " but txn " + required + " was acknowledged");
        } catch (RuntimeException x) {
          throw new AssertionError(label + ": " + x, x);
        }
        delete(target);
      }
    }
    System.out.println(
        "RELIABILITY replay engine="
            + engine()
            + " txns="
            + txns
            + " ioCalls="
            + calls.size()
            + " crashPoints="
            + points
            + " imagesOpened="
            + images
            + " ackedLost=0 corruptions=0 seed="
            + seed);
  }

  private EngineOptions options(FaultyFileIO io) {
    EngineOptions.Builder b = EngineOptions.builder();
    if (io != null) {
      b.fileIO(io);
    }
    settings().forEach(b::set);
    return b.build();
  }

  /** The crash images for point {@code p}: calls before it, with unsynced writes varied. */
  private static List<Image> images(List<Call> calls, int p, SplittableRandom random) {
    // Which file (by creation) each path names at each call, so renames carry sync state along.
    Map<Path, Integer> fileOf = new HashMap<>();
    Map<Integer, Integer> lastSync = new HashMap<>();
    int[] fileAt = new int[p];
    int nextFile = 0;
    for (int i = 0; i < p; i++) {
      Call c = calls.get(i);
      Integer f = fileOf.get(c.path());
      if (f == null || c.op() == Op.CREATE && f == null) {
        f = nextFile++;
        fileOf.put(c.path(), f);
      }
      fileAt[i] = f;
      if (c.op() == Op.FORCE) {
        lastSync.put(f, i);
      } else if (c.op() == Op.RENAME) {
        fileOf.remove(c.path());
        fileOf.put(c.target(), f);
      }
    }
    List<Integer> unsynced = new ArrayList<>();
    for (int i = 0; i < p; i++) {
      if (calls.get(i).op() == Op.WRITE && lastSync.getOrDefault(fileAt[i], -1) < i) {
        unsynced.add(i);
      }
    }
    List<Image> out = new ArrayList<>();
    int u = unsynced.size();
    if (u <= EXHAUSTIVE) {
      for (int mask = 0; mask < 1 << u; mask++) {
        boolean[] keep = new boolean[u];
        for (int k = 0; k < u; k++) {
          keep[k] = (mask >>> k & 1) != 0;
        }
        out.add(new Image(calls, p, unsynced, keep, -1, "unsynced subset " + mask + " of " + u));
      }
    } else {
      for (int prefix = 0; prefix <= u; prefix++) {
        boolean[] keep = new boolean[u];
        Arrays.fill(keep, 0, prefix, true);
        out.add(new Image(calls, p, unsynced, keep, -1, "unsynced prefix " + prefix + " of " + u));
      }
      for (int s = 0; s < SAMPLES; s++) {
        boolean[] keep = new boolean[u];
        for (int k = 0; k < u; k++) {
          keep[k] = random.nextBoolean();
        }
        out.add(new Image(calls, p, unsynced, keep, -1, "unsynced random subset of " + u));
      }
    }
    if (u > 0 && unsynced.get(u - 1) == p - 1) {
      boolean[] keep = new boolean[u];
      Arrays.fill(keep, true);
      int length = calls.get(p - 1).bytes().length;
      if (length > 1) {
        out.add(new Image(calls, p, unsynced, keep, length / 2, "last write torn at half"));
        out.add(
            new Image(
                calls,
                p,
                unsynced,
                keep,
                1 + random.nextInt(length - 1),
                "last write torn at a random byte"));
      }
    }
    return out;
  }

  /** One set of files a crash could leave. */
  private static final class Image {
    final List<Call> calls;
    final int point;
    final List<Integer> unsynced;
    final boolean[] keep;
    final int tornLength;
    final String description;

    Image(
        List<Call> calls,
        int point,
        List<Integer> unsynced,
        boolean[] keep,
        int tornLength,
        String description) {
      this.calls = calls;
      this.point = point;
      this.unsynced = unsynced;
      this.keep = keep;
      this.tornLength = tornLength;
      this.description = description;
    }

    void materialise(Path recorded, Path target) throws IOException {
      Map<Path, byte[]> files = new TreeMap<>();
      Map<Integer, Integer> unsyncedSlot = new HashMap<>();
      for (int k = 0; k < unsynced.size(); k++) {
        unsyncedSlot.put(unsynced.get(k), k);
      }
      for (int i = 0; i < point; i++) {
        Call c = calls.get(i);
        Path rel = recorded.relativize(c.path());
        switch (c.op()) {
          case CREATE -> files.putIfAbsent(rel, new byte[0]);
          case RENAME -> {
            byte[] content = files.remove(rel);
            files.put(recorded.relativize(c.target()), content == null ? new byte[0] : content);
          }
          case TRUNCATE -> {
            byte[] content = files.getOrDefault(rel, new byte[0]);
            if (content.length > c.position()) {
              files.put(rel, Arrays.copyOf(content, (int) c.position()));
            }
          }
          case WRITE -> {
            Integer slot = unsyncedSlot.get(i);
            if (slot != null && !keep[slot]) {
              continue;
            }
            byte[] bytes = c.bytes();
            if (i == point - 1 && tornLength >= 0) {
              bytes = Arrays.copyOf(bytes, tornLength);
            }
            byte[] content = files.getOrDefault(rel, new byte[0]);
            int end = (int) c.position() + bytes.length;
            if (content.length < end) {
              content = Arrays.copyOf(content, end);
            }
            System.arraycopy(bytes, 0, content, (int) c.position(), bytes.length);
            files.put(rel, content);
          }
          default -> {
            // Syncs change no content.
          }
        }
      }
      Files.createDirectories(target);
      for (Map.Entry<Path, byte[]> f : files.entrySet()) {
        Path file = target.resolve(f.getKey());
        Files.createDirectories(file.getParent());
        Files.write(file, f.getValue());
      }
    }
  }

  /** Txn {@code t}: three puts (every fourth txn one of 5,000 bytes), deletes of txn t-2, last. */
  private static void commit(StorageEngine e, int t, TreeMap<byte[], byte[]> model) {
    SplittableRandom r = new SplittableRandom(31L * t + 7);
    try (WriteTxn w = e.beginWrite()) {
      for (int j = 0; j < 3; j++) {
        byte[] k = String.format("r/%03d/%d", t, j).getBytes(StandardCharsets.US_ASCII);
        byte[] v = new byte[j == 0 && t % 4 == 0 ? 5000 : 20 + r.nextInt(180)];
        r.nextBytes(v);
        w.put(k, v);
        model.put(k, v);
      }
      for (int j = 0; t >= 2 && j < 3; j += 2) {
        byte[] k = String.format("r/%03d/%d", t - 2, j).getBytes(StandardCharsets.US_ASCII);
        w.delete(k);
        model.remove(k);
      }
      byte[] last = Integer.toString(t).getBytes(StandardCharsets.US_ASCII);
      w.put("r/last".getBytes(StandardCharsets.US_ASCII), last);
      model.put("r/last".getBytes(StandardCharsets.US_ASCII), last);
      w.commit();
    }
  }

  private static TreeMap<byte[], byte[]> content(StorageEngine e) {
    TreeMap<byte[], byte[]> m = new TreeMap<>(KeyRange::compare);
    try (ReadTxn t = e.beginRead();
        Cursor c = t.cursor(KeyRange.all())) {
      while (c.next()) {
        m.put(c.key(), c.value());
      }
    }
    return m;
  }

  private static String render(TreeMap<byte[], byte[]> m) {
    StringBuilder s = new StringBuilder();
    m.forEach(
        (k, v) ->
            s.append(new String(k, StandardCharsets.US_ASCII))
                .append('=')
                .append(Arrays.hashCode(v))
                .append(':')
                .append(v.length)
                .append('\n'));
    return s.toString();
  }

  private static void delete(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static long seed() {
    String fixed = System.getProperty("strata.test.seed", "").trim();
    return fixed.isEmpty() ? System.nanoTime() : Long.parseLong(fixed);
  }
}
