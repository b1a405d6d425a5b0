package dev.strata.ledger;

import dev.strata.api.TamperException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * The full check behind {@code verifyIntegrity()} and {@code verify(digest)}: one sequential pass
 * over the log up to a committed state, recomputing the hash chain, the Merkle leaves, chunks and
 * mountain-range nodes (compared with the persisted ones as they complete), and merging the index,
 * sorted by sequence number, against the entries as they pass. A {@code prevSeq} bitmap proves that
 * the index holds exactly the latest entry of every key. The first failure throws a {@link
 * TamperException} naming the sequence number, file and offset.
 */
final class Verifier {
  private static final int SCAN_BUFFER = 1 << 20;

  private final LedgerEngine engine;
  private final Visible state;
  private final LedgerDigest trusted;

  private final byte[][] peaks = new byte[64][];
  private final int[] peakLevels = new int[64];
  private int peakCount;
  private final byte[][] leaves = new byte[MerkleStore.CHUNK][];
  private int leafCount;
  private long chunks;
  private long slots;
  private final long storedChunks;
  // Windows over the persisted Merkle files, read in bulk as the scan passes.
  private static final int WINDOW = 4096;
  private long chunkWindowStart;
  private long[] chunkWindow = new long[0];
  private long nodeWindowStart;
  private byte[][] nodeWindow = new byte[0][];

  Verifier(LedgerEngine engine, Visible state, LedgerDigest trusted) {
    this.engine = engine;
    this.state = state;
    this.trusted = trusted;
    this.storedChunks = engine.merkle.completeChunks();
  }

  private record Keyed(long seq, long position, boolean deleted, byte[] key) {}

  void run() {
    long size = state.size();
    if (trusted != null && trusted.size() > size) {
      throw new TamperException(
          size,
          "ledger "
              + engine.directory()
              + " holds "
              + size
              + " entries but the trusted digest covers "
              + trusted.size()
              + ": history was truncated");
    }
    List<Keyed> indexed = indexBySeq(size);
    BitSet superseded = new BitSet();
    byte[] head = Hashes.ZERO;
    long expected = 0;
    long blockStart = 0;
    long blockTxn = -1;
    long blockTime = -1;
    long lastTxn = 0;
    long lastTime = Long.MIN_VALUE;
    int nextIndexed = 0;
    byte[] rootAtTrusted = trusted != null && trusted.size() == 0 ? Hashes.empty() : null;
    byte[] headAtTrusted = trusted != null && trusted.size() == 0 ? Hashes.ZERO : null;
    LogScanner scanner;
    try {
      scanner = new LogScanner(engine.log, SegmentLog.start(), state.endPosition(), SCAN_BUFFER);
      for (Rec r = scanner.next(); r != null; r = scanner.next()) {
        long position = r.position;
        if (r.isCommit()) {
          long count = expected - blockStart;
          if (count == 0
              || r.commitSize() != expected
              || r.commitCount() != count
              || r.txnId() != blockTxn
              || r.timestamp() != blockTime) {
            throw new TamperException(
                blockStart,
                "commit marker at "
                    + at(position)
                    + " does not match entries "
                    + blockStart
                    + ".."
                    + (expected - 1));
          }
          if (!Arrays.equals(r.commitHead(), head)) {
            throw new TamperException(
                blockStart,
                "hash chain broken in entries "
                    + blockStart
                    + ".."
                    + (expected - 1)
                    + ": commit marker at "
                    + at(position)
                    + " carries another chain head");
          }
          blockStart = expected;
          continue;
        }
        long seq = r.seq();
        if (seq != expected) {
          throw new TamperException(
              expected,
              "entry at "
                  + at(position)
                  + " has sequence number "
                  + seq
                  + ", expected "
                  + expected);
        }
        if (expected == blockStart) {
          if (r.txnId() <= lastTxn || r.timestamp() < lastTime) {
            throw new TamperException(
                seq,
                "entry at "
                    + at(position)
                    + " starts a transaction out of order (txn "
                    + r.txnId()
                    + ")");
          }
          blockTxn = r.txnId();
          blockTime = r.timestamp();
          lastTxn = blockTxn;
          lastTime = blockTime;
        } else if (r.txnId() != blockTxn || r.timestamp() != blockTime) {
          throw new TamperException(
              seq, "entry at " + at(position) + " is outside its transaction");
        }
        long prev = r.prevSeq();
        if (prev >= seq || prev < -1 || (prev >= 0 && superseded.get((int) prev))) {
          throw new TamperException(seq, "entry at " + at(position) + " links to version " + prev);
        }
        if (prev >= 0) {
          superseded.set((int) prev);
        }
        head = Hashes.chain(head, r.canonical());
        appendLeaf(Hashes.leaf(r.canonical()), scanner.position(), seq, position);
        if (nextIndexed < indexed.size() && indexed.get(nextIndexed).seq() == seq) {
          Keyed k = indexed.get(nextIndexed++);
          if (k.position() != r.position
              || !r.keyEquals(k.key())
              || k.deleted() != (r.kind() == Codec.DELETE)) {
            throw new TamperException(
                seq, "the index disagrees with entry " + seq + " at " + at(position));
          }
        }
        expected++;
        if (trusted != null && expected == trusted.size()) {
          rootAtTrusted = root();
          headAtTrusted = head;
        }
      }
    } catch (LogScanner.Problem p) {
      throw new TamperException(expected, "entry " + expected + ": " + p.getMessage());
    } catch (IOException e) {
      throw new dev.strata.api.StorageIOException("cannot read ledger " + engine.directory(), e);
    }
    if (expected != blockStart) {
      throw new TamperException(
          blockStart, "entries " + blockStart + ".." + (expected - 1) + " have no commit marker");
    }
    if (expected != size || !Arrays.equals(head, state.chainHead())) {
      throw new TamperException(
          Math.min(expected, size),
          "the log holds "
              + expected
              + " entries ending in another chain head than the "
              + size
              + " committed");
    }
    for (Keyed k : indexed) {
      if (superseded.get((int) k.seq())) {
        throw new TamperException(
            k.seq(),
            "the index points at entry " + k.seq() + ", which a later entry of its key supersedes");
      }
    }
    long latest = size - superseded.cardinality();
    if (nextIndexed != indexed.size() || latest != indexed.size()) {
      throw new TamperException(
          size, "the index holds " + indexed.size() + " keys, the log " + latest);
    }
    if (trusted != null) {
      long last = trusted.size() - 1;
      if (!Arrays.equals(rootAtTrusted, trusted.merkleRoot())) {
        throw new TamperException(
            Math.max(0, last),
            "the Merkle root after "
                + trusted.size()
                + " entries differs from the trusted digest: history was rewritten");
      }
      if (!Arrays.equals(headAtTrusted, trusted.chainHead())) {
        throw new TamperException(
            Math.max(0, last),
            "the chain head after "
                + trusted.size()
                + " entries differs from the trusted digest: history was rewritten");
      }
    }
  }

