package dev.strata.tck.reliability;

import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link FileIO} over the real file system that numbers every mutating call (write, force,
 * truncate, file creation, rename, deletion, directory sync), can record them (for crash-point
 * replay) and can fail the call with a given number (fault injection). It also tells files apart
 * the way a file system does, by identity rather than name: each created file gets a number that
 * follows it through renames, and every call on an open file carries it, so a replay can tell which
 * file a sync made durable and what a lost rename leaves behind. Thread-safe: calls are numbered
 * under a lock.
 */
public final class FaultyFileIO implements FileIO {
  /** The kinds of mutating call. */
  public enum Op {
    /** A positional write. */
    WRITE,
    /** A file sync. */
    FORCE,
    /** A truncation. */
    TRUNCATE,
    /** An atomic rename. */
    RENAME,
    /** A directory sync. */
    SYNC_DIR,
    /** A file created by an open (recorded, never failed). */
    CREATE,
    /** A file deleted (recorded, never failed). */
    DELETE
  }

  /** The injectable faults. */
  public enum Fault {
    /** The write throws before writing anything. */
    FAIL_WRITE,
    /** The write writes half its bytes, then throws (a torn write). */
    SHORT_WRITE,
    /** The write throws "No space left on device" before writing anything. */
    DISK_FULL,
    /** The file or directory sync throws. */
    FAIL_SYNC;

    boolean appliesTo(Op op) {
      return this == FAIL_SYNC ? op == Op.FORCE || op == Op.SYNC_DIR : op == Op.WRITE;
    }
  }

  /**
   * One recorded call.
   *
   * @param index the call's number
   * @param op the kind of call
   * @param path the file (the source for a rename, the directory for a directory sync)
   * @param target the rename target, else null
   * @param file the number of the file the call acts on, -1 for a directory sync
   * @param position the write position or truncation size
   * @param bytes the written bytes, else null
   */
  public record Call(
      long index, Op op, Path path, Path target, long file, long position, byte[] bytes) {}

  private final FileIO real = FileIO.standard();
  private final Object lock = new Object();
  private final List<Call> calls = new ArrayList<>();
  private final Map<Path, Long> names = new HashMap<>();
  private long nextFile;
  private long next;
  private boolean recording;
  private long failAt = -1;
  private Fault fault;
  private Op firedOn;
  private boolean skipDirectorySyncs;
  private volatile ForceHook forceHook;

  /** Runs before every file sync; it may block to hold the sync open. */
  @FunctionalInterface
  public interface ForceHook {
    /**
     * Called before a sync of {@code file}, on the syncing thread.
     *
     * @param file the file about to be synced
     * @throws IOException to fail the sync
     */
    void beforeForce(Path file) throws IOException;
  }

  /**
   * Sets what runs before every file sync, for tests that hold a sync open to see what waits for
   * it; null for nothing.
   *
   * @param hook the hook
   */
  public void onForce(ForceHook hook) {
    forceHook = hook;
  }

  /**
   * Starts or stops recording calls.
   *
   * @param on whether to record
   */
  public void record(boolean on) {
    synchronized (lock) {
      recording = on;
    }
  }

  /**
   * Makes every later directory sync do nothing, unrecorded: the behaviour of an engine that
   * forgets them, for checking that the kit notices.
   */
  public void skipDirectorySyncs() {
    synchronized (lock) {
      skipDirectorySyncs = true;
    }
  }

  /**
   * Returns the recorded calls.
   *
   * @return a copy of the calls recorded so far
   */
  public List<Call> calls() {
    synchronized (lock) {
      return List.copyOf(calls);
    }
  }

  /**
   * Returns the number the next call will get.
   *
   * @return the call counter
   */
  public long callCount() {
    synchronized (lock) {
      return next;
    }
  }

  /**
   * Arms one fault: it hits the first call numbered {@code index} or later that it applies to.
   *
   * @param fault the fault
   * @param index the call number
   */
  public void arm(Fault fault, long index) {
    synchronized (lock) {
      this.fault = fault;
      this.failAt = index;
      this.firedOn = null;
    }
  }

