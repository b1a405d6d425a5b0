package dev.strata.tck.reliability;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteTxn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The deterministic transaction workload that {@link CrashPointReplay} and {@link
 * FaultInjectionHarness} drive through the file-system seam, with the in-memory model of what a
 * store must hold after it. Transaction {@code t} puts {@code puts} keys {@code w/<t>/<j>} (value
 * sizes from a seed derived from {@code t}; every tenth key of every {@code bigEvery}-th
 * transaction gets a {@code bigBytes} value, so overflow pages and large records appear), deletes
 * every {@code deleteStride}-th key of transaction {@code t - deleteLag}, and overwrites {@code
 * w/last}. Stateless and thread-safe; the model maps are the caller's.
 *
 * @param puts keys put by each transaction
 * @param deleteLag which earlier transaction's keys are deleted ({@code t - deleteLag})
 * @param deleteStride every how many of that transaction's keys one is deleted
 * @param bigEvery every how many transactions every tenth key gets a large value
 * @param bigBytes the size of a large value
 */
record ModelWorkload(int puts, int deleteLag, int deleteStride, int bigEvery, int bigBytes) {
  private static final byte[] LAST = "w/last".getBytes(StandardCharsets.US_ASCII);

  /**
   * Commits transaction {@code t} on {@code e} and applies it to {@code model}: the model holds the
   * transaction even when the commit throws, so a caller keeps its own copy of the state before.
   */
  void commit(StorageEngine e, int t, TreeMap<byte[], byte[]> model) {
    SplittableRandom r = new SplittableRandom(t * 7919L + 1);
    try (WriteTxn w = e.beginWrite()) {
      for (int j = 0; j < puts; j++) {
        boolean big = j % 10 == 0 && t % bigEvery == 0;
        byte[] v = new byte[big ? bigBytes : 10 + r.nextInt(190)];
        r.nextBytes(v);
        byte[] k = key(t, j);
        w.put(k, v);
        model.put(k, v);
      }
      for (int j = 0; t >= deleteLag && j < puts; j += deleteStride) {
        byte[] k = key(t - deleteLag, j);
        w.delete(k);
        model.remove(k);
      }
      byte[] last = Integer.toString(t).getBytes(StandardCharsets.US_ASCII);
      w.put(LAST, last);
      model.put(LAST, last);
      w.commit();
    }
  }

  private static byte[] key(int t, int j) {
    return String.format("w/%03d/%03d", t, j).getBytes(StandardCharsets.US_ASCII);
  }

  /** Returns an empty model, ordered like the engines order keys. */
  static TreeMap<byte[], byte[]> model() {
    return new TreeMap<>(KeyRange::compare);
  }

  /** Reads everything {@code e} holds, in one snapshot. */
  static TreeMap<byte[], byte[]> content(StorageEngine e) {
    TreeMap<byte[], byte[]> m = model();
    try (ReadTxn t = e.beginRead();
        Cursor c = t.cursor(KeyRange.all())) {
      while (c.next()) {
        m.put(c.key(), c.value());
      }
    }
    return m;
  }

  /** Renders a state as text (key, value hash and length per line) for comparison and messages. */
  static String render(TreeMap<byte[], byte[]> m) {
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

  /** Deletes a directory tree, if it exists. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
