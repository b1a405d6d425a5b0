package dev.strata.ledger.read;

import dev.strata.api.CorruptionException;
import dev.strata.api.KeyRange;
import dev.strata.api.StorageIOException;
import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.format.RecordFormat;
import dev.strata.ledger.index.IndexEntry;
import dev.strata.ledger.index.KeyIndex;
import dev.strata.ledger.index.KeyOrder;
import dev.strata.ledger.log.LogScanner;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.log.StoredRecord;
import dev.strata.ledger.merkle.MerkleStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The read path: point reads, snapshot resolution through {@code prevSeq} links, locating an entry
 * by sequence number from its chunk, and range iteration over the index. Stateless beyond its
 * references; thread-safe (the index takes lock-free readers, the log and Merkle store are
 * thread-safe).
 */
public final class LedgerReader {
  private final Path directory;
  private final SegmentLog log;
  private final MerkleStore merkle;
  private final KeyIndex index;

  /** A read path over the engine's parts; holds no state of its own. */
  public LedgerReader(Path directory, SegmentLog log, MerkleStore merkle, KeyIndex index) {
    this.directory = directory;
    this.log = log;
    this.merkle = merkle;
    this.index = index;
  }

  /** A key's value as of {@code snapshot} entries: a new array, or null when absent or deleted. */
  public byte[] read(byte[] key, long snapshot) {
    IndexEntry e = resolve(index.get(key), snapshot);
    return e == null || e.deleted ? null : value(e);
  }

  /** The version of a key visible at {@code snapshot}, following prevSeq links from its latest. */
  public IndexEntry resolve(IndexEntry latest, long snapshot) {
    IndexEntry e = latest;
    while (e != null && e.seq >= snapshot) {
      long prev = log.read(e.position, e.seq).prevSeq();
      e = prev < 0 ? null : locate(prev);
    }
    return e;
  }

  /** The value of an index entry, read from the log; a new array. */
  public byte[] value(IndexEntry e) {
    return log.read(e.position, e.seq).value();
  }

  /**
   * Whether values are read through memory mappings, where the order of reads matters little; with
   * {@code pread} reading a batch in log order saves seeks.
   */
  public boolean readsMapped() {
    return log.mapsReads();
  }

  /** Finds entry {@code seq} from its chunk's start: at most 15 entries are skipped. */
  public IndexEntry locate(long seq) {
    StoredRecord r = find(seq);
    return new IndexEntry(seq, r.position, r.kind() == RecordFormat.DELETE);
  }

  /** The record of entry {@code seq}, located from its Merkle chunk; valid on its own. */
  public StoredRecord find(long seq) {
    long chunk = seq / MerkleStore.CHUNK;
    long start = merkle.chunkStart(chunk);
    try {
      LogScanner scanner = new LogScanner(log, start, chunk * MerkleStore.CHUNK, log.end(), 8192);
      for (StoredRecord r = scanner.next(); r != null; r = scanner.next()) {
        if (!r.isCommit() && r.seq() >= seq) {
          if (r.seq() != seq) {
            break;
          }
          return r.copy();
        }
      }
      throw new CorruptionException(
          "ledger "
              + directory
              + ": entry "
              + seq
              + " is not where "
              + MerkleStore.CHUNKS_FILE
              + " places it");
    } catch (LogScanner.Problem p) {
      throw new CorruptionException(p.getMessage(), p);
    } catch (IOException e) {
      throw new StorageIOException("cannot read entry " + seq + " of ledger " + directory, e);
    }
  }

  /**
   * Every version of a key visible at {@code size}, newest first, read from the log through the
   * entries' {@code prevSeq} links. Each record is valid on its own (not a scanner's view).
   *
   * @throws CorruptionException if a link leads to an entry of another key
   */
  public List<StoredRecord> versions(byte[] key, long size) {
    List<StoredRecord> versions = new ArrayList<>();
    IndexEntry e = resolve(index.get(key), size);
    while (e != null) {
      StoredRecord r = log.read(e.position, e.seq);
      if (!r.keyEquals(key) || r.seq() != e.seq) {
        throw new CorruptionException(
            "ledger "
                + directory
                + ": version chain of a key"
                + " leads to entry "
                + r.seq()
                + " of another key");
      }
      versions.add(r);
      long prev = r.prevSeq();
      e = prev < 0 ? null : locate(prev);
    }
    return versions;
  }

