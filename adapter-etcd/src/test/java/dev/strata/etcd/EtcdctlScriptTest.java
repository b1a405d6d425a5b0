package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scripted etcdctl run (put, get, del, txn, watch, lease, lock, compaction, status) against
 * strata-etcd, expecting etcdctl's own output as it prints it for etcd. Skipped when etcdctl
 * (Debian package etcd-client) is absent.
 */
class EtcdctlScriptTest {
  @TempDir Path dir;
  Path etcdctl;
  TestServer strata;

  /** What one etcdctl run printed. */
  record Run(int exit, String out, String err) {}

  @BeforeEach
  void start() {
    etcdctl = Binaries.require("etcdctl", "etcd-client");
    strata = TestServer.started("btree", dir.resolve("data"));
  }

  @AfterEach
  void stop() {
    strata.close();
  }

  private List<String> command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(etcdctl.toString());
    cmd.add("--endpoints=127.0.0.1:" + strata.server.port());
    cmd.add("--command-timeout=20s");
    cmd.addAll(List.of(args));
    return cmd;
  }

  private Run etcdctl(String stdin, String... args) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command(args));
    pb.environment().put("ETCDCTL_API", "3");
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("etcdctl " + String.join(" ", args) + " did not finish");
    }
    return new Run(
        p.exitValue(),
        java.nio.file.Files.readString(out).strip(),
        java.nio.file.Files.readString(err).strip());
  }

  private String ok(String... args) throws Exception {
    Run r = etcdctl(null, args);
    assertEquals(0, r.exit(), "etcdctl " + String.join(" ", args) + ": " + r.err());
    return r.out();
  }

  @Test
  void putGetDelete() throws Exception {
    assertEquals("OK", ok("put", "foo", "bar"));
    assertEquals("OK\nfoo\nbar", ok("put", "foo", "baz", "--prev-kv"));
    assertEquals("foo\nbaz", ok("get", "foo"));
    ok("put", "fob", "1");
    assertEquals("fob\n\nfoo", ok("get", "--prefix", "fo", "--keys-only"));
    assertEquals("foo\nbaz", ok("get", "foo", "--from-key", "--limit=1"));
    String json = ok("get", "foo", "-w", "json");
    assertTrue(json.contains("\"count\":1") && json.contains("\"version\":2"), json);
    String counted = ok("get", "--prefix", "fo", "-w", "json");
    assertTrue(counted.contains("\"count\":2"), counted);
    assertEquals("1", ok("del", "foo"));
    assertEquals("", ok("get", "foo"));
  }

  @Test
  void txn_fromStdin() throws Exception {
    ok("put", "foo", "bar");
    Run failed = etcdctl("value(\"foo\") = \"x\"\n\nput a 1\n\nput b 2\n\n", "txn");
    assertEquals(0, failed.exit(), failed.err());
    assertEquals("FAILURE\n\nOK", failed.out());
    Run succeeded = etcdctl("value(\"foo\") = \"bar\"\n\nput a 1\nget foo\n\nput b 2\n\n", "txn");
    assertEquals("SUCCESS\n\nOK\n\nfoo\nbar", succeeded.out());
    assertEquals("a\n1", ok("get", "a"));
    assertEquals("b\n2", ok("get", "b"), "the failed txn ran its failure branch");
  }

  @Test
  void leaseGrantAttachTimeToLiveKeepAliveRevoke() throws Exception {
    Matcher granted =
        Pattern.compile("lease ([0-9a-f]+) granted with TTL\\(60s\\)")
            .matcher(ok("lease", "grant", "60"));
    assertTrue(granted.matches());
    String id = granted.group(1);
    assertEquals("OK", ok("put", "leased", "v", "--lease=" + id));
    String ttl = ok("lease", "timetolive", id, "--keys");
    assertTrue(
        ttl.matches(
            "lease "
                + id
                + " granted with TTL\\(60s\\), remaining\\(\\d+s\\), attached keys\\(\\[leased\\]\\)"),
        ttl);
    assertEquals(
        "lease " + id + " keepalived with TTL(60)", ok("lease", "keep-alive", "--once", id));
    assertEquals("lease " + id + " revoked", ok("lease", "revoke", id));
    assertEquals("", ok("get", "leased"));
  }

  @Test
  void lock_runsACommandHoldingTheLock_thenReleasesIt() throws Exception {
    // etcdctl's lock is its client-side mutex recipe over KV, Lease and Watch.
    assertEquals("held", ok("lock", "L", "echo", "held"));
    assertEquals("", ok("get", "--prefix", "L/"));
  }

  @Test
  void compaction_thenOldRevisionIsRefused() throws Exception {
    ok("put", "k", "1"); // 2
    ok("put", "k", "2"); // 3
    ok("put", "k", "3"); // 4
    assertEquals("k\n2", ok("get", "k", "--rev=3"));
    assertEquals("compacted revision 3", ok("compaction", "3"));
    Run old = etcdctl(null, "get", "k", "--rev=2");
    assertNotEquals(0, old.exit());
    assertTrue(
        old.err().contains("etcdserver: mvcc: required revision has been compacted"), old.err());
    assertEquals("k\n2", ok("get", "k", "--rev=3"));
  }

  @Test
  void watch_printsEvents() throws Exception {
    ok("put", "w/0", "before"); // 2
    ProcessBuilder pb = new ProcessBuilder(command("watch", "w/", "--prefix", "--rev=2"));
    pb.environment().put("ETCDCTL_API", "3");
    pb.redirectErrorStream(true);
    Process watch = pb.start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
      assertEquals(List.of("PUT", "w/0", "before"), lines(out, 3));
      ok("put", "w/1", "after");
      ok("del", "w/0");
      assertEquals(List.of("PUT", "w/1", "after", "DELETE", "w/0"), lines(out, 5));
    } finally {
      watch.destroy();
      watch.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static List<String> lines(BufferedReader out, int n) throws IOException {
    List<String> lines = new ArrayList<>();
    while (lines.size() < n) {
      String line = out.readLine();
      if (line == null) {
        break;
      }
      if (!line.isEmpty()) {
        lines.add(line);
      }
    }
    return lines;
  }

  @Test
  void endpointStatusAndHealth() throws Exception {
    String status = ok("endpoint", "status");
    assertTrue(status.contains(MaintenanceService.VERSION), status);
    String health = etcdctl(null, "endpoint", "health").err() + ok("endpoint", "health");
    assertTrue(health.contains("is healthy"), health);
  }

  @Test
  void snapshotSave_writesTheStreamWithItsChecksum() throws Exception {
    ok("put", "snap", "shot");
    Path file = dir.resolve("backup.db");
    Run saved = etcdctl(null, "snapshot", "save", file.toString());
    assertEquals(0, saved.exit(), saved.err());
    assertTrue((saved.out() + saved.err()).contains("Snapshot saved at " + file), saved.out());
    Path restored = dir.resolve("restored");
    SnapshotCheck.verifyAndUnpack(java.nio.file.Files.readAllBytes(file), restored);
    try (TestServer copy = TestServer.started("btree", restored)) {
      assertEquals(
          "shot",
          copy.kv()
              .range(
                  io.etcd.jetcd.api.RangeRequest.newBuilder()
                      .setKey(com.google.protobuf.ByteString.copyFromUtf8("snap"))
                      .build())
              .getKvs(0)
              .getValue()
              .toStringUtf8());
    }
  }

  @Test
  void defrag_finishes() throws Exception {
    ok("put", "d", "1");
    String out = ok("defrag");
    assertEquals("Finished defragmenting etcd member[127.0.0.1:" + strata.server.port() + "]", out);
    assertEquals("d\n1", ok("get", "d"));
  }
}
