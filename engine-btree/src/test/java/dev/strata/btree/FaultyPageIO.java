package dev.strata.btree;

import dev.strata.btree.format.Meta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link PageIO} that injects one armed fault into the real channel's writes and syncs. */
final class FaultyPageIO implements PageIO {
  enum Fault {
    NONE,
    /** The next data-page write throws before writing anything. */
    FAIL_WRITE,
    /** The next data-page write writes half its bytes, then throws (a torn write). */
    TORN_WRITE,
    /** The next data-page write throws "No space left on device". */
    DISK_FULL,
    /** The first sync throws (after data pages were written, before the meta). */
    FAIL_FIRST_SYNC,
    /** The meta page write writes half its content, then throws. */
    TORN_META,
    /** The sync after the meta write throws. */
    FAIL_META_SYNC,
    /**
     * The next data-page write throws an {@link OutOfMemoryError}, as a JDK temporary buffer can.
     */
    OUT_OF_MEMORY,
    /**
     * The next sync of the early write-back helper throws, and the commit's own syncs succeed (as
     * when the helper's fdatasync takes a write-back error, which Linux then reports to no other
     * call). With two syncs per commit, whatever the scheduling, the helper's sync is still running
     * when the commit's own first sync returns: the commit's sync starts only once the helper's has
     * begun, and the helper's fails only after the commit's has returned, so the commit must wait
     * for it. With one sync, the commit's writes past 300 pages wait until the helper's sync has
     * begun, so it is running or failed when the commit, before its meta write, waits for it.
     */
    FAIL_EARLY_SYNC,
    /**
     * The data write that takes the pages written since arming past 300 throws: after the early
     * write-back helper was asked to sync (every 256 pages), so the failed commit must wait for
     * that sync before it rolls back.
     */
    FAIL_LATE_WRITE
  }

  private final FileChannel channel;
  private final int pageSize;

  /**
   * Whether the store syncs once per commit: its commit waits for the early write-back helper
   * before its meta write, not after a first sync, so {@link Fault#FAIL_EARLY_SYNC} holds the
   * commit's writes until the helper's sync has begun and then fails that sync at once.
   */
  private final boolean oneSync;

  private volatile Fault armed = Fault.NONE;
  private volatile boolean metaWritten;
  private final CountDownLatch helperSyncStarted = new CountDownLatch(1);
  private final CountDownLatch commitSyncDone = new CountDownLatch(1);
  private long dataPagesSinceArmed;

  /** Syncs called by the early write-back helper, failed or not. */
  final AtomicInteger helperSyncs = new AtomicInteger();

  FaultyPageIO(FileChannel channel, int pageSize) {
    this(channel, pageSize, false);
  }

  FaultyPageIO(FileChannel channel, int pageSize, boolean oneSync) {
    this.channel = channel;
    this.pageSize = pageSize;
    this.oneSync = oneSync;
  }

  synchronized void arm(Fault fault) {
    metaWritten = false;
    dataPagesSinceArmed = 0;
    armed = fault;
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    boolean meta = position < 2L * pageSize;
    Fault f = armed;
    if (meta) {
      metaWritten = true;
      if (f == Fault.TORN_META) {
        armed = Fault.NONE;
        torn(src, position, Meta.USED / 2);
      }
    } else if (f == Fault.FAIL_EARLY_SYNC && oneSync && lateWriteDue(src.remaining())) {
      // The helper was asked to sync at 256 pages: its sync runs before the commit goes on.
      await(helperSyncStarted);
    } else if (f == Fault.FAIL_LATE_WRITE && lateWriteDue(src.remaining())) {
      armed = Fault.NONE;
      throw new IOException("injected write failure at offset " + position);
    } else if (f == Fault.FAIL_WRITE) {
      armed = Fault.NONE;
      throw new IOException("injected write failure at offset " + position);
    } else if (f == Fault.DISK_FULL) {
      armed = Fault.NONE;
      throw new IOException("No space left on device");
    } else if (f == Fault.OUT_OF_MEMORY) {
      armed = Fault.NONE;
      throw new OutOfMemoryError("injected: Direct buffer memory");
    } else if (f == Fault.TORN_WRITE) {
      armed = Fault.NONE;
      torn(src, position, src.remaining() / 2);
    }
    return channel.write(src, position);
  }

  /** Writes only the first {@code bytes} bytes (the meta's content is its first 88 bytes). */
  private void torn(ByteBuffer src, long position, int bytes) throws IOException {
    ByteBuffer half = src.duplicate();
    half.limit(half.position() + Math.max(1, bytes));
    channel.write(half, position);
    throw new IOException("injected torn write at offset " + position);
  }

  @Override
  public void force() throws IOException {
    Fault f = armed;
    boolean helper = Thread.currentThread().getName().startsWith(Store.EARLY_WRITEBACK_THREAD);
    if (helper) {
      helperSyncs.incrementAndGet();
    }
    if (f == Fault.FAIL_EARLY_SYNC) {
      if (helper && helperSyncStarted.getCount() > 0) {
        helperSyncStarted.countDown();
        if (!oneSync) {
          await(commitSyncDone);
        }
        throw new IOException("injected early write-back sync failure");
      }
      if (!helper) {
        await(helperSyncStarted);
        channel.force(false);
        armed = Fault.NONE;
        commitSyncDone.countDown();
        return;
      }
    }
    if (f == Fault.FAIL_FIRST_SYNC && !metaWritten || f == Fault.FAIL_META_SYNC && metaWritten) {
      armed = Fault.NONE;
      throw new IOException("injected fsync failure");
    }
    channel.force(false);
  }

  private synchronized boolean lateWriteDue(int bytes) {
    dataPagesSinceArmed += Math.max(1, bytes / pageSize);
    return dataPagesSinceArmed > 300;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void truncate(long size) throws IOException {
    channel.truncate(size);
  }
}
