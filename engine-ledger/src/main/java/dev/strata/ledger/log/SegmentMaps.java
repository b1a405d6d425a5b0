package dev.strata.ledger.log;

import dev.strata.api.StorageIOException;
import dev.strata.api.spi.InterruptShield;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Read-only mappings of the parts of segment files that never change again, so that a point read or
 * a scan's value is a memory copy instead of a {@code pread}.
 *
 * <h2>What is mapped</h2>
 *
 * A sealed segment (one the writer has rotated past) is immutable: it is mapped whole, at the size
 * its file has when it is first read. The segment being written is mapped in whole steps of {@link
 * #STEP} below the log's end, and mapped anew, a step further, when a read passes the mapping;
 * reads of the last partial step stay on {@code pread}. Mappings are never unmapped explicitly: a
 * reader may still hold one, and the garbage collector releases it once nobody does.
 *
 * <h2>Why a mapping never faults</h2>
 *
 * A read of a mapped page that the file no longer holds raises {@code SIGBUS}. The engine never
 * shortens what it has mapped: the writer only appends, and the only cut while the engine is open
 * (after a failed append) removes the failed block, which lies past every published entry, while
 * readers only read published entries; {@link #forgetFrom} drops the mappings of the cut segments
 * anyway, so nothing maps past the new end. Open-time recovery cuts before anything is mapped. Only
 * another program truncating a segment under an open engine can make a page vanish; HotSpot turns
 * that fault into an {@link InternalError} ({@code "a fault occurred in a recent unsafe memory
 * access operation"}) instead of crashing, and {@link SegmentLog} reports it as a {@code
 * CorruptionException}. The error may surface a little after the faulting load, at the thread's
 * next transition into the VM, so the guarded section is the whole read; a faulted copy leaves its
 * frame partly unfilled, so the frame fails its length or checksum check. HotSpot does not report
 * such a fault on every transition (not on a return from a native method, for one), so the report
 * can also come after the read has returned or thrown, as an {@code InternalError} in the same
 * thread's next call that enters the VM: as for every memory-mapped file in Java, a file cut under
 * its mapping by another program gives errors, never a wrong value or a crash.
 *
 * <p>Thread-safe: lookups read a volatile copy-on-write table; mapping is synchronized.
 */
final class SegmentMaps {
  /** The segment being written is mapped in whole steps of this many bytes. */
  static final long STEP = 1 << 20;

  // A MappedByteBuffer holds at most 2 GiB - 1 bytes; the rest of a larger segment uses pread.
  private static final long MAX_MAPPING = Integer.MAX_VALUE;

  private volatile MappedByteBuffer[] maps = new MappedByteBuffer[0];

  /**
   * A mapping of segment {@code s} that holds {@code [0, need)}, or null when that range is not
   * mappable (yet): read it with {@code pread}.
   *
   * @param sealed whether the writer has rotated past the segment
   * @param logEnd the log's end offset in {@code s} when it is the segment being written
   */
  MappedByteBuffer covering(SegmentLog.Segment s, long need, boolean sealed, long logEnd) {
    MappedByteBuffer[] table = maps;
    int index = s.index();
    if (index < table.length) {
      MappedByteBuffer m = table[index];
      if (m != null && need <= m.capacity()) {
        return m;
      }
    }
    if (need > MAX_MAPPING || (!sealed && logEnd / STEP * STEP < need)) {
      return null;
    }
    return map(s, need, sealed, logEnd);
  }

  private synchronized MappedByteBuffer map(
      SegmentLog.Segment s, long need, boolean sealed, long logEnd) {
    MappedByteBuffer[] table = maps;
    int index = s.index();
    MappedByteBuffer old = index < table.length ? table[index] : null;
    if (old != null && need <= old.capacity()) {
      return old;
    }
    // A channel call on an interrupted thread would close the channel for every reader.
    InterruptShield.enter();
    try {
      long size = Math.min(MAX_MAPPING, s.channel().size());
      long limit = sealed ? size : Math.min(size, logEnd / STEP * STEP);
      if (limit < need) {
        return null;
      }
      MappedByteBuffer m = s.channel().map(FileChannel.MapMode.READ_ONLY, 0, limit);
      m.order(ByteOrder.LITTLE_ENDIAN);
      MappedByteBuffer[] grown = Arrays.copyOf(table, Math.max(table.length, index + 1));
      grown[index] = m;
      maps = grown;
      return m;
    } catch (IOException e) {
      throw new StorageIOException("cannot map " + s.path(), e);
    } finally {
      InterruptShield.exit();
    }
  }

  /** Bytes of segment files currently mapped. */
  long mappedBytes() {
    long total = 0;
    for (MappedByteBuffer m : maps) {
      total += m == null ? 0 : m.capacity();
    }
    return total;
  }

  /** Forgets the mappings of segment {@code index} and later ones, before they are cut. */
  synchronized void forgetFrom(int index) {
    MappedByteBuffer[] table = maps;
    if (index < table.length) {
      maps = Arrays.copyOf(table, index);
    }
  }
}
