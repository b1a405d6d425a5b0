package dev.strata.cli;

import dev.strata.api.StorageEngine;
import dev.strata.api.spi.StoreMarker;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code strata info STORE}: engine, format version, sizes, files and the engine's stats. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = {
      "Show the store's engine and format version (from its marker), its files and their sizes,"
          + " and the engine's stats(). Opens the store read-only."
    })
final class InfoCommand implements Runnable {
  @ParentCommand Strata strata;
  @Mixin StoreArgs store;

  @Override
  public void run() {
    try (StorageEngine engine = store.openReadOnly()) {
      PrintStream out = strata.out;
      Optional<StoreMarker> marker = StoreMarker.read(store.store);
      out.println("store          " + store.store.toAbsolutePath().normalize());
      out.println("engine         " + engine.name());
      out.println(
          "format version "
              + marker
                  .map(m -> m.formatVersion() + " (" + m.file().getFileName() + ")")
                  .orElse("unmarked (written before store markers; marked on the next --write)"));
      Map<String, Long> files = files(store.store);
      long total = files.values().stream().mapToLong(Long::longValue).sum();
      out.println(
          "size           "
              + total
              + " bytes ("
              + human(total)
              + ") in "
              + files.size()
              + " files");
      out.println("files");
      files.forEach((name, size) -> out.printf("  %-40s %,16d%n", name, size));
      out.println("stats");
      new TreeMap<>(engine.stats()).forEach((k, v) -> out.printf("  %-40s %16s%n", k, v));
    }
  }

  /** Every regular file under the store, by relative path, with its size. */
  static Map<String, Long> files(Path dir) {
    Map<String, Long> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (Files.isRegularFile(p)) {
          files.put(dir.relativize(p).toString(), Files.size(p));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    return files;
  }

  static long totalBytes(Path dir) {
    return files(dir).values().stream().mapToLong(Long::longValue).sum();
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String units = "KMGTPE";
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length() - 1) {
      v /= 1024;
      u++;
    }
    return String.format("%.1f %siB", v, units.charAt(u));
  }
}
