package dev.strata.etcd;

/** {@link WatchLeaseContract} on the {@code memory} engine. */
class MemoryWatchLeaseTest extends WatchLeaseContract {
  @Override
  String engine() {
    return "memory";
  }

  @Override
  boolean persistent() {
    return false;
  }
}