  /**
   * Tells which kind of call the armed fault hit.
   *
   * @return the call kind, or null if it has not fired
   */
  public Op firedOn() {
    synchronized (lock) {
      return firedOn;
    }
  }

  /** Numbers a call, records it, and returns the fault to inject, or null. */
  private Fault enter(Op op, Path path, Path target, long file, long position, ByteBuffer src) {
    synchronized (lock) {
      long index = next++;
      if (recording) {
        byte[] bytes = null;
        if (src != null) {
          bytes = new byte[src.remaining()];
          src.duplicate().get(bytes);
        }
        calls.add(new Call(index, op, path, target, file, position, bytes));
      }
      if (fault != null && index >= failAt && fault.appliesTo(op)) {
        Fault f = fault;
        fault = null;
        firedOn = op;
        return f;
      }
      return null;
    }
  }

  @Override
  public StorageFile open(Path path, OpenOption... options) throws IOException {
    Path name = path.toAbsolutePath().normalize();
    boolean existed = Files.exists(name);
    StorageFile file = real.open(path, options);
    List<OpenOption> list = Arrays.asList(options);
    long id;
    synchronized (lock) {
      Long known = names.get(name);
      if (existed && known != null) {
        id = known;
      } else {
        id = nextFile++;
        names.put(name, id);
      }
    }
    if (!existed) {
      enter(Op.CREATE, path, null, id, 0, null);
    } else if (list.contains(StandardOpenOption.TRUNCATE_EXISTING)
        && list.contains(StandardOpenOption.WRITE)) {
      enter(Op.TRUNCATE, path, null, id, 0, null);
    }
    return new Faulty(file, id);
  }

  @Override
  public void rename(Path source, Path target) throws IOException {
    long id;
    synchronized (lock) {
      Long known = names.remove(source.toAbsolutePath().normalize());
      id = known == null ? nextFile++ : known;
      names.put(target.toAbsolutePath().normalize(), id);
    }
    enter(Op.RENAME, source, target, id, 0, null);
    real.rename(source, target);
  }

  @Override
  public void delete(Path path) throws IOException {
    Long known;
    synchronized (lock) {
      known = names.remove(path.toAbsolutePath().normalize());
    }
    enter(Op.DELETE, path, null, known == null ? -1 : known, 0, null);
    real.delete(path);
  }

  @Override
  public void syncDirectory(Path directory) throws IOException {
    synchronized (lock) {
      if (skipDirectorySyncs) {
        return;
      }
    }
    if (enter(Op.SYNC_DIR, directory, null, -1, 0, null) != null) {
      throw new IOException("injected directory sync failure on " + directory);
    }
    real.syncDirectory(directory);
  }

  private final class Faulty implements StorageFile {
    private final StorageFile file;
    private final long id;

    Faulty(StorageFile file, long id) {
      this.file = file;
      this.id = id;
    }

    @Override
    public Path path() {
      return file.path();
    }

    @Override
    public FileChannel channel() {
      return file.channel();
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      Fault f = enter(Op.WRITE, file.path(), null, id, position, src);
      if (f == null) {
        return file.write(src, position);
      }
      switch (f) {
        case SHORT_WRITE -> {
          ByteBuffer half = src.duplicate();
          half.limit(half.position() + Math.max(1, src.remaining() / 2));
          file.channel().write(half, position);
          throw new IOException("injected short write at " + position + " of " + file.path());
        }
        case DISK_FULL -> throw new IOException("No space left on device");
        default ->
            throw new IOException("injected write failure at " + position + " of " + file.path());
      }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return file.read(dst, position);
    }

    @Override
    public void force(boolean metaData) throws IOException {
      ForceHook hook = forceHook;
      if (hook != null) {
        hook.beforeForce(file.path());
      }
      if (enter(Op.FORCE, file.path(), null, id, 0, null) != null) {
        throw new IOException("injected fsync failure on " + file.path());
      }
      file.force(metaData);
    }

    @Override
    public long size() throws IOException {
      return file.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      enter(Op.TRUNCATE, file.path(), null, id, size, null);
      file.truncate(size);
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }
}
