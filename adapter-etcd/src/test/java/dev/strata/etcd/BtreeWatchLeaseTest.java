package dev.strata.etcd;

/** {@link WatchLeaseContract} on the {@code btree} engine. */
class BtreeWatchLeaseTest extends WatchLeaseContract {
  @Override
  String engine() {
    return "btree";
  }
}
