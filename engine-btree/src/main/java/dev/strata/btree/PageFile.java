package dev.strata.btree;

import dev.strata.api.CorruptionException;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.InterruptShield;
import dev.strata.api.spi.StorageFile;
import dev.strata.btree.format.NodeView;
import dev.strata.btree.format.PageFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.zip.CRC32C;

/**
 * The data file: page reads through read-only memory maps, page writes and syncs through the {@link
 * PageIO} seam.
 *
 * <p><b>Mapping.</b> The file is mapped in fixed-size chunks (a Java mapping is at most 2 GiB). A
 * chunk is mapped up to the current end of the file; when the file grows past it, a new, longer
 * mapping of the chunk replaces it in the table, and the old one stays valid for any reader still
 * holding it. Nothing is ever unmapped explicitly: a mapping goes away only when the garbage
 * collector proves no reader can reach it, so growth never waits for readers (bbolt's remap stall)
 * and {@code close()} cannot make a reader fault. Mappings are read-only and shared with the page
 * cache, so they add no anonymous memory.
 *
 * <p><b>Checksums.</b> Every run is verified against its CRC32C the first time it is read after
 * being written; a per-page bit remembers that, and writing a page clears its bit. Pages are
 * copy-on-write, so a verified page cannot change while a reader can reach it. {@link #node(long,
 * long, boolean)} with {@code verifyAlways} bypasses the bits (the integrity checker).
 *
 * <p>Thread-safety: reads are safe from any thread; writes come from the single writer.
 */
final class PageFile {
  final Path path;
  private final FileChannel channel;
  private final PageIO io;
  private final WriteAmplificationMeter meter;
  final int pageSize;
  private final int pageShift;
  private final long chunkSize;
  private final int chunkShift;
  private final int pagesPerChunkShift;
  private volatile MappedByteBuffer[] chunks = new MappedByteBuffer[0];
  private volatile AtomicLongArray[] verified = new AtomicLongArray[0];

  PageFile(
      Path path,
      FileChannel channel,
      PageIO io,
      WriteAmplificationMeter meter,
      int pageSize,
      long chunkSize) {
    this.path = path;
    this.channel = channel;
    this.io = io;
    this.meter = meter;
    this.pageSize = pageSize;
    this.pageShift = Integer.numberOfTrailingZeros(pageSize);
    this.chunkSize = chunkSize;
    this.chunkShift = Long.numberOfTrailingZeros(chunkSize);
    this.pagesPerChunkShift = chunkShift - pageShift;
  }

  long fileSize() {
    try {
      return channel.size();
    } catch (IOException e) {
      throw new StorageIOException("cannot read the size of " + path, e);
    }
  }

  // ---------------------------------------------------------------- reads

  /**
   * Starts reading the first page of each run named in {@code pgids[0, count)} into the page cache
   * and returns without waiting, for a walk or scan about to visit them. Ids outside {@code [2,
   * highWater)} are skipped (the reader reports them when it reaches them), and so are pages whose
   * checksum this process verified or wrote: they were read through the map or written, so most
   * likely they are cached, and a store that is warm makes no system call here. Reorders {@code
   * pgids[0, count)}.
   */
  void prefetch(long[] pgids, int count, long highWater) {
    int n = 0;
    for (int i = 0; i < count; i++) {
      long p = pgids[i];
      if (p >= 2 && p < highWater && !isVerified(p)) {
        pgids[n++] = p;
      }
    }
    Arrays.sort(pgids, 0, n);
    int i = 0;
    while (i < n) {
      long first = pgids[i];
      long end = first + 1;
      for (i++; i < n && pgids[i] <= end; i++) {
        end = pgids[i] + 1;
      }
      long at = first << pageShift;
      long stop = end << pageShift;
      while (at < stop) {
        long off = at & (chunkSize - 1);
        int len = (int) Math.min(stop - at, chunkSize - off);
        ReadAdvice.willNeed(chunkAt(at, len), off, len);
        at += len;
      }
    }
  }

