package dev.strata.metrics;

import static dev.strata.metrics.StrataMetrics.TAG_OUTCOME;
import static dev.strata.metrics.StrataMetrics.TAG_TXN;
import static dev.strata.metrics.StrataMetrics.TXN_BEGUN;
import static dev.strata.metrics.StrataMetrics.TXN_COMMIT;
import static dev.strata.metrics.StrataMetrics.TXN_ROLLBACKS;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The transaction meters of one instrumented engine. Counts live in {@link LongAdder}s read by
 * function counters, so counting a transaction costs one uncontended add and no allocation, and the
 * counters are the same in every registry. Commit latencies go to one timer per registry and
 * outcome; the timers sit in arrays replaced on binding (copy on write), so recording walks a
 * stable array without a lock.
 */
final class TxnMeters {
  private static final Timer[] NONE = {};
  private static final String BEGUN_DESCRIPTION =
      "Transactions begun, by kind (read or write); one-shot calls count as the transaction they"
          + " run";

  private final LongAdder readsBegun = new LongAdder();
  private final LongAdder writesBegun = new LongAdder();
  private final LongAdder rollbacks = new LongAdder();
  private volatile Timer[] successes = NONE;
  private volatile Timer[] failures = NONE;

  void readBegun() {
    readsBegun.increment();
  }

  void writeBegun() {
    writesBegun.increment();
  }

  void rolledBack() {
    rollbacks.increment();
  }

  void committed(long nanos) {
    for (Timer timer : successes) {
      timer.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  void commitFailed(long nanos) {
    for (Timer timer : failures) {
      timer.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  synchronized void bind(MeterRegistry registry, Tags tags) {
    FunctionCounter.builder(TXN_BEGUN, this, m -> m.readsBegun.sum())
        .description(BEGUN_DESCRIPTION)
        .tags(tags)
        .tag(TAG_TXN, "read")
        .register(registry);
    FunctionCounter.builder(TXN_BEGUN, this, m -> m.writesBegun.sum())
        .description(BEGUN_DESCRIPTION)
        .tags(tags)
        .tag(TAG_TXN, "write")
        .register(registry);
    FunctionCounter.builder(TXN_ROLLBACKS, this, m -> m.rollbacks.sum())
        .description("Write transactions that ended without commit (a failed commit is not one)")
        .tags(tags)
        .register(registry);
    successes = withTimer(successes, commitTimer(registry, tags, "success"));
    failures = withTimer(failures, commitTimer(registry, tags, "failure"));
  }

  private static Timer commitTimer(MeterRegistry registry, Tags tags, String outcome) {
    return Timer.builder(TXN_COMMIT)
        .description("Commit latency and count; failures are commits that threw")
        .tags(tags)
        .tag(TAG_OUTCOME, outcome)
        .register(registry);
  }

  private static Timer[] withTimer(Timer[] timers, Timer timer) {
    for (Timer t : timers) {
      if (t == timer) {
        return timers;
      }
    }
    Timer[] grown = Arrays.copyOf(timers, timers.length + 1);
    grown[timers.length] = timer;
    return grown;
  }
}
