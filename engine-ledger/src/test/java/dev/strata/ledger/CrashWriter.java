package dev.strata.ledger;

import dev.strata.api.EngineOptions;
import dev.strata.api.WriteTxn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The child process of {@link CrashTest}: commits transactions under {@code SYNC} forever and
 * prints {@code ACK n} after each commit returns, until the parent kills it with SIGKILL.
 */
public final class CrashWriter {
  private CrashWriter() {}

  static byte[] key(int run, int txn, int i) {
    return ("r" + run + "-t" + txn + "-" + i).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] value(int run, int txn, int i) {
    int length = Math.floorMod((run * 31 + txn) * 17 + i, 1500);
    byte[] v = new byte[length];
    for (int j = 0; j < length; j++) {
      v[j] = (byte) (run + txn * 7 + i * 13 + j);
    }
    return v;
  }

  static int keysIn(int txn) {
    return 1 + txn % 4;
  }

  /**
   * Runs the writer.
   *
   * @param args the store directory and the run number
   */
  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    int run = Integer.parseInt(args[1]);
    EngineOptions options = EngineOptions.builder().set("ledger.segmentBytes", "64KiB").build();
    try (LedgerEngine engine = LedgerEngine.open(dir, options)) {
      System.out.println("READY");
      System.out.flush();
      for (int txn = 0; ; txn++) {
        try (WriteTxn t = engine.beginWrite()) {
          for (int i = 0; i < keysIn(txn); i++) {
            t.put(key(run, txn, i), value(run, txn, i));
          }
          if (txn > 0 && txn % 5 == 0) {
            t.delete(key(run, txn - 5, 0));
          }
          t.commit();
        }
        System.out.println("ACK " + txn);
        System.out.flush();
      }
    }
  }
}
