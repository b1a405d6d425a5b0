package dev.strata.api.spi;

import dev.strata.api.StorageIOException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** File-system chores every persistent engine performs in the same way. */
public final class StoreFiles {
  private StoreFiles() {}

  /**
   * Makes {@code target} an existing, empty directory, as {@link
   * dev.strata.api.StorageEngine#backup(Path)} and similar copy operations require. Never deletes
   * or overwrites anything.
   *
   * @param target the directory to create, or an existing empty directory
   * @throws IllegalArgumentException if {@code target} exists and is not a directory, or is a
   *     directory that holds anything
   * @throws StorageIOException if the directory cannot be listed or created
   */
  public static void prepareEmptyDirectory(Path target) {
    try {
      if (Files.exists(target)) {
        if (!Files.isDirectory(target)) {
          throw new IllegalArgumentException("target " + target + " is not a directory");
        }
        try (Stream<Path> children = Files.list(target)) {
          if (children.findAny().isPresent()) {
            throw new IllegalArgumentException("target " + target + " is not empty");
          }
        }
      } else {
        Files.createDirectories(target);
      }
    } catch (IOException e) {
      throw new StorageIOException("cannot prepare target directory " + target, e);
    }
  }
}
