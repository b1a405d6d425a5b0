package dev.strata.etcd;

/** {@link LockElectionContract} on the {@code btree} engine. */
class BtreeLockElectionTest extends LockElectionContract {
  @Override
  String engine() {
    return "btree";
  }
}
