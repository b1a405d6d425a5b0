package dev.strata.bench.runner;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngines;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns command-line engine choices into names and {@link EngineOptions}. */
final class EngineSettings {
  private EngineSettings() {}

  /**
   * Resolves {@code --engines}: {@code all} means every single-node engine on the class path, in a
   * stable order (Strata's own first, then the baselines); the {@code raft} engine only by name.
   */
  static List<String> resolve(List<String> requested) {
    List<String> available = new ArrayList<>(StorageEngines.available());
    List<String> names = new ArrayList<>();
    if (requested == null || requested.isEmpty() || requested.contains("all")) {
      for (String preferred : List.of("btree", "lsm", "ledger", "memory", "lmdb", "rocksdb")) {
        if (available.remove(preferred)) {
          names.add(preferred);
        }
      }
      // The replicated engine needs a group of replicas to open; `strata-bench raft` builds one.
      available.remove("raft");
      names.addAll(available);
      return names;
    }
    for (String name : requested) {
      if (!available.contains(name)) {
        throw new BenchException(
            "engine '"
                + name
                + "' is not on the class path; available: "
                + StorageEngines.available());
      }
      names.add(name);
    }
    return names;
  }

  static EngineOptions options(Durability durability, Map<String, String> settings) {
    EngineOptions.Builder b = EngineOptions.builder().durability(durability);
    if (settings != null) {
      settings.forEach(b::set);
    }
    return b.build();
  }
}
