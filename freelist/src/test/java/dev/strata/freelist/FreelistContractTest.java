package dev.strata.freelist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Freelist} implementation shares. Subclasses name the implementation;
 * every mutating call goes through {@link CheckingFreelist}, so invariants are checked after each
 * operation. Serialization and the randomized model test have their own suites.
 */
abstract class FreelistContractTest {
  Freelist freelist;

  abstract Freelist.Kind kind();

  Freelist newFreelist() {
    return new CheckingFreelist(Freelist.create(kind()));
  }

  @BeforeEach
  void createFreelist() {
    freelist = newFreelist();
  }

  @AfterEach
  void checkInvariantsAtEnd() {
    freelist.checkInvariants();
  }

  /** Frees the runs under txid 1 and releases them, as if reloaded: they are free. */
  void makeFree(long... startLengthPairs) {
    for (int i = 0; i < startLengthPairs.length; i += 2) {
      freelist.free(1, startLengthPairs[i], (int) startLengthPairs[i + 1]);
    }
    freelist.release(2);
  }

  static List<Span> spans(long... startLengthPairs) {
    Span[] spans = new Span[startLengthPairs.length / 2];
    for (int i = 0; i < spans.length; i++) {
      spans[i] = new Span(startLengthPairs[2 * i], startLengthPairs[2 * i + 1]);
    }
    return List.of(spans);
  }

  @Test
  void newFreelist_isEmpty() {
    assertEquals(kind(), freelist.kind());
    assertEquals(0, freelist.freeCount());
    assertEquals(0, freelist.pendingCount());
    assertEquals(List.of(), freelist.spans());
    assertEquals(Freelist.NONE, freelist.allocate(2, 1));
  }

  @Test
  void free_isolatedRun_staysPendingUntilReleased() {
    freelist.free(3, 10, 2);
    assertEquals(0, freelist.freeCount());
    assertEquals(2, freelist.pendingCount());
    assertTrue(freelist.isPending(10) && freelist.isPending(11));
    assertFalse(freelist.isFree(10));
    freelist.release(4);
    assertEquals(spans(10, 2), freelist.spans());
    assertTrue(freelist.isFree(11));
    assertFalse(freelist.isPending(11));
  }

  @Test
  void release_runBetweenNothing_mergesWithNone() {
    makeFree(10, 2, 20, 2);
    makeFree(15, 2);
    assertEquals(spans(10, 2, 15, 2, 20, 2), freelist.spans());
  }

  @Test
  void release_runAfterFreeRun_mergesLeft() {
    makeFree(10, 2);
    makeFree(12, 3);
    assertEquals(spans(10, 5), freelist.spans());
  }

  @Test
  void release_runBeforeFreeRun_mergesRight() {
    makeFree(12, 3);
    makeFree(10, 2);
    assertEquals(spans(10, 5), freelist.spans());
  }

  @Test
  void release_runFillingGap_mergesBothNeighbours() {
    makeFree(10, 2, 14, 3);
    makeFree(12, 2);
    assertEquals(spans(10, 7), freelist.spans());
    assertEquals(7, freelist.freeCount());
  }

  @Test
  void release_manyAdjacentSinglePages_mergeIntoOneRun() {
    for (int page = 100; page >= 2; page -= 2) {
      freelist.free(5, page, 1);
    }
    for (int page = 3; page <= 101; page += 2) {
      freelist.free(6, page, 1);
    }
    freelist.release(7);
    assertEquals(spans(2, 100), freelist.spans());
  }

  @Test
  void allocate_singlePage_takesLowestFreePage() {
    makeFree(40, 1, 7, 1, 20, 1);
    assertEquals(7, freelist.allocate(2, 1));
    assertEquals(20, freelist.allocate(2, 1));
    assertEquals(40, freelist.allocate(2, 1));
    assertEquals(Freelist.NONE, freelist.allocate(2, 1));
  }

  @Test
  void allocate_twoPages_skipsSinglePageRuns() {
    makeFree(3, 1, 5, 1, 9, 2);
    assertEquals(9, freelist.allocate(2, 2));
    assertEquals(spans(3, 1, 5, 1), freelist.spans());
  }

