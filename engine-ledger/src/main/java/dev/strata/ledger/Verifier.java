package dev.strata.ledger;

import dev.strata.api.TamperException;
import java.io.IOException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;

/**
 * The full check behind {@code verifyIntegrity()} and {@code verify(digest)}: a sequential pass
 * over the log up to a committed state, recomputing the hash chain, checking every commit marker
 * and merging the index, sorted by sequence number, against the entries as they pass, while a
 * {@link MerkleCheck} pass on a second thread recomputes the Merkle leaves, chunks and nodes. A
 * {@code prevSeq} bitmap proves that the index holds exactly the latest entry of every key. The
 * first failure throws a {@link TamperException} naming the sequence number, file and offset.
 */
final class Verifier {
  private static final int SCAN_BUFFER = 1 << 20;

  private final LedgerEngine engine;
  private final Visible state;
  private final LedgerDigest trusted;

  Verifier(LedgerEngine engine, Visible state, LedgerDigest trusted) {
    this.engine = engine;
    this.state = state;
    this.trusted = trusted;
  }

  // State of the chain pass, advanced record by record.
  private Indexed indexed;
  private final BitSet superseded = new BitSet();
  private byte[] head = Hashes.ZERO;
  private byte[] headAtTrusted;
  private long expected;
  private long blockStart;
  private long blockTxn = -1;
  private long blockTime = -1;
  private long lastTxn;
  private long lastTime = Long.MIN_VALUE;
  private int nextIndexed;

  /**
   * The index entries visible at the checked size, in sequence order, as parallel arrays: the pass
   * meets them in that order, and one object per key would cost a cache miss per entry.
   */
  private record Indexed(int count, long[] seqs, long[] positions, byte[][] keys, BitSet deleted) {}

  /**
   * Runs the check: the chain pass on the calling thread, the Merkle pass ({@link MerkleCheck}) on
   * a second one.
   *
   * @throws TamperException at the first disagreement either pass finds
   * @throws dev.strata.api.StorageIOException if the log or a Merkle file cannot be read
   */
  void run() {
    MerkleCheck merkle = new MerkleCheck(engine, state, trusted == null ? -1 : trusted.size());
    RuntimeException[] merkleFailure = new RuntimeException[1];
    Thread worker =
        new Thread(
            () -> {
              try {
                merkle.run();
              } catch (RuntimeException e) {
                merkleFailure[0] = e;
              }
            },
            "ledger-verify-merkle");
    worker.setDaemon(true);
    worker.start();
    try {
      checkChain();
    } catch (RuntimeException | Error e) {
      merkle.cancel();
      join(worker);
      throw e;
    }
    join(worker);
    if (merkleFailure[0] != null) {
      throw merkleFailure[0];
    }
    if (trusted != null && !Arrays.equals(merkle.rootAtTrusted, trusted.merkleRoot())) {
      throw new TamperException(
          Math.max(0, trusted.size() - 1),
          "the Merkle root after "
              + trusted.size()
              + " entries differs from the trusted digest: history was rewritten");
    }
  }

