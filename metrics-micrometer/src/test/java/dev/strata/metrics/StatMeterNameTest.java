package dev.strata.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Stats keys of every engine become dot-separated lower-case gauge names. */
class StatMeterNameTest {
  @ParameterizedTest
  @CsvSource({
    "keys, strata.stats.keys",
    "pagesInUse, strata.stats.pages.in.use",
    "freelistRebuildMillis, strata.stats.freelist.rebuild.millis",
    "filesAtLevel0, strata.stats.files.at.level0",
    "chainHead64, strata.stats.chain.head64",
    "rocksdbWriteAmp, strata.stats.rocksdb.write.amp",
    "compaction.Sum.WriteAmp, strata.stats.compaction.sum.write.amp",
    "level0_files, strata.stats.level0.files",
    "__odd--Key__, strata.stats.odd.key",
  })
  void statMeterName_splitsCamelCaseAndSeparators(String key, String expected) {
    assertEquals(expected, StrataMetrics.statMeterName(key));
  }
}
