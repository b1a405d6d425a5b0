package dev.strata.bench.runner;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --engines}, for the commands that measure several engines (picocli mixin). */
final class EngineListOption {
  @Option(
      names = "--engines",
      split = ",",
      paramLabel = "NAME",
      description =
          "Engines, comma-separated, or 'all' (default: every single-node engine on the class"
              + " path; the raft engine has its own command, raft).")
  List<String> engines = new ArrayList<>();

  /** The engines to measure, resolved against the class path. */
  List<String> resolve() {
    return EngineSettings.resolve(engines);
  }
}
