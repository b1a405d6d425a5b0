package dev.strata.ledger;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One transaction encoded for the log: its entries (keys in order, the last write of each key)
 * followed by the commit marker, with each entry's Merkle leaf and the chain head after the block.
 * Built before anything is written, so a failure while encoding leaves no trace. The stored records
 * are the compact version-2 encoding; leaves and chain hash the canonical bytes, built on the side.
 */
final class Block {
  final ByteBuffer bytes;
  final int length;
  final byte[][] leaves;
  final int[] offsets;
  final int[] ends;
  final int markerOffset;
  final byte[] chainHead;

  private Block(
      ByteBuffer bytes,
      byte[][] leaves,
      int[] offsets,
      int[] ends,
      int markerOffset,
      byte[] chainHead) {
    this.bytes = bytes;
    this.length = bytes.limit();
    this.leaves = leaves;
    this.offsets = offsets;
    this.ends = ends;
    this.markerOffset = markerOffset;
    this.chainHead = chainHead;
  }

  /**
   * Encodes a block.
   *
   * @param values the new values, null for a delete
   * @param previous each key's latest entry before this block, or null
   * @param blockBytes an upper bound of the encoded size ({@link Codec#maxEntryFrame} per entry
   *     plus {@link Codec#COMMIT_FRAME})
   * @param firstSeq the sequence number of the first entry
   * @param chainHead the chain head before the block
   */
  static Block encode(
      List<byte[]> keys,
      List<byte[]> values,
      List<IndexEntry> previous,
      int blockBytes,
      long firstSeq,
      long timestamp,
      long txnId,
      byte[] chainHead) {
    int n = keys.size();
    ByteBuffer block = Codec.allocate(blockBytes);
    byte[] head = chainHead;
    byte[][] leaves = new byte[n][];
    int[] offsets = new int[n];
    int[] ends = new int[n];
    for (int i = 0; i < n; i++) {
      byte[] value = values.get(i) == null ? new byte[0] : values.get(i);
      byte[] key = keys.get(i);
      byte kind = values.get(i) == null ? Codec.DELETE : Codec.PUT;
      long seq = firstSeq + i;
      long prevSeq = previous.get(i) == null ? -1 : previous.get(i).seq;
      offsets[i] = block.position();
      Codec.putEntry(block, kind, offsets[i], timestamp, txnId, seq, prevSeq, key, value);
      ends[i] = block.position();
      byte[] canonical = Codec.canonical(kind, seq, timestamp, txnId, prevSeq, key, value);
      leaves[i] = Hashes.leaf(canonical);
      head = Hashes.chain(head, canonical, 0, canonical.length);
    }
    int markerOffset = block.position();
    Codec.putCommit(block, head);
    block.flip();
    return new Block(block, leaves, offsets, ends, markerOffset, head);
  }
}
