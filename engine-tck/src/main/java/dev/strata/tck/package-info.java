/**
 * The conformance suite every Strata engine passes unchanged.
 *
 * <p>An engine module runs it with a one-line subclass of {@link
 * dev.strata.tck.StorageEngineContract} in its own tests, overriding {@code open(Path,
 * EngineOptions)} to open the engine by name. The suite is split by concern: {@link
 * dev.strata.tck.DataContract} (keys, values, ranges, limits), {@link
 * dev.strata.tck.AdapterSupportContract} (range deletion, the key-count estimate, cursors of a
 * writing transaction), {@link dev.strata.tck.TransactionContract} (isolation, own writes,
 * concurrency), {@link dev.strata.tck.LifecycleContract} (close, durability, locking, backup) and
 * {@link dev.strata.tck.StorageEngineContract} (bad inputs, the meter, the model test), all on
 * {@link dev.strata.tck.EngineTestSupport}, which verifies the integrity of every store a test
 * wrote after the test. Randomized cases print their seed; {@code -Dstrata.test.seed=N} replays
 * one.
 *
 * <p>The reliability kit ({@code kill -9} of a child JVM, crash-point replay, fault injection, a
 * concurrency soak) is in {@link dev.strata.tck.reliability}.
 */
package dev.strata.tck;