  /**
   * Returns a verified view of the node (branch or leaf) whose run starts at {@code pgid}.
   *
   * @throws CorruptionException naming the page if it is beyond {@code highWater}, not a node, or
   *     fails its checksum
   */
  NodeView node(long pgid, long highWater, boolean verifyAlways) {
    if (pgid < 2 || pgid >= highWater) {
      throw corrupt(pgid, "page id outside the committed file (high-water " + highWater + ")");
    }
    ByteBuffer buf = chunkCovering(pgid, 1);
    int base = offsetInChunk(pgid);
    int type = buf.get(base + PageFormat.OFF_TYPE);
    if (type != PageFormat.TYPE_BRANCH && type != PageFormat.TYPE_LEAF) {
      throw corrupt(pgid, "expected a branch or leaf page, found " + PageFormat.typeName(type));
    }
    int overflow = buf.getInt(base + PageFormat.OFF_OVERFLOW);
    long pages = 1L + (overflow & 0xFFFF_FFFFL);
    if (overflow != 0) {
      if (overflow < 0 || pgid + pages > highWater) {
        throw corrupt(pgid, "run of " + pages + " pages passes the high-water mark " + highWater);
      }
      if (base + pages * pageSize <= chunkSize) {
        buf = chunkCovering(pgid, (int) pages);
      } else {
        buf =
            copy(
                pgid,
                (int)
                    Math.min(
                        pages * pageSize, buf.getInt(base + PageFormat.OFF_USED) & 0x7FFF_FFFFL));
        base = 0;
      }
    }
    if (verifyAlways || !isVerified(pgid)) {
      verify(buf, base, pgid, type, pages);
    }
    return new NodeView(buf, base, pgid, (int) pages);
  }

  /** Checks a node run's used length, page id and checksum, then marks it verified. */
  private void verify(ByteBuffer buf, int base, long pgid, int type, long pages) {
    int used = buf.getInt(base + PageFormat.OFF_USED);
    if (used < PageFormat.HEADER_SIZE
        || used > pages * pageSize
        || base + (long) used > buf.limit()) {
      throw corrupt(pgid, "used length " + used + " does not fit a run of " + pages + " pages");
    }
    if (buf.getLong(base + PageFormat.OFF_PGID) != pgid) {
      throw corrupt(pgid, "header names page " + buf.getLong(base + PageFormat.OFF_PGID));
    }
    if (PageFormat.crc(buf, base + 4, base + used) != buf.getInt(base + PageFormat.OFF_CRC)) {
      throw corrupt(pgid, "checksum mismatch in " + PageFormat.typeName(type) + " page");
    }
    markVerified(pgid);
  }

  /**
   * Looks {@code key} up in the tree whose root run starts at {@code root}: the value (a new
   * array), or null when the key is absent. Visits the same nodes with the same checks as walking
   * {@link #node} views down the tree, but reads single-page nodes in place without a view object
   * per level; a multi-page node falls back to {@link #node}.
   *
   * @throws CorruptionException naming the page if a node on the path is beyond {@code highWater},
   *     not a node, or fails its checksum
   */
  byte[] get(long root, long highWater, byte[] key) {
    long pgid = root;
    while (true) {
      if (pgid < 2 || pgid >= highWater) {
        throw corrupt(pgid, "page id outside the committed file (high-water " + highWater + ")");
      }
      ByteBuffer buf = chunkCovering(pgid, 1);
      int base = offsetInChunk(pgid);
      int type = buf.get(base + PageFormat.OFF_TYPE);
      boolean leaf = type == PageFormat.TYPE_LEAF;
      if ((!leaf && type != PageFormat.TYPE_BRANCH)
          || buf.getInt(base + PageFormat.OFF_OVERFLOW) != 0) {
        return getFrom(node(pgid, highWater, false), highWater, key);
      }
      if (!isVerified(pgid)) {
        verify(buf, base, pgid, type, 1);
      }
      int count = buf.getInt(base + PageFormat.OFF_COUNT);
      if (!leaf) {
        if (count == 0) {
          return null;
        }
        pgid = NodeView.childAt(buf, base, NodeView.childIndex(buf, base, false, count, key));
        continue;
      }
      int i = NodeView.lowerBound(buf, base, true, count, key);
      if (i >= count || NodeView.compareKey(buf, base, true, i, key) != 0) {
        return null;
      }
      if (NodeView.isOverflow(buf, base, i)) {
        return overflowValue(
            NodeView.overflowPage(buf, base, i), NodeView.valueLength(buf, base, i), highWater);
      }
      return NodeView.inlineValue(buf, base, i);
    }
  }

