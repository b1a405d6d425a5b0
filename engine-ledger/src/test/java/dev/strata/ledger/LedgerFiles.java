package dev.strata.ledger;

import dev.strata.ledger.log.SegmentLog;
import java.io.IOException;
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

  /**
   * The records of a segment, parsed without the engine: each is a varint body length, the body
   * (whose first byte is the kind, 0x80 set on a block's first entry) and a 4-byte checksum.
   */
  static List<Span> records(Path segment) throws IOException {
    byte[] bytes = Files.readAllBytes(segment);
    List<Span> spans = new ArrayList<>();
    int offset = SegmentLog.HEADER;
    while (offset < bytes.length) {
      long length = 0;
      int at = offset;
      for (int shift = 0; at < bytes.length; shift += 7) {
        byte b = bytes[at++];
        length |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          break;
        }
      }
      if (length < 1 || at + length + 4 > bytes.length) {
        break;
      }
      spans.add(new Span(offset, (int) (at - offset + length + 4), bytes[at]));
      offset = (int) (at + length + 4);
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
