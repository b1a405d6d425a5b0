package dev.strata.ledger;

import dev.strata.ledger.index.KeyIndex;
import dev.strata.ledger.log.CommittedState;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.log.StoredRecord;
import dev.strata.ledger.merkle.MerkleStore;
import dev.strata.ledger.read.LedgerReader;
import dev.strata.ledger.verify.CheckedParts;
import dev.strata.ledger.verify.IntegrityCheck;
import dev.strata.ledger.write.CommitPipeline;
import dev.strata.ledger.write.LedgerWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The read side of {@link LedgerEngine}'s verifiable API and its stats: digests, proofs, history,
 * past values, entries and the integrity check, each at the state committed when it is asked. The
 * engine calls it inside its guard against {@code close()} (open checked, interrupts shielded), so
 * nothing here checks for a closed engine. Thread-safe, as the parts it reads are.
 */
final class LedgerQueries {
  private final Path directory;
  private final SegmentLog log;
  private final MerkleStore merkle;
  private final KeyIndex index;
  private final LedgerReader reader;
  private final LedgerWriter writer;
  private final CommitPipeline pipeline;

  LedgerQueries(
      Path directory,
      SegmentLog log,
      MerkleStore merkle,
      KeyIndex index,
      LedgerReader reader,
      LedgerWriter writer,
      CommitPipeline pipeline) {
    this.directory = directory;
    this.log = log;
    this.merkle = merkle;
    this.index = index;
    this.reader = reader;
    this.writer = writer;
    this.pipeline = pipeline;
  }

  /** See {@link LedgerEngine#digest()}. */
  LedgerDigest digest() {
    CommittedState v = pipeline.visible();
    return new LedgerDigest(v.size(), merkle.root(v.size()), v.chainHead());
  }

  /** See {@link LedgerEngine#proveInclusion(long, long)}. */
  InclusionProof proveInclusion(long seq, long digestSize) {
    long visible = pipeline.visible().size();
    if (seq < 0 || seq >= digestSize || digestSize > visible) {
      throw new IllegalArgumentException(
          "need 0 <= seq < digestSize <= "
              + visible
              + " (committed entries), got seq "
              + seq
              + " and digestSize "
              + digestSize);
    }
    return new InclusionProof(seq, digestSize, merkle.inclusion(seq, digestSize));
  }

  /** See {@link LedgerEngine#proveConsistency(long, long)}. */
  ConsistencyProof proveConsistency(long oldSize, long newSize) {
    long visible = pipeline.visible().size();
    if (oldSize < 0 || oldSize > newSize || newSize > visible) {
      throw new IllegalArgumentException(
          "need 0 <= oldSize <= newSize <= "
              + visible
              + " (committed entries), got "
              + oldSize
              + " and "
              + newSize);
    }
    return new ConsistencyProof(oldSize, newSize, merkle.consistency(oldSize, newSize));
  }

  /** See {@link LedgerEngine#history(byte[])}; the key is already checked. */
  List<KeyVersion> history(byte[] key) {
    List<KeyVersion> versions = new ArrayList<>();
    for (StoredRecord r : reader.versions(key, pipeline.visible().size())) {
      versions.add(new KeyVersion(r.seq(), r.timestamp(), r.txnId(), operation(r)));
    }
    Collections.reverse(versions);
    return Collections.unmodifiableList(versions);
  }

  /** See {@link LedgerEngine#getAt(byte[], long)}; the key is already checked. */
  byte[] getAt(byte[] key, long seq) {
    checkSeq(seq);
    return reader.read(key, seq + 1);
  }

  /** See {@link LedgerEngine#entry(long)}. */
  LedgerEntry entry(long seq) {
    checkSeq(seq);
    StoredRecord r = reader.find(seq);
    return new LedgerEntry(
        r.seq(), r.timestamp(), r.txnId(), r.prevSeq(), operation(r), r.key(), r.value());
  }

  private void checkSeq(long seq) {
    long visible = pipeline.visible().size();
    if (seq < 0 || seq >= visible) {
      throw new IllegalArgumentException(
          "sequence number "
              + seq
              + " is not committed; the"
              + " ledger holds 0.."
              + (visible - 1));
    }
  }

  /** See {@link LedgerEngine#stats()}: the keys its class comment lists. */
  Map<String, Number> stats() {
    CommittedState v = pipeline.visible();
    long[] group = pipeline.groupCommitCounts();
    Map<String, Number> stats = new LinkedHashMap<>();
    stats.put("entries", v.size());
    stats.put("lastSeq", v.size() - 1);
    stats.put("segments", log.segments().size());
    stats.put("bytes", log.bytes());
    stats.put("mappedBytes", log.mappedBytes());
    stats.put("merkleBytes", merkle.bytes());
    writer.putStats(stats);
    stats.put("groupCommits", group[0]);
    stats.put("groupSyncs", group[1]);
    stats.put("chainHead64", ByteBuffer.wrap(v.chainHead()).getLong());
    return Collections.unmodifiableMap(stats);
  }

  /**
   * The full check of the parts up to the latest committed state; it never takes the engine.
   *
   * @param trusted a digest the store must still extend, or null
   */
  IntegrityCheck integrityCheck(IntegrityCheck.Trusted trusted) {
    return new IntegrityCheck(
        new CheckedParts(directory, log, merkle, index, reader), pipeline.visible(), trusted);
  }

  private static Operation operation(StoredRecord r) {
    return r.isDelete() ? Operation.DELETE : Operation.PUT;
  }
}
