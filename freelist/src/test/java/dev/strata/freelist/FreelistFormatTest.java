package dev.strata.freelist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.freelist.FreelistFormatException.Reason;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The serialized form, for both implementations: round trips, sizes and every kind of damage. */
class FreelistFormatTest {

  /** A freelist with a few free runs and a pending run of a still-open txid. */
  static Freelist sample(Freelist.Kind kind) {
    Freelist freelist = new CheckingFreelist(Freelist.create(kind));
    freelist.free(1, 2, 3);
    freelist.free(1, 10, 1);
    freelist.free(1, 20, 40);
    freelist.release(2);
    freelist.free(3, 100, 2);
    return freelist;
  }

  static byte[] bytes(Freelist freelist) {
    ByteBuffer buffer = ByteBuffer.allocate(freelist.serializedSize());
    freelist.writeTo(buffer);
    return buffer.array();
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void roundTrip_intoEitherKind_keepsRunsAndWritesPendingAsFree(Freelist.Kind kind) {
    Freelist original = sample(kind);
    byte[] bytes = bytes(original);
    assertEquals(FreelistFormat.HEADER_BYTES + 4 * 12 + 4, bytes.length);
    for (Freelist.Kind target : Freelist.Kind.values()) {
      Freelist copy = Freelist.readFrom(ByteBuffer.wrap(bytes), target);
      copy.checkInvariants();
      assertEquals(
          List.of(new Span(2, 3), new Span(10, 1), new Span(20, 40), new Span(100, 2)),
          copy.spans());
      assertEquals(0, copy.pendingCount());
      assertArrayEquals(bytes, bytes(copy), "re-serialized by " + target);
    }
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void writeTo_atOffsetOfBigEndianDirectBuffer_advancesPositionOnly(Freelist.Kind kind) {
    Freelist freelist = sample(kind);
    ByteBuffer buffer = ByteBuffer.allocateDirect(freelist.serializedSize() + 20);
    buffer.position(7);
    freelist.writeTo(buffer);
    assertEquals(7 + freelist.serializedSize(), buffer.position());
    assertEquals(ByteOrder.BIG_ENDIAN, buffer.order());
    buffer.position(7);
    Freelist copy = Freelist.readFrom(buffer, kind);
    assertEquals(7 + freelist.serializedSize(), buffer.position());
    assertEquals(FreelistModelTestSupport.freeAndPending(freelist), copy.spans());
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void writeTo_bufferTooSmall_throwsAndWritesNothing(Freelist.Kind kind) {
    Freelist freelist = sample(kind);
    ByteBuffer buffer = ByteBuffer.allocate(freelist.serializedSize() - 1);
    assertThrows(IllegalArgumentException.class, () -> freelist.writeTo(buffer));
    assertEquals(0, buffer.position());
    assertArrayEquals(new byte[buffer.capacity()], buffer.array());
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void reload_anySingleFlippedByte_throwsFormatExceptionAndKeepsState(Freelist.Kind kind) {
    byte[] good = bytes(sample(kind));
    Freelist freelist = sample(kind);
    List<Span> before = freelist.spans();
    for (int offset = 0; offset < good.length; offset++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bad = good.clone();
        bad[offset] ^= (byte) (1 << bit);
        ByteBuffer buffer = ByteBuffer.wrap(bad);
        FreelistFormatException e =
            assertThrows(
                FreelistFormatException.class,
                () -> freelist.reload(buffer),
                "flipped bit " + bit + " of byte " + offset);
        assertEquals(0, buffer.position());
        Reason expected =
            offset < 4 ? Reason.BAD_MAGIC : offset < 6 ? Reason.UNSUPPORTED_VERSION : e.reason();
        assertEquals(expected, e.reason(), e.getMessage());
        assertTrue(
            e.reason() != Reason.INVALID_CONTENT,
            "byte " + offset + " passed the checksum: " + e.getMessage());
      }
    }
    assertEquals(before, freelist.spans());
    assertEquals(2, freelist.pendingCount());
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void reload_truncatedAtAnyLength_throwsTruncated(Freelist.Kind kind) {
    byte[] good = bytes(sample(kind));
    for (int length = 0; length < good.length; length++) {
      ByteBuffer buffer = ByteBuffer.wrap(good, 0, length);
      FreelistFormatException e =
          assertThrows(
              FreelistFormatException.class,
              () -> Freelist.readFrom(buffer, kind),
              "length " + length);
      assertEquals(Reason.TRUNCATED, e.reason(), e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void reload_badMagic_namesMagic(Freelist.Kind kind) {
    byte[] bad = bytes(sample(kind));
    bad[0] = 'X';
    FreelistFormatException e =
        assertThrows(
            FreelistFormatException.class, () -> Freelist.readFrom(ByteBuffer.wrap(bad), kind));
    assertEquals(Reason.BAD_MAGIC, e.reason());
    assertTrue(e.getMessage().contains("magic"), e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void reload_newerVersion_isUnsupportedVersionEvenWithValidChecksum(Freelist.Kind kind) {
    ByteBuffer bad = ByteBuffer.wrap(bytes(sample(kind))).order(ByteOrder.LITTLE_ENDIAN);
    bad.putShort(4, (short) 2);
    resealChecksum(bad);
    FreelistFormatException e =
        assertThrows(FreelistFormatException.class, () -> Freelist.readFrom(bad, kind));
    assertEquals(Reason.UNSUPPORTED_VERSION, e.reason());
    assertEquals(4, e.offset());
    assertTrue(e.getMessage().contains("version 2 is newer"), e.getMessage());
  }

  @Test
  void read_overlappingRunsWithValidChecksum_isInvalidContent() {
    ByteBuffer bytes = encode(0, 10, 5, 12, 3);
    FreelistFormatException e =
        assertThrows(FreelistFormatException.class, () -> FreelistFormat.read(bytes));
    assertEquals(Reason.INVALID_CONTENT, e.reason());
    assertEquals(FreelistFormat.HEADER_BYTES + 12, e.offset());
  }

  @Test
  void read_runOnMetaPage_isInvalidContent() {
    FreelistFormatException e =
        assertThrows(FreelistFormatException.class, () -> FreelistFormat.read(encode(0, 1, 4)));
    assertEquals(Reason.INVALID_CONTENT, e.reason());
  }

  @Test
  void read_emptyRun_isInvalidContent() {
    FreelistFormatException e =
        assertThrows(FreelistFormatException.class, () -> FreelistFormat.read(encode(0, 5, 0)));
    assertEquals(Reason.INVALID_CONTENT, e.reason());
  }

  @Test
  void read_declaredPageCountDisagrees_isInvalidContent() {
    FreelistFormatException e =
        assertThrows(FreelistFormatException.class, () -> FreelistFormat.read(encode(99, 5, 2)));
    assertEquals(Reason.INVALID_CONTENT, e.reason());
    assertEquals(16, e.offset());
  }

  @Test
  void read_adjacentEntries_mergeIntoOneRun() {
    assertEquals(LongArrayList.of(5, 7, 20, 1), FreelistFormat.read(encode(0, 5, 2, 7, 5, 20, 1)));
  }

  @Test
  void write_runLongerThanEntryLimit_splitsAndReadsBackAsOneRun() {
    long length = 2 * FreelistFormat.MAX_ENTRY_PAGES + 5;
    long entries = FreelistFormat.entriesFor(length);
    assertEquals(3, entries);
    ByteBuffer buffer = ByteBuffer.allocate(FreelistFormat.size(entries));
    FreelistFormat.write(buffer, LongArrayList.of(2, length), new LongArrayList(), entries);
    buffer.flip();
    assertEquals(LongArrayList.of(2, length), FreelistFormat.read(buffer));
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void serializedSize_neverGrowsWhenAllocating(Freelist.Kind kind) {
    long seed = Seeds.base();
    Seeds.run(
        seed,
        random -> {
          Freelist freelist = FreelistModelTestSupport.fragmented(kind, random, 5000);
          int size = freelist.serializedSize();
          for (int i = 0; i < 2000; i++) {
            long start = freelist.allocate(5, random.nextInt(1, 9));
            int next = freelist.serializedSize();
            assertTrue(next <= size, "size grew from " + size + " to " + next);
            assertEquals(next, bytes(freelist).length);
            size = next;
            if (start == Freelist.NONE) {
              break;
            }
          }
        });
  }

  /**
   * Issue target: a run-heavy freelist serializes to at most a quarter of bbolt's format, which
   * stores a 16-byte page header and one u64 per free page.
   */
  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void serializedSize_runHeavyFreelist_isAtMostQuarterOfOneIdPerPage(Freelist.Kind kind) {
    SplittableRandom random = new SplittableRandom(42);
    Freelist freelist = Freelist.create(kind);
    long page = 2;
    for (int run = 0; run < 10_000; run++) {
      int length = random.nextInt(4, 29); // 16 pages on average
      freelist.free(1, page, length);
      page += length + random.nextInt(1, 8);
    }
    freelist.release(2);
    long bbolt = 16 + 8 * freelist.freeCount();
    double ratio = (double) freelist.serializedSize() / bbolt;
    System.out.printf(
        "%s: %d free pages in 10000 runs: %d bytes, bbolt's one-u64-per-page format %d (%.3f)%n",
        kind, freelist.freeCount(), freelist.serializedSize(), bbolt, ratio);
    assertTrue(ratio <= 0.25, "serialized/bbolt = " + ratio);
  }

  /** Builds serialized bytes with a valid checksum from (start, length) pairs. */
  static ByteBuffer encode(long declaredPages, long... startLengthPairs) {
    int entries = startLengthPairs.length / 2;
    long pages = 0;
    ByteBuffer out =
        ByteBuffer.allocate(FreelistFormat.size(entries)).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(FreelistFormat.MAGIC).putShort((short) 1).putShort((short) 0);
    out.putInt(entries).putInt(0).putLong(0);
    for (int i = 0; i < startLengthPairs.length; i += 2) {
      out.putLong(startLengthPairs[i]).putInt((int) startLengthPairs[i + 1]);
      pages += startLengthPairs[i + 1];
    }
    out.putLong(16, declaredPages == 0 ? pages : declaredPages);
    resealChecksum(out);
    return out.clear();
  }

  static void resealChecksum(ByteBuffer bytes) {
    int crcOffset = bytes.capacity() - 4;
    CRC32C crc = new CRC32C();
    crc.update(bytes.duplicate().position(0).limit(crcOffset));
    bytes.order(ByteOrder.LITTLE_ENDIAN).putInt(crcOffset, (int) crc.getValue());
  }
}
