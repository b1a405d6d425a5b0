package dev.strata.etcd;

/** {@link KvContract} on the {@code btree} engine. */
class BtreeKvTest extends KvContract {
  @Override
  String engine() {
    return "btree";
  }
}
