package dev.strata.tck.reliability;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngines;
import dev.strata.api.spi.FileIO;
import java.util.Map;

/**
 * What every part of the reliability kit asks of the engine under test: its name and its settings.
 * A per-engine subclass of a kit part overrides {@link #engine()} and, where the engine needs small
 * files or buffers to reach its interesting paths in a short run, {@link #settings()}. Not
 * thread-safe; JUnit creates one instance per test.
 */
public abstract class EngineHarness {
  /** Creates the harness; subclasses are instantiated by JUnit. */
  protected EngineHarness() {}

  /**
   * Returns the engine name passed to {@link StorageEngines#open}.
   *
   * @return the engine name
   */
  protected abstract String engine();

  /**
   * Returns engine settings for every open, for example small segments or buffers so that rollover
   * and flushes happen within a short run.
   *
   * @return settings; none by default
   */
  protected Map<String, String> settings() {
    return Map.of();
  }

  /**
   * Builds the options for one open: the durability, the file-system seam if any, and {@link
   * #settings()}.
   *
   * @param durability the commit durability
   * @param io the file-system seam, or null for the real file system
   * @return the options
   */
  final EngineOptions options(Durability durability, FileIO io) {
    EngineOptions.Builder b = EngineOptions.builder().durability(durability);
    if (io != null) {
      b.fileIO(io);
    }
    settings().forEach(b::set);
    return b.build();
  }

  /**
   * Prints which part runs on which engine, with its size and the seed to rerun it with.
   *
   * @param part the kit part
   * @param size what the run does, for example "1000 kills" or "50 txns"
   * @param seed the run's seed
   */
  final void announce(String part, String size, long seed) {
    System.out.println(
        part
            + " "
            + engine()
            + " "
            + size
            + " seed "
            + seed
            + " (rerun with -Dstrata.test.seed="
            + seed
            + ")");
  }

  /** The run's seed: {@code -Dstrata.test.seed} if set, else a fresh one the caller prints. */
  static long seed() {
    String fixed = System.getProperty("strata.test.seed", "").trim();
    return fixed.isEmpty() ? System.nanoTime() : Long.parseLong(fixed);
  }
}
