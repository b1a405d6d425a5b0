package dev.strata.etcd;

/** {@link KvContract} on the {@code memory} engine. */
class MemoryKvTest extends KvContract {
  @Override
  String engine() {
    return "memory";
  }

  @Override
  boolean persistent() {
    return false;
  }
}