  @Test
  void allocate_largeRequest_splitsRunFromItsLowEnd() {
    makeFree(1000, 5000);
    assertEquals(1000, freelist.allocate(2, 4096));
    assertEquals(spans(5096, 904), freelist.spans());
    assertEquals(904, freelist.freeCount());
  }

  @Test
  void allocate_longerThanAnyRun_returnsNoneAndChangesNothing() {
    makeFree(10, 3, 20, 3);
    assertEquals(Freelist.NONE, freelist.allocate(2, 4));
    assertEquals(spans(10, 3, 20, 3), freelist.spans());
  }

  @Test
  void allocate_everyOtherPageFree_findsNoPairButEverySingle() {
    for (int page = 2; page < 402; page += 2) {
      freelist.free(1, page, 1);
    }
    freelist.release(2);
    assertEquals(200, freelist.spans().size());
    assertEquals(Freelist.NONE, freelist.allocate(3, 2));
    for (int page = 2; page < 402; page += 2) {
      assertEquals(page, freelist.allocate(3, 1));
    }
    assertEquals(0, freelist.freeCount());
  }

  @Test
  void allocate_pendingPages_areNeverHandedOut() {
    freelist.free(3, 10, 4);
    assertEquals(Freelist.NONE, freelist.allocate(3, 1));
    freelist.release(3);
    assertEquals(Freelist.NONE, freelist.allocate(4, 1));
    freelist.release(4);
    assertEquals(10, freelist.allocate(4, 4));
  }

  @Test
  void release_readerStillOnFreeingSnapshot_keepsPagesPending() {
    freelist.free(5, 10, 1);
    freelist.free(6, 11, 1);
    freelist.free(7, 12, 1);
    freelist.release(6);
    assertEquals(spans(10, 1), freelist.spans());
    assertEquals(2, freelist.pendingCount());
    freelist.release(7);
    assertEquals(spans(10, 2), freelist.spans());
    freelist.release(Long.MAX_VALUE);
    assertEquals(spans(10, 3), freelist.spans());
    assertEquals(0, freelist.pendingCount());
  }

  @Test
  void releaseRange_pagesBornAndFreedBetweenReaders_becomeFree() {
    makeFree(10, 10);
    long a = freelist.allocate(5, 2); // born in txid 5
    freelist.free(7, a, 2); // died in txid 7
    long b = freelist.allocate(7, 1); // born and died in txid 7
    freelist.free(7, b, 1);
    // Readers hold snapshots 4 and 8: the gap [5, 7] saw both runs born and die.
    freelist.releaseRange(5, 7);
    assertEquals(0, freelist.pendingCount());
    assertEquals(spans(10, 10), freelist.spans());
  }

  @Test
  void release_withEveryAllocatorBelowOldestReader_forgetsThem() {
    // Every reader sees txid 5 or later: the allocator of the run born in 5 no longer matters.
    assertEquals(2, pendingAfterGapOfRunBornIn5(6));
    freelist.release(8);
    assertEquals(0, freelist.pendingCount());
  }

  @Test
  void release_withAnAllocatorAtOldestReader_keepsThem() {
    // A reader at snapshot 4 still runs: txid 5 may begin a gap between readers.
    assertEquals(0, pendingAfterGapOfRunBornIn5(5));
  }

  /**
   * Allocates a run in txid 5, calls {@code release(oldestReader)}, frees the run in txid 7 and
   * releases the gap [5, 7]; returns the pages left pending.
   */
  private long pendingAfterGapOfRunBornIn5(long oldestReader) {
    makeFree(10, 10);
    long a = freelist.allocate(5, 2);
    freelist.release(oldestReader);
    freelist.free(7, a, 2);
    freelist.releaseRange(5, 7);
    return freelist.pendingCount();
  }

  @Test
  void releaseRange_pageAllocatedBeforeGap_staysPending() {
    makeFree(10, 10);
    long a = freelist.allocate(3, 2); // born before the gap: the reader at 4 sees it
    freelist.free(6, a, 2);
    freelist.releaseRange(5, 7);
    assertEquals(2, freelist.pendingCount());
    freelist.release(7);
    assertEquals(0, freelist.pendingCount());
  }