  /** Re-hashes the 16 entries of a complete chunk, for proofs. */
  public static byte[][] chunkLeaves(SegmentLog log, long chunk, long start, long end) {
    byte[][] leaves = new byte[MerkleStore.CHUNK][];
    int count = 0;
    try {
      LogScanner scanner =
          new LogScanner(
              log,
              start,
              chunk * MerkleStore.CHUNK,
              end,
              (int)
                  Math.min(
                      1 << 20,
                      Math.max(4096, SegmentLog.offsetOf(end) - SegmentLog.offsetOf(start) + 64)));
      for (StoredRecord r = scanner.next();
          r != null && count < MerkleStore.CHUNK;
          r = scanner.next()) {
        if (!r.isCommit()) {
          leaves[count++] = LedgerHashes.leaf(r.canonicalArray(), 0, r.canonicalLength());
        }
      }
    } catch (LogScanner.Problem p) {
      throw new CorruptionException(p.getMessage(), p);
    } catch (IOException e) {
      throw new StorageIOException("cannot read chunk " + chunk + " of the ledger", e);
    }
    if (count != MerkleStore.CHUNK) {
      throw new CorruptionException(
          log.last().path()
              + ": chunk "
              + chunk
              + " holds "
              + count
              + " entries, expected "
              + MerkleStore.CHUNK);
    }
    return leaves;
  }

  /**
   * The keys in a range visible at {@code snapshot}, in the range's direction, each with its
   * visible entry. Keys added after the snapshot may be scanned but resolve to nothing.
   *
   * <p>Ids come from the index in batches (8, doubling up to 64), and each batch's index entries,
   * then key references, then key headers are loaded stage by stage: in a large index all three are
   * cache misses at random addresses, and issued together they overlap instead of queuing one
   * behind another.
   */
  public Iterator<Map.Entry<byte[], Object>> committed(KeyRange range, long snapshot) {
    KeyOrder.Scan ids = range.isEmpty() ? null : index.scan(range);
    return new Iterator<>() {
      private Map.Entry<byte[], Object> next;
      private boolean exhausted = ids == null;
      private int[] batchIds = new int[8];
      private IndexEntry[] latest = new IndexEntry[8];
      private byte[][] keys = new byte[8][];
      private int filled;
      private int taken;
      // Keeps the key-header loads of a batch from being optimized away.
      private int touched;

      @Override
      public boolean hasNext() {
        while (next == null && !exhausted) {
          if (taken == filled && !fill()) {
            exhausted = true;
            break;
          }
          int i = taken++;
          IndexEntry v = resolve(latest[i], snapshot);
          if (v != null && !v.deleted) {
            next = new AbstractMap.SimpleImmutableEntry<>(keys[i], v);
          }
          latest[i] = null;
          keys[i] = null;
        }
        return next != null;
      }

      private boolean fill() {
        if (filled == batchIds.length && batchIds.length < 64) {
          batchIds = new int[batchIds.length * 2];
          latest = new IndexEntry[batchIds.length];
          keys = new byte[batchIds.length][];
        }
        int n = 0;
        for (int id; n < batchIds.length && (id = ids.next()) >= 0; ) {
          batchIds[n++] = id;
        }
        for (int i = 0; i < n; i++) {
          latest[i] = index.entry(batchIds[i]);
        }
        for (int i = 0; i < n; i++) {
          keys[i] = index.key(batchIds[i]);
        }
        int lengths = 0;
        for (int i = 0; i < n; i++) {
          lengths += keys[i].length;
        }
        touched += lengths;
        filled = n;
        taken = 0;
        return n > 0;
      }

      @Override
      public Map.Entry<byte[], Object> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Map.Entry<byte[], Object> e = next;
        next = null;
        return e;
      }
    };
  }
}
