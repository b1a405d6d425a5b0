package dev.strata.freelist;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;

/** Fixtures shared by the format and footprint tests. */
final class FreelistModelTestSupport {
  private FreelistModelTestSupport() {}

  /** Runs of 1–2 free pages separated by gaps of 1–2 pages in use, {@code freePages} in all. */
  static Freelist fragmented(Freelist.Kind kind, SplittableRandom random, long freePages) {
    Freelist freelist = Freelist.create(kind);
    long page = 2;
    long placed = 0;
    while (placed < freePages) {
      int length = (int) Math.min(random.nextInt(1, 3), freePages - placed);
      freelist.free(1, page, length);
      placed += length;
      page += length + random.nextInt(1, 3);
    }
    freelist.release(2);
    return freelist;
  }

  /** The runs a freelist serializes, free and pending alike, as a fresh reload would see them. */
  static List<Span> freeAndPending(Freelist freelist) {
    ByteBuffer buffer = ByteBuffer.allocate(freelist.serializedSize());
    freelist.writeTo(buffer);
    return Freelist.readFrom(buffer.flip(), Freelist.Kind.HASH).spans();
  }
}
