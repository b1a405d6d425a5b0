package dev.strata.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.api.Capability;
import dev.strata.api.Cursor;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fixture and helpers shared by the conformance suite: opens the engine under test in a fresh
 * directory, tracks every engine a test opens, and after each test that wrote runs {@link
 * StorageEngine#verifyIntegrity()} (and, for persistent engines, reopens the store and checks it
 * again, so every test also proves a clean recovery).
 */
@ExtendWith(EngineTestSupport.IntegrityCheck.class)
public abstract class EngineTestSupport {
  /** The engine's directory for the test; fresh per test. */
  @TempDir protected Path tempDir;

  /** The engine under test, opened on {@link #storeDir()} with {@link #options()}. */
  protected StorageEngine engine;

  private final List<StorageEngine> opened = new ArrayList<>();

  /**
   * Opens the engine under test. Subclasses call their provider, typically {@code
   * StorageEngines.open("btree", directory, options)}.
   *
   * @param directory the store directory
   * @param options the options to open with
   * @return the open engine
   */
  protected abstract StorageEngine open(Path directory, EngineOptions options);

  /**
   * Settings the engine must reject with {@link IllegalArgumentException} on open, as key to value.
   * The suite always also tries an unknown key under the engine's own prefix.
   *
   * @return malformed or out-of-range settings; empty by default
   */
  protected Map<String, String> invalidSettings() {
    return Map.of();
  }

  /**
   * The options tests open with by default.
   *
   * @return {@link EngineOptions#defaults()} unless overridden
   */
  protected EngineOptions options() {
    return EngineOptions.defaults();
  }

  /** Opens the engine under test before each test. */
  @BeforeEach
  void openEngine() {
    engine = openTracked(storeDir(), options());
  }

  /**
   * Returns the directory of the main store.
   *
   * @return the directory
   */
  protected Path storeDir() {
    return tempDir.resolve("store");
  }

  /**
   * Opens an engine and tracks it so it is checked and closed after the test.
   *
   * @param directory the store directory
   * @param options the options
   * @return the open engine
   */
  protected StorageEngine openTracked(Path directory, EngineOptions options) {
    StorageEngine e = open(directory, options);
    opened.add(e);
    return e;
  }

  /**
   * Closes {@link #engine} and opens the same directory again.
   *
   * @return the new engine, also stored in {@link #engine}
   */
  protected StorageEngine reopen() {
    engine.close();
    engine = openTracked(storeDir(), options());
    return engine;
  }

  /**
   * Tells whether the engine under test declares a capability.
   *
   * @param capability the capability
   * @return true if declared
   */
  protected boolean has(Capability capability) {
    return engine.capabilities().contains(capability);
  }

  /** Verifies and closes every engine the test opened; see the class comment. */
  void finishTest() {
    boolean persistent = engine.capabilities().contains(Capability.PERSISTENT);
    boolean wrote = false;
    for (StorageEngine e : opened) {
      wrote |= e.meter().logicalBytes() > 0;
    }
    try {
      for (StorageEngine e : opened) {
        if (wrote && !isClosed(e)) {
          e.verifyIntegrity();
        }
      }
    } finally {
      for (StorageEngine e : opened) {
        e.close();
      }
    }
    if (wrote && persistent) {
      try (StorageEngine again = open(storeDir(), EngineOptions.defaults())) {
        again.verifyIntegrity();
      }
    }
    opened.clear();
  }

  private static boolean isClosed(StorageEngine e) {
    try {
      e.stats();
      return false;
    } catch (EngineClosedException closed) {
      return true;
    }
  }

  /** Runs {@link #finishTest()} after each test, after any {@code @AfterEach} method. */
  static final class IntegrityCheck implements AfterEachCallback {
    @Override
    public void afterEach(ExtensionContext context) {
      context
          .getTestInstance()
          .filter(EngineTestSupport.class::isInstance)
          .map(EngineTestSupport.class::cast)
          .ifPresent(EngineTestSupport::finishTest);
    }
  }

  // ---- helpers ----

  /**
   * Returns the UTF-8 bytes of a string.
   *
   * @param s the string
   * @return its bytes
   */
  protected static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Returns a byte array from int values (each truncated to a byte).
   *
   * @param values the bytes
   * @return the array
   */
  protected static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  /**
   * Returns {@code length} pseudo-random bytes.
   *
   * @param random the source
   * @param length the length
   * @return the bytes
   */
  protected static byte[] randomBytes(SplittableRandom random, int length) {
    byte[] out = new byte[length];
    for (int i = 0; i < length; i++) {
      out[i] = (byte) random.nextInt(256);
    }
    return out;
  }

  /**
   * Returns a fresh empty map ordered like the engines' keys.
   *
   * @return an unsigned-lexicographic tree map
   */
  protected static TreeMap<byte[], byte[]> model() {
    return new TreeMap<>(KeyRange::compare);
  }

  /**
   * Reads every entry of a range in one read transaction, rendered as {@code hexkey=hexvalue}.
   *
   * @param e the engine
   * @param range the range
   * @return the entries in cursor order
   */
  protected static List<String> scan(StorageEngine e, KeyRange range) {
    return e.view(txn -> scan(txn, range));
  }

  /**
   * Reads every entry of a range in a transaction, rendered as {@code hexkey=hexvalue}.
   *
   * @param txn the transaction
   * @param range the range
   * @return the entries in cursor order
   */
  protected static List<String> scan(ReadTxn txn, KeyRange range) {
    List<String> out = new ArrayList<>();
    try (Cursor c = txn.cursor(range)) {
      while (c.next()) {
        out.add(render(c.key(), c.value()));
      }
    }
    return out;
  }

  /**
   * Renders the entries of a model inside a range, in the range's direction.
   *
   * @param model the expected content
   * @param range the range
   * @return the entries as {@link #scan} renders them
   */
  protected static List<String> expected(TreeMap<byte[], byte[]> model, KeyRange range) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
      if (range.contains(e.getKey())) {
        out.add(render(e.getKey(), e.getValue()));
      }
    }
    if (range.isReversed()) {
      java.util.Collections.reverse(out);
    }
    return out;
  }

  /**
   * Renders one entry.
   *
   * @param key the key
   * @param value the value
   * @return {@code hexkey=hexvalue}
   */
  protected static String render(byte[] key, byte[] value) {
    return HexFormat.of().formatHex(key) + "=" + HexFormat.of().formatHex(value);
  }

  /**
   * Asserts that an engine holds exactly the model's content.
   *
   * @param model the expected content
   * @param e the engine
   */
  protected static void assertContent(TreeMap<byte[], byte[]> model, StorageEngine e) {
    assertEquals(expected(model, KeyRange.all()), scan(e, KeyRange.all()));
  }

  /**
   * Writes every entry of a map in one committed transaction.
   *
   * @param e the engine
   * @param entries the entries
   */
  protected static void putAll(StorageEngine e, Map<byte[], byte[]> entries) {
    e.update(
        txn -> {
          entries.forEach(txn::put);
          return null;
        });
  }

  /**
   * Returns the seed for a randomized test: {@code -Dstrata.test.seed} when given, else fresh.
   *
   * @return the seed
   */
  protected static long seed() {
    String fixed = System.getProperty("strata.test.seed", "").trim();
    return fixed.isEmpty() ? System.nanoTime() : Long.parseLong(fixed);
  }
}
