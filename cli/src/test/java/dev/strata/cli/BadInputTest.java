package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bad-input table: each case exits with its documented code and one line on standard error
 * naming what is wrong, never a stack trace, and leaves the store as it was.
 */
class BadInputTest {
  @TempDir Path dir;

  private Path storeOf(String engine) {
    Path store = dir.resolve(engine);
    try (StorageEngine e = StorageEngines.open(engine, store)) {
      e.put(bytes("k"), bytes("v"));
    }
    return store;
  }

  /** Runs the command and checks the exit code and a one-line error containing {@code words}. */
  private static Cli.Result fails(int code, String words, String... args) {
    Cli.Result r = Cli.run(args);
    assertEquals(code, r.code(), r::toString);
    assertOneLine(r, words);
    return r;
  }

  private static void assertOneLine(Cli.Result r, String words) {
    List<String> lines = r.err().lines().toList();
    assertEquals(1, lines.size(), r::toString);
    assertTrue(lines.get(0).startsWith("strata: "), r::toString);
    assertTrue(lines.get(0).contains(words), r::toString);
    assertFalse(r.err().contains("\tat "), r::toString);
  }

  @Test
  void missingDirectory() {
    String missing = dir.resolve("absent").toString();
    for (String command : List.of("info", "check", "scan", "export")) {
      fails(2, "the directory does not exist", command, missing);
    }
    fails(2, "does not exist", "get", missing, "k");
    fails(2, "does not exist", "put", "--write", missing, "k", "v");
    assertFalse(Files.exists(dir.resolve("absent")));
  }

