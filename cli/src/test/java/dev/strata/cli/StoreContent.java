package dev.strata.cli;

import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** A store's full content read by a scan, for comparisons; verifies the store on the way. */
final class StoreContent {
  private StoreContent() {}

  /** Every entry as "base64(key)=base64(value)", in key order. */
  static List<String> scan(Path store) {
    List<String> entries = new ArrayList<>();
    try (StorageEngine e =
            StorageEngines.open(store, EngineOptions.builder().readOnly(true).build());
        ReadTxn txn = e.beginRead();
        Cursor c = txn.cursor(KeyRange.all())) {
      while (c.next()) {
        entries.add(
            Base64.getEncoder().encodeToString(c.key())
                + "="
                + Base64.getEncoder().encodeToString(c.value()));
      }
      e.verifyIntegrity();
    }
    return entries;
  }
}
