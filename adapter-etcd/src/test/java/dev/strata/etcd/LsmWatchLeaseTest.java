package dev.strata.etcd;

/** {@link WatchLeaseContract} on the {@code lsm} engine. */
class LsmWatchLeaseTest extends WatchLeaseContract {
  @Override
  String engine() {
    return "lsm";
  }
}