  @Test
  void unknownDirectory() throws IOException {
    Path junk = Files.createDirectory(dir.resolve("junk"));
    Files.writeString(junk.resolve("notes.txt"), "not a store");
    fails(2, "holds no Strata store", "check", junk.toString());
    fails(2, "holds no Strata store", "put", "--write", junk.toString(), "k", "v");
    assertEquals(List.of(junk.resolve("notes.txt")), Files.list(junk).toList());
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void wrongEngine(String engine) {
    Path store = storeOf(engine);
    List<String> before = StoreContent.scan(store);
    for (String other : List.of("btree", "lsm", "ledger")) {
      if (!other.equals(engine)) {
        fails(
            2,
            "holds a store of engine '" + engine + "'; engine '" + other + "' cannot open it",
            "get",
            "--engine",
            other,
            store.toString(),
            "k");
        fails(
            2,
            "holds a store of engine '" + engine + "'",
            "put",
            "--engine",
            other,
            "--write",
            store.toString(),
            "k",
            "x");
      }
    }
    assertEquals(before, StoreContent.scan(store));
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void readOnlyWithoutWrite(String engine) throws IOException {
    Path store = storeOf(engine);
    String s = store.toString();
    List<String> before = StoreContent.scan(store);
    fails(2, "add --write", "put", s, "k", "x");
    fails(2, "add --write", "delete", s, "k");
    fails(2, "add --write", "delete-range", s, "--all");
    Path dump = dir.resolve("dump.jsonl");
    Files.writeString(dump, "{\"key\":\"aw==\",\"value\":\"eA==\"}\n");
    fails(2, "add --write", "import", s, "--input", dump.toString());
    assertEquals(before, StoreContent.scan(store));
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void corruptedFile(String engine) throws IOException {
    Path store = dir.resolve(engine);
    try (StorageEngine e = StorageEngines.open(engine, store)) {
      e.update(
          txn -> {
            for (int i = 0; i < 2000; i++) {
              txn.put(bytes(String.format("key%05d", i)), bytes("value-" + i + "-".repeat(50)));
            }
            return null;
          });
    }
    if (engine.equals("lsm")) {
      // Tables hold the data once RocksDB flushed them; the compaction writes them out.
      assertEquals(0, Cli.run("compact", "--write", store.toString()).code());
    }
    Path victim = largestDataFile(store);
    byte[] bytes = Files.readAllBytes(victim);
    if (engine.equals("btree")) {
      // One byte of every page's header past the two meta pages: the page id of every live
      // tree page, whichever commit the open settles on (a last commit whose pages do not verify
      // is rolled back like one a power loss cut short).
      int pageSize;
      long highWater;
      try (StorageEngine e =
          StorageEngines.open(engine, store, EngineOptions.builder().readOnly(true).build())) {
        Map<String, Number> stats = e.stats();
        pageSize = stats.get("pageSize").intValue();
        highWater = stats.get("highWaterPages").longValue();
      }
      for (long page = 2; page < highWater; page++) {
        bytes[(int) (page * pageSize + 10)] ^= 0x5A;
      }
    } else {
      for (int i = bytes.length / 2; i < bytes.length / 2 + 64; i++) {
        bytes[i] ^= 0x5A;
      }
    }
    Files.write(victim, bytes);
    Cli.Result r = Cli.run("check", store.toString());
    assertEquals(1, r.code(), r::toString);
    String all = r.out() + r.err();
    assertTrue(all.contains("DAMAGED") || all.contains("damaged store"), r::toString);
    assertTrue(all.contains(victim.getFileName().toString()), r::toString);
  }

  @Test
  void corruptedMarker_isDamage() throws IOException {
    Path store = storeOf("btree");
    Path marker = store.resolve("STRATA-STORE");
    byte[] bytes = Files.readAllBytes(marker);
    bytes[bytes.length - 1] ^= 1;
    Files.write(marker, bytes);
    fails(1, "damaged store", "info", store.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger"})
  void lockedByAnotherProcess_namesTheHolder(String engine) throws Exception {
    Path store = storeOf(engine);
    // A second process holds the store open for writing: an import waiting for its input.
    List<String> command = new ArrayList<>(Cli.childJvm());
    command.addAll(List.of("import", "--write", store.toString()));
    Process holder = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (OutputStream stdin = holder.getOutputStream()) {
      // Probing with opens of our own could take the shared lock just as the holder asks for its
      // exclusive one and make the holder give up: wait until the kernel lists its lock instead.
      awaitLockHeldBy(holder, store);
      Cli.Result r = Cli.run("get", store.toString(), "k");
      assertOneLine(r, "is locked");
      assertEquals(2, r.code(), r::toString);
      assertTrue(r.err().contains("held by pid " + holder.pid()), r::toString);
      assertTrue(r.err().contains("import --write " + store), r::toString);
      stdin.write("{\"key\":\"aw==\",\"value\":\"dzI=\"}\n".getBytes(StandardCharsets.UTF_8));
    }
    assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, holder.exitValue(), new String(holder.getInputStream().readAllBytes()));
    assertEquals("w2\n", Cli.run("get", store.toString(), "k").out());
  }

  /**
   * Waits until {@code /proc/locks} lists a lock {@code process} holds on a file of {@code store}.
   */
  private static void awaitLockHeldBy(Process process, Path store) throws Exception {
    String pid = Long.toString(process.pid());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      assertTrue(process.isAlive(), () -> "the holder exited: " + output(process));
      List<String> inodes = new ArrayList<>();
      try (var files = Files.list(store)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          inodes.add(":" + Files.getAttribute(f, "unix:ino"));
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
        // "1: POSIX  ADVISORY  WRITE 4242 08:01:131077 0 EOF": pid, then device:inode.
        String[] fields = line.trim().split("\\s+");
        if (fields.length > 5
            && fields[4].equals(pid)
            && inodes.stream().anyMatch(fields[5]::endsWith)) {
          return;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("process " + pid + " took no lock within 60 s");
  }

  private static String output(Process process) {
    try {
      return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  @Test
  void lockedInThisProcess_isOneLine() {
    Path store = storeOf("btree");
    try (StorageEngine open = StorageEngines.open("btree", store)) {
      fails(2, "already open in this process", "get", store.toString(), "k");
    }
  }

  @Test
  void badArguments() throws IOException {
    String s = storeOf("btree").toString();
    fails(2, "not valid hex", "get", s, "zz", "--arg-format", "hex");
    fails(2, "--limit must not be negative", "scan", s, "--limit", "-1");
    fails(2, "cannot be combined", "scan", s, "--prefix", "a", "--from", "b");
    fails(2, "name the range", "delete-range", "--write", s);
    Files.writeString(dir.resolve("file"), "x");
    fails(2, "is not a directory", "get", dir.resolve("file").toString(), "k");
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"key\":\"aw==\",\"value\":\"dw==\"}\n{\"key\":1}\n");
    fails(2, "input line 2", "import", "--write", s, "--input", bad.toString());
    Path digest = dir.resolve("digest.json");
    Files.writeString(digest, "nonsense");
    String ledger = storeOf("ledger").toString();
    fails(2, "is not a digest", "ledger", "verify", ledger, "--digest", digest.toString());
    fails(2, "outside the digest's entries", "ledger", "prove", ledger, "--seq", "5");
    Cli.Result unknown = Cli.run("frobnicate", s);
    assertEquals(2, unknown.code(), unknown::toString);
    Cli.Result missingArg = Cli.run("get", s);
    assertEquals(2, missingArg.code(), missingArg::toString);
    assertFalse(missingArg.err().contains("\tat "), missingArg::toString);
  }

  @Test
  void tamperedLedger_failsVerifyAgainstDigest() throws IOException {
    Path store = storeOf("ledger");
    Path digest = dir.resolve("digest.json");
    assertEquals(0, Cli.run("ledger", "digest", store.toString(), "-o", digest.toString()).code());
    // A digest of history the store never had: same size, another root.
    String text = Files.readString(digest);
    int at = text.indexOf("\"merkleRoot\":\"") + 14;
    char c = text.charAt(at) == '0' ? '1' : '0';
    Files.writeString(
        digest,
        text.substring(0, at) + c + text.substring(at + 1),
        StandardOpenOption.TRUNCATE_EXISTING);
    Cli.Result r = Cli.run("ledger", "verify", store.toString(), "--digest", digest.toString());
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.out().startsWith("TAMPERED"), r::toString);
  }

  private static Path largestDataFile(Path store) throws IOException {
    try (var files = Files.list(store)) {
      return files
          .filter(p -> p.getFileName().toString().matches(".*\\.(btree|sst|seg)"))
          .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length()))
          .orElseThrow();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
