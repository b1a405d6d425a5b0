package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Maintenance {@code Snapshot} and {@code Defragment} through jetcd's Maintenance client. */
class MaintenanceTest {
  @TempDir Path dir;

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger", "memory"})
  void snapshot_streamsABackupThatServesTheSameRevisionAndKeys(String engine) throws Exception {
    long revision;
    byte[] stream;
    try (TestServer server = TestServer.started(engine, dir.resolve("data"))) {
      KV kv = server.client().getKVClient();
      for (int i = 0; i < 300; i++) {
        // Values over one chunk make the stream several chunks long.
        kv.put(bytes("k/" + i), bytes(("v" + i).repeat(200))).get(30, TimeUnit.SECONDS);
      }
      kv.delete(bytes("k/7")).get(30, TimeUnit.SECONDS);
      revision = server.server.revision();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long size = server.client().getMaintenanceClient().snapshot(out).get(60, TimeUnit.SECONDS);
      stream = out.toByteArray();
      assertEquals(stream.length, size);
      // Writes after the snapshot are not in it.
      kv.put(bytes("after"), bytes("x")).get(30, TimeUnit.SECONDS);
    }
    Path restored = dir.resolve("restored");
    assertEquals(0, (stream.length - 32) % SnapshotArchive.GRANULE);
    SnapshotCheck.verifyAndUnpack(stream, restored);
    try (TestServer copy = TestServer.started(engine, restored)) {
      assertEquals(revision, copy.server.revision());
      KV kv = copy.client().getKVClient();
      var all =
          kv.get(bytes("k/"), GetOption.builder().isPrefix(true).build()).get(30, TimeUnit.SECONDS);
      assertEquals(299, all.getCount());
      assertEquals(
          ("v42").repeat(200),
          kv.get(bytes("k/42")).get(30, TimeUnit.SECONDS).getKvs().get(0).getValue().toString());
      assertEquals(0, kv.get(bytes("after")).get(30, TimeUnit.SECONDS).getCount());
      assertEquals(0, kv.get(bytes("k/7")).get(30, TimeUnit.SECONDS).getCount());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"btree", "lsm", "ledger", "memory"})
  void defragment_keepsTheContent(String engine) throws Exception {
    try (TestServer server = TestServer.started(engine, dir.resolve("data"))) {
      KV kv = server.client().getKVClient();
      for (int i = 0; i < 200; i++) {
        kv.put(bytes("d/" + i), bytes("x".repeat(2000))).get(30, TimeUnit.SECONDS);
      }
      kv.delete(bytes("d/"), DeleteOption.builder().isPrefix(true).build())
          .get(30, TimeUnit.SECONDS);
      kv.put(bytes("d/kept"), bytes("v")).get(30, TimeUnit.SECONDS);
      long revision = server.server.revision();
      server.client().getKVClient().compact(revision).get(30, TimeUnit.SECONDS);
      long memtableBefore = memtableBytes(server);
      server
          .client()
          .getMaintenanceClient()
          .defragmentMember("http://127.0.0.1:" + server.server.port())
          .get(60, TimeUnit.SECONDS);
      if (engine.equals("lsm")) {
        // The in-place compaction flushed the memtable into tables.
        assertTrue(
            memtableBytes(server) < memtableBefore,
            memtableBytes(server) + " >= " + memtableBefore);
      }
      assertEquals(revision, server.server.revision());
      var all =
          kv.get(bytes("d/"), GetOption.builder().isPrefix(true).build()).get(30, TimeUnit.SECONDS);
      assertEquals(1, all.getCount());
      assertEquals("v", all.getKvs().get(0).getValue().toString());
    }
  }

  private static long memtableBytes(TestServer server) {
    Number n = server.server.engine().stats().get("memtableBytes");
    return n == null ? 0 : n.longValue();
  }

  @org.junit.jupiter.api.Test
  void memberList_oneServer_listsItself() throws Exception {
    try (TestServer server = TestServer.started("btree", dir.resolve("one"))) {
      var members = server.client().getClusterClient().listMember().get(30, TimeUnit.SECONDS);
      assertEquals(1, members.getMembers().size());
      var member = members.getMembers().get(0);
      assertEquals("default", member.getName());
      assertEquals(server.server.memberId(), member.getId());
      assertEquals(
          java.util.List.of(java.net.URI.create("http://127.0.0.1:" + server.server.port())),
          member.getClientURIs());
    }
  }
}
