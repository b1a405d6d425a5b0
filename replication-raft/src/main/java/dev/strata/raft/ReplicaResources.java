package dev.strata.raft;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.DirectoryLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * What one open raft replica holds, opened in dependency order and closed in reverse: the directory
 * lock, the local store in {@code <dir>/data}, the state machine over it and (unless read-only) the
 * Ratis server in {@code <dir>/raft}. An open that fails part-way closes what it opened.
 */
final class ReplicaResources {
  static final String STORE_FILE = "raft-store.properties";
  static final String LOG_ID_FILE = "strata-log-id";

  final DirectoryLock lock;
  final LocalStore local;
  final WriteAmplificationMeter meter;
  final StoreStateMachine stateMachine;

  /** Null when the store is opened read-only: it then joins no group. */
  final Replica replica;

  private ReplicaResources(
      DirectoryLock lock,
      LocalStore local,
      WriteAmplificationMeter meter,
      StoreStateMachine stateMachine,
      Replica replica) {
    this.lock = lock;
    this.local = local;
    this.meter = meter;
    this.stateMachine = stateMachine;
    this.replica = replica;
  }

  /**
   * Opens (creating when allowed) the raft store at {@code directory} and starts its replica.
   *
   * @throws StorageException if there is no store and it may not be created
   * @throws StorageIOException if a file cannot be created or the server cannot start
   */
  static ReplicaResources open(Path directory, RaftSettings settings, EngineOptions options) {
    boolean readOnly = options.readOnly();
    Path storeFile = directory.resolve(STORE_FILE);
    if (!Files.exists(storeFile)) {
      if (!options.createIfMissing() || readOnly) {
        throw new StorageException(
            "no raft store at " + directory + " (missing " + STORE_FILE + ")");
      }
      try {
        Files.createDirectories(directory);
      } catch (IOException e) {
        throw new StorageIOException("cannot create " + directory, e);
      }
    }
    DirectoryLock lock =
        DirectoryLock.acquire(directory.resolve("raft.lock"), "raft store " + directory);
    LocalStore local = null;
    Replica replica = null;
    try {
      StoreDescriptor.checkOrCreate(storeFile, settings.localEngine);
      local =
          new LocalStore(
              settings.localEngine,
              directory.resolve("data"),
              RaftSettings.localOptions(options, settings.localDurability));
      WriteAmplificationMeter meter = new WriteAmplificationMeter();
      UUID logId = readOnly ? new UUID(0, 0) : logId(directory.resolve("raft"));
      StoreStateMachine stateMachine =
          new StoreStateMachine(
              local, logId, meter, settings.logDurability, settings.onlineSnapshots);
      if (!readOnly) {
        replica = new Replica(settings, directory.resolve("raft"), stateMachine);
        replica.start();
      }
      return new ReplicaResources(lock, local, meter, stateMachine, replica);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(replica, e);
      closeQuietly(local, e);
      lock.close();
      if (e instanceof IOException io) {
        throw new StorageIOException(
            "cannot start raft replica " + settings.id + " at " + directory, io);
      }
      if (e instanceof Error err) {
        throw err;
      }
      throw (RuntimeException) e;
    }
  }

  private static void closeQuietly(AutoCloseable c, Throwable into) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception suppressed) {
        into.addSuppressed(suppressed);
      }
    }
  }

  /**
   * The id of the Raft log this replica's indexes refer to: created with a fresh log, so a store
   * seeded from elsewhere is recognised as such (see {@link StoreStateMachine}).
   */
  private static UUID logId(Path raftDir) throws IOException {
    Path file = raftDir.resolve(LOG_ID_FILE);
    if (Files.exists(file)) {
      return UUID.fromString(Files.readString(file).trim());
    }
    Files.createDirectories(raftDir);
    UUID id = UUID.randomUUID();
    StoreDescriptor.writeDurably(file, id.toString());
    return id;
  }

  /**
   * Stops the server (after its log writer is idle), then the state machine and the local store,
   * and releases the lock whatever failed.
   *
   * @throws StorageIOException naming the first failure
   */
  void close(String replicaId) {
    Throwable failure = null;
    try {
      if (replica != null) {
        replica.close();
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
    }
    try {
      stateMachine.close();
      local.close();
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      }
    } finally {
      lock.close();
    }
    if (failure != null) {
      throw new StorageIOException(
          "raft replica " + replicaId + " did not close cleanly",
          failure instanceof IOException io ? io : new IOException(failure));
    }
  }
}
