package dev.strata.etcd;

/** {@link KvContract} on the {@code lsm} engine. */
class LsmKvTest extends KvContract {
  @Override
  String engine() {
    return "lsm";
  }
}
