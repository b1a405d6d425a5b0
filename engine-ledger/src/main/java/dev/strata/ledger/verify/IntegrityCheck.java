package dev.strata.ledger.verify;

import dev.strata.api.StorageException;
import dev.strata.api.TamperException;
import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.log.CommittedState;
import dev.strata.ledger.log.LogScanner;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.log.StoredRecord;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The full check behind {@code verifyIntegrity()} and {@code verify(digest)}: a sequential pass
 * over the log up to a committed state, recomputing the hash chain and checking every commit marker
 * and {@code prevSeq} link, while a {@link MerklePass} pass recomputes the Merkle leaves, chunks
 * and nodes from the canonical bytes this pass hands it, and an {@link IndexPass} pass merges the
 * index, sorted by sequence number, against the entries, each on a thread of its own. The chain
 * pass's {@code prevSeq} bitmap then proves that the index holds exactly the latest entry of every
 * key. The first failure throws a {@link TamperException} naming the sequence number, file and
 * offset.
 *
 * <p>It takes the parts it checks (the log, the Merkle store, the index and the read path that
 * resolves index entries at a size), never the engine. Not thread-safe: {@link #run()} runs once.
 */
public final class IntegrityCheck {
  private static final int SCAN_BUFFER = 1 << 20;

  private final CheckedParts parts;
  private final CommittedState state;
  private final Trusted trusted;

  /**
   * A digest the caller trusts: the check also proves the store still extends it.
   *
   * @param size the number of entries the digest covers
   * @param merkleRoot the Merkle tree head after {@code size} entries
   * @param chainHead the hash-chain value after {@code size} entries
   */
  public record Trusted(long size, byte[] merkleRoot, byte[] chainHead) {}

  /**
   * Prepares a check of the parts up to a committed state.
   *
   * @param parts the parts to check
   * @param state the committed state to check up to
   * @param trusted a digest the store must still extend, or null
   */
  public IntegrityCheck(CheckedParts parts, CommittedState state, Trusted trusted) {
    this.parts = parts;
    this.state = state;
    this.trusted = trusted;
  }

  // State of the chain pass, advanced record by record.
  private final BitSet superseded = new BitSet();
  private final CanonicalBytesFeed feed = new CanonicalBytesFeed(MerklePass.LAG, IndexPass.LAG);
  private final MessageDigest md = LedgerHashes.newSha256();
  // 0x00 || the chain head || room for an entry's canonical bytes: the next link's input, whose
  // head the hashing advances in place.
  private byte[] link = new byte[LINK_PREFIX + 256];
  private static final int LINK_PREFIX = 1 + LedgerHashes.SIZE;
  private byte[] headAtTrusted;
  private long expected;
  private long blockStart;
  private long lastTxn;
  private long lastTime = Long.MIN_VALUE;

  /** A pass that runs on its own thread next to the chain pass. */
  interface SidePass extends Runnable {
    /** Asks a running pass to stop early: another pass has already found the store damaged. */
    void cancel();

    /** Whether the pass checked everything the chain pass handed it. */
    boolean finished();
  }

  /**
   * Runs the check: the chain pass on the calling thread, the Merkle pass ({@link MerklePass}) and
   * the index pass ({@link IndexPass}) on one thread each. Once the chain pass has handed over its
   * last entries, the calling thread hashes the Merkle leaves of the batches the Merkle pass has
   * not begun, so the end of the check does not run on one core alone.
   *
   * @throws TamperException at the first disagreement a pass finds (the chain pass's first)
   * @throws dev.strata.api.StorageIOException if the log or a Merkle file cannot be read
   */
  public void run() {
    MerklePass merkle =
        new MerklePass(
            parts.log(), parts.merkleStore(), feed, trusted == null ? -1 : trusted.size());
    IndexPass index = new IndexPass(parts, state, feed);
    List<SidePass> passes = List.of(merkle, index);
    Throwable[] failures = new Throwable[passes.size()];
    List<Thread> threads = new ArrayList<>();
    try {
      for (int i = 0; i < passes.size(); i++) {
        int slot = i;
        Thread t =
            new Thread(
                () -> {
                  try {
                    passes.get(slot).run();
                  } catch (Throwable e) {
                    failures[slot] = e;
                  }
                },
                "ledger-verify-" + (slot == 0 ? "merkle" : "index"));
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      checkChain();
      merkle.helpWithQueuedLeaves();
    } catch (RuntimeException | Error e) {
      passes.forEach(SidePass::cancel);
      threads.forEach(IntegrityCheck::join);
      for (Throwable failure : failures) {
        if (failure != null) {
          e.addSuppressed(failure);
        }
      }
      throw e;
    }
    threads.forEach(IntegrityCheck::join);
    for (Throwable failure : failures) {
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
    }
    for (SidePass pass : passes) {
      if (!pass.finished()) {
        // The feed stopped with no pass failing: the verifying thread was interrupted.
        throw new StorageException(
            "the integrity check of ledger "
                + parts.directory()
                + " was interrupted before it read the whole log; it found nothing wrong in what"
                + " it read");
      }
    }
    checkIndexCoversTheLatestVersions(state.size(), index.index());
    if (trusted != null && !Arrays.equals(merkle.rootAtTrusted, trusted.merkleRoot())) {
      throw new TamperException(
          Math.max(0, trusted.size() - 1),
          "the Merkle root after "
              + trusted.size()
              + " entries differs from the trusted digest: history was rewritten");
    }
  }

  /** Waits for a side pass; it reads the engine's files, so the caller must not leave first. */
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
              + parts.directory()
              + " holds "
              + size
              + " entries but the trusted digest covers "
              + trusted.size()
              + ": history was truncated");
    }
    headAtTrusted = trusted != null && trusted.size() == 0 ? LedgerHashes.ZERO : null;
    try {
      LogScanner scanner =
          new LogScanner(parts.log(), SegmentLog.start(), state.endPosition(), SCAN_BUFFER)
              .readThroughMappings();
      for (StoredRecord r = scanner.next(); r != null; r = scanner.next()) {
        if (r.isCommit()) {
          checkMarker(r);
        } else {
          checkEntry(r, scanner.position());
        }
      }
      feed.finish();
    } catch (LogScanner.Problem p) {
      throw new TamperException(expected, "entry " + expected + ": " + p.getMessage());
    } catch (IOException e) {
      throw new dev.strata.api.StorageIOException("cannot read ledger " + parts.directory(), e);
    } catch (InternalError e) {
      // A page that vanished under a segment's mapping (SIGBUS) may be reported a little after
      // the copy that faulted, at the thread's next transition into the VM: anywhere in the loop.
      throw new TamperException(
          expected,
          "a segment of ledger "
              + parts.directory()
              + " shrank under its read-only mapping while the log was read at entry "
              + expected);
    }
    if (expected != blockStart) {
      throw new TamperException(
          blockStart, "entries " + blockStart + ".." + (expected - 1) + " have no commit marker");
    }
    if (expected != size || !Arrays.equals(head(), state.chainHead())) {
      throw new TamperException(
          Math.min(expected, size),
          "the log holds "
              + expected
              + " entries ending in another chain head than the "
              + size
              + " committed");
    }
    if (trusted != null && !Arrays.equals(headAtTrusted, trusted.chainHead())) {
      throw new TamperException(
          Math.max(0, trusted.size() - 1),
          "the chain head after "
              + trusted.size()
              + " entries differs from the trusted digest: history was rewritten");
    }
  }

  private void checkMarker(StoredRecord r) {
    // The scanner has checked that a marker closes a non-empty block; size and count are implied.
    if (!r.commitHeadEquals(link, 1)) {
      throw new TamperException(
          blockStart,
          "hash chain broken in entries "
              + blockStart
              + ".."
              + (expected - 1)
              + ": commit marker at "
              + at(parts.log(), r.position)
              + " carries another chain head");
    }
    blockStart = expected;
  }

  private void checkEntry(StoredRecord r, long end) {
    long seq = r.seq();
    if (r.isFirst()) {
      if (r.txnId() <= lastTxn || r.timestamp() < lastTime) {
        throw new TamperException(
            seq,
            "entry at "
                + at(parts.log(), r.position)
                + " starts a transaction out of order (txn "
                + r.txnId()
                + ")");
      }
      lastTxn = r.txnId();
      lastTime = r.timestamp();
    }
    long prev = r.prevSeq();
    if (prev >= seq || prev < -1 || (prev >= 0 && superseded.get((int) prev))) {
      throw new TamperException(
          seq, "entry at " + at(parts.log(), r.position) + " links to version " + prev);
    }
    if (prev >= 0) {
      superseded.set((int) prev);
    }
    int length = r.canonicalLength();
    // The link's input, 0x00 || h(n-1) || canonical bytes, is contiguous in one array and hashed in
    // one call; the digest writes h(n) over h(n-1), so the next link's input is ready.
    byte[] in = linkInput(length);
    r.canonicalInto(in, LINK_PREFIX);
    md.update(in, 0, LINK_PREFIX + length);
    LedgerHashes.digestInto(md, in, 1);
    // The other passes get the Merkle leaf's input: 0x00 || canonical bytes.
    int at = feed.reserve(1 + length);
    byte[] batch = feed.data();
    batch[at] = LedgerHashes.LEAF_PREFIX;
    System.arraycopy(in, LINK_PREFIX, batch, at + 1, length);
    feed.add(1 + length, r.position, end);
    expected++;
    if (trusted != null && expected == trusted.size()) {
      headAtTrusted = head();
    }
  }

  /** The link input array, with room for {@code length} canonical bytes after the head. */
  private byte[] linkInput(int length) {
    if (link.length < LINK_PREFIX + length) {
      link = Arrays.copyOf(link, LINK_PREFIX + Math.max(length, 2 * link.length));
    }
    return link;
  }

  /** The chain head after the entries checked so far; a new array. */
  private byte[] head() {
    return Arrays.copyOfRange(link, 1, 1 + LedgerHashes.SIZE);
  }

  /**
   * The index must hold exactly the latest version of every key: none superseded (this pass's
   * {@code prevSeq} bitmap), none missing (the index pass matched each indexed entry to the log).
   */
  private void checkIndexCoversTheLatestVersions(long size, IndexEntriesBySeq indexed) {
    long seq = indexed.firstSuperseded(superseded);
    if (seq >= 0) {
      throw new TamperException(
          seq, "the index points at entry " + seq + ", which a later entry of its key supersedes");
    }
    long latest = size - superseded.cardinality();
    if (indexed.matched() != indexed.count || latest != indexed.count) {
      throw new TamperException(
          size, "the index holds " + indexed.count + " keys, the log " + latest);
    }
  }

  /** Names a record's file and offset; built only for a message, never per record. */
  static String at(SegmentLog log, long position) {
    return log.segment(SegmentLog.segmentOf(position)).path()
        + " offset "
        + SegmentLog.offsetOf(position);
  }
}
