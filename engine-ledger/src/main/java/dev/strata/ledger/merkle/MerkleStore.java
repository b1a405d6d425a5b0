package dev.strata.ledger.merkle;

import dev.strata.api.CorruptionException;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.format.RecordFormat;
import dev.strata.ledger.log.SegmentLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Merkle accumulator over all entries, in the RFC 9162 tree shape. Leaves are grouped in chunks
 * of 16; for every complete chunk the store persists its end position in the log ({@code
 * merkle.chunks}) and the hashes of every complete aligned subtree of 16 or more leaves in
 * post-order ({@code merkle.nodes}). Any subtree hash a proof needs is then O(log n) node reads
 * plus at most one chunk of leaves re-hashed from the log, never a replay.
 *
 * <p>Both files are derived from the log: on open they are cut back to what the log and the index
 * checkpoint confirm and rebuilt from there; {@code verifyIntegrity()} recomputes them in full. New
 * slots collect on the heap (proofs read them there) and {@link #flush()} writes each file's share
 * with one call through the engine's {@link FileIO} (so fault injection and crash replay reach
 * them): the writer flushes every {@link #WRITER_FLUSH_SLOTS} chunks and before a checkpoint, so
 * two writes serve many commits. Read-only stores keep rebuilt slots on the heap.
 *
 * <p>Thread-safe: every method is synchronized; the writer appends while readers prove.
 */
public final class MerkleStore implements AutoCloseable {
  /** Leaves per chunk. */
  public static final int CHUNK = 16;

  static final int CHUNK_BITS = 4;

  /** File name of the chunk end positions. */
  public static final String CHUNKS_FILE = "merkle.chunks";

  /** File name of the persisted subtree hashes. */
  public static final String NODES_FILE = "merkle.nodes";

  static final int HEADER = MerkleSlots.HEADER;
  static final int CHUNK_SLOT = MerkleSlots.CHUNK_SLOT;
  static final int NODE_SLOT = MerkleSlots.NODE_SLOT;

  /** Pending chunk slots after which a long replay flushes without waiting for its end. */
  private static final int FLUSH_SLOTS = 4096;

  /**
   * Pending chunk slots (1,024 entries) after which the writer flushes. The files are derived and
   * trusted only up to the index checkpoint, which forces them first, so writing them with every
   * commit would buy nothing but two more system calls per commit.
   */
  public static final int WRITER_FLUSH_SLOTS = 64;

  private static final int RESTORE_WINDOW = 1 << 14;

  private static final long CHUNKS_MAGIC = 0x314B_4843_4C52_5453L; // "STRLCHK1"
  private static final long NODES_MAGIC = 0x3144_4F4E_4C52_5453L; // "STRLNOD1"

  /** Re-hashes the 16 entries of a complete chunk from the log. */
  public interface ChunkReader {
    byte[][] leaves(long chunk, long start, long end);
  }

  private final Path chunksPath;
  private final Path nodesPath;
  private final FileIO fileIO;
  private final StorageFile chunksFile;
  private final StorageFile nodesFile;
  private final boolean writable;
  private final WriteAmplificationMeter meter;
  private final ChunkReader reader;

  private long[] chunkEnds = new long[1024];
  private long chunks;
  private long persistedChunks;
  private long persistedNodes;
  private final List<byte[]> heapNodes = new ArrayList<>();
  private final List<byte[]> heapChunkSlots = new ArrayList<>();

  private byte[][] peaks = new byte[64][];
  private int[] peakLevels = new int[64];
  private int peakCount;

  private final byte[][] current = new byte[CHUNK][];
  private int currentCount;

  private long cachedChunk = -1;
  private byte[][] cachedLeaves;

  /** The accumulator before the block being appended, restored if that block fails. */
  private record Mark(
      long chunks,
      int currentCount,
      byte[][] current,
      int peakCount,
      byte[][] peaks,
      int[] peakLevels,
      long persistedChunks,
      long persistedNodes,
      int heapChunkSlots,
      int heapNodes) {}

  private Mark mark;

  /**
   * The leaves of the chunk that was open at the last {@link #mark()}, once the block being
   * appended completed it: until that block is in the log, a reader proving a committed size in
   * that chunk must not re-read the chunk's entries from the log, where the rest are missing.
   */
  private byte[][] pinnedLeaves;

  private MerkleStore(
      Path directory,
      boolean writable,
      FileIO fileIO,
      WriteAmplificationMeter meter,
      ChunkReader reader)
      throws IOException {
    this.fileIO = fileIO;
    this.chunksPath = directory.resolve(CHUNKS_FILE);
    this.nodesPath = directory.resolve(NODES_FILE);
    this.writable = writable;
    this.meter = meter;
    this.reader = reader;
    this.chunksFile = MerkleSlots.openFile(chunksPath, CHUNKS_MAGIC, writable, fileIO, meter);
    StorageFile nodes;
    try {
      nodes = MerkleSlots.openFile(nodesPath, NODES_MAGIC, writable, fileIO, meter);
    } catch (IOException | RuntimeException e) {
      if (chunksFile != null) {
        chunksFile.close();
      }
      throw e;
    }
    this.nodesFile = nodes;
  }

  /**
   * Opens the derived files and restores the state after the first {@code trustedChunks} chunks, or
   * fewer when the files hold less; the caller then re-appends every later leaf.
   */
  public static MerkleStore open(
      Path directory,
      boolean writable,
      FileIO fileIO,
      WriteAmplificationMeter meter,
      ChunkReader reader,
      long trustedChunks)
      throws IOException {
    MerkleStore store = new MerkleStore(directory, writable, fileIO, meter, reader);
    try {
      store.restore(trustedChunks);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  private void restore(long trustedChunks) throws IOException {
    long fileChunks = chunksFile == null ? 0 : (chunksFile.size() - HEADER) / CHUNK_SLOT;
    long fileNodes = nodesFile == null ? 0 : (nodesFile.size() - HEADER) / NODE_SLOT;
    long usable = Math.min(trustedChunks, fileChunks);
    while (usable > 0 && MerkleMath.nodesFor(usable) > fileNodes) {
      usable--;
    }
    growChunks(usable);
    // One read per window of slots: opening a store of 10^7 entries restores 625,000 of them.
    long[] window = new long[RESTORE_WINDOW];
    for (long from = 0; from < usable; from += RESTORE_WINDOW) {
      int count = (int) Math.min(RESTORE_WINDOW, usable - from);
      int intact = MerkleSlots.readChunkEnds(chunksFile, chunksPath, from, count, window);
      System.arraycopy(window, 0, chunkEnds, (int) from, intact);
      if (intact < count) {
        usable = from + intact;
      }
    }
    usable = Math.min(usable, chunksBeforeDamagedNode(usable));
    chunks = usable;
    persistedChunks = usable;
    persistedNodes = MerkleMath.nodesFor(usable);
    if (writable) {
      if (fileChunks != usable) {
        chunksFile.truncate(HEADER + usable * CHUNK_SLOT);
      }
      if (fileNodes != persistedNodes) {
        nodesFile.truncate(HEADER + persistedNodes * NODE_SLOT);
      }
    }
    long start = 0;
    for (int level = 63; level >= 0; level--) {
      if ((usable & (1L << level)) != 0) {
        pushPeak(readNode(MerkleMath.slotOf(level, start >> level)), level);
        start += 1L << level;
      }
    }
  }

  /**
   * Checks every node slot the first {@code usable} chunks need, one bulk read per window, and
   * returns how many chunks the intact prefix of slots still covers: a damaged node is rebuilt from
   * the log at open instead of failing a proof or {@code verifyIntegrity()} later.
   */
  private long chunksBeforeDamagedNode(long usable) throws IOException {
    long needed = MerkleMath.nodesFor(usable);
    byte[][] window = new byte[RESTORE_WINDOW][];
    for (long from = 0; from < needed; from += RESTORE_WINDOW) {
      int count = (int) Math.min(RESTORE_WINDOW, needed - from);
      int intact = MerkleSlots.readNodes(nodesFile, nodesPath, from, count, window);
      if (intact < count) {
        long chunksCovered = usable;
        while (chunksCovered > 0 && MerkleMath.nodesFor(chunksCovered) > from + intact) {
          chunksCovered--;
        }
        return chunksCovered;
      }
    }
    return usable;
  }

  private void growChunks(long needed) {
    if (needed > chunkEnds.length) {
      chunkEnds = Arrays.copyOf(chunkEnds, (int) Math.max(needed, chunkEnds.length * 2L));
    }
  }

  private void pushPeak(byte[] hash, int level) {
    peaks[peakCount] = hash;
    peakLevels[peakCount] = level;
    peakCount++;
  }

  /**
   * Remembers the accumulator before a block's leaves are appended, so that {@link #rollback()} can
   * forget them if the block's write or the slot flush fails.
   */
  public synchronized void mark() {
    pinnedLeaves = null;
    mark =
        new Mark(
            chunks,
            currentCount,
            Arrays.copyOf(current, currentCount),
            peakCount,
            Arrays.copyOf(peaks, peakCount),
            Arrays.copyOf(peakLevels, peakCount),
            persistedChunks,
            persistedNodes,
            heapChunkSlots.size(),
            heapNodes.size());
  }

  /**
   * Returns to the last {@link #mark()}: proofs and digests served after a failed commit must not
   * build on leaves of a block the log no longer holds. Slots of the failed block that reached the
   * files stay there, beyond what the index checkpoint vouches for, so open ignores them.
   */
  public synchronized void rollback() {
    Mark m = mark;
    if (m == null) {
      return;
    }
    chunks = m.chunks();
    currentCount = m.currentCount();
    System.arraycopy(m.current(), 0, current, 0, currentCount);
    Arrays.fill(current, currentCount, CHUNK, null);
    peakCount = m.peakCount();
    System.arraycopy(m.peaks(), 0, peaks, 0, peakCount);
    System.arraycopy(m.peakLevels(), 0, peakLevels, 0, peakCount);
    persistedChunks =
        forget(heapChunkSlots, persistedChunks, m.persistedChunks(), m.heapChunkSlots());
    persistedNodes = forget(heapNodes, persistedNodes, m.persistedNodes(), m.heapNodes());
    cachedChunk = -1;
    cachedLeaves = null;
    pinnedLeaves = null;
  }

  /**
   * Drops the slots added since a mark from one file's heap list and returns the persisted count to
   * keep. A flush since the mark wrote every slot pending then, the mark's own included.
   */
  private static long forget(List<byte[]> heap, long persisted, long markPersisted, int markHeap) {
    if (persisted == markPersisted) {
      heap.subList(markHeap, heap.size()).clear();
      return persisted;
    }
    heap.clear();
    return markPersisted + markHeap;
  }

  /** Number of leaves. */
  synchronized long size() {
    return chunks * CHUNK + currentCount;
  }

  /** Log position where chunk {@code chunk}'s first entry (or a commit marker before it) is. */
  public synchronized long chunkStart(long chunk) {
    return chunk == 0 ? SegmentLog.start() : chunkEnds[(int) (chunk - 1)];
  }

  /** Number of complete 16-leaf chunks. */
  public synchronized long completeChunks() {
    return chunks;
  }

  /**
   * Appends the next leaf during a replay, flushing when many slots are pending so that a long
   * replay's heap stays bounded; {@code end} is the log position just past its record.
   */
  public synchronized void append(byte[] leafHash, long end) throws IOException {
    add(leafHash, end);
    if (writable && heapChunkSlots.size() >= FLUSH_SLOTS) {
      flush();
    }
  }

  /**
   * Adds the next leaf on the heap, without I/O: the writer's {@link #flushIfDue()} after the block
   * persists it, so the files are written in the log's order whichever thread added the leaves.
   */
  public synchronized void add(byte[] leafHash, long end) {
    current[currentCount++] = leafHash;
    if (currentCount < CHUNK) {
      return;
    }
    byte[] chunkHash = MerkleMath.root(current, 0, CHUNK);
    if (mark != null && chunks == mark.chunks()) {
      pinnedLeaves = current.clone();
    }
    growChunks(chunks + 1);
    chunkEnds[(int) chunks] = end;
    writeChunkSlot(chunks, end);
    chunks++;
    currentCount = 0;
    Arrays.fill(current, null);
    writeNode(chunkHash);
    pushPeak(chunkHash, 0);
    while (peakCount >= 2 && peakLevels[peakCount - 1] == peakLevels[peakCount - 2]) {
      byte[] parent = LedgerHashes.node(peaks[peakCount - 2], peaks[peakCount - 1]);
      int level = peakLevels[peakCount - 1] + 1;
      peakCount -= 2;
      writeNode(parent);
      pushPeak(parent, level);
    }
  }

  private void writeChunkSlot(long chunk, long end) {
    ByteBuffer slot = RecordFormat.allocate(CHUNK_SLOT);
    slot.putLong(end).putInt(MerkleSlots.chunkCrc(chunk, end));
    heapChunkSlots.add(slot.array());
  }

  private void writeNode(byte[] hash) {
    heapNodes.add(hash);
  }

  /** {@link #flush()} once {@link #WRITER_FLUSH_SLOTS} chunk slots are pending. */
  public synchronized void flushIfDue() throws IOException {
    if (heapChunkSlots.size() >= WRITER_FLUSH_SLOTS) {
      flush();
    }
  }

  /**
   * Writes the slots collected since the last flush, one write per file. A no-op for read-only
   * stores, which keep them on the heap.
   */
  public synchronized void flush() throws IOException {
    if (!writable) {
      return;
    }
    if (!heapChunkSlots.isEmpty()) {
      ByteBuffer b = RecordFormat.allocate(heapChunkSlots.size() * CHUNK_SLOT);
      heapChunkSlots.forEach(b::put);
      b.flip();
      chunksFile.writeFully(b, HEADER + persistedChunks * CHUNK_SLOT);
      meter.addPhysical(b.capacity());
      persistedChunks += heapChunkSlots.size();
      heapChunkSlots.clear();
    }
    if (!heapNodes.isEmpty()) {
      ByteBuffer b = RecordFormat.allocate(heapNodes.size() * NODE_SLOT);
      long slot = persistedNodes;
      for (byte[] hash : heapNodes) {
        b.put(hash).putInt(MerkleSlots.nodeCrc(slot++, hash));
      }
      b.flip();
      nodesFile.writeFully(b, HEADER + persistedNodes * NODE_SLOT);
      meter.addPhysical(b.capacity());
      persistedNodes += heapNodes.size();
      heapNodes.clear();
    }
  }

  /** Reads a persisted node and checks its checksum. */
  synchronized byte[] readNode(long slot) {
    return readNodes(slot, 1)[0];
  }

  /**
   * Reads {@code count} persisted nodes from {@code from} with one read where they are in the file,
   * checking each checksum: the integrity check walks every node, and a read per slot would cost
   * more than the hashing.
   */
  public synchronized byte[][] readNodes(long from, int count) {
    byte[][] out = new byte[count][];
    int inFile = (int) Math.max(0, Math.min(count, persistedNodes - from));
    if (inFile > 0) {
      int intact;
      try {
        intact = MerkleSlots.readNodes(nodesFile, nodesPath, from, inFile, out);
      } catch (IOException e) {
        throw new StorageIOException(
            "cannot read " + nodesPath + " at offset " + MerkleSlots.nodeOffset(from), e);
      }
      if (intact < inFile) {
        throw new CorruptionException(
            nodesPath
                + ": node checksum mismatch at offset "
                + MerkleSlots.nodeOffset(from + intact));
      }
    }
    for (int i = inFile; i < count; i++) {
      out[i] = heapNodes.get((int) (from + i - persistedNodes));
    }
    return out;
  }

  /** Reads {@code count} persisted chunk end positions from {@code from}, checking each slot. */
  public synchronized long[] readChunkEnds(long from, int count) {
    long[] out = new long[count];
    int inFile = (int) Math.max(0, Math.min(count, persistedChunks - from));
    if (inFile > 0) {
      int intact;
      try {
        intact = MerkleSlots.readChunkEnds(chunksFile, chunksPath, from, inFile, out);
      } catch (IOException e) {
        throw new StorageIOException(
            "cannot read " + chunksPath + " at offset " + MerkleSlots.chunkOffset(from), e);
      }
      if (intact < inFile) {
        throw new CorruptionException(
            chunksPath
                + ": slot checksum mismatch at offset "
                + MerkleSlots.chunkOffset(from + intact));
      }
    }
    for (int i = inFile; i < count; i++) {
      out[i] =
          ByteBuffer.wrap(heapChunkSlots.get((int) (from + i - persistedChunks)))
              .order(java.nio.ByteOrder.LITTLE_ENDIAN)
              .getLong(0);
    }
    return out;
  }

  /** The Merkle tree head of the first {@code n} leaves. */
  public synchronized byte[] root(long n) {
    return n == 0 ? LedgerHashes.empty() : subtree(0, n);
  }

  /** RFC 9162 inclusion path of leaf {@code m} in the tree of the first {@code n} leaves. */
  public synchronized List<byte[]> inclusion(long m, long n) {
    return ProofPaths.inclusion(m, n, this::subtree);
  }

  /** RFC 9162 consistency proof from the first {@code m} leaves to the first {@code n}. */
  public synchronized List<byte[]> consistency(long m, long n) {
    return ProofPaths.consistency(m, n, this::subtree);
  }

  /** MTH(D[a:b]) using persisted nodes for aligned subtrees of whole chunks. */
  private byte[] subtree(long a, long b) {
    long n = b - a;
    if (MerkleMath.isPowerOfTwo(n) && a % n == 0) {
      if (n >= CHUNK) {
        int level = Long.numberOfTrailingZeros(n) - CHUNK_BITS;
        return readNode(MerkleMath.slotOf(level, a >> (level + CHUNK_BITS)));
      }
      int from = (int) (a % CHUNK);
      return MerkleMath.root(leavesOf(a / CHUNK), from, from + (int) n);
    }
    long k = MerkleMath.split(n);
    return LedgerHashes.node(subtree(a, a + k), subtree(a + k, b));
  }

  private byte[][] leavesOf(long chunk) {
    if (chunk == chunks) {
      return current;
    }
    if (pinnedLeaves != null && chunk == mark.chunks()) {
      return pinnedLeaves;
    }
    if (chunk != cachedChunk) {
      cachedLeaves = reader.leaves(chunk, chunkStart(chunk), chunkEnds[(int) chunk]);
      cachedChunk = chunk;
    }
    return cachedLeaves;
  }

  /** Forces both files; called before an index checkpoint is written. */
  public synchronized void force() throws IOException {
    flush();
    if (writable) {
      chunksFile.force(false);
      nodesFile.force(false);
      meter.addSync();
      meter.addSync();
    }
  }

  /** Bytes of both files. */
  public synchronized long bytes() {
    return HEADER * 2L
        + (persistedChunks + heapChunkSlots.size()) * CHUNK_SLOT
        + (persistedNodes + heapNodes.size()) * NODE_SLOT;
  }

  @Override
  public synchronized void close() {
    try {
      flush();
    } catch (IOException ignored) {
      // Derived files: open trusts them only up to the checkpoint and rebuilds the rest.
    }
    for (StorageFile ch : new StorageFile[] {chunksFile, nodesFile}) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // Derived files are rebuilt from the log if anything was lost.
        }
      }
    }
  }
}