  /** {@link #get} from a node already read as a view, level by level through views. */
  private byte[] getFrom(NodeView n, long highWater, byte[] key) {
    while (!n.isLeaf()) {
      if (n.count() == 0) {
        return null;
      }
      n = node(n.childAt(n.childIndex(key)), highWater, false);
    }
    int i = n.lowerBound(key);
    if (i >= n.count() || n.compareKeyAt(i, key) != 0) {
      return null;
    }
    if (n.isOverflow(i)) {
      return overflowValue(n.overflowPage(i), n.valueLength(i), highWater);
    }
    return n.inlineValue(i);
  }

  /**
   * Reads and verifies an overflow run holding a value of {@code length} bytes.
   *
   * @throws CorruptionException naming the page on any mismatch
   */
  byte[] overflowValue(long pgid, int length, long highWater) {
    ByteBuffer header = readHeader(pgid, highWater, PageFormat.TYPE_OVERFLOW);
    long used = PageFormat.HEADER_SIZE + (long) length;
    int pages = PageFormat.pagesFor(used, pageSize);
    if (header.getInt(PageFormat.OFF_OVERFLOW) != pages - 1
        || header.getInt(PageFormat.OFF_USED) != used
        || header.getInt(PageFormat.OFF_COUNT) != 1
        || pgid + pages > highWater) {
      throw corrupt(pgid, "overflow run header does not match a value of " + length + " bytes");
    }
    byte[] value = new byte[length];
    CRC32C crc = new CRC32C();
    long start = pgid << pageShift;
    long done = 4;
    while (done < used) {
      long at = start + done;
      int off = (int) (at & (chunkSize - 1));
      int n = (int) Math.min(used - done, chunkSize - off);
      ByteBuffer chunk = chunkAt(at, n);
      ByteBuffer d = chunk.duplicate();
      d.limit(off + n).position(off);
      crc.update(d);
      long valueFrom = Math.max(done, PageFormat.HEADER_SIZE);
      if (valueFrom < done + n) {
        d.position(off + (int) (valueFrom - done));
        d.get(value, (int) (valueFrom - PageFormat.HEADER_SIZE), (int) (done + n - valueFrom));
      }
      done += n;
    }
    if ((int) crc.getValue() != header.getInt(PageFormat.OFF_CRC)) {
      throw corrupt(pgid, "checksum mismatch in overflow run of " + pages + " pages");
    }
    return value;
  }

  /**
   * Reads and verifies the freelist snapshot or delta run at {@code pgid}; returns a heap copy of
   * its used bytes, position 0 at the header.
   */
  ByteBuffer freelistRun(long pgid, int pages, long highWater) {
    ByteBuffer header = readHeader(pgid, highWater, PageFormat.TYPE_FREELIST);
    int used = header.getInt(PageFormat.OFF_USED);
    if (header.getInt(PageFormat.OFF_OVERFLOW) != pages - 1
        || used < PageFormat.HEADER_SIZE
        || used > (long) pages * pageSize
        || pgid + pages > highWater) {
      throw corrupt(
          pgid, "freelist run header does not match the " + pages + " pages named for it");
    }
    ByteBuffer run = copy(pgid, used);
    if (PageFormat.crc(run, 4, used) != run.getInt(PageFormat.OFF_CRC)) {
      throw corrupt(pgid, "checksum mismatch in freelist run");
    }
    return run;
  }

