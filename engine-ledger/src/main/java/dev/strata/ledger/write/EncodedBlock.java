package dev.strata.ledger.write;

import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.format.RecordFormat;
import dev.strata.ledger.index.IndexEntry;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One transaction encoded for the log: its entries (keys in order, the last write of each key)
 * followed by the commit marker. Built in two steps, before anything is written, so a failure while
 * encoding leaves no trace: {@link #encode} lays out the stored records and each entry's canonical
 * bytes, {@link #seal} runs the hash chain over them and closes the block with the commit marker.
 * Between the two the Merkle leaves can be hashed on another thread ({@link #leaf}). The stored
 * records are the compact version-2 encoding; leaves and chain hash the canonical bytes.
 */
final class EncodedBlock {
  private static final byte[] EMPTY = new byte[0];

  private final ByteBuffer bytes;
  private final byte[] canonical;
  private final int[] canonicalEnds;
  private final int[] offsets;
  private final int[] ends;
  private int markerOffset = -1;
  private byte[] chainHead;

  private EncodedBlock(
      ByteBuffer bytes, byte[] canonical, int[] canonicalEnds, int[] offsets, int[] ends) {
    this.bytes = bytes;
    this.canonical = canonical;
    this.canonicalEnds = canonicalEnds;
    this.offsets = offsets;
    this.ends = ends;
  }

  /**
   * Lays out a block's entries; {@link #seal} completes it.
   *
   * @param keys the keys, in order, in {@code keys[0, n)}
   * @param values the new values, null for a delete
   * @param previous each key's latest entry before this block, or null
   * @param n the number of entries
   * @param blockBytes an upper bound of the encoded size ({@link RecordFormat#maxEntryFrame} per
   *     entry plus {@link RecordFormat#COMMIT_FRAME})
   * @param firstSeq the sequence number of the first entry
   * @param scratch the writer's reusable buffers; the block uses them until the next encode
   */
  static EncodedBlock encode(
      byte[][] keys,
      byte[][] values,
      IndexEntry[] previous,
      int n,
      int blockBytes,
      long firstSeq,
      long timestamp,
      long txnId,
      Scratch scratch) {
    ByteBuffer block = scratch.records(blockBytes);
    // All canonical bodies in one array (each fits in its stored frame's bound): the chain and the
    // leaves hash slices of it.
    ByteBuffer canonical = scratch.canonical(blockBytes);
    int[] canonicalEnds = new int[n];
    int[] offsets = new int[n];
    int[] ends = new int[n];
    for (int i = 0; i < n; i++) {
      byte[] value = values[i] == null ? EMPTY : values[i];
      byte[] key = keys[i];
      byte kind = values[i] == null ? RecordFormat.DELETE : RecordFormat.PUT;
      long seq = firstSeq + i;
      long prevSeq = previous[i] == null ? -1 : previous[i].seq;
      offsets[i] = block.position();
      RecordFormat.putEntry(block, kind, offsets[i], timestamp, txnId, seq, prevSeq, key, value);
      ends[i] = block.position();
      RecordFormat.putCanonical(canonical, kind, seq, timestamp, txnId, prevSeq, key, value);
      canonicalEnds[i] = canonical.position();
    }
    return new EncodedBlock(block, canonical.array(), canonicalEnds, offsets, ends);
  }

  /**
   * The two buffers a block is encoded into, kept by the writer from one block to the next: a
   * commit of 100 small entries would otherwise allocate and zero 30 KiB. Buffers above {@link
   * #KEEP_BYTES} are not kept. One writer at a time.
   */
  static final class Scratch {
    static final int KEEP_BYTES = 1 << 20;
    private final Kept records = new Kept();
    private final Kept canonical = new Kept();

    ByteBuffer records(int bytes) {
      return records.take(bytes);
    }

    ByteBuffer canonical(int bytes) {
      return canonical.take(bytes);
    }

    /** One reusable buffer. */
    private static final class Kept {
      private ByteBuffer buffer = RecordFormat.allocate(0);

      /** A cleared buffer of at least {@code bytes}, kept for the next block if not too large. */
      ByteBuffer take(int bytes) {
        if (buffer.capacity() >= bytes) {
          return buffer.clear();
        }
        ByteBuffer fresh = RecordFormat.allocate(bytes);
        if (bytes <= KEEP_BYTES) {
          buffer = fresh;
        }
        return fresh;
      }
    }
  }

  /** Number of entries. */
  int size() {
    return offsets.length;
  }

  /** The Merkle leaf hash of entry {@code i}; any thread, while or after the block is sealed. */
  byte[] leaf(int i) {
    int from = i == 0 ? 0 : canonicalEnds[i - 1];
    return LedgerHashes.leaf(canonical, from, canonicalEnds[i] - from);
  }

  /**
   * Chains the entries onto {@code previousHead} and appends the commit marker carrying the new
   * head; the block is then ready to write.
   */
  void seal(byte[] previousHead) {
    byte[] head = previousHead;
    int from = 0;
    for (int end : canonicalEnds) {
      head = LedgerHashes.chain(head, canonical, from, end - from);
      from = end;
    }
    markerOffset = bytes.position();
    RecordFormat.putCommit(bytes, head);
    bytes.flip();
    chainHead = head;
  }

  /** The sealed block's bytes, positioned to be written. */
  ByteBuffer bytes() {
    return bytes;
  }

  /** Bytes of the sealed block, commit marker included. */
  int length() {
    return bytes.limit();
  }

  /** Offset of entry {@code i}'s record in the block. */
  int offset(int i) {
    return offsets[i];
  }

  /** Offset just past entry {@code i}'s record in the block. */
  int end(int i) {
    return ends[i];
  }

  /** Offset of the commit marker; set by {@link #seal}. */
  int markerOffset() {
    return markerOffset;
  }

  /** The chain head after the block; set by {@link #seal}. */
  byte[] chainHead() {
    return Arrays.copyOf(chainHead, chainHead.length);
  }
}
