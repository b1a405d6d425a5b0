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
   */
  public Iterator<Map.Entry<byte[], Object>> committed(KeyRange range, long snapshot) {
    KeyOrder.Scan ids = range.isEmpty() ? null : index.scan(range);
    return new Iterator<>() {
      private Map.Entry<byte[], Object> next;
      private boolean exhausted = ids == null;

      @Override
      public boolean hasNext() {
        while (next == null && !exhausted) {
          int id = ids.next();
          if (id < 0) {
            exhausted = true;
            break;
          }
          IndexEntry v = resolve(index.entry(id), snapshot);
          if (v != null && !v.deleted) {
            next = new AbstractMap.SimpleImmutableEntry<>(index.key(id), v);
          }
        }
        return next != null;
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
