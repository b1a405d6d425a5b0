package dev.strata.btree;

import dev.strata.api.CorruptionException;
import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.api.StoreLockedException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.LockRegistry;
import dev.strata.api.spi.StorageFile;
import dev.strata.btree.format.Meta;
import dev.strata.freelist.Freelist;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Opening a store (bbolt's {@code Open}): create the file when it is missing, lock it, pick the
 * meta page ({@link MetaSelector}), check the file is long enough for it, make whatever the last
 * run left in the kernel's cache durable, and load the stored freelist or rebuild it by walking the
 * tree ({@link Checker#rebuildFreelist}). Stateless and thread-safe; the store it returns is not.
 */
final class StoreOpener {
  private static final System.Logger LOG = System.getLogger(StoreOpener.class.getName());

  /** The claim on the data file of each open store, by the store's channel. */
  private static final Map<FileChannel, LockRegistry.Claim> CLAIMS =
      Collections.synchronizedMap(new IdentityHashMap<>());

  private static final Object CREATE_GUARD = new Object();

  private StoreOpener() {}

  /**
   * Opens, and when allowed creates, the store in {@code directory}.
   *
   * @param ioFactory wraps the opened file in the seam page writes go through
   * @throws StorageException if the store is missing and may not be created
   * @throws StoreLockedException if the file is open in this or another process
   * @throws CorruptionException if no meta page can be trusted or the file is too short
   * @throws StorageIOException if the file cannot be opened, locked or read
   */
  static Store open(
      Path directory,
      Settings settings,
      WriteAmplificationMeter meter,
      FileIO fileIO,
      Function<StorageFile, PageIO> ioFactory) {
    Path path = directory.resolve(Store.FILE_NAME);
    if (!Files.exists(path)) {
      if (!settings.createIfMissing()) {
        throw new StorageException(
            "no btree store in " + directory + " and createIfMissing is false");
      }
      if (settings.readOnly()) {
        throw new StorageException(
            "no btree store in " + directory + " and a read-only open cannot create one");
      }
      createOnce(directory, path, settings.pageSize(), meter, fileIO);
    }
    LockRegistry.Claim claim = claim(path);
    StorageFile storageFile;
    try {
      storageFile =
          settings.readOnly()
              ? fileIO.open(path, StandardOpenOption.READ)
              : fileIO.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      claim.release();
      throw new StorageIOException("cannot open " + path, e);
    } catch (RuntimeException | Error e) {
      claim.release();
      throw e;
    }
    FileChannel channel = storageFile.channel();
    CLAIMS.put(channel, claim);
    FileLock lock = lock(channel, path, settings.readOnly());
    try {
      MetaSelector.Selected selected = MetaSelector.select(channel, path);
      Meta meta = selected.meta();
      if (meta.pageSize() != settings.pageSize()) {
        LOG.log(
            Level.INFO,
            "{0} was created with page size {1}; ignoring btree.pageSize={2}",
            path,
            String.valueOf(meta.pageSize()),
            String.valueOf(settings.pageSize()));
      }
      checkLength(channel, path, meta);
      PageIO io = ioFactory.apply(storageFile);
      PageFile file =
          new PageFile(
              path,
              channel,
              io,
              meter,
              meta.pageSize(),
              Math.max(settings.mapChunkSize(), meta.pageSize()));
      if (!settings.readOnly()) {
        // Whatever the last run left: an unsynced meta of this boot, or a synced one whose own
        // sync may have failed or never run (a kill between its write and its sync), is in the
        // kernel's cache, not necessarily on disk. The meta is rewritten (a write makes the page
        // dirty again) and synced with every page it reaches before a commit may reuse pages that
        // the meta on the other page reaches.
        Store.writeSyncedMeta(file, meta, selected.slot());
        if (selected.rolledBack()) {
          // The other page holds the meta of a commit that did not reach the disk whole. Writes
          // of a later run could complete the pages it names; overwritten, it can never come back.
          Store.writeSyncedMeta(file, meta, 1 - selected.slot());
        }
      }
      long start = System.nanoTime();
      Freelist freelist;
      long rebuild = 0;
      FreelistLog.Stored stored = FreelistLog.Stored.read(file, meta);
      if (settings.freelistSync() && !stored.chain().isEmpty()) {
        freelist = stored.toFreelist(file, meta, settings.freelistKind());
      } else {
        freelist = Checker.rebuildFreelist(file, meta, stored.chain(), settings.freelistKind());
        rebuild = System.nanoTime() - start;
      }
      // A writable open has just synced the meta it uses; a read-only one cannot, so for it the
      // last synced meta is the newest one written after a sync.
      Meta synced =
          settings.readOnly() && selected.unsynced() && selected.newestSynced() != null
              ? selected.newestSynced()
              : meta;
      return new Store(
          directory,
          path,
          settings,
          channel,
          lock,
          file,
          meta,
          new SyncPoints(synced, selected.slot(), meta.pageSize()),
          meter,
          rebuild,
          freelist,
          stored.chain(),
          fileIO);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StorageIOException("cannot open " + path, e);
    } catch (RuntimeException | Error e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /**
   * Claims the data file for this JVM before any channel to it is opened: the file is the lock
   * file, and a channel of this JVM closed after a refused lock would drop the lock another store
   * of this JVM holds on it (see {@link LockRegistry}).
   *
   * @throws StoreLockedException if a store of this JVM has the file open
   * @throws StorageIOException if the file's identity cannot be read
   */
  private static LockRegistry.Claim claim(Path path) {
    Optional<LockRegistry.Claim> claim;
    try {
      claim = LockRegistry.claim(path, false);
    } catch (IOException e) {
      throw new StorageIOException("cannot lock " + path, e);
    }
    if (claim.isEmpty()) {
      throw new StoreLockedException(path + " is already open in this process");
    }
    return claim.get();
  }

  /** Locks the whole file, shared for a read-only open; closes the channel when it cannot. */
  private static FileLock lock(FileChannel channel, Path path, boolean shared) {
    FileLock lock;
    try {
      lock = channel.tryLock(0, Long.MAX_VALUE, shared);
    } catch (OverlappingFileLockException e) {
      closeQuietly(channel);
      throw new StoreLockedException(path + " is already open in this process", e);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StorageIOException("cannot lock " + path, e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new StoreLockedException(path + " is open in another process");
    }
    return lock;
  }

  /** A file shorter than the meta's high-water mark lost pages the tree may reach. */
  private static void checkLength(FileChannel channel, Path path, Meta meta) throws IOException {
    long size = channel.size();
    if (size < meta.highWater() * meta.pageSize()) {
      throw new CorruptionException(
          path
              + ": file is "
              + size
              + " bytes but meta txid "
              + meta.txid()
              + " needs "
              + meta.highWater() * meta.pageSize()
              + " (high-water page "
              + meta.highWater()
              + "); the file was truncated");
    }
  }

  /**
   * Closes {@code channel}, ignoring a failure; for the channel of an open store, then gives up its
   * claim on the data file, since only now does this JVM hold no channel to it. Every path that
   * ends a store's channel (a failed open, {@link Store#close}) comes through here.
   */
  static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Already failing; the first error is the one to report.
    } finally {
      LockRegistry.Claim claim = CLAIMS.remove(channel);
      if (claim != null) {
        claim.release();
      }
    }
  }

  /**
   * Creates the store unless another open of this JVM created it meanwhile. Serialized in the JVM:
   * a second creation's temporary file, renamed over the first one's after that one opened and
   * locked it, would replace the store, and closing its descriptor would drop that lock.
   */
  private static void createOnce(
      Path directory, Path path, int pageSize, WriteAmplificationMeter meter, FileIO fileIO) {
    synchronized (CREATE_GUARD) {
      if (!Files.exists(path)) {
        create(directory, path, pageSize, meter, fileIO);
      }
    }
  }

  /** Writes an empty store to a temporary file and renames it, so a crash leaves no half file. */
  static void create(
      Path directory, Path path, int pageSize, WriteAmplificationMeter meter, FileIO fileIO) {
    Path tmp = directory.resolve(Store.FILE_NAME + ".creating");
    try {
      Files.createDirectories(directory);
      try (StorageFile ch =
          fileIO.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        Meta m = new Meta(pageSize, 2, 0, 0, 3, 0);
        PageFile.writeFully(ch, m.encode(0), 0);
        PageFile.writeFully(ch, m.encode(1), pageSize);
        ByteBuffer leaf =
            Node.encode(true, List.of(), 2, pageSize, TreeUpdate.maxInline(pageSize), 0);
        PageFile.writeFully(ch, leaf, 2L * pageSize);
        ch.force(true);
        meter.addPhysical(3L * pageSize);
        meter.addSync();
      }
      fileIO.rename(tmp, path);
      fileIO.syncDirectory(directory);
    } catch (IOException e) {
      throw new StorageIOException("cannot create a btree store at " + path, e);
    }
  }
}
