package dev.strata.ledger;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One transaction encoded for the log: its entries (keys in order, the last write of each key)
 * followed by the commit marker, with each entry's Merkle leaf and the chain head after the block.
 * Built before anything is written, so a failure while encoding leaves no trace.
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
      byte[] value = values.get(i);
      offsets[i] = block.position();
      int body =
          Codec.putEntry(
              block,
              value == null ? Codec.DELETE : Codec.PUT,
              firstSeq + i,
              timestamp,
              txnId,
              previous.get(i) == null ? -1 : previous.get(i).seq,
              keys.get(i),
              value == null ? new byte[0] : value);
      ends[i] = block.position();
      ByteBuffer canonical = block.duplicate();
      canonical.limit(ends[i] - 4).position(body);
      leaves[i] = Hashes.leaf(canonical.duplicate());
      head = Hashes.chain(head, canonical);
    }
    int markerOffset = block.position();
    Codec.putCommit(block, firstSeq + n, timestamp, txnId, n, head);
    block.flip();
    return new Block(block, leaves, offsets, ends, markerOffset, head);
  }
}
