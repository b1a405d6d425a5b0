package dev.strata.btree.internal;

import dev.strata.api.StorageEngine;
import dev.strata.btree.format.PageFormat;
import dev.strata.freelist.Span;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What Strata's own benchmark programs ({@code strata-bench btree ...} in the bench module) read of
 * a btree store beyond its public API: the data file's name, the page header's length, and the
 * allocator's free runs. The module does not export this package, so only code on the class path
 * (the bench's shaded jar) reaches it; it is no API and may change with any release.
 *
 * <p>Thread-safe: {@link #freeRuns} takes the engine's writer gate, like {@code stats()}.
 */
public final class Diagnostics {
  /** The store's data file inside its directory (see {@code FORMAT.md}). */
  public static final String DATA_FILE = PageFormat.DATA_FILE;

  /**
   * Bytes of the header every page run starts with: a value of {@code n * pageSize - PAGE_HEADER}
   * bytes fills an overflow run of exactly {@code n} pages.
   */
  public static final int PAGE_HEADER = PageFormat.HEADER_SIZE;

  /** Set once by the engine's class initializer, which alone can reach its allocator. */
  private static volatile Function<StorageEngine, List<Span>> freeRunSource;

  private Diagnostics() {}

  /**
   * Installs the engine's accessor; the first call wins. Called by the engine class only.
   *
   * @param source returns an engine's free runs, or throws {@link IllegalArgumentException} for an
   *     engine that is not a btree engine
   */
  public static synchronized void install(Function<StorageEngine, List<Span>> source) {
    if (freeRunSource == null) {
      freeRunSource = Objects.requireNonNull(source, "source");
    }
  }

  /**
   * Returns the free runs of a btree engine's allocator: maximal, in ascending page order, pending
   * pages (freed but possibly visible to a reader) excluded. Waits for an open write transaction.
   *
   * @param engine an open engine returned by {@code StorageEngines.open("btree", ...)}
   * @return a snapshot the caller owns
   * @throws NullPointerException if {@code engine} is null
   * @throws IllegalArgumentException if {@code engine} is not a btree engine
   * @throws dev.strata.api.EngineClosedException if the engine is closed
   */
  public static List<Span> freeRuns(StorageEngine engine) {
    Objects.requireNonNull(engine, "engine");
    Function<StorageEngine, List<Span>> source = freeRunSource;
    if (source == null) {
      throw new IllegalArgumentException("not a btree engine: " + engine.name());
    }
    return source.apply(engine);
  }
}
