package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command against a store of every persistent engine. */
class CommandsTest {
  @TempDir Path dir;

  private Path store;

  /** A store of {@code engine} holding key00..key19 = value00..value19, made with put. */
  private Path storeOf(String engine) {
    store = dir.resolve(engine);
    try (StorageEngine e = StorageEngines.open(engine, store)) {
      for (int i = 0; i < 20; i++) {
        e.put(bytes(String.format("key%02d", i)), bytes(String.format("value%02d", i)));
      }
    }
    return store;
  }

  private static Cli.Result ok(String... args) {
    Cli.Result r = Cli.run(args);
    assertEquals(0, r.code(), r::toString);
    return r;
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void info_showsEngineFormatFilesAndStats(String engine) {
    String s = storeOf(engine).toString();
    Cli.Result r = ok("info", s);
    assertTrue(r.out().contains("engine         " + engine), r::toString);
    assertTrue(r.out().contains("format version "), r::toString);
    assertTrue(r.out().contains("STRATA-STORE"), r::toString);
    assertTrue(r.out().contains("stats"), r::toString);
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void check_intactStore_saysOk(String engine) {
    String s = storeOf(engine).toString();
    Cli.Result r = ok("check", s);
    assertTrue(r.out().startsWith("OK: " + engine + " store"), r::toString);
    assertTrue(r.out().contains("20 entries"), r::toString);
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void get_printsValueInEachFormat(String engine) {
    String s = storeOf(engine).toString();
    assertEquals("value07\n", ok("get", s, "key07").out());
    assertEquals(
        "76616c75653037\n",
        ok("get", s, "6b65793037", "--arg-format", "hex", "--format", "hex").out());
    assertEquals("dmFsdWUwNw==\n", ok("get", s, "key07", "--format", "base64").out());
    assertEquals(
        "{\"key\":\"a2V5MDc=\",\"value\":\"dmFsdWUwNw==\"}\n",
        ok("get", s, "key07", "--format", "json").out());
    Cli.Result absent = Cli.run("get", s, "nope");
    assertEquals(2, absent.code(), absent::toString);
    assertEquals("", absent.out());
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void scan_rangesPrefixesReverseAndLimit(String engine) {
    String s = storeOf(engine).toString();
    assertEquals(20, ok("scan", s).outLines().size());
    assertEquals(
        List.of("key05\tvalue05", "key06\tvalue06", "key07\tvalue07"),
        ok("scan", s, "--from", "key05", "--to", "key08").outLines());
    assertEquals(
        List.of("key19\tvalue19", "key18\tvalue18"),
        ok("scan", s, "--reverse", "--limit", "2").outLines());
    assertEquals(
        IntStream.range(10, 20).mapToObj(i -> "key" + i).collect(Collectors.toList()),
        ok("scan", s, "--prefix", "key1", "--keys-only").outLines());
    assertEquals(
        List.of("{\"key\":\"a2V5MDA=\",\"value\":\"dmFsdWUwMA==\"}"),
        ok("scan", s, "--limit", "1", "--format", "json").outLines());
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void putDeleteAndDeleteRange_changeTheStore(String engine) {
    String s = storeOf(engine).toString();
    ok("put", "--write", s, "new", "thing");
    assertEquals("thing\n", ok("get", s, "new").out());
    assertEquals("deleted 1\n", ok("delete", "--write", s, "key00").out());
    assertEquals("deleted 0\n", ok("delete", "--write", s, "key00").out());
    assertEquals("deleted 10\n", ok("delete-range", "--write", s, "--prefix", "key1").out());
    assertEquals(
        "deleted 3\n", ok("delete-range", "--write", s, "--from", "key01", "--to", "key04").out());
    assertEquals(
        List.of("key04", "key05", "key06", "key07", "key08", "key09", "new"),
        ok("scan", s, "--keys-only").outLines());
    assertEquals("deleted 7\n", ok("delete-range", "--write", s, "--all").out());
    assertEquals(List.of(), ok("scan", s).outLines());
    assertEquals(List.of(), StoreContent.scan(store));
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void deleteRange_manyBatches_deletesExactlyTheRange(String engine) {
    store = dir.resolve(engine);
    try (StorageEngine e =
        StorageEngines.open(
            engine,
            store,
            EngineOptions.builder().durability(dev.strata.api.Durability.NO_SYNC).build())) {
      e.update(
          txn -> {
            for (int i = 0; i < 25_000; i++) {
              txn.put(bytes(String.format("a%06d", i)), bytes("v"));
            }
            txn.put(bytes("b"), bytes("kept"));
            return null;
          });
    }
    assertEquals(
        "deleted 25000\n", ok("delete-range", "--write", store.toString(), "--prefix", "a").out());
    assertEquals(List.of("Yg==" + "=" + "a2VwdA=="), StoreContent.scan(store));
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void exportThenImport_givesIdenticalContent(String engine) throws Exception {
    String s = storeOf(engine).toString();
    Path dump = dir.resolve("dump.jsonl");
    ok("export", s, "--output", dump.toString());
    assertEquals(20, Files.readAllLines(dump).size());
    Path copy = dir.resolve("copy");
    Cli.Result r =
        Cli.runWithInput(
            Files.readAllBytes(dump), "import", "--engine", engine, "--write", copy.toString());
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.err().contains("imported 20 entries"), r::toString);
    assertEquals(StoreContent.scan(store), StoreContent.scan(copy));
    assertEquals(ok("export", s).out(), Files.readString(dump));
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void backup_writesACopyThatOpens(String engine) {
    String s = storeOf(engine).toString();
    Path target = dir.resolve("backup");
    Cli.Result r = ok("backup", s, target.toString());
    assertTrue(r.out().startsWith("backup of " + engine + " store"), r::toString);
    assertEquals(StoreContent.scan(store), StoreContent.scan(target));
    assertTrue(ok("check", target.toString()).out().startsWith("OK: " + engine));
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void compact_perEngine(String engine) {
    String s = storeOf(engine).toString();
    List<String> before = StoreContent.scan(store);
    switch (engine) {
      case "btree" -> {
        Path target = dir.resolve("compacted");
        Cli.Result r = ok("compact", s, target.toString());
        assertTrue(r.out().contains("before") && r.out().contains("after"), r::toString);
        assertEquals(before, StoreContent.scan(target));
        assertEquals(2, Cli.run("compact", s).code());
      }
      case "lsm" -> {
        assertEquals(2, Cli.run("compact", s).code());
        Cli.Result r = ok("compact", "--write", s);
        assertTrue(r.out().contains("in place"), r::toString);
        assertEquals(before, StoreContent.scan(store));
      }
      default -> {
        Cli.Result r = Cli.run("compact", "--write", s);
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("append-only"), r::toString);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm"})
  void ledgerCommands_onAnotherEngine_areRefused(String engine) {
    String s = storeOf(engine).toString();
    Cli.Result r = Cli.run("ledger", "digest", s);
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("ledger commands need a ledger store"), r::toString);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ledger"})
  void ledgerDigestVerifyProveHistory(String engine) throws Exception {
    String s = storeOf(engine).toString();
    Path digest = dir.resolve("digest.json");
    Cli.Result d = ok("ledger", "digest", s, "--output", digest.toString());
    assertTrue(d.out().startsWith("{\"size\":20,\"merkleRoot\":\""), d::toString);
    ok("put", "--write", s, "key03", "changed");
    Cli.Result v = ok("ledger", "verify", s, "--digest", digest.toString());
    assertTrue(v.out().startsWith("OK: ledger") && v.out().contains("size 20 -> 21"), v::toString);
    Cli.Result p = ok("ledger", "prove", s, "--seq", "3");
    assertTrue(p.out().contains("key        key03"), p::toString);
    assertTrue(p.out().contains("verified: entry 3 is in the tree of size 21"), p::toString);
    Cli.Result old = ok("ledger", "prove", s, "--seq", "3", "--digest", digest.toString());
    assertTrue(old.out().contains("tree of size 20"), old::toString);
    List<String> history = ok("ledger", "history", s, "key03").outLines();
    assertEquals(2, history.size(), history::toString);
    assertTrue(history.get(0).startsWith("3\t") && history.get(0).endsWith("PUT\tvalue03"));
    assertTrue(history.get(1).startsWith("20\t") && history.get(1).endsWith("PUT\tchanged"));
    ok("delete", "--write", s, "key03");
    List<String> after = ok("ledger", "history", s, "key03").outLines();
    assertTrue(after.get(2).contains("DELETE"), after::toString);
  }

  @Test
  void everyCommand_hasHelp() {
    for (String command :
        List.of(
            "info",
            "check",
            "get",
            "scan",
            "put",
            "delete",
            "delete-range",
            "export",
            "import",
            "backup",
            "compact",
            "ledger")) {
      Cli.Result r = Cli.run(command, "--help");
      assertEquals(0, r.code(), r::toString);
      assertTrue(r.out().startsWith("Usage: strata " + command), r::toString);
    }
    for (String sub : List.of("digest", "verify", "prove", "history")) {
      Cli.Result r = Cli.run("ledger", sub, "--help");
      assertEquals(0, r.code(), r::toString);
      assertTrue(r.out().startsWith("Usage: strata ledger " + sub), r::toString);
    }
    assertFalse(Cli.run("--help").out().isEmpty());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
