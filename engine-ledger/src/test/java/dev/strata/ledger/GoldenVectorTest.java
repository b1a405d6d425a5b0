package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.format.RecordFormat;
import dev.strata.ledger.merkle.MerkleStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the encoding stable across versions: the golden vectors in {@code FORMAT.md} (entries, leaf
 * hashes, chain heads, roots, an inclusion and a consistency proof, record frames) must equal, byte
 * for byte, both what the independent {@link Naive} implementation computes and what the engine's
 * own code computes.
 */
class GoldenVectorTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final long T = 1_700_000_000_000_000L;

  @TempDir Path dir;

  /** kind, seq, timestamp, txn, prevSeq, key, value. */
  private static final Object[][] ENTRIES = {
    {1, 0L, T, 1L, -1L, "alpha", "1"},
    {1, 1L, T, 1L, -1L, "beta", "2"},
    {1, 2L, T + 1, 2L, 0L, "alpha", "3"},
    {2, 3L, T + 2, 3L, 1L, "beta", ""},
    {1, 4L, T + 2, 3L, -1L, "gamma", ""},
    {1, 5L, T + 3, 4L, -1L, "delta", "4"},
    {1, 6L, T + 3, 4L, 2L, "alpha", "5"},
  };

  private static byte[] b(Object o) {
    return ((String) o).getBytes(StandardCharsets.UTF_8);
  }

  /** The vectors as the naive implementation computes them. */
  static List<String> naiveVectors() {
    List<String> lines = new ArrayList<>();
    List<byte[]> leaves = new ArrayList<>();
    byte[] head = new byte[32];
    for (Object[] e : ENTRIES) {
      byte[] canonical =
          Naive.canonical(
              (Integer) e[0], (Long) e[1], (Long) e[2], (Long) e[3], (Long) e[4], b(e[5]), b(e[6]));
      lines.add("canonical[" + e[1] + "] = " + HEX.formatHex(canonical));
      byte[] leaf = Naive.leaf(canonical);
      leaves.add(leaf);
      lines.add("leaf[" + e[1] + "] = " + HEX.formatHex(leaf));
      head = Naive.chain(head, canonical);
      lines.add("chain[" + e[1] + "] = " + HEX.formatHex(head));
    }
    lines.add("root[0] = " + HEX.formatHex(Naive.mth(List.of())));
    for (int n = 1; n <= leaves.size(); n++) {
      lines.add("root[" + n + "] = " + HEX.formatHex(Naive.mth(leaves.subList(0, n))));
    }
    List<byte[]> path = Naive.path(2, leaves);
    for (int i = 0; i < path.size(); i++) {
      lines.add("inclusion(seq=2,size=7)[" + i + "] = " + HEX.formatHex(path.get(i)));
    }
    List<byte[]> proof = Naive.proof(3, leaves);
    for (int i = 0; i < proof.size(); i++) {
      lines.add("consistency(3,7)[" + i + "] = " + HEX.formatHex(proof.get(i)));
    }
    byte[] first = Naive.canonical(1, 0, T, 1, -1, b("alpha"), b("1"));
    // Stored (version 2) frames of txn 1: the first entry carries timestamp and txn id, the second
    // points back to it, the marker carries the chain head. Every varint here fits one byte.
    ByteBuffer entry0 = ByteBuffer.allocate(18).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    entry0.put((byte) 0x81).putLong(T).put((byte) 1).put((byte) 0).put((byte) 5);
    entry0.put(b("alpha")).put(b("1"));
    byte[] frame0 = naiveFrame(entry0.array());
    lines.add("frame[entry 0] = " + HEX.formatHex(frame0));
    ByteBuffer entry1 = ByteBuffer.allocate(9);
    entry1.put((byte) 1).put((byte) frame0.length).put((byte) 0).put((byte) 4);
    entry1.put(b("beta")).put(b("2"));
    lines.add("frame[entry 1] = " + HEX.formatHex(naiveFrame(entry1.array())));
    byte[] chain1 =
        Naive.chain(
            Naive.chain(new byte[32], first), Naive.canonical(1, 1, T, 1, -1, b("beta"), b("2")));
    ByteBuffer commit = ByteBuffer.allocate(33);
    commit.put((byte) 3).put(chain1);
    lines.add("frame[commit txn 1] = " + HEX.formatHex(naiveFrame(commit.array())));
    return lines;
  }

  private static byte[] naiveFrame(byte[] body) {
    ByteBuffer frame = ByteBuffer.allocate(body.length + 5).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    frame.put((byte) body.length).put(body);
    CRC32C crc = new CRC32C();
    crc.update(frame.array(), 0, body.length + 1);
    frame.putInt((int) crc.getValue());
    return frame.array();
  }

  /** The same vectors from the engine's own code paths. */
  private List<String> engineVectors() throws Exception {
    List<String> lines = new ArrayList<>();
    List<byte[]> leaves = new ArrayList<>();
    byte[] head = LedgerHashes.ZERO;
    for (Object[] e : ENTRIES) {
      LedgerEntry entry =
          new LedgerEntry(
              (Long) e[1],
              (Long) e[2],
              (Long) e[3],
              (Long) e[4],
              (Integer) e[0] == 1 ? Operation.PUT : Operation.DELETE,
              b(e[5]),
              b(e[6]));
      byte[] canonical = entry.canonicalBytes();
      lines.add("canonical[" + e[1] + "] = " + HEX.formatHex(canonical));
      leaves.add(entry.leafHash());
      lines.add("leaf[" + e[1] + "] = " + HEX.formatHex(LedgerProofs.leafHash(canonical)));
      head = LedgerHashes.chain(head, canonical, 0, canonical.length);
      lines.add("chain[" + e[1] + "] = " + HEX.formatHex(head));
    }
    try (MerkleStore store =
        MerkleStore.open(
            dir,
            true,
            FileIO.standard(),
            new WriteAmplificationMeter(),
            (c, s, end) -> leaves.subList(0, 16).toArray(new byte[0][]),
            0)) {
      lines.add("root[0] = " + HEX.formatHex(store.root(0)));
      for (int n = 1; n <= leaves.size(); n++) {
        store.append(leaves.get(n - 1), n);
        lines.add("root[" + n + "] = " + HEX.formatHex(store.root(n)));
      }
      List<byte[]> path = store.inclusion(2, 7);
      for (int i = 0; i < path.size(); i++) {
        lines.add("inclusion(seq=2,size=7)[" + i + "] = " + HEX.formatHex(path.get(i)));
      }
      List<byte[]> proof = store.consistency(3, 7);
      for (int i = 0; i < proof.size(); i++) {
        lines.add("consistency(3,7)[" + i + "] = " + HEX.formatHex(proof.get(i)));
      }
    }
    ByteBuffer frames = RecordFormat.allocate(256);
    RecordFormat.putEntry(frames, RecordFormat.PUT, 0, T, 1, 0, -1, b("alpha"), b("1"));
    int entry1 = frames.position();
    lines.add("frame[entry 0] = " + HEX.formatHex(frames.array(), 0, entry1));
    RecordFormat.putEntry(frames, RecordFormat.PUT, entry1, T, 1, 1, -1, b("beta"), b("2"));
    int marker = frames.position();
    lines.add("frame[entry 1] = " + HEX.formatHex(frames.array(), entry1, marker));
    RecordFormat.putCommit(frames, HEX.parseHex(lines.get(5).substring(11)));
    lines.add("frame[commit txn 1] = " + HEX.formatHex(frames.array(), marker, frames.position()));
    return lines;
  }

  /** Replaces the lines between FORMAT.md's begin and end markers with a code block of vectors. */
  private static void writeDocumented(List<String> vectors) throws Exception {
    List<String> all = Files.readAllLines(Path.of("FORMAT.md"));
    int begin = all.indexOf("<!-- golden vectors: begin -->");
    int end = all.indexOf("<!-- golden vectors: end -->");
    List<String> rewritten = new ArrayList<>(all.subList(0, begin + 1));
    rewritten.add("```");
    rewritten.addAll(vectors);
    rewritten.add("```");
    rewritten.addAll(all.subList(end, all.size()));
    Files.write(Path.of("FORMAT.md"), rewritten);
  }

  /** The vectors block of FORMAT.md, between its begin and end markers. */
  private static List<String> documented() throws Exception {
    List<String> all = Files.readAllLines(Path.of("FORMAT.md"));
    int begin = all.indexOf("<!-- golden vectors: begin -->");
    int end = all.indexOf("<!-- golden vectors: end -->");
    List<String> lines = new ArrayList<>();
    for (String line : all.subList(begin + 1, end)) {
      if (!line.isBlank() && !line.startsWith("```")) {
        lines.add(line.strip());
      }
    }
    return lines;
  }

  /**
   * With {@code -Dledger.goldenVectors.write=true} the test first rewrites FORMAT.md's vectors
   * block from the naive implementation (the way to regenerate it), then checks as always.
   */
  @Test
  void formatMd_vectors_equalNaiveRecomputation() throws Exception {
    if (Boolean.getBoolean("ledger.goldenVectors.write")) {
      writeDocumented(naiveVectors());
    }
    assertEquals(
        String.join("\n", naiveVectors()),
        String.join("\n", documented()),
        "FORMAT.md golden vectors differ from the naive implementation");
  }

  @Test
  void formatMd_vectors_equalEngineComputation() throws Exception {
    assertEquals(
        String.join("\n", documented()),
        String.join("\n", engineVectors()),
        "the engine's encoding or hashing drifted from FORMAT.md");
  }
}
