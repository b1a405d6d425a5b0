package dev.strata.freelist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Freelist#readRuns} and {@link Freelist#ofFreeRuns}, the bulk path of a store's open: the
 * runs read back are the serialized ones, and a freelist built from runs is indistinguishable from
 * one whose pages were freed and released one run at a time.
 */
class FreelistBulkLoadTest {

  /** Sorted, disjoint runs from page 2 on, about a third of them touching the run before. */
  private static long[] randomRuns(SplittableRandom random, int count) {
    long[] runs = new long[2 * count];
    long next = 2 + random.nextInt(3);
    for (int k = 0; k < count; k++) {
      long length = random.nextInt(10) == 0 ? 1 + random.nextInt(300) : 1 + random.nextInt(3);
      runs[2 * k] = next;
      runs[2 * k + 1] = length;
      next += length + (random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(70));
    }
    return runs;
  }

  /** The runs with touching neighbours joined, as spans. */
  private static List<Span> merged(long[] runs, int size) {
    List<Span> spans = new ArrayList<>();
    for (int k = 0; k < size; k += 2) {
      Span last = spans.isEmpty() ? null : spans.get(spans.size() - 1);
      if (last != null && last.start() + last.length() == runs[k]) {
        spans.set(spans.size() - 1, new Span(last.start(), last.length() + runs[k + 1]));
      } else {
        spans.add(new Span(runs[k], runs[k + 1]));
      }
    }
    return spans;
  }

  /** The same runs freed one at a time by one txid and released: the reference. */
  private static Freelist freedAndReleased(Freelist.Kind kind, long[] runs) {
    Freelist freelist = Freelist.create(kind);
    for (int k = 0; k < runs.length; k += 2) {
      freelist.free(1, runs[k], (int) runs[k + 1]);
    }
    freelist.release(Long.MAX_VALUE);
    return freelist;
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void ofFreeRuns_randomRuns_behavesAsFreedAndReleased(Freelist.Kind kind) {
    long seed = Seeds.base();
    System.out.println("FreelistBulkLoadTest seed " + seed);
    Seeds.run(
        seed,
        random -> {
          for (int round = 0; round < 20; round++) {
            long[] runs = randomRuns(random, 1 + random.nextInt(2_000));
            Freelist bulk = Freelist.ofFreeRuns(runs, runs.length, kind);
            Freelist reference = freedAndReleased(kind, runs);
            bulk.checkInvariants();
            assertEquals(merged(runs, runs.length), bulk.spans());
            assertEquals(reference.spans(), bulk.spans());
            assertEquals(reference.freeCount(), bulk.freeCount());
            assertEquals(0, bulk.pendingCount());
            assertEquals(reference.serializedSize(), bulk.serializedSize());
            // The same writes afterwards get the same pages: the index is the same one.
            for (long txid = 2; txid < 200; txid++) {
              int pages = random.nextInt(8) == 0 ? 1 + random.nextInt(40) : 1 + random.nextInt(2);
              long page = bulk.allocate(txid, pages);
              assertEquals(reference.allocate(txid, pages), page, "allocation in txid " + txid);
              if (page != Freelist.NONE && random.nextBoolean()) {
                bulk.free(txid, page, pages);
                reference.free(txid, page, pages);
              }
              bulk.release(txid - 1);
              reference.release(txid - 1);
            }
            bulk.checkInvariants();
            assertEquals(reference.spans(), bulk.spans());
          }
        });
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void ofFreeRuns_usesOnlyTheGivenLengthAndKeepsNoReference(Freelist.Kind kind) {
    long[] runs = {2, 3, 5, 1, 10, 4, 99, 99};
    Freelist freelist = Freelist.ofFreeRuns(runs, 6, kind);
    Arrays.fill(runs, 0);
    freelist.checkInvariants();
    assertEquals(List.of(new Span(2, 4), new Span(10, 4)), freelist.spans());
    assertEquals(kind, freelist.kind());
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void ofFreeRuns_noRuns_isEmpty(Freelist.Kind kind) {
    Freelist freelist = Freelist.ofFreeRuns(new long[0], 0, kind);
    freelist.checkInvariants();
    assertEquals(0, freelist.freeCount());
    assertEquals(Freelist.NONE, freelist.allocate(1, 1));
  }

  @Test
  void ofFreeRuns_badRuns_areRejected() {
    for (long[] runs :
        new long[][] {
          {1, 2}, // a meta page
          {5, 0}, // empty
          {10, 2, 4, 1}, // out of order
          {10, 5, 12, 1}, // overlapping
          {Long.MAX_VALUE - 1, 5}, // overflowing
        }) {
      assertThrows(
          IllegalArgumentException.class,
          () -> Freelist.ofFreeRuns(runs, runs.length, Freelist.Kind.HASH),
          Arrays.toString(runs));
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> Freelist.ofFreeRuns(new long[] {2, 1, 5}, 3, Freelist.Kind.HASH));
    assertThrows(
        IllegalArgumentException.class,
        () -> Freelist.ofFreeRuns(new long[] {2, 1}, 4, Freelist.Kind.ARRAY));
  }

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void readRuns_isWhatReadFromLoads(Freelist.Kind kind) {
    Freelist original = FreelistFormatTest.sample(kind);
    byte[] bytes = FreelistFormatTest.bytes(original);
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    long[] runs = Freelist.readRuns(buffer);
    assertEquals(bytes.length, buffer.position());
    assertArrayEquals(new long[] {2, 3, 10, 1, 20, 40, 100, 2}, runs);
    assertEquals(
        Freelist.readFrom(ByteBuffer.wrap(bytes), kind).spans(),
        Freelist.ofFreeRuns(runs, runs.length, kind).spans());
  }

  @Test
  void readRuns_damagedBytes_throwAndLeaveThePosition() {
    byte[] bytes = FreelistFormatTest.bytes(FreelistFormatTest.sample(Freelist.Kind.HASH));
    bytes[FreelistFormat.HEADER_BYTES + 3] ^= 1;
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    FreelistFormatException e =
        assertThrows(FreelistFormatException.class, () -> Freelist.readRuns(buffer));
    assertEquals(FreelistFormatException.Reason.CHECKSUM_MISMATCH, e.reason());
    assertEquals(0, buffer.position());
  }
}
