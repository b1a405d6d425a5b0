package dev.strata.raft;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.spi.TxnEnd;
import java.util.Objects;

/**
 * A read transaction on the replica's local store, hiding the reserved key. Its snapshot is the
 * local store's state when it began (after the read index, for linearizable reads).
 */
final class RaftReadTxn implements ReadTxn {
  private final ReadTxn local;
  private final TxnEnd end = new TxnEnd();

  RaftReadTxn(ReadTxn local) {
    this.local = local;
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    AppliedMark.checkUserKey(key);
    check();
    return local.get(key);
  }

  @Override
  public Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    check();
    return new ReplicaCursor(local.cursor(range), null, range, this::check);
  }

  private void check() {
    end.check("read transaction", false);
  }

  @Override
  public void close() {
    if (end.end("closed")) {
      local.close();
    }
  }
}