  /** Waits for the Merkle pass; it reads the engine's files, so the caller must not leave first. */
  private static void join(Thread worker) {
    boolean interrupted = false;
    while (true) {
      try {
        worker.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The chain pass. The per-record checks live in small methods of their own: one large loop body
   * stays interpreted or OSR-compiled for most of a single pass, the small methods get compiled.
   */
  private void checkChain() {
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
    indexed = indexBySeq(size);
    headAtTrusted = trusted != null && trusted.size() == 0 ? Hashes.ZERO : null;
    try {
      LogScanner scanner =
          new LogScanner(engine.log, SegmentLog.start(), state.endPosition(), SCAN_BUFFER);
      for (Rec r = scanner.next(); r != null; r = scanner.next()) {
        if (r.isCommit()) {
          checkMarker(r);
        } else {
          checkEntry(r);
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
    checkIndexCoversTheLatestVersions(size);
    if (trusted != null && !Arrays.equals(headAtTrusted, trusted.chainHead())) {
      throw new TamperException(
          Math.max(0, trusted.size() - 1),
          "the chain head after "
              + trusted.size()
              + " entries differs from the trusted digest: history was rewritten");
    }
  }

  private void checkMarker(Rec r) {
    long count = expected - blockStart;
    if (count == 0
        || r.commitSize() != expected
        || r.commitCount() != count
        || r.txnId() != blockTxn
        || r.timestamp() != blockTime) {
      throw new TamperException(
          blockStart,
          "commit marker at "
              + at(engine, r.position)
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
              + at(engine, r.position)
              + " carries another chain head");
    }
    blockStart = expected;
  }

  private void checkEntry(Rec r) {
    long seq = r.seq();
    if (seq != expected) {
      throw new TamperException(
          expected,
          "entry at "
              + at(engine, r.position)
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
                + at(engine, r.position)
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
          seq, "entry at " + at(engine, r.position) + " is outside its transaction");
    }
    long prev = r.prevSeq();
    if (prev >= seq || prev < -1 || (prev >= 0 && superseded.get((int) prev))) {
      throw new TamperException(
          seq, "entry at " + at(engine, r.position) + " links to version " + prev);
    }
    if (prev >= 0) {
      superseded.set((int) prev);
    }
    head = Hashes.chain(head, r.canonical());
    if (nextIndexed < indexed.count() && indexed.seqs()[nextIndexed] == seq) {
      int k = nextIndexed++;
      if (indexed.positions()[k] != r.position
          || !r.keyEquals(indexed.keys()[k])
          || indexed.deleted().get(k) != (r.kind() == Codec.DELETE)) {
        throw new TamperException(
            seq, "the index disagrees with entry " + seq + " at " + at(engine, r.position));
      }
    }
    expected++;
    if (trusted != null && expected == trusted.size()) {
      headAtTrusted = head;
    }
  }

  /** The index must hold exactly the latest version of every key: none superseded, none missing. */
  private void checkIndexCoversTheLatestVersions(long size) {
    for (int k = 0; k < indexed.count(); k++) {
      long seq = indexed.seqs()[k];
      if (superseded.get((int) seq)) {
        throw new TamperException(
            seq,
            "the index points at entry " + seq + ", which a later entry of its key supersedes");
      }
    }
    long latest = size - superseded.cardinality();
    if (nextIndexed != indexed.count() || latest != indexed.count()) {
      throw new TamperException(
          size, "the index holds " + indexed.count() + " keys, the log " + latest);
    }
  }

  /** Every key's entry visible at {@code size}, sorted by sequence number. */
  private Indexed indexBySeq(long size) {
    int capacity = Math.max(16, engine.index.size());
    long[] seqs = new long[capacity];
    long[] positions = new long[capacity];
    byte[][] keys = new byte[capacity][];
    BitSet deleted = new BitSet();
    int n = 0;
    for (Map.Entry<byte[], IndexEntry> e : engine.index.entrySet()) {
      IndexEntry v = engine.reader.resolve(e.getValue(), size);
      if (v == null) {
        continue;
      }
      if (n == seqs.length) {
        seqs = Arrays.copyOf(seqs, n * 2);
        positions = Arrays.copyOf(positions, n * 2);
        keys = Arrays.copyOf(keys, n * 2);
      }
      seqs[n] = v.seq;
      positions[n] = v.position;
      keys[n] = e.getKey();
      deleted.set(n, v.deleted);
      n++;
    }
    int[] order = bySeq(seqs, n, size);
    Indexed sorted = new Indexed(n, new long[n], new long[n], new byte[n][], new BitSet(n));
    for (int i = 0; i < n; i++) {
      int from = order[i];
      sorted.seqs()[i] = seqs[from];
      sorted.positions()[i] = positions[from];
      sorted.keys()[i] = keys[from];
      sorted.deleted().set(i, deleted.get(from));
    }
    return sorted;
  }

  /** The permutation that sorts {@code seqs[0..n)}, all below {@code size}. */
  private static int[] bySeq(long[] seqs, int n, long size) {
    int[] order = new int[n];
    if (n < 1 << 24 && size < 1L << 39) {
      // A primitive sort of (seq, slot) pairs is several times faster than a comparator sort.
      long[] packed = new long[n];
      for (int i = 0; i < n; i++) {
        packed[i] = seqs[i] << 24 | i;
      }
      Arrays.sort(packed);
      for (int i = 0; i < n; i++) {
        order[i] = (int) (packed[i] & ((1 << 24) - 1));
      }
      return order;
    }
    Integer[] boxed = new Integer[n];
    for (int i = 0; i < n; i++) {
      boxed[i] = i;
    }
    Arrays.sort(boxed, (a, b) -> Long.compare(seqs[a], seqs[b]));
    for (int i = 0; i < n; i++) {
      order[i] = boxed[i];
    }
    return order;
  }

  /** Names a record's file and offset; built only for a message, never per record. */
  static String at(LedgerEngine engine, long position) {
    return engine.log.segment(SegmentLog.segmentOf(position)).path()
        + " offset "
        + SegmentLog.offsetOf(position);
  }
}
