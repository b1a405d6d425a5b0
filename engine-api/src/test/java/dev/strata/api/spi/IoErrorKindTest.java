package dev.strata.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.ReadOnlyFileSystemException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IoErrorKindTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "No space left on device | STORAGE_FULL",
        "/d/000012.log: No space left on device | STORAGE_FULL",
        "IO error: No space left on deviceWhile appending to file: /d/1.log | STORAGE_FULL",
        "Disk quota exceeded | STORAGE_FULL",
        "/d/data.db: Disk quota exceeded | STORAGE_FULL",
        "Quota exceeded | STORAGE_FULL",
        "File too large | STORAGE_FULL",
        "/d/segment-1: Read-only file system | READ_ONLY_FILE_SYSTEM",
        "IO error: While open a file for appending: /d/LOG: Read-only file system"
            + " | READ_ONLY_FILE_SYSTEM",
        "Input/output error | OTHER",
        "Permission denied | OTHER",
        "Stale file handle | OTHER",
      })
  void ofMessage_classifiesOperatingSystemTexts(String message, IoErrorKind expected) {
    assertEquals(expected, IoErrorKind.ofMessage(message));
    assertEquals(expected, IoErrorKind.ofMessage(message.toUpperCase(java.util.Locale.ROOT)));
  }

  @Test
  void of_readsTheExceptionsOwnMessage() {
    assertEquals(
        IoErrorKind.STORAGE_FULL,
        IoErrorKind.of(new FileSystemException("/d/f", null, "No space left on device")));
    assertEquals(
        IoErrorKind.READ_ONLY_FILE_SYSTEM,
        IoErrorKind.of(new FileSystemException("/d/f", null, "Read-only file system")));
    assertEquals(IoErrorKind.OTHER, IoErrorKind.of(new IOException("Input/output error")));
  }

  @Test
  void of_javaReadOnlyFileSystem_isReadOnly() {
    assertEquals(
        IoErrorKind.READ_ONLY_FILE_SYSTEM, IoErrorKind.of(new ReadOnlyFileSystemException()));
  }

  @Test
  void of_nullOrMessageless_isOther() {
    assertEquals(IoErrorKind.OTHER, IoErrorKind.of(null));
    assertEquals(IoErrorKind.OTHER, IoErrorKind.of(new IOException()));
    assertEquals(IoErrorKind.OTHER, IoErrorKind.ofMessage(null));
  }

  @Test
  void of_doesNotLookIntoCauses() {
    UncheckedIOException wrapper =
        new UncheckedIOException("write failed", new IOException("No space left on device"));
    assertEquals(IoErrorKind.OTHER, IoErrorKind.of(wrapper));
    assertEquals(IoErrorKind.STORAGE_FULL, IoErrorKind.of(wrapper.getCause()));
  }
}
