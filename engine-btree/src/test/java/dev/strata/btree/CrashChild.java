package dev.strata.btree;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.nio.file.Path;

/**
 * The child JVM of {@link CrashTest}: commits transaction after transaction under SYNC and prints
 * {@code ACK n} after commit {@code n} returned, until it is killed.
 *
 * <p>Transaction {@code n} writes {@code TXN_KEYS} keys of its own and the key {@code last = n},
 * and deletes the keys of transaction {@code n - 3}, so a recovered store must hold exactly the
 * keys of the last three transactions up to {@code last}. A restarted child continues after the
 * recovered {@code last}.
 */
public final class CrashChild {
  static final int TXN_KEYS = 10;

  private CrashChild() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    EngineOptions options = EngineOptions.builder().set("btree.freelist", args[1]).build();
    try (StorageEngine e = StorageEngines.open("btree", dir, options)) {
      byte[] last = e.get("last".getBytes());
      long first = last == null ? 0 : Long.parseLong(new String(last)) + 1;
      for (long n = first; ; n++) {
        try (WriteTxn t = e.beginWrite()) {
          for (int j = 0; j < TXN_KEYS; j++) {
            t.put(key(n, j), value(n, j));
          }
          if (n >= 3) {
            for (int j = 0; j < TXN_KEYS; j++) {
              t.delete(key(n - 3, j));
            }
          }
          t.put("last".getBytes(), Long.toString(n).getBytes());
          t.commit();
        }
        System.out.println("ACK " + n);
        System.out.flush();
      }
    }
  }

  static byte[] key(long n, int j) {
    return ("txn-" + n + "-" + j).getBytes();
  }

  static byte[] value(long n, int j) {
    int length = j == 0 && n % 4 == 0 ? 6000 : 20 + j;
    return TestSupport.value(n * 31 + j, length);
  }
}
