/**
 * The Strata contract ({@code dev.strata.api}), helpers for engine implementers ({@code
 * dev.strata.api.spi}), and the in-memory reference engine {@code memory}.
 */
module dev.strata.api {
  exports dev.strata.api;
  exports dev.strata.api.spi;

  uses dev.strata.api.StorageEngineProvider;

  provides dev.strata.api.StorageEngineProvider with
      dev.strata.api.memory.MemoryEngineProvider;
}
