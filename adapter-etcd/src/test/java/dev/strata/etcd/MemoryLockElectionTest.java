package dev.strata.etcd;

/** {@link LockElectionContract} on the {@code memory} engine. */
class MemoryLockElectionTest extends LockElectionContract {
  @Override
  String engine() {
    return "memory";
  }
}
