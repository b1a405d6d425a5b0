package dev.strata.etcd;

/** {@link WatchLeaseContract} on the {@code ledger} engine. */
class LedgerWatchLeaseTest extends WatchLeaseContract {
  @Override
  String engine() {
    return "ledger";
  }
}