  /** The header of one page, checked for id and type; the returned buffer starts at the page. */
  private ByteBuffer readHeader(long pgid, long highWater, byte type) {
    if (pgid < 2 || pgid >= highWater) {
      throw corrupt(pgid, "page id outside the committed file (high-water " + highWater + ")");
    }
    ByteBuffer chunk = chunkCovering(pgid, 1);
    int base = offsetInChunk(pgid);
    ByteBuffer h = ByteBuffer.allocate(PageFormat.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < PageFormat.HEADER_SIZE; i += 8) {
      h.putLong(i, chunk.getLong(base + i));
    }
    byte found = h.get(PageFormat.OFF_TYPE);
    // Where a freelist belongs, its snapshot or one of its deltas may stand.
    boolean freelistDelta =
        type == PageFormat.TYPE_FREELIST && found == PageFormat.TYPE_FREELIST_DELTA;
    if (found != type && !freelistDelta) {
      throw corrupt(
          pgid,
          "expected a "
              + PageFormat.typeName(type)
              + " page, found "
              + PageFormat.typeName(h.get(PageFormat.OFF_TYPE)));
    }
    if (h.getLong(PageFormat.OFF_PGID) != pgid) {
      throw corrupt(pgid, "header names page " + h.getLong(PageFormat.OFF_PGID));
    }
    return h;
  }

  /** Copies {@code length} bytes starting at page {@code pgid} to the heap, across chunks. */
  ByteBuffer copy(long pgid, int length) {
    byte[] out = new byte[length];
    long start = pgid << pageShift;
    int done = 0;
    while (done < length) {
      long at = start + done;
      int off = (int) (at & (chunkSize - 1));
      int n = (int) Math.min(length - done, chunkSize - off);
      ByteBuffer d = chunkAt(at, n).duplicate();
      d.position(off);
      d.get(out, done, n);
      done += n;
    }
    return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
  }

  private int offsetInChunk(long pgid) {
    return (int) ((pgid << pageShift) & (chunkSize - 1));
  }

  private ByteBuffer chunkCovering(long pgid, int pages) {
    return chunkAt(pgid << pageShift, pages << pageShift);
  }

  /** The mapping of the chunk holding file offset {@code at}, covering at least {@code n} bytes. */
  private MappedByteBuffer chunkAt(long at, int n) {
    int index = (int) (at >>> chunkShift);
    long need = (at & (chunkSize - 1)) + n;
    MappedByteBuffer[] table = chunks;
    if (index < table.length) {
      MappedByteBuffer m = table[index];
      if (m != null && m.capacity() >= need) {
        return m;
      }
    }
    return remap(index, need);
  }

  /**
   * Maps chunk {@code index} anew. Shields the caller's interrupt itself: reads reach here without
   * the engine's per-call shield, and an interrupted thread's channel call would close the channel.
   */
  private MappedByteBuffer remap(int index, long need) {
    InterruptShield.enter();
    try {
      return remapShielded(index, need);
    } finally {
      InterruptShield.exit();
    }
  }

  private synchronized MappedByteBuffer remapShielded(int index, long need) {
    MappedByteBuffer[] table = chunks;
    if (index < table.length && table[index] != null && table[index].capacity() >= need) {
      return table[index];
    }
    long chunkStart = (long) index << chunkShift;
    long size = Math.min(chunkSize, fileSize() - chunkStart);
    if (size < need) {
      throw new CorruptionException(
          path
              + ": offset "
              + (chunkStart + need)
              + " is past the end of the file ("
              + fileSize()
              + " bytes); the file was truncated");
    }
    MappedByteBuffer m;
    try {
      m = channel.map(FileChannel.MapMode.READ_ONLY, chunkStart, size);
    } catch (IOException e) {
      throw new StorageIOException("cannot map " + path + " at offset " + chunkStart, e);
    }
    m.order(ByteOrder.LITTLE_ENDIAN);
    ReadAdvice.random(m);
    if (index >= table.length) {
      MappedByteBuffer[] grown = new MappedByteBuffer[index + 1];
      System.arraycopy(table, 0, grown, 0, table.length);
      table = grown;
      AtomicLongArray[] bits = new AtomicLongArray[index + 1];
      System.arraycopy(verified, 0, bits, 0, verified.length);
      for (int i = verified.length; i < bits.length; i++) {
        bits[i] = new AtomicLongArray(Math.max(1, (1 << pagesPerChunkShift) >>> 6));
      }
      verified = bits;
    } else {
      table = table.clone();
    }
    table[index] = m;
    chunks = table;
    return m;
  }