  @Test
  void releaseRange_pageOfUnknownAllocator_staysPending() {
    freelist.free(6, 50, 3);
    freelist.releaseRange(1, 10);
    assertEquals(3, freelist.pendingCount());
  }

  @Test
  void releaseRange_freedOutsideRange_staysPending() {
    makeFree(10, 10);
    long a = freelist.allocate(5, 1);
    freelist.free(9, a, 1);
    freelist.releaseRange(5, 8);
    assertEquals(1, freelist.pendingCount());
    freelist.releaseRange(5, 9);
    assertEquals(0, freelist.pendingCount());
  }

  @Test
  void releaseRange_ofAGapPinnedAcrossCommits_releasesWhatEachLaterTxidFreed() {
    makeFree(10, 10);
    long before = freelist.allocate(3, 1); // born before the gap: the reader at 4 sees it
    long a = freelist.allocate(5, 1);
    freelist.free(6, before, 1);
    freelist.free(6, a, 1);
    freelist.releaseRange(5, 6);
    assertEquals(1, freelist.pendingCount(), "the run born before the gap stays");
    long b = freelist.allocate(7, 1);
    freelist.free(8, b, 1);
    freelist.releaseRange(5, 8);
    assertEquals(1, freelist.pendingCount(), "txid 8's run is released, the old one still kept");
    long c = freelist.allocate(9, 1);
    freelist.free(10, c, 1);
    freelist.releaseRange(9, 10); // another gap, between readers at 8 and 11
    freelist.releaseRange(5, 10);
    assertEquals(1, freelist.pendingCount());
    freelist.release(7);
    assertEquals(0, freelist.pendingCount());
    freelist.checkInvariants();
  }

  @Test
  void releaseRange_reachingTheOpenWriter_releasesWhatItFreesAfterwards() {
    makeFree(10, 10);
    long a = freelist.allocate(6, 1);
    long b = freelist.allocate(6, 1);
    freelist.free(8, a, 1); // txid 8 is still writing
    freelist.releaseRange(5, 100);
    assertEquals(0, freelist.pendingCount());
    freelist.free(8, b, 1);
    freelist.releaseRange(5, 100);
    assertEquals(0, freelist.pendingCount(), "txid 8's later free is scanned too");
  }

  @Test
  void releaseRange_beginAfterEnd_doesNothing() {
    makeFree(10, 10);
    long a = freelist.allocate(5, 1);
    freelist.free(5, a, 1);
    freelist.releaseRange(6, 5);
    assertEquals(1, freelist.pendingCount());
  }

  @Test
  void releaseRange_tailOfAllocationFreed_keepsAllocatorOfBothParts() {
    makeFree(10, 10);
    long a = freelist.allocate(5, 6);
    freelist.free(6, a + 4, 2); // the tail of txid 5's run
    freelist.free(7, a, 4); // then its head
    freelist.releaseRange(5, 7);
    assertEquals(0, freelist.pendingCount());
    assertEquals(spans(10, 10), freelist.spans());
  }

  @Test
  void rollback_allocationsAndFrees_restoresExactState() {
    makeFree(10, 4, 20, 6, 40, 1);
    long born = freelist.allocate(3, 2);
    freelist.free(4, born, 2);
    freelist.release(5);
    long keeper = freelist.allocate(5, 3);
    List<Span> before = freelist.spans();
    byte[] bytesBefore = serialize(freelist);

    long a = freelist.allocate(6, 1);
    long b = freelist.allocate(6, 5);
    freelist.free(6, b + 1, 2); // frees part of its own allocation
    freelist.free(6, keeper, 3); // frees an older txid's run
    freelist.free(6, 100, 4); // frees pages the freelist never tracked
    assertTrue(a != Freelist.NONE && b != Freelist.NONE);
    freelist.rollback(6);

    assertEquals(before, freelist.spans());
    assertEquals(0, freelist.pendingCount());
    assertEquals(ByteBuffer.wrap(bytesBefore), ByteBuffer.wrap(serialize(freelist)));
    // keeper is txid 5's again: freed in 7 and released in [5, 7], nobody can see it.
    freelist.free(7, keeper, 3);
    freelist.releaseRange(5, 7);
    assertEquals(0, freelist.pendingCount());
  }

