package dev.strata.etcd;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/** Finds etcd's own binaries (Debian packages etcd-server and etcd-client) on the PATH. */
final class Binaries {
  private Binaries() {}

  static Optional<Path> find(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The binary, or the test is skipped with a message saying which package provides it. */
  static Path require(String name, String debianPackage) {
    Optional<Path> found = find(name);
    Assumptions.assumeTrue(
        found.isPresent(),
        name + " is not installed: apt-get install -y " + debianPackage + " (skipping)");
    return found.get();
  }
}
