package dev.strata.raft;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Checks a recorded history of operations on one register for linearizability: the Wing–Gong search
 * (repeatedly linearize an operation that was invoked before every pending operation returned, if
 * the register's sequential model gives the recorded result; backtrack otherwise), with Lowe's memo
 * of (linearized set, register value) pairs already explored, as in Knossos and Porcupine.
 * Linearizability is local, so a history over several keys is checked key by key.
 *
 * <p>An operation whose outcome is unknown (the client saw an error) has no return time and may be
 * linearized anywhere after its call, or not at all.
 */
final class LinearizabilityChecker {
  /** What a client did to the register. */
  enum Kind {
    READ,
    WRITE,
    CAS
  }

  /**
   * One operation: {@code call} and {@code ret} from one monotonic clock ({@code ret} is {@link
   * Long#MAX_VALUE} when the outcome is unknown). For READ {@code observed} is the value read; for
   * WRITE {@code value} is written; for CAS {@code expected} and {@code value} are its arguments
   * and {@code succeeded} its result.
   */
  record Op(
      int id,
      Kind kind,
      long call,
      long ret,
      String expected,
      String value,
      String observed,
      boolean succeeded) {
    boolean unknown() {
      return ret == Long.MAX_VALUE;
    }
  }

  private final List<Op> ops;
  private final Set<Memo> seen = new HashSet<>();

  private record Memo(BitSet done, String value) {}

  private LinearizabilityChecker(List<Op> ops) {
    this.ops = new ArrayList<>(ops);
    this.ops.sort(Comparator.comparingLong(Op::call));
  }

  /**
   * Tells whether the history is linearizable from an initial register value.
   *
   * @param history the operations on one register, in any order
   * @param initial the register's value before the history (null for absent)
   * @return true if some order consistent with real time explains every known result
   */
  static boolean isLinearizable(List<Op> history, String initial) {
    return new LinearizabilityChecker(history).search(new BitSet(), initial);
  }

  private boolean search(BitSet done, String value) {
    if (allKnownDone(done)) {
      return true;
    }
    if (!seen.add(new Memo((BitSet) done.clone(), value))) {
      return false;
    }
    long firstReturn = Long.MAX_VALUE;
    for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
      firstReturn = Math.min(firstReturn, ops.get(i).ret);
    }
    for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
      Op op = ops.get(i);
      if (op.call > firstReturn) {
        break; // sorted by call: no later operation may come first either
      }
      if (!consistent(op, value)) {
        continue;
      }
      done.set(i);
      if (search(done, apply(op, value))) {
        return true;
      }
      done.clear(i);
    }
    return false;
  }

  private boolean allKnownDone(BitSet done) {
    for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
      if (!ops.get(i).unknown()) {
        return false;
      }
    }
    return true;
  }

  /** Whether the operation, applied to {@code value}, gives its recorded result. */
  private static boolean consistent(Op op, String value) {
    return switch (op.kind) {
      case READ -> op.unknown() || Objects.equals(op.observed, value);
      case WRITE -> true;
      case CAS -> op.unknown() || op.succeeded == Objects.equals(op.expected, value);
    };
  }

  /** The register's value after the operation. */
  private static String apply(Op op, String value) {
    return switch (op.kind) {
      case READ -> value;
      case WRITE -> op.value;
      case CAS ->
          (op.unknown() ? Objects.equals(op.expected, value) : op.succeeded) ? op.value : value;
    };
  }
}
