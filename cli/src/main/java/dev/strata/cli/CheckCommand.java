package dev.strata.cli;

import dev.strata.api.CorruptionException;
import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.TamperException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/**
 * {@code strata check STORE}: reads every entry, then runs {@code verifyIntegrity()}; prints a
 * verdict line and exits 1 on the first damage found.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Check the whole store, read-only, in two phases, and end with a verdict line: OK (exit 0)"
          + " or DAMAGED with the first damage the engine reports, naming the file and page,"
          + " offset or sequence number (exit 1).",
      "Phase 1 (scan) reads every entry through a cursor, which decodes and checksums every data"
          + " page, block or record on the way; its progress bar counts entries read against the"
          + " engine's key count from stats() (keys, estimatedKeys or liveKeys; an estimate for"
          + " lsm, and for ledger the live keys, so a bar may end short of or past its total).",
      "Phase 2 (verify) runs the engine's verifyIntegrity(): structure, checksums, freelist,"
          + " hash chains and Merkle tree. The engine reports no progress from inside it, so its"
          + " line shows elapsed time only.",
    })
final class CheckCommand implements Callable<Integer> {
  /** Stats keys that count entries, most exact first; engines document their own keys. */
  private static final List<String> KEY_COUNT_STATS = List.of("keys", "liveKeys", "estimatedKeys");

  @ParentCommand Strata strata;
  @Mixin StoreArgs store;
  @Mixin ProgressOption progress;

  @Override
  public Integer call() throws Exception {
    String name = store.engine == null ? "" : store.engine + " ";
    try (StorageEngine engine = store.openReadOnly()) {
      name = engine.name() + " ";
      long total = keyCount(engine.stats());
      long entries = 0;
      long bytes = 0;
      try (Progress bar = Progress.start(progress.mode, strata.err, "scan", total, " entries");
          ReadTxn txn = engine.beginRead();
          Cursor c = txn.cursor(KeyRange.all())) {
        int pending = 0;
        while (c.next()) {
          bytes += c.key().length + c.value().length;
          entries++;
          if (++pending == 4096) {
            bar.step(pending);
            pending = 0;
          }
        }
        bar.step(pending);
      }
      try (AutoCloseable ticker =
          Progress.elapsed(progress.mode, strata.err, "verify", "verifyIntegrity()")) {
        engine.verifyIntegrity();
      }
      strata.out.println(
          "OK: "
              + name
              + "store "
              + store.store
              + " passed: "
              + entries
              + " entries ("
              + bytes
              + " bytes of keys and values) read, verifyIntegrity() found no damage");
      return Strata.OK;
    } catch (TamperException e) {
      strata.out.println(
          "DAMAGED: "
              + name
              + "store "
              + store.store
              + " fails verification at sequence number "
              + e.sequence()
              + ": "
              + e.getMessage());
      return Strata.FAILED_CHECK;
    } catch (CorruptionException e) {
      strata.out.println("DAMAGED: " + name + "store " + store.store + ": " + e.getMessage());
      return Strata.FAILED_CHECK;
    }
  }

  static long keyCount(Map<String, Number> stats) {
    for (String key : KEY_COUNT_STATS) {
      Number n = stats.get(key);
      if (n != null && n.longValue() >= 0) {
        return n.longValue();
      }
    }
    return -1;
  }
}
