package dev.strata.tck.reliability;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.nio.file.Path;

/**
 * A child JVM of {@link ProcessKillHarness}'s lock test: tries once to open a store and prints
 * {@code OPENED} or the simple name of the exception the open threw, then exits.
 *
 * <p>Arguments: engine name, store directory, {@code read-only} or {@code writable}, then settings
 * as {@code key=value}.
 */
final class LockProbe {
  private LockProbe() {}

  public static void main(String[] args) {
    EngineOptions.Builder options =
        EngineOptions.builder().readOnly(args[2].equals("read-only")).createIfMissing(false);
    for (int i = 3; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      options.set(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    try (StorageEngine e = StorageEngines.open(args[0], Path.of(args[1]), options.build())) {
      System.out.println("OPENED");
    } catch (RuntimeException e) {
      System.out.println(e.getClass().getSimpleName());
    }
  }
}
