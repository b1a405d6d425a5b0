package dev.strata.btree;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Shared helpers: seeded randomness (seed printed), opening with settings, key encoding. */
final class TestSupport {
  private TestSupport() {}

  static long seed(String test) {
    String fixed = System.getProperty("strata.test.seed");
    long seed = fixed == null || fixed.isBlank() ? System.nanoTime() : Long.parseLong(fixed);
    System.out.println(test + " seed=" + seed + " (rerun with -Dstrata.test.seed=" + seed + ")");
    return seed;
  }

  static SplittableRandom random(String test) {
    return new SplittableRandom(seed(test));
  }

  static BTreeEngine open(Path dir, String... settings) {
    EngineOptions.Builder b = EngineOptions.builder();
    for (int i = 0; i < settings.length; i += 2) {
      b.set(settings[i], settings[i + 1]);
    }
    return BTreeEngine.open(dir, b.build(), PageIO::of);
  }

  static BTreeEngine openNoSync(Path dir, String... settings) {
    EngineOptions.Builder b = EngineOptions.builder().durability(Durability.NO_SYNC);
    for (int i = 0; i < settings.length; i += 2) {
      b.set(settings[i], settings[i + 1]);
    }
    return BTreeEngine.open(dir, b.build(), PageIO::of);
  }

  static byte[] key(long i) {
    return ByteBuffer.allocate(8).putLong(i).array();
  }

  static byte[] value(long i, int length) {
    byte[] v = new byte[length];
    SplittableRandom r = new SplittableRandom(i);
    r.nextBytes(v);
    return v;
  }
}
