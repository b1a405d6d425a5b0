package dev.strata.lsm;

import dev.strata.api.CorruptionException;
import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.api.StoreLockedException;
import dev.strata.api.UnsupportedFormatException;
import dev.strata.api.spi.IoErrorKind;
import java.util.Locale;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * Maps RocksDB status codes to the contract's exceptions, so callers never see {@link
 * RocksDBException}. RocksDB's status text already names the file (and, for corruption, the block
 * offset), so it is kept verbatim in the message. A full disk is recognised by RocksDB's {@code
 * NoSpace} sub-code or, where RocksDB reports it as a plain I/O error, by the operating system's
 * text ({@link IoErrorKind}); a read-only file system stays a {@link StorageIOException}.
 */
final class RocksErrors {
  private RocksErrors() {}

  /**
   * Translates a RocksDB failure.
   *
   * @param what what the engine was doing and where, e.g. "commit to lsm engine at /data"
   * @param e the RocksDB failure
   * @return the exception to throw
   */
  static StorageException map(String what, RocksDBException e) {
    Status status = e.getStatus();
    String text = status == null ? String.valueOf(e.getMessage()) : describe(status, e);
    String message = what + ": " + text;
    if (status == null) {
      return new StorageIOException(message, e);
    }
    if (status.getSubCode() == Status.SubCode.NoSpace
        || IoErrorKind.ofMessage(text) == IoErrorKind.STORAGE_FULL) {
      return new StorageFullException(message, e);
    }
    switch (status.getCode()) {
      case Corruption:
        if (isUnsupportedFormatText(text)) {
          return unsupported(message, e);
        }
        return new CorruptionException(message, e);
      case NotSupported:
        if (isUnsupportedFormatText(text)) {
          return unsupported(message, e);
        }
        return new StorageException(message, e);
      case IOError:
        if (isLockText(text)) {
          return new StoreLockedException(message, e);
        }
        return new StorageIOException(message, e);
      default:
        return new StorageException(message, e);
    }
  }

  /**
   * Tells whether a mapped failure means the database takes no more writes until it is reopened: a
   * corruption, an I/O error, or a full disk (RocksDB keeps its background error set, because its
   * automatic recovery is off; see {@link NoAutoRecovery}).
   */
  static boolean isFatalForWrites(StorageException mapped) {
    return mapped instanceof CorruptionException
        || mapped instanceof StorageFullException
        || (mapped instanceof StorageIOException && !(mapped instanceof StoreLockedException));
  }

  private static StorageException unsupported(String message, RocksDBException e) {
    UnsupportedFormatException u = new UnsupportedFormatException(message);
    u.initCause(e);
    return u;
  }

  private static String describe(Status status, RocksDBException e) {
    String state = status.getState();
    String code = status.getCodeString();
    if (state == null || state.isEmpty()) {
      return e.getMessage() == null ? code : e.getMessage();
    }
    return code + ": " + state;
  }

  private static boolean isLockText(String text) {
    // In-process: "lock hold by current process"; another process: "While lock file: .../LOCK".
    return text.contains("lock hold by current process") || text.contains("While lock file");
  }

  private static boolean isUnsupportedFormatText(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    return lower.contains("unsupported format_version")
        || lower.contains("unknown footer version")
        || lower.contains("unknown format version")
        || lower.contains("unsupported format version");
  }
}
