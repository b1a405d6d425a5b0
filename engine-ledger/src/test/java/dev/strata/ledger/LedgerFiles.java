package dev.strata.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Test helpers that read and damage ledger files directly, bypassing the engine. */
final class LedgerFiles {
  private LedgerFiles() {}

  /** A record's byte range in a segment file. */
  record Span(int offset, int length, byte kind) {
    int end() {
      return offset + length;
    }
  }

  static Path segment(Path dir, int index) {
    return SegmentLog.fileName(dir, index);
  }

  /** The records of a segment, parsed without the engine. */
  static List<Span> records(Path segment) throws IOException {
    byte[] bytes = Files.readAllBytes(segment);
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    List<Span> spans = new ArrayList<>();
    int offset = SegmentLog.HEADER;
    while (offset + 8 <= bytes.length) {
      int length = buf.getInt(offset);
      if (length < 1 || offset + 8L + length > bytes.length) {
        break;
      }
      spans.add(new Span(offset, length + 8, bytes[offset + 4]));
      offset += length + 8;
    }
    return spans;
  }

  static void copyDir(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (!f.getFileName().toString().equals("LOCK")) {
          Files.copy(f, to.resolve(f.getFileName()));
        }
      }
    }
  }

  static void deleteDir(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.sorted((a, b) -> b.compareTo(a))::iterator) {
        Files.delete(f);
      }
    }
  }
}
