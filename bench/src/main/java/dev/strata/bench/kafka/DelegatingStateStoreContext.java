package dev.strata.bench.kafka;

import java.io.File;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** A {@link StateStoreContext} that forwards everything and reports registered callbacks. */
abstract class DelegatingStateStoreContext implements StateStoreContext {
  private final StateStoreContext delegate;

  DelegatingStateStoreContext(StateStoreContext delegate) {
    this.delegate = delegate;
  }

  abstract void registered(StateRestoreCallback callback);

  @Override
  public String applicationId() {
    return delegate.applicationId();
  }

  @Override
  public TaskId taskId() {
    return delegate.taskId();
  }

  @Override
  public Optional<RecordMetadata> recordMetadata() {
    return delegate.recordMetadata();
  }

  @Override
  public Serde<?> keySerde() {
    return delegate.keySerde();
  }

  @Override
  public Serde<?> valueSerde() {
    return delegate.valueSerde();
  }

  @Override
  public File stateDir() {
    return delegate.stateDir();
  }

  @Override
  public StreamsMetrics metrics() {
    return delegate.metrics();
  }

  @Override
  public void register(StateStore store, StateRestoreCallback callback) {
    registered(callback);
    delegate.register(store, callback);
  }

  @Override
  public void register(StateStore store, StateRestoreCallback callback, CommitCallback commit) {
    registered(callback);
    delegate.register(store, callback, commit);
  }

  @Override
  public Map<String, Object> appConfigs() {
    return delegate.appConfigs();
  }

  @Override
  public Map<String, Object> appConfigsWithPrefix(String prefix) {
    return delegate.appConfigsWithPrefix(prefix);
  }
}
