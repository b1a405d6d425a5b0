package dev.strata.btree;

import dev.strata.api.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link PageIO} that forwards to the real file and records every write (position and bytes),
 * sync and truncation, so a test can rebuild the file a crash at any point could leave. Not
 * thread-safe beyond what the engine's single writer and its early write-back helper need: calls
 * are recorded under the instance's lock.
 */
final class RecordingPageIO implements PageIO {
  /**
   * One recorded call.
   *
   * @param position the write's file offset, or -1
   * @param bytes what the write wrote (owned by the record), or null
   * @param truncateTo the truncation's new size, or -1
   * @param force whether it was a sync
   */
  record Op(long position, byte[] bytes, long truncateTo, boolean force) {
    boolean isWrite() {
      return bytes != null;
    }
  }

  private final PageIO real;
  private final List<Op> ops;

  RecordingPageIO(StorageFile file, List<Op> ops) {
    this.real = PageIO.of(file);
    this.ops = ops;
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    ByteBuffer copy = src.duplicate();
    int n = real.write(src, position);
    byte[] bytes = new byte[n];
    copy.get(bytes);
    synchronized (ops) {
      ops.add(new Op(position, bytes, -1, false));
    }
    return n;
  }

  @Override
  public void force() throws IOException {
    real.force();
    synchronized (ops) {
      ops.add(new Op(-1, null, -1, true));
    }
  }

  @Override
  public void truncate(long size) throws IOException {
    real.truncate(size);
    synchronized (ops) {
      ops.add(new Op(-1, null, size, false));
    }
  }

  /**
   * Applies {@code op} to a file's bytes: a write (cut to {@code length} bytes) or a truncation;
   * writes into {@code file} itself when it is long enough, and returns the result.
   */
  static byte[] apply(byte[] file, Op op, int length) {
    if (op.isWrite()) {
      int end = (int) op.position() + length;
      byte[] out = file.length < end ? java.util.Arrays.copyOf(file, end) : file;
      System.arraycopy(op.bytes(), 0, out, (int) op.position(), length);
      return out;
    }
    if (op.truncateTo() >= 0 && op.truncateTo() < file.length) {
      return java.util.Arrays.copyOf(file, (int) op.truncateTo());
    }
    return file;
  }

  /** A copy of {@code ops} taken under the lock. */
  static List<Op> snapshot(List<Op> ops) {
    synchronized (ops) {
      return new ArrayList<>(ops);
    }
  }
}
