package dev.strata.freelist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random sequences of allocate / free / release / releaseRange / rollback / reload against {@link
 * FreelistModel}, for both implementations. Every step compares counts, free runs and sampled page
 * states with the model, and {@link CheckingFreelist} checks invariants after every call. The
 * allocate result must match exactly: best fit with the lowest start for HASH, first fit for ARRAY.
 *
 * <p>Each failure names its seed; {@code -Dstrata.test.seed=N} replays that one sequence.
 */
class FreelistModelTest {
  private static final int SEQUENCES = 12;
  private static final int STEPS = 1500;

  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void randomOperations_matchModel(Freelist.Kind kind) {
    runSequences(kind, SEQUENCES, STEPS);
  }

  @Tag("soak")
  @ParameterizedTest
  @EnumSource(Freelist.Kind.class)
  void randomOperations_matchModel_soak(Freelist.Kind kind) {
    runSequences(kind, 100, 10_000);
  }

  private static void runSequences(Freelist.Kind kind, int sequences, int steps) {
    long base = Seeds.base();
    int runs = Seeds.fixed() ? 1 : sequences;
    for (int i = 0; i < runs; i++) {
      long seed = base + i;
      Seeds.run(seed, random -> new Sequence(kind, random).run(steps));
    }
  }

  /** One random sequence: a freelist, its model and the txid clock of a single-writer engine. */
  private static final class Sequence {
    private final SplittableRandom random;
    private final Freelist freelist;
    private final FreelistModel model;
    private long txid = 1;

    Sequence(Freelist.Kind kind, SplittableRandom random) {
      this.random = random;
      this.freelist = new CheckingFreelist(Freelist.create(kind));
      this.model = new FreelistModel(kind, 2 + random.nextInt(40, 400));
    }

    void run(int steps) {
      String op = "start";
      for (int step = 0; step < steps; step++) {
        try {
          op = "after " + op;
          op = step();
          compare();
        } catch (AssertionError | RuntimeException e) {
          throw new AssertionError("step " + step + " (" + op + "): " + e, e);
        }
      }
    }

    private String step() {
      int dice = random.nextInt(100);
      if (dice < 28) {
        int n = random.nextInt(10) == 0 ? random.nextInt(1, 24) : random.nextInt(1, 4);
        long expected = model.expectedAllocation(n);
        long start = freelist.allocate(txid, n);
        assertEquals(expected, start, "allocate(" + txid + ", " + n + ")");
        if (start == Freelist.NONE) {
          model.grew(txid, n);
        } else {
          model.allocated(txid, start, n);
        }
        return "allocate " + txid + " " + n + " -> " + start;
      } else if (dice < 58) {
        return freeSomethingInUse();
      } else if (dice < 62) {
        return freeSomethingInvalid();
      } else if (dice < 74) {
        txid++;
        return "commit, next txid " + txid;
      } else if (dice < 82) {
        long oldestReader = txid - random.nextInt(0, 4);
        freelist.release(oldestReader);
        model.released(oldestReader);
        return "release " + oldestReader;
      } else if (dice < 88) {
        long begin = random.nextLong(1, txid + 1);
        long end = begin + random.nextInt(-1, 4);
        freelist.releaseRange(begin, end);
        model.releasedRange(begin, end);
        return "releaseRange " + begin + " " + end;
      } else if (dice < 94) {
        long target = random.nextInt(8) == 0 && txid > 1 ? txid - 1 : txid;
        if (model.rollbackRejected(target)) {
          assertThrows(IllegalStateException.class, () -> freelist.rollback(target));
        } else {
          freelist.rollback(target);
          model.rolledBack(target);
        }
        return "rollback " + target;
      } else if (dice < 98) {
        Freelist.Kind other = Freelist.Kind.values()[random.nextInt(Freelist.Kind.values().length)];
        ByteBuffer bytes = ByteBuffer.allocate(freelist.serializedSize());
        freelist.writeTo(bytes);
        bytes.flip();
        Freelist copy = Freelist.readFrom(bytes, other);
        copy.checkInvariants();
        assertEquals(model.freeAndPendingSpans(), copy.spans(), "round trip into " + other);
        return "round trip into " + other;
      } else {
        ByteBuffer bytes = ByteBuffer.allocate(freelist.serializedSize());
        freelist.writeTo(bytes);
        bytes.flip();
        freelist.reload(bytes);
        model.reloaded();
        return "reload";
      }
    }

    private String freeSomethingInUse() {
      int page = random.nextInt(2, model.fileEnd);
      for (int tries = 0; tries < 20 && !model.inUse(page); tries++) {
        page = random.nextInt(2, model.fileEnd);
      }
      if (!model.inUse(page)) {
        return "free: nothing in use found";
      }
      int wanted = random.nextInt(4) == 0 ? random.nextInt(1, 16) : random.nextInt(1, 3);
      int n = 1;
      while (n < wanted && model.inUse(page + n)) {
        n++;
      }
      freelist.free(txid, page, n);
      model.freed(txid, page, n);
      return "free " + txid + " " + page + " " + n;
    }

    private String freeSomethingInvalid() {
      int page;
      if (random.nextBoolean()) {
        page = random.nextInt(0, 2);
      } else {
        page = random.nextInt(2, model.fileEnd);
        if (model.inUse(page)) {
          return "invalid free: picked a page in use";
        }
      }
      int start = Math.max(0, page - random.nextInt(0, 3));
      int n = page - start + 1 + random.nextInt(0, 3);
      assertThrows(IllegalStateException.class, () -> freelist.free(txid, start, n));
      return "invalid free " + start + " " + n;
    }

    private void compare() {
      assertEquals(model.free.cardinality(), freelist.freeCount(), "freeCount");
      assertEquals(model.pending.cardinality(), freelist.pendingCount(), "pendingCount");
      assertEquals(model.freeSpans(), freelist.spans(), "spans");
      for (int i = 0; i < 8; i++) {
        int page = random.nextInt(0, model.fileEnd + 2);
        assertEquals(model.free.get(page), freelist.isFree(page), "isFree(" + page + ")");
        assertEquals(model.pending.get(page), freelist.isPending(page), "isPending(" + page + ")");
      }
    }
  }
}
