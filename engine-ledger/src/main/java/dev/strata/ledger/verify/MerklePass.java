package dev.strata.ledger.verify;

import dev.strata.api.TamperException;
import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.merkle.MerkleMath;
import dev.strata.ledger.merkle.MerkleStore;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The Merkle part of {@code verifyIntegrity()}: hashes every leaf, recomputes chunks and
 * mountain-range nodes and compares them with the persisted files as they complete. It runs on its
 * own thread next to {@link IntegrityCheck}'s chain pass, which reads and decodes the log once and
 * hands it the canonical bytes through a {@link CanonicalBytesFeed}: the chain must hash every byte
 * in order on one core, the leaves need not. Record framing, order and chain are the chain pass's
 * job; when that pass stops at damage, this one stops too and leaves the report to it.
 *
 * <p>Not thread-safe: {@link #run()} runs once, on one thread; {@link #cancel()} may be called from
 * any thread.
 */
final class MerklePass implements IntegrityCheck.SidePass {
  // Windows over the persisted Merkle files, read in bulk as the scan passes.
  private static final int WINDOW = 4096;

  private final SegmentLog log;
  private final MerkleStore merkle;
  private final long trustedSize;
  private final long storedChunks;
  private final CanonicalBytesFeed feed;
  private final MessageDigest md = LedgerHashes.newSha256();

  private final byte[][] peaks = new byte[64][];
  private final int[] peakLevels = new int[64];
  private int peakCount;
  private final byte[][] leaves = new byte[MerkleStore.CHUNK][];
  private int leafCount;
  private long chunks;
  private long slots;
  private long chunkWindowStart;
  private long[] chunkWindow = new long[0];
  private long nodeWindowStart;
  private byte[][] nodeWindow = new byte[0][];

  /** The tree head after {@code trustedSize} entries, once the pass got there. */
  byte[] rootAtTrusted;

  /** This pass's consumer number on the feed. */
  static final int CONSUMER = 0;

  /** Entries hashed so far. */
  private long seq;

  private volatile boolean finished;

  MerklePass(SegmentLog log, MerkleStore merkle, CanonicalBytesFeed feed, long trustedSize) {
    this.log = log;
    this.merkle = merkle;
    this.feed = feed;
    this.trustedSize = trustedSize;
    this.storedChunks = merkle.completeChunks();
    this.rootAtTrusted = trustedSize == 0 ? LedgerHashes.empty() : null;
  }

  /** Asks a running pass to stop early: the chain pass has already found the store damaged. */
  @Override
  public void cancel() {
    feed.stop();
  }

  /**
   * Runs the pass.
   *
   * @throws TamperException if a persisted chunk position or node disagrees with the log
   */
  @Override
  public void run() {
    finished = feed.drain(CONSUMER, this::hashBatch);
  }

  @Override
  public boolean finished() {
    return finished;
  }

  private void hashBatch(CanonicalBytesFeed.Batch b) {
    for (int i = 0; i < b.count; i++) {
      byte[] leaf = new byte[LedgerHashes.SIZE];
      int from = b.offsets[i];
      LedgerHashes.leafInto(md, b.data, from, b.offsets[i + 1] - from, leaf, 0);
      appendLeaf(leaf, b.ends[i], seq, b.positions[i]);
      seq++;
      if (seq == trustedSize) {
        rootAtTrusted = root();
      }
    }
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
              + IntegrityCheck.at(log, position));
    }
    chunks++;
    node(chunkHash, seq);
    peaks[peakCount] = chunkHash;
    peakLevels[peakCount++] = 0;
    while (peakCount >= 2 && peakLevels[peakCount - 1] == peakLevels[peakCount - 2]) {
      byte[] parent = LedgerHashes.node(peaks[peakCount - 2], peaks[peakCount - 1]);
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

  private long storedChunkEnd(long chunk) {
    if (chunk < chunkWindowStart || chunk >= chunkWindowStart + chunkWindow.length) {
      chunkWindowStart = chunk;
      chunkWindow = merkle.readChunkEnds(chunk, (int) Math.min(WINDOW, storedChunks - chunk));
    }
    return chunkWindow[(int) (chunk - chunkWindowStart)];
  }

  private byte[] storedNode(long slot) {
    if (slot < nodeWindowStart || slot >= nodeWindowStart + nodeWindow.length) {
      nodeWindowStart = slot;
      nodeWindow =
          merkle.readNodes(slot, (int) Math.min(WINDOW, MerkleMath.nodesFor(storedChunks) - slot));
    }
    return nodeWindow[(int) (slot - nodeWindowStart)];
  }

  /** The Merkle tree head of everything appended so far. */
  private byte[] root() {
    byte[] h = leafCount > 0 ? MerkleMath.root(leaves, 0, leafCount) : null;
    for (int i = peakCount - 1; i >= 0; i--) {
      h = h == null ? peaks[i] : LedgerHashes.node(peaks[i], h);
    }
    return h;
  }
}
