package dev.strata.freelist;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

/** {@link Freelist#checkInvariants()} notices damaged internals and says what is wrong. */
class CheckInvariantsTest {

  @Test
  void hashFreelist_forwardMapDisagreesWithBackwardMap_isReported() throws Exception {
    Freelist freelist = Freelist.hash();
    freelist.free(1, 10, 4);
    freelist.release(2);
    Long2LongOpenHashMap forward = (Long2LongOpenHashMap) field(freelist, "forwardMap");
    forward.put(10, 3);
    IllegalStateException e = assertThrows(IllegalStateException.class, freelist::checkInvariants);
    assertTrue(e.getMessage().contains("free run 10+3"), e.getMessage());
  }

  @Test
  void hashFreelist_adjacentUnmergedRuns_areReported() throws Exception {
    Freelist freelist = Freelist.hash();
    freelist.free(1, 10, 2);
    freelist.free(1, 20, 2);
    freelist.release(2);
    // Make [20, 21] look like [12, 13]: it now touches [10, 11] without being merged.
    HashFreelist hash = (HashFreelist) freelist;
    Long2LongOpenHashMap forward = (Long2LongOpenHashMap) field(hash, "forwardMap");
    Long2LongOpenHashMap backward = (Long2LongOpenHashMap) field(hash, "backwardMap");
    forward.remove(20);
    forward.put(12, 2);
    backward.remove(21);
    backward.put(13, 2);
    IllegalStateException e = assertThrows(IllegalStateException.class, freelist::checkInvariants);
    assertTrue(e.getMessage().contains("freemaps") || e.getMessage().contains("merged"));
  }

  @Test
  void arrayFreelist_unsortedIds_areReported() throws Exception {
    Freelist freelist = Freelist.array();
    freelist.free(1, 10, 3);
    freelist.release(2);
    long[] ids = (long[]) field(freelist, "ids");
    ids[1] = 9;
    IllegalStateException e = assertThrows(IllegalStateException.class, freelist::checkInvariants);
    assertTrue(e.getMessage().contains("ascending"), e.getMessage());
  }

  private static Object field(Object target, String name) throws ReflectiveOperationException {
    Field field = target.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return field.get(target);
  }
}
