package dev.strata.api;

import dev.strata.api.spi.StoreMarker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * <p>Every persistent engine marks the directory of a store it creates with its name and format
 * version (see {@link dev.strata.api.spi.StoreMarker}) and refuses another engine's store with
 * {@link WrongEngineException}, leaving it untouched; {@link #detect(Path)} reads that mark, and
 * {@link #open(Path, EngineOptions)} opens an existing store with whichever engine wrote it.
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
   * @throws WrongEngineException if the directory holds another engine's store
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
   * @throws WrongEngineException if the directory holds another engine's store; it is untouched
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
   * Opens an existing store with the engine that wrote it, as {@link #detect(Path)} names it.
   * Creating a store needs an engine's name: use {@link #open(String, Path, EngineOptions)}.
   *
   * @param directory the store's directory
   * @param options the options; {@link EngineOptions#createIfMissing()} is irrelevant, since a
   *     store must exist
   * @return the open engine; the caller must close it
   * @throws NullPointerException if an argument is null
   * @throws StorageException if the directory is missing or holds no store of any engine (the
   *     message says which), or the engine that wrote it is not on the class path (the message
   *     names it and the available ones), or the engine cannot open the store (see {@link
   *     StorageEngineProvider#open})
   * @throws CorruptionException if the directory's marker is damaged
   */
  public static StorageEngine open(Path directory, EngineOptions options) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    String engine =
        detect(directory)
            .orElseThrow(
                () ->
                    new StorageException(
                        Files.exists(directory)
                            ? directory
                                + " holds no Strata store (no "
                                + StoreMarker.FILE_NAME
                                + " marker and no engine's files)"
                            : "no store at " + directory + ": the directory does not exist"));
    if (!Registry.PROVIDERS.containsKey(engine)) {
      throw new StorageException(
          directory
              + " holds a store of engine '"
              + engine
              + "', which is not on the class path; available engines: "
              + available());
    }
    return open(engine, directory, options);
  }

  /**
   * Names the engine whose store a directory holds, reading only: the directory's marker, or for a
   * store written before markers existed, the engine its files identify.
   *
   * @param directory the store's directory
   * @return the engine's name, or empty when the directory is missing or holds no store
   * @throws NullPointerException if {@code directory} is null
   * @throws CorruptionException if the marker is damaged, or an unmarked directory holds the files
   *     of several engines
   * @throws StorageIOException if the marker cannot be read
   */
  public static Optional<String> detect(Path directory) {
    return StoreMarker.detect(directory);
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
