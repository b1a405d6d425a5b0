package dev.strata.btree;

import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.api.spi.IoErrorKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The typed exception a failed commit throws, from what made it fail. Stateless. */
final class CommitFailures {
  private CommitFailures() {}

  /**
   * A {@link StorageException} stays as it is; a full disk or quota becomes {@link
   * StorageFullException}, any other I/O failure {@link StorageIOException}, and anything else a
   * {@link StorageException}, each naming the file and the txid.
   */
  static StorageException translate(Path path, Exception e, long txid) {
    if (e instanceof StorageException s) {
      return s;
    }
    if (e instanceof UncheckedIOException u) {
      // A write the spill made through the pager: typed like any other failed write.
      return translate(path, u.getCause(), txid);
    }
    String message = String.valueOf(e.getMessage());
    String what = path + ": commit of txid " + txid + " failed";
    if (e instanceof IOException && IoErrorKind.of(e) == IoErrorKind.STORAGE_FULL) {
      return new StorageFullException(what + ": disk full (" + message + ")", e);
    }
    if (e instanceof IOException) {
      return new StorageIOException(what + ": " + message, e);
    }
    return new StorageException(what + ": " + e, e);
  }
}