  /** Every key's entry visible at {@code size}, sorted by sequence number. */
  private List<Keyed> indexBySeq(long size) {
    List<Keyed> list = new ArrayList<>();
    for (Map.Entry<byte[], IndexEntry> e : engine.index.entrySet()) {
      IndexEntry v = engine.reader.resolve(e.getValue(), size);
      if (v != null) {
        list.add(new Keyed(v.seq, v.position, v.deleted, e.getKey()));
      }
    }
    if (list.size() >= 1 << 24 || size >= 1L << 39) {
      list.sort((a, b) -> Long.compare(a.seq(), b.seq()));
      return list;
    }
    // A primitive sort of (seq, slot) pairs is several times faster than sorting the records.
    long[] order = new long[list.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = list.get(i).seq() << 24 | i;
    }
    Arrays.sort(order);
    List<Keyed> sorted = new ArrayList<>(order.length);
    for (long o : order) {
      sorted.add(list.get((int) (o & ((1 << 24) - 1))));
    }
    return sorted;
  }

  private void appendLeaf(byte[] leaf, long end, long seq, long position) {
    leaves[leafCount++] = leaf;
    if (leafCount < MerkleStore.CHUNK) {
      return;
    }
    leafCount = 0;
    byte[] chunkHash = MerkleMath.root(leaves, 0, MerkleStore.CHUNK);
    if (chunks < storedChunks && storedChunkEnd(chunks) != end) {
      throw new TamperException(
          seq,
          MerkleStore.CHUNKS_FILE
              + " places the end of chunk "
              + chunks
              + " elsewhere than entry "
              + seq
              + " at "
              + at(position));
    }
    chunks++;
    node(chunkHash, seq);
    peaks[peakCount] = chunkHash;
    peakLevels[peakCount++] = 0;
    while (peakCount >= 2 && peakLevels[peakCount - 1] == peakLevels[peakCount - 2]) {
      byte[] parent = Hashes.node(peaks[peakCount - 2], peaks[peakCount - 1]);
      int level = peakLevels[peakCount - 1] + 1;
      peakCount -= 2;
      node(parent, seq);
      peaks[peakCount] = parent;
      peakLevels[peakCount++] = level;
    }
  }

  private void node(byte[] hash, long seq) {
    long slot = slots++;
    if (chunks <= storedChunks && !Arrays.equals(storedNode(slot), hash)) {
      throw new TamperException(
          seq,
          MerkleStore.NODES_FILE + " node " + slot + " does not match the entries up to " + seq);
    }
  }

  /** Names a record's file and offset; built only for a message, never per record. */
  private String at(long position) {
    return engine.log.segment(SegmentLog.segmentOf(position)).path()
        + " offset "
        + SegmentLog.offsetOf(position);
  }

  private long storedChunkEnd(long chunk) {
    if (chunk < chunkWindowStart || chunk >= chunkWindowStart + chunkWindow.length) {
      chunkWindowStart = chunk;
      chunkWindow =
          engine.merkle.readChunkEnds(chunk, (int) Math.min(WINDOW, storedChunks - chunk));
    }
    return chunkWindow[(int) (chunk - chunkWindowStart)];
  }

  private byte[] storedNode(long slot) {
    if (slot < nodeWindowStart || slot >= nodeWindowStart + nodeWindow.length) {
      nodeWindowStart = slot;
      nodeWindow =
          engine.merkle.readNodes(
              slot, (int) Math.min(WINDOW, MerkleMath.nodesFor(storedChunks) - slot));
    }
    return nodeWindow[(int) (slot - nodeWindowStart)];
  }

  /** The Merkle tree head of everything appended so far. */
  private byte[] root() {
    byte[] h = leafCount > 0 ? MerkleMath.root(leaves, 0, leafCount) : null;
    for (int i = peakCount - 1; i >= 0; i--) {
      h = h == null ? peaks[i] : Hashes.node(peaks[i], h);
    }
    return h;
  }
}
