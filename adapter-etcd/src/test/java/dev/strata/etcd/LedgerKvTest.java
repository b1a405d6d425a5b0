package dev.strata.etcd;

/** {@link KvContract} on the {@code ledger} engine. */
class LedgerKvTest extends KvContract {
  @Override
  String engine() {
    return "ledger";
  }
}
