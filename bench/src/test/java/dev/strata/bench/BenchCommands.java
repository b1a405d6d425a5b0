package dev.strata.bench;

import dev.strata.bench.runner.StrataBench;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Runs {@code strata-bench} commands in tests, with stores and results under a test directory. */
public final class BenchCommands {
  private BenchCommands() {}

  /**
   * Runs a command as the jar would, adding {@code --dir <dir>/work --out <dir>/out --no-progress}.
   *
   * @param dir the test's directory
   * @param args the command line, without the program name
   * @return the exit code
   */
  public static int execute(Path dir, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--dir",
            dir.resolve("work").toString(),
            "--out",
            dir.resolve("out").toString(),
            "--no-progress"));
    return StrataBench.execute(all.toArray(String[]::new));
  }

  /**
   * Returns the one file in {@code directory} whose name ends with {@code suffix}.
   *
   * @param directory the directory listed
   * @param suffix the end of the name, e.g. {@code ".csv"}
   * @return the file
   * @throws IOException if the directory cannot be listed
   * @throws AssertionError if there is not exactly one such file
   */
  public static Path only(Path directory, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      List<Path> matches = files.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
      if (matches.size() != 1) {
        throw new AssertionError("files ending in " + suffix + ": " + matches);
      }
      return matches.get(0);
    }
  }
}
