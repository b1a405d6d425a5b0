package dev.strata.ledger;

import dev.strata.api.CorruptionException;
import dev.strata.api.KeyRange;
import dev.strata.api.StorageIOException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The read path: point reads, snapshot resolution through {@code prevSeq} links, locating an entry
 * by sequence number from its chunk, and range iteration over the index. Stateless beyond its
 * references; thread-safe (the index is concurrent, the log and Merkle store are).
 */
final class LedgerReader {
  private final Path directory;
  private final SegmentLog log;
  private final MerkleStore merkle;
  private final ConcurrentSkipListMap<byte[], IndexEntry> index;

  LedgerReader(
      Path directory,
      SegmentLog log,
      MerkleStore merkle,
      ConcurrentSkipListMap<byte[], IndexEntry> index) {
    this.directory = directory;
    this.log = log;
    this.merkle = merkle;
    this.index = index;
  }

  byte[] read(byte[] key, long snapshot) {
    IndexEntry e = resolve(index.get(key), snapshot);
    return e == null || e.deleted ? null : value(e);
  }

  /** The version of a key visible at {@code snapshot}, following prevSeq links from its latest. */
  IndexEntry resolve(IndexEntry latest, long snapshot) {
    IndexEntry e = latest;
    while (e != null && e.seq >= snapshot) {
      long prev = log.read(e.position, e.seq).prevSeq();
      e = prev < 0 ? null : locate(prev);
    }
    return e;
  }

  byte[] value(IndexEntry e) {
    return log.read(e.position, e.seq).value();
  }

  /** Finds entry {@code seq} from its chunk's start: at most 15 entries are skipped. */
  IndexEntry locate(long seq) {
    Rec r = find(seq);
    return new IndexEntry(seq, r.position, r.kind() == Codec.DELETE);
  }

  Rec find(long seq) {
    long chunk = seq / MerkleStore.CHUNK;
    long start = merkle.chunkStart(chunk);
    try {
      LogScanner scanner = new LogScanner(log, start, chunk * MerkleStore.CHUNK, log.end(), 8192);
      for (Rec r = scanner.next(); r != null; r = scanner.next()) {
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

  /** Re-hashes the 16 entries of a complete chunk, for proofs. */
  static byte[][] chunkLeaves(SegmentLog log, long chunk, long start, long end) {
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
      for (Rec r = scanner.next(); r != null && count < MerkleStore.CHUNK; r = scanner.next()) {
        if (!r.isCommit()) {
          leaves[count++] = Hashes.leaf(r.canonicalArray(), 0, r.canonicalLength());
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

  Iterator<Map.Entry<byte[], Object>> committed(KeyRange range, long snapshot) {
    Iterator<Map.Entry<byte[], IndexEntry>> source = view(index, range).entrySet().iterator();
    return new Iterator<>() {
      private Map.Entry<byte[], Object> next;

      @Override
      public boolean hasNext() {
        while (next == null && source.hasNext()) {
          Map.Entry<byte[], IndexEntry> e = source.next();
          IndexEntry v = resolve(e.getValue(), snapshot);
          if (v != null && !v.deleted) {
            next = new AbstractMap.SimpleImmutableEntry<>(e.getKey(), v);
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

  /** The part of a sorted map inside {@code range}, in the range's direction. */
  static <V> NavigableMap<byte[], V> view(NavigableMap<byte[], V> map, KeyRange range) {
    if (range.isEmpty()) {
      return Collections.emptyNavigableMap();
    }
    byte[] lower = range.lowerBound();
    byte[] upper = range.upperBound();
    NavigableMap<byte[], V> bounded = map;
    if (lower != null && upper != null) {
      bounded = map.subMap(lower, true, upper, false);
    } else if (lower != null) {
      bounded = map.tailMap(lower, true);
    } else if (upper != null) {
      bounded = map.headMap(upper, false);
    }
    return range.isReversed() ? bounded.descendingMap() : bounded;
  }
}
