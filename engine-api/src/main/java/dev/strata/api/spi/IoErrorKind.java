package dev.strata.api.spi;

import java.nio.file.ReadOnlyFileSystemException;
import java.util.List;
import java.util.Locale;

/**
 * What an I/O failure means for a store: the disk (or the user's quota) is full, the file system is
 * read-only, or something else went wrong. Engines map {@link #STORAGE_FULL} to {@link
 * dev.strata.api.StorageFullException} and the rest to {@link dev.strata.api.StorageIOException}.
 *
 * <p>The JDK reports {@code ENOSPC}, {@code EDQUOT}, {@code EFBIG} and {@code EROFS} only as the
 * operating system's message text (an {@link java.io.IOException} or {@link
 * java.nio.file.FileSystemException} whose message ends with, for example, "No space left on
 * device"), and RocksDB passes the same text through its status; so the classification reads the
 * message. The texts are those of Linux, macOS and the BSDs (glibc, musl and libc strerror).
 * Stateless and thread-safe.
 */
public enum IoErrorKind {
  /**
   * The device or the quota is full, or a file reached the largest size the file system or the
   * process limit allows ({@code ENOSPC}, {@code EDQUOT}, {@code EFBIG}): retrying after space is
   * freed can succeed.
   */
  STORAGE_FULL,

  /** The file system is mounted read-only ({@code EROFS}), or a Java file system is read-only. */
  READ_ONLY_FILE_SYSTEM,

  /** Any other failure, including a null or unrecognised message. */
  OTHER;

  private static final List<String> FULL_TEXTS =
      List.of("no space left", "disk quota", "file too large", "quota exceeded");

  private static final List<String> READ_ONLY_TEXTS = List.of("read-only file system");

  /**
   * Classifies a failure by its type and its own message (not its causes': a wrapper's cause is
   * classified by passing the cause).
   *
   * @param failure the failure; may be null, which is {@link #OTHER}
   * @return its kind
   */
  public static IoErrorKind of(Throwable failure) {
    if (failure == null) {
      return OTHER;
    }
    if (failure instanceof ReadOnlyFileSystemException) {
      return READ_ONLY_FILE_SYSTEM;
    }
    return ofMessage(failure.getMessage());
  }

  /**
   * Classifies an operating-system or library error text, ignoring case.
   *
   * @param message the text, e.g. {@code "/data/x.log: No space left on device"}; may be null
   * @return its kind; {@link #OTHER} for null
   */
  public static IoErrorKind ofMessage(String message) {
    if (message == null) {
      return OTHER;
    }
    String lower = message.toLowerCase(Locale.ROOT);
    for (String text : FULL_TEXTS) {
      if (lower.contains(text)) {
        return STORAGE_FULL;
      }
    }
    for (String text : READ_ONLY_TEXTS) {
      if (lower.contains(text)) {
        return READ_ONLY_FILE_SYSTEM;
      }
    }
    return OTHER;
  }
}