  @Test
  void rollback_txidThatDidNothing_changesNothing() {
    makeFree(10, 4);
    freelist.free(3, 30, 1);
    freelist.rollback(4);
    assertEquals(spans(10, 4), freelist.spans());
    assertEquals(1, freelist.pendingCount());
  }

  @Test
  void rollback_olderTxid_isRejected() {
    makeFree(10, 4);
    freelist.allocate(3, 1);
    freelist.allocate(4, 1);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> freelist.rollback(3));
    assertTrue(e.getMessage().contains("txid 3"), e.getMessage());
  }

  @Test
  void rollback_afterOwnFreesWereReleased_isRejected() {
    makeFree(10, 4);
    long a = freelist.allocate(3, 2);
    freelist.free(3, a, 2);
    freelist.release(4);
    assertThrows(IllegalStateException.class, () -> freelist.rollback(3));
  }

  /**
   * Regression: a writer that freed a run, saw it released by a releaseRange reaching its own txid,
   * and allocated it again, logged the pages twice; rollback freed them twice and the sorted array
   * held duplicate ids. Found by the model test.
   */
  @Test
  void rollback_afterOwnRunReleasedAndReallocated_freesPagesOnce() {
    makeFree(10, 4);
    long a = freelist.allocate(3, 2);
    freelist.free(3, a, 2);
    freelist.releaseRange(3, 3);
    assertEquals(a, freelist.allocate(3, 2));
    freelist.rollback(3);
    assertEquals(spans(10, 4), freelist.spans());
  }

  @Test
  void rollback_thenSameTxidAgain_works() {
    makeFree(10, 4);
    assertEquals(10, freelist.allocate(3, 4));
    freelist.rollback(3);
    assertEquals(10, freelist.allocate(3, 4));
    assertEquals(0, freelist.freeCount());
  }

  @Test
  void free_pageAlreadyPending_throwsNamingPage() {
    freelist.free(3, 10, 4);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> freelist.free(3, 12, 1));
    assertTrue(e.getMessage().contains("page 12"), e.getMessage());
    assertEquals(4, freelist.pendingCount());
  }

  @Test
  void free_overlappingFreeRun_throwsNamingFirstFreePage() {
    makeFree(10, 4);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> freelist.free(3, 8, 3));
    assertTrue(e.getMessage().contains("8..10"), e.getMessage());
    assertTrue(e.getMessage().contains("page 10"), e.getMessage());
    assertEquals(spans(10, 4), freelist.spans());
    assertEquals(0, freelist.pendingCount());
  }

  @Test
  void free_metaPages_throw() {
    IllegalStateException zero =
        assertThrows(IllegalStateException.class, () -> freelist.free(3, 0, 1));
    assertTrue(zero.getMessage().contains("0..0"), zero.getMessage());
    assertThrows(IllegalStateException.class, () -> freelist.free(3, 1, 3));
    assertEquals(0, freelist.pendingCount());
  }

  @Test
  void badArguments_throwIllegalArgument() {
    assertThrows(IllegalArgumentException.class, () -> freelist.allocate(3, 0));
    assertThrows(IllegalArgumentException.class, () -> freelist.free(3, 10, 0));
    assertThrows(IllegalArgumentException.class, () -> freelist.free(0, 10, 1));
    assertThrows(IllegalArgumentException.class, () -> freelist.free(3, Long.MAX_VALUE, 2));
  }

  @Test
  void writeTxid_goingBackwards_isRejected() {
    freelist.free(5, 10, 1);
    assertThrows(IllegalStateException.class, () -> freelist.free(4, 20, 1));
    assertThrows(IllegalStateException.class, () -> freelist.allocate(4, 1));
  }

  @Test
  void clear_forgetsFreeAndPending() {
    makeFree(10, 4);
    freelist.free(3, 30, 2);
    freelist.clear();
    assertEquals(0, freelist.freeCount());
    assertEquals(0, freelist.pendingCount());
    assertFalse(freelist.isFree(10));
    freelist.free(1, 30, 2);
  }

  static byte[] serialize(Freelist freelist) {
    ByteBuffer buffer = ByteBuffer.allocate(freelist.serializedSize());
    freelist.writeTo(buffer);
    assertFalse(buffer.hasRemaining());
    return buffer.array();
  }
}
