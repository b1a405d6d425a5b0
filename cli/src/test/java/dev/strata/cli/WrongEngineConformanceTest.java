package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WrongEngineException;
import dev.strata.api.spi.StoreMarker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every persistent engine refuses every other persistent engine's store with {@link
 * WrongEngineException}, writable or read-only, and the refused store stays byte for byte what it
 * was and still opens with its own engine. Needs every engine on one class path, which only this
 * module has.
 */
class WrongEngineConformanceTest {
  private static final List<String> PERSISTENT = List.of("btree", "lsm", "ledger");

  @TempDir Path dir;

  static Stream<Arguments> pairs() {
    List<Arguments> pairs = new ArrayList<>();
    for (String owner : PERSISTENT) {
      for (String other : PERSISTENT) {
        if (!owner.equals(other)) {
          pairs.add(Arguments.of(owner, other));
        }
      }
    }
    return pairs.stream();
  }

  @ParameterizedTest(name = "{0} store opened as {1}")
  @MethodSource("pairs")
  void storeOfOneEngine_openedAsAnother_isRefusedAndIntact(String owner, String other)
      throws IOException {
    Path store = dir.resolve(owner);
    try (StorageEngine e = StorageEngines.open(owner, store)) {
      for (int i = 0; i < 100; i++) {
        e.put(bytes("key" + i), bytes("value" + i));
      }
    }
    Map<String, byte[]> filesBefore = files(store);
    for (EngineOptions options :
        List.of(EngineOptions.defaults(), EngineOptions.builder().readOnly(true).build())) {
      WrongEngineException refused =
          assertThrows(
              WrongEngineException.class, () -> StorageEngines.open(other, store, options));
      assertEquals(owner, refused.foundEngine());
      assertEquals(other, refused.requestedEngine());
      assertFilesEqual(filesBefore, files(store));
    }
    assertEquals(owner, StorageEngines.detect(store).orElseThrow());
    try (StorageEngine e = StorageEngines.open(store, EngineOptions.defaults())) {
      assertEquals(owner, e.name());
      assertEquals(100, count(e));
      e.verifyIntegrity();
    }
  }

  @ParameterizedTest(name = "unmarked {0} store opened as {1}")
  @MethodSource("pairs")
  void unmarkedStoreOfOneEngine_openedAsAnother_isRefused(String owner, String other)
      throws IOException {
    Path store = dir.resolve(owner);
    try (StorageEngine e = StorageEngines.open(owner, store)) {
      e.put(bytes("k"), bytes("v"));
    }
    // A store written before directories were marked: only the engine's own files.
    Files.delete(store.resolve(StoreMarker.FILE_NAME));
    Map<String, byte[]> filesBefore = files(store);
    assertThrows(
        WrongEngineException.class,
        () -> StorageEngines.open(other, store, EngineOptions.defaults()));
    assertFilesEqual(filesBefore, files(store));
    try (StorageEngine e =
        StorageEngines.open(store, EngineOptions.builder().readOnly(true).build())) {
      assertEquals(owner, e.name());
    }
    assertEquals(false, Files.exists(store.resolve(StoreMarker.FILE_NAME)));
    try (StorageEngine e = StorageEngines.open(owner, store)) {
      assertArrayEquals(bytes("v"), e.get(bytes("k")));
    }
    assertEquals(owner, StoreMarker.read(store).orElseThrow().engine());
  }

  @Test
  void everyPersistentEngine_marksTheStoreItCreates() {
    for (String engine : PERSISTENT) {
      Path store = dir.resolve("new-" + engine);
      try (StorageEngine e = StorageEngines.open(engine, store)) {
        e.put(bytes("k"), bytes("v"));
      }
      assertEquals(engine, StoreMarker.read(store).orElseThrow().engine());
    }
  }

  private static long count(StorageEngine e) {
    long n = 0;
    try (ReadTxn txn = e.beginRead();
        Cursor c = txn.cursor(KeyRange.all())) {
      while (c.next()) {
        n++;
      }
    }
    return n;
  }

  /** Every file under the store except lock files, whose content nobody reads. */
  private static Map<String, byte[]> files(Path store) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(store)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (Files.isRegularFile(p)) {
          files.put(store.relativize(p).toString(), Files.readAllBytes(p));
        }
      }
    }
    return files;
  }

  private static void assertFilesEqual(Map<String, byte[]> expected, Map<String, byte[]> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    for (Map.Entry<String, byte[]> e : expected.entrySet()) {
      assertArrayEquals(e.getValue(), actual.get(e.getKey()), e.getKey());
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
