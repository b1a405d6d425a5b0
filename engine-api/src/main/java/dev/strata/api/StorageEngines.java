package dev.strata.api;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * Opens engines by name. Engines register a {@link StorageEngineProvider} through {@link
 * ServiceLoader}; adding an engine module to the class path or module path makes its name available
 * here. The {@code memory} engine ships with this module.
 *
 * <pre>{@code
 * try (StorageEngine db = StorageEngines.open("btree", Path.of("data"))) {
 *   db.put(key, value);
 * }
 * }</pre>
 *
 * <p>Thread-safe. Providers are discovered once, on first use, with the class loader that loaded
 * this class.
 */
public final class StorageEngines {
  private StorageEngines() {}

  private static final class Registry {
    static final Map<String, StorageEngineProvider> PROVIDERS = load();

    private static Map<String, StorageEngineProvider> load() {
      Map<String, StorageEngineProvider> found = new TreeMap<>();
      for (StorageEngineProvider p :
          ServiceLoader.load(StorageEngineProvider.class, StorageEngines.class.getClassLoader())) {
        found.putIfAbsent(p.name(), p);
      }
      return Collections.unmodifiableMap(found);
    }
  }

  /**
   * Opens or creates a store with default options.
   *
   * @param engine the engine's name, one of {@link #available()}
   * @param directory the store's directory
   * @return the open engine; the caller must close it
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if no engine has that name; the message lists the available
   *     ones
   * @throws StorageException if the engine cannot open the store (see {@link
   *     StorageEngineProvider#open})
   */
  public static StorageEngine open(String engine, Path directory) {
    return open(engine, directory, EngineOptions.defaults());
  }

  /**
   * Opens or creates a store.
   *
   * @param engine the engine's name, one of {@link #available()}
   * @param directory the store's directory
   * @param options the options
   * @return the open engine; the caller must close it
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if no engine has that name (the message lists the available
   *     ones) or an option is invalid
   * @throws StorageException if the engine cannot open the store (see {@link
   *     StorageEngineProvider#open})
   */
  public static StorageEngine open(String engine, Path directory, EngineOptions options) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    StorageEngineProvider provider = Registry.PROVIDERS.get(engine);
    if (provider == null) {
      throw new IllegalArgumentException(
          "unknown engine '" + engine + "'; available engines: " + available());
    }
    return provider.open(directory, options);
  }

  /**
   * Returns the names of the engines found.
   *
   * @return an unmodifiable, sorted set, for example {@code [btree, ledger, lsm, memory]}
   */
  public static Set<String> available() {
    return Registry.PROVIDERS.keySet();
  }
}
