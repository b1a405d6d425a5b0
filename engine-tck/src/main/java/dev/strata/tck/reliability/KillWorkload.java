package dev.strata.tck.reliability;

import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The workload of {@link ProcessKillHarness}, and the child JVM's entry point that runs it.
 *
 * <p>Transaction {@code n} writes {@link #TXN_KEYS} keys {@code t/<n>/<j>}, sets {@code m/last} to
 * {@code n} and deletes the keys of transaction {@code n - WINDOW}, so a store recovered at {@code
 * last = L} must hold exactly the whole transactions {@code L - WINDOW + 1 .. L} and nothing else
 * under {@code t/}. Every value carries its transaction number, its index, the key count and a
 * CRC32C of the whole set (all keys and payloads of the transaction), so a partially present or
 * mixed-up transaction is detected from the values alone. One transaction in eight carries a 5,000
 * byte value, to exercise overflow pages and large records.
 *
 * <p>The child waits for a line {@code GO} on its standard input (it is started ahead of its turn),
 * prints {@code READY <last>} once the store is open and {@code ACK <n>} after {@code commit()} of
 * transaction {@code n} returned, and runs until it is killed, or until its standard input closes
 * (the parent is gone). Not thread-safe; used by one thread.
 */
public final class KillWorkload {
  /** Keys written by each transaction. */
  public static final int TXN_KEYS = 8;

  /** How many most recent transactions the store keeps. */
  public static final int WINDOW = 4;

  /** The line the parent sends to let a waiting child open the store. */
  static final byte[] GO = "GO\n".getBytes(StandardCharsets.US_ASCII);

  private static final byte[] LAST = "m/last".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TXN_PREFIX = "t/".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER = 24;

  private KillWorkload() {}

  /**
   * Child JVM entry point: {@code engine dir durability [key=value ...]}.
   *
   * @param args the engine name, the store directory, SYNC or NO_SYNC, then engine settings
   * @throws IOException if standard input cannot be read
   */
  public static void main(String[] args) throws IOException {
    // Load the engines before waiting, so their class loading overlaps the parent's checks too.
    StorageEngines.available();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (in.readLine() == null) {
      return; // The parent ended without needing this child.
    }
    haltWhenParentGone(in);
    EngineOptions.Builder b = EngineOptions.builder().durability(Durability.valueOf(args[2]));
    for (int i = 3; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      b.set(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    try (StorageEngine e = StorageEngines.open(args[0], Path.of(args[1]), b.build())) {
      long last = last(e);
      System.out.println("READY " + last);
      System.out.flush();
      for (long n = last + 1; ; n++) {
        commit(e, n);
        System.out.println("ACK " + n);
        System.out.flush();
      }
    }
  }

  /**
   * Stops this child the moment its standard input closes: the parent died (a test run that was
   * interrupted) and nobody will ever kill it, so it would otherwise commit forever. Halts, like
   * the kill it stands in for.
   */
  private static void haltWhenParentGone(BufferedReader in) {
    Thread watch =
        new Thread(
            () -> {
              try {
                while (in.read() != -1) {
                  // The parent sends nothing after GO; any byte is ignored.
                }
              } catch (IOException closed) {
                // A broken pipe means the same as end of input.
              }
              Runtime.getRuntime().halt(3);
            },
            "parent-watch");
    watch.setDaemon(true);
    watch.start();
  }

  /**
   * Commits transaction {@code n} of the workload.
   *
   * @param e the engine
   * @param n the transaction number, one above the store's {@link #last}
   */
  public static void commit(StorageEngine e, long n) {
    try (WriteTxn t = e.beginWrite()) {
      byte[][] payloads = payloads(n);
      long crc = setChecksum(n, payloads);
      for (int j = 0; j < TXN_KEYS; j++) {
        t.put(key(n, j), value(n, j, crc, payloads[j]));
      }
      if (n >= WINDOW) {
        for (int j = 0; j < TXN_KEYS; j++) {
          t.delete(key(n - WINDOW, j));
        }
      }
      t.put(LAST, Long.toString(n).getBytes(StandardCharsets.US_ASCII));
      t.commit();
    }
  }

  /**
   * Returns the last committed transaction number, or -1 for a store the workload never wrote.
   *
   * @param e the engine
   * @return the value of {@code m/last}, or -1
   */
  public static long last(StorageEngine e) {
    byte[] v = e.get(LAST);
    return v == null ? -1 : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
  }

  /**
   * Checks the workload's invariant in one snapshot: the transactions under {@code t/} are exactly
   * {@code max(0, last - WINDOW + 1) .. last}, each whole, each value matching its key and the
   * set's checksum.
   *
   * @param e the engine
   * @return the recovered {@code last}, -1 for an empty store
   * @throws AssertionError describing the first violation
   */
  public static long check(StorageEngine e) {
    try (ReadTxn r = e.beginRead()) {
      byte[] lastBytes = r.get(LAST);
      long last =
          lastBytes == null ? -1 : Long.parseLong(new String(lastBytes, StandardCharsets.US_ASCII));
      TreeMap<Long, List<byte[][]>> found = new TreeMap<>();
      try (Cursor c = r.cursor(KeyRange.prefix(TXN_PREFIX))) {
        while (c.next()) {
          byte[] k = c.key();
          String[] parts = new String(k, StandardCharsets.US_ASCII).split("/");
          long n = Long.parseLong(parts[1]);
          found.computeIfAbsent(n, x -> new ArrayList<>()).add(new byte[][] {k, c.value()});
        }
      }
      long from = Math.max(0, last - WINDOW + 1);
      for (long n : found.keySet()) {
        if (n < from || n > last) {
          throw new AssertionError(
              "txn "
                  + n
                  + " is visible but last is "
                  + last
                  + " (a deleted or uncommitted txn leaked)");
        }
      }
      for (long n = from; n <= last; n++) {
        List<byte[][]> entries = found.get(n);
        if (entries == null || entries.size() != TXN_KEYS) {
          throw new AssertionError(
              "txn "
                  + n
                  + " is partial: "
                  + (entries == null ? 0 : entries.size())
                  + " of "
                  + TXN_KEYS
                  + " keys (last "
                  + last
                  + ")");
        }
        byte[][] payloads = payloads(n);
        long crc = setChecksum(n, payloads);
        for (byte[][] kv : entries) {
          checkValue(n, kv[0], kv[1], crc);
        }
      }
      return last;
    }
  }

  private static void checkValue(long n, byte[] key, byte[] value, long expectedCrc) {
    String name = new String(key, StandardCharsets.US_ASCII);
    if (value.length < HEADER) {
      throw new AssertionError(name + ": value of " + value.length + " bytes is torn");
    }
    ByteBuffer h = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    long vn = h.getLong();
    int vj = h.getInt();
    int count = h.getInt();
    long crc = h.getLong();
    int j = Integer.parseInt(name.substring(name.lastIndexOf('/') + 1));
    if (vn != n || vj != j || count != TXN_KEYS) {
      throw new AssertionError(name + ": value belongs to txn " + vn + " key " + vj);
    }
    if (crc != expectedCrc) {
      throw new AssertionError(name + ": set checksum " + crc + " != " + expectedCrc);
    }
    byte[] payload = Arrays.copyOfRange(value, HEADER, value.length);
    if (!Arrays.equals(payload, payloads(n)[j])) {
      throw new AssertionError(name + ": payload differs from what txn " + n + " wrote");
    }
  }

  static byte[] key(long n, int j) {
    return String.format("t/%012d/%02d", n, j).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[][] payloads(long n) {
    SplittableRandom r = new SplittableRandom(n * 0x9E3779B97F4A7C15L);
    byte[][] p = new byte[TXN_KEYS][];
    for (int j = 0; j < TXN_KEYS; j++) {
      int length = j == 0 && n % 8 == 0 ? 5000 : 8 + r.nextInt(120);
      p[j] = new byte[length];
      r.nextBytes(p[j]);
    }
    return p;
  }

  private static long setChecksum(long n, byte[][] payloads) {
    CRC32C crc = new CRC32C();
    for (int j = 0; j < TXN_KEYS; j++) {
      crc.update(key(n, j));
      crc.update(payloads[j]);
    }
    return crc.getValue();
  }

  private static byte[] value(long n, int j, long crc, byte[] payload) {
    return ByteBuffer.allocate(HEADER + payload.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(n)
        .putInt(j)
        .putInt(TXN_KEYS)
        .putLong(crc)
        .put(payload)
        .array();
  }
}
