package dev.strata.ledger.verify;

import dev.strata.api.TamperException;
import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.merkle.MerkleMath;
import dev.strata.ledger.merkle.MerkleStore;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

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

  private static final int SIZE = LedgerHashes.SIZE;

  static {
    // A chunk's tree is then perfect, and its nodes are computed level by level in place.
    if (!MerkleMath.isPowerOfTwo(MerkleStore.CHUNK)) {
      throw new ExceptionInInitializerError("the Merkle chunk size must be a power of two");
    }
  }

  // Hashes live in flat arrays, 32 bytes each, hashed into in place: one object per hash would be
  // an allocation per leaf and per node.
  private final byte[] peaks = new byte[64 * SIZE];
  private final int[] peakLevels = new int[64];
  private int peakCount;
  private final byte[] leaves = new byte[MerkleStore.CHUNK * SIZE];
  private int leafCount;
  // An interior node's input, 0x01 || left || right, hashed in one call.
  private final byte[] nodeInput = new byte[1 + 2 * SIZE];
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

  /**
   * Batches this pass may fall behind the chain pass: it hashes about as much as the chain pass, so
   * what it is behind when the chain pass ends is time one core works alone.
   */
  static final int LAG = 8;

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
    nodeInput[0] = LedgerHashes.NODE_PREFIX;
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

  /**
   * Run by the chain pass's thread once it has handed over the last batch: hashes the leaves of the
   * batches this pass has not begun, newest first, until it meets one this pass took. The tail of
   * the check, where this pass would otherwise hash alone on one core, then runs on two.
   */
  void helpWithQueuedLeaves() {
    List<CanonicalBytesFeed.Batch> queued = feed.queued(CONSUMER);
    MessageDigest digest = null;
    for (int j = queued.size() - 1; j >= 0; j--) {
      CanonicalBytesFeed.Batch b = queued.get(j);
      if (!b.leafState.compareAndSet(
          CanonicalBytesFeed.LEAVES_OPEN, CanonicalBytesFeed.LEAVES_HELPING)) {
        return;
      }
      boolean hashed = false;
      try {
        if (digest == null) {
          digest = LedgerHashes.newSha256();
        }
        if (b.leafHashes == null || b.leafHashes.length < b.count * SIZE) {
          b.leafHashes = new byte[b.count * SIZE];
        }
        for (int i = 0; i < b.count; i++) {
          digest.update(b.data, b.offsets[i], b.offsets[i + 1] - b.offsets[i]);
          LedgerHashes.digestInto(digest, b.leafHashes, i * SIZE);
        }
        hashed = true;
      } finally {
        // This pass waits for the state to leave HELPING: it must leave it whatever happens.
        b.leafState.set(
            hashed ? CanonicalBytesFeed.LEAVES_HASHED : CanonicalBytesFeed.LEAVES_DROPPED);
      }
    }
  }

  private void hashBatch(CanonicalBytesFeed.Batch b) {
    byte[] data = b.data;
    int[] offsets = b.offsets;
    byte[] hashed = takeLeaves(b) ? null : b.leafHashes;
    for (int i = 0; i < b.count; i++) {
      if (hashed == null) {
        // The batch holds the leaf's whole input, 0x00 || canonical bytes.
        md.update(data, offsets[i], offsets[i + 1] - offsets[i]);
        LedgerHashes.digestInto(md, leaves, leafCount * SIZE);
      } else {
        System.arraycopy(hashed, i * SIZE, leaves, leafCount * SIZE, SIZE);
      }
      if (++leafCount == MerkleStore.CHUNK) {
        completeChunk(b.ends[i], seq, b.positions[i]);
      }
      seq++;
      if (seq == trustedSize) {
        rootAtTrusted = root();
      }
    }
  }

  /**
   * Whether this pass hashes the batch's leaves itself; false when the chain pass's thread has
   * hashed them into {@link CanonicalBytesFeed.Batch#leafHashes}, waiting for it to finish.
   */
  private static boolean takeLeaves(CanonicalBytesFeed.Batch b) {
    if (b.leafState.compareAndSet(
        CanonicalBytesFeed.LEAVES_OPEN, CanonicalBytesFeed.LEAVES_CONSUMER)) {
      return true;
    }
    int state;
    // At most one batch's leaves (about a millisecond) are in the chain pass's hands.
    for (int spins = 1; (state = b.leafState.get()) == CanonicalBytesFeed.LEAVES_HELPING; spins++) {
      if (spins % 64 == 0) {
        Thread.yield();
      } else {
        Thread.onSpinWait();
      }
    }
    return state != CanonicalBytesFeed.LEAVES_HASHED;
  }

  /** Hashes a full chunk's tree, checks its end and node, and merges it into the peaks. */
  private void completeChunk(long end, long seq, long position) {
    leafCount = 0;
    for (int width = MerkleStore.CHUNK; width > 1; width >>= 1) {
      for (int j = 0; j < width / 2; j++) {
        // Node j of the level above reads hashes 2j and 2j + 1, which nothing before overwrote.
        nodeInto(leaves, 2 * j * SIZE, leaves, j * SIZE);
      }
    }
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
    System.arraycopy(leaves, 0, peaks, peakCount * SIZE, SIZE);
    peakLevels[peakCount++] = 0;
    node(peaks, (peakCount - 1) * SIZE, seq);
    while (peakCount >= 2 && peakLevels[peakCount - 1] == peakLevels[peakCount - 2]) {
      // The two peaks lie side by side: their parent replaces the left one.
      int left = (peakCount - 2) * SIZE;
      nodeInto(peaks, left, peaks, left);
      peakCount--;
      peakLevels[peakCount - 1]++;
      node(peaks, left, seq);
    }
  }

  /** Writes {@code SHA-256(0x01 || src[from, from + 64))} to {@code dst} at {@code to}. */
  private void nodeInto(byte[] src, int from, byte[] dst, int to) {
    System.arraycopy(src, from, nodeInput, 1, 2 * SIZE);
    md.update(nodeInput, 0, nodeInput.length);
    LedgerHashes.digestInto(md, dst, to);
  }

  /** Checks the next post-order node, held in {@code hashes} at {@code at}, against its slot. */
  private void node(byte[] hashes, int at, long seq) {
    long slot = slots++;
    if (chunks <= storedChunks
        && !Arrays.equals(storedNode(slot), 0, SIZE, hashes, at, at + SIZE)) {
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

  /** The Merkle tree head of everything appended so far; computed once, so plainly. */
  private byte[] root() {
    byte[][] pending = new byte[leafCount][];
    for (int k = 0; k < leafCount; k++) {
      pending[k] = Arrays.copyOfRange(leaves, k * SIZE, (k + 1) * SIZE);
    }
    byte[] h = leafCount > 0 ? MerkleMath.root(pending, 0, leafCount) : null;
    for (int i = peakCount - 1; i >= 0; i--) {
      byte[] peak = Arrays.copyOfRange(peaks, i * SIZE, (i + 1) * SIZE);
      h = h == null ? peak : LedgerHashes.node(peak, h);
    }
    return h;
  }
}