  boolean isVerified(long pgid) {
    AtomicLongArray[] bits = verified;
    int index = (int) (pgid >>> pagesPerChunkShift);
    if (index >= bits.length) {
      return false;
    }
    int bit = (int) (pgid & ((1L << pagesPerChunkShift) - 1));
    return (bits[index].get(bit >>> 6) & (1L << bit)) != 0;
  }

  private void markVerified(long pgid) {
    AtomicLongArray[] bits = verified;
    int index = (int) (pgid >>> pagesPerChunkShift);
    if (index >= bits.length) {
      return;
    }
    int bit = (int) (pgid & ((1L << pagesPerChunkShift) - 1));
    bits[index].getAndUpdate(bit >>> 6, w -> w | (1L << bit));
  }

  private void forget(long pgid, int pages) {
    AtomicLongArray[] bits = verified;
    for (long p = pgid; p < pgid + pages; p++) {
      int index = (int) (p >>> pagesPerChunkShift);
      if (index >= bits.length) {
        return;
      }
      int bit = (int) (p & ((1L << pagesPerChunkShift) - 1));
      bits[index].getAndUpdate(bit >>> 6, w -> w & ~(1L << bit));
    }
  }

  /** Reads raw bytes with positional reads (backup), zero-filling past the end of the file. */
  void readRaw(ByteBuffer dst, long position) {
    try {
      while (dst.hasRemaining()) {
        int n = channel.read(dst, position);
        if (n < 0) {
          while (dst.hasRemaining()) {
            dst.put((byte) 0);
          }
          return;
        }
        position += n;
      }
    } catch (IOException e) {
      throw new StorageIOException("cannot read " + path + " at offset " + position, e);
    }
  }

  // ---------------------------------------------------------------- writes

  /**
   * Writes a sealed run at {@code pgid}; counts every byte handed to the OS. The run was
   * checksummed from the writer's own buffer, so its first page counts as verified.
   */
  void writeSealed(long pgid, ByteBuffer run) throws IOException {
    forget(pgid, run.limit() >>> pageShift);
    writeAt(run, pgid << pageShift);
    markVerified(pgid);
  }

  /**
   * Writes sealed runs that lie back to back from {@code pgid} with one write call; {@code
   * runStarts[0..count)} are their first pages, each counted as verified like {@link
   * #writeSealed}'s.
   */
  void writeSealedRuns(long pgid, ByteBuffer runs, long[] runStarts, int count) throws IOException {
    forget(pgid, runs.limit() >>> pageShift);
    writeAt(runs, pgid << pageShift);
    for (int i = 0; i < count; i++) {
      markVerified(runStarts[i]);
    }
  }

  /** Writes a run (meta page, test data) without marking anything verified. */
  void write(long pgid, ByteBuffer run) throws IOException {
    forget(pgid, run.limit() >>> pageShift);
    writeAt(run, pgid << pageShift);
  }

  void writeAt(ByteBuffer data, long position) throws IOException {
    ByteBuffer src = data.duplicate();
    src.position(0);
    long at = position;
    while (src.hasRemaining()) {
      int n = io.write(src, at);
      meter.addPhysical(n);
      at += n;
    }
  }

  /** Writes all of {@code b} (from position 0, whatever its position) at {@code position}. */
  static void writeFully(StorageFile ch, ByteBuffer b, long position) throws IOException {
    ByteBuffer src = b.duplicate();
    src.position(0);
    ch.writeFully(src, position);
  }

  void force() throws IOException {
    io.force();
    meter.addSync();
  }

  /**
   * Shrinks the file. Excludes {@link #remapShielded}: mapping a region past the end of a writable
   * channel makes the JDK extend the file, so a reader mapping between its size check and this
   * truncation would grow the file back behind the writer.
   */
  synchronized void truncate(long size) throws IOException {
    io.truncate(size);
  }

  CorruptionException corrupt(long pgid, String what) {
    return new CorruptionException(
        path + ": page " + pgid + " (offset " + (pgid << pageShift) + "): " + what);
  }
}
