package dev.strata.lsm;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The child process of {@link LsmCrashTest}: commits transactions of two keys each under {@code
 * the given durability, printing {@code ACK n} after each commit returns, until it is killed.
 */
public final class CrashWriter {
  private CrashWriter() {}

  static byte[] key(String family, long n) {
    return String.format("%s%010d", family, n).getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] value(long n) {
    byte[] v = new byte[64 + (int) (n % 1000)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (byte) (n * 31 + i);
    }
    return v;
  }

  /**
   * Runs the writer.
   *
   * @param args the store directory, the first transaction number and the durability
   */
  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    long next = Long.parseLong(args[1]);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.US_ASCII);
    EngineOptions options = EngineOptions.builder()
        .durability(Durability.valueOf(args[2]))
        .set("lsm.writeBufferBytes", "1MiB")
        .build();
    StorageEngine engine = StorageEngines.open("lsm", dir, options);
    out.println("OPEN");
    while (true) {
      try (WriteTxn w = engine.beginWrite()) {
        w.put(key("a", next), value(next));
        w.put(key("b", next), value(next));
        w.commit();
      }
      out.println("ACK " + next);
      next++;
    }
  }
}
