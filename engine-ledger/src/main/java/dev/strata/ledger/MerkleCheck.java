package dev.strata.ledger;

import dev.strata.api.StorageIOException;
import dev.strata.api.TamperException;
import java.io.IOException;
import java.util.Arrays;

/**
 * The Merkle part of {@code verifyIntegrity()}: its own pass over the log up to a committed state,
 * re-hashing every leaf, recomputing chunks and mountain-range nodes and comparing them with the
 * persisted files as they complete. It runs on its own thread next to {@link Verifier}'s chain
 * pass: the chain must hash every byte in order on one core, the leaves need not. Record framing,
 * order and chain are the chain pass's job; this pass stops at the first record it cannot read and
 * leaves the report to it.
 *
 * <p>Not thread-safe: {@link #run()} runs once, on one thread; {@link #cancel()} may be called from
 * any thread.
 */
final class MerkleCheck implements Verifier.SidePass {
  private static final int SCAN_BUFFER = 1 << 20;
  // Windows over the persisted Merkle files, read in bulk as the scan passes.
  private static final int WINDOW = 4096;

  private final LedgerEngine engine;
  private final Visible state;
  private final long trustedSize;
  private final long storedChunks;
  private volatile boolean cancelled;

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

  MerkleCheck(LedgerEngine engine, Visible state, long trustedSize) {
    this.engine = engine;
    this.state = state;
    this.trustedSize = trustedSize;
    this.storedChunks = engine.merkle.completeChunks();
    this.rootAtTrusted = trustedSize == 0 ? Hashes.empty() : null;
  }

  /** Asks a running pass to stop early: the chain pass has already found the store damaged. */
  @Override
  public void cancel() {
    cancelled = true;
  }

  /**
   * Runs the pass.
   *
   * @throws TamperException if a persisted chunk position or node disagrees with the log
   * @throws StorageIOException if the log cannot be read
   */
  @Override
  public void run() {
    long seq = 0;
    try {
      LogScanner scanner =
          new LogScanner(engine.log, SegmentLog.start(), state.endPosition(), SCAN_BUFFER);
      for (Rec r = scanner.next(); r != null && !cancelled; r = scanner.next()) {
        if (r.isCommit()) {
          continue;
        }
        appendLeaf(
            Hashes.leaf(r.canonicalArray(), 0, r.canonicalLength()),
            scanner.position(),
            seq,
            r.position);
        seq++;
        if (seq == trustedSize) {
          rootAtTrusted = root();
        }
      }
    } catch (LogScanner.Problem p) {
      // The chain pass reads the same bytes and reports the damage with its context.
      cancelled = true;
    } catch (IOException e) {
      throw new StorageIOException("cannot read ledger " + engine.directory(), e);
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
              + Verifier.at(engine, position));
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
