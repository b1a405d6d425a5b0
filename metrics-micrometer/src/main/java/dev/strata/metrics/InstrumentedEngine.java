package dev.strata.metrics;

import dev.strata.api.Capability;
import dev.strata.api.EngineClosedException;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The decorator behind {@link StrataMetrics#instrument}. Every {@link StorageEngine} method is
 * overridden here (a test fails when the interface gains one this class does not declare), so a
 * call never falls through to an interface default that would bypass the wrapped engine's own
 * implementation.
 *
 * <h2>One-shot calls</h2>
 *
 * Whether the wrapped engine implements {@code get}, {@code put}, {@code delete}, {@code view} and
 * {@code update} itself is looked up once. If it does not, the interface default runs here, over
 * this decorator's {@link #beginRead()} and {@link #beginWrite()}: the same calls the default would
 * make on the wrapped engine, now counted, with {@code commit()} timed on its own. If it does, its
 * implementation runs and the decorator counts around it; for {@code update} the work is wrapped so
 * the commit is timed from the moment the work returned.
 */
final class InstrumentedEngine implements InstrumentedStorageEngine {
  private final StorageEngine delegate;
  private final String storeName;
  private final EngineSampler sampler;
  private final TxnMeters txns = new TxnMeters();
  private final boolean ownGet;
  private final boolean ownPut;
  private final boolean ownDelete;
  private final boolean ownView;
  private final boolean ownUpdate;

  InstrumentedEngine(StorageEngine delegate, String storeName, EngineSampler sampler) {
    this.delegate = delegate;
    this.storeName = storeName;
    this.sampler = sampler;
    Class<?> type = delegate.getClass();
    this.ownGet = implementsItself(type, "get", byte[].class);
    this.ownPut = implementsItself(type, "put", byte[].class, byte[].class);
    this.ownDelete = implementsItself(type, "delete", byte[].class);
    this.ownView = implementsItself(type, "view", Function.class);
    this.ownUpdate = implementsItself(type, "update", Function.class);
  }

  private static boolean implementsItself(Class<?> type, String method, Class<?>... parameters) {
    try {
      return !type.getMethod(method, parameters).isDefault();
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("StorageEngine has no method " + method, e);
    }
  }

  @Override
  public String storeName() {
    return storeName;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    Tags tags = EngineMeters.tags(this, storeName);
    // Transaction meters first: binding the stats may wait for an open write transaction.
    txns.bind(registry, tags);
    EngineMeters.bind(registry, this, tags, sampler);
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public Set<Capability> capabilities() {
    return delegate.capabilities();
  }

  @Override
  public ReadTxn beginRead() {
    ReadTxn txn = delegate.beginRead();
    txns.readBegun();
    return txn;
  }

  @Override
  public WriteTxn beginWrite() {
    WriteTxn txn = delegate.beginWrite();
    txns.writeBegun();
    return new InstrumentedWriteTxn(txn, txns);
  }

  @Override
  public byte[] get(byte[] key) {
    if (!ownGet) {
      return InstrumentedStorageEngine.super.get(key);
    }
    byte[] value;
    try {
      value = delegate.get(key);
    } catch (RuntimeException | Error e) {
      if (began(e)) {
        txns.readBegun();
      }
      throw e;
    }
    txns.readBegun();
    return value;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    if (!ownPut) {
      InstrumentedStorageEngine.super.put(key, value);
      return;
    }
    long start = System.nanoTime();
    try {
      delegate.put(key, value);
    } catch (RuntimeException | Error e) {
      oneShotFailed(e, start);
      throw e;
    }
    oneShotCommitted(start);
  }

  @Override
  public void delete(byte[] key) {
    if (!ownDelete) {
      InstrumentedStorageEngine.super.delete(key);
      return;
    }
    long start = System.nanoTime();
    try {
      delegate.delete(key);
    } catch (RuntimeException | Error e) {
      oneShotFailed(e, start);
      throw e;
    }
    oneShotCommitted(start);
  }

  @Override
  public <R> R view(Function<? super ReadTxn, R> work) {
    if (!ownView) {
      return InstrumentedStorageEngine.super.view(work);
    }
    Objects.requireNonNull(work, "work");
    return delegate.view(
        txn -> {
          txns.readBegun();
          return work.apply(txn);
        });
  }

  @Override
  public <R> R update(Function<? super WriteTxn, R> work) {
    if (!ownUpdate) {
      return InstrumentedStorageEngine.super.update(work);
    }
    Objects.requireNonNull(work, "work");
    CountedWork<R> counted = new CountedWork<>(work, txns);
    R result;
    try {
      result = delegate.update(counted);
    } catch (RuntimeException | Error e) {
      if (counted.returnedAt != 0) {
        txns.commitFailed(System.nanoTime() - counted.returnedAt);
      } else if (counted.began) {
        txns.rolledBack();
      }
      throw e;
    }
    if (counted.returnedAt != 0) {
      txns.committed(System.nanoTime() - counted.returnedAt);
    }
    return result;
  }

  /** The work of an {@code update} the wrapped engine runs itself, marking when it returned. */
  private static final class CountedWork<R> implements Function<WriteTxn, R> {
    private final Function<? super WriteTxn, R> work;
    private final TxnMeters txns;
    boolean began;
    long returnedAt;

    CountedWork(Function<? super WriteTxn, R> work, TxnMeters txns) {
      this.work = work;
      this.txns = txns;
    }

    @Override
    public R apply(WriteTxn txn) {
      began = true;
      txns.writeBegun();
      R result = work.apply(txn);
      // Never 0, so 0 can mean "the work did not return".
      returnedAt = System.nanoTime() | 1L;
      return result;
    }
  }

  /** Whether a one-shot call's exception came after the engine handed out its transaction. */
  private static boolean began(Throwable e) {
    // Argument checks, a closed or read-only engine, and a thread that already holds the writer
    // all fail before a transaction exists.
    return !(e instanceof NullPointerException
        || e instanceof IllegalArgumentException
        || e instanceof EngineClosedException
        || e instanceof UnsupportedOperationException
        || e instanceof IllegalStateException);
  }

  private void oneShotCommitted(long start) {
    txns.writeBegun();
    txns.committed(System.nanoTime() - start);
  }

  private void oneShotFailed(Throwable e, long start) {
    if (began(e)) {
      txns.writeBegun();
      txns.commitFailed(System.nanoTime() - start);
    }
  }

  @Override
  public long approximateKeyCount() {
    return delegate.approximateKeyCount();
  }

  @Override
  public WriteAmplificationMeter meter() {
    return delegate.meter();
  }

  @Override
  public Map<String, Number> stats() {
    return delegate.stats();
  }

  @Override
  public void verifyIntegrity() {
    delegate.verifyIntegrity();
  }

  @Override
  public void backup(Path target) {
    delegate.backup(target);
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      sampler.stop(delegate);
    }
  }

  @Override
  public String toString() {
    return "instrumented " + storeName + " (" + delegate + ")";
  }
}
