package dev.strata.btree;

import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import dev.strata.btree.format.Meta;
import dev.strata.btree.format.NodeSource;

/**
 * The write transaction: edits go to a {@link TreeUpdate} on the heap; commit hands it to the
 * store. Reads see the transaction's own writes.
 */
final class BTreeWriteTxn extends BTreeReadTxn implements WriteTxn {
  private final TreeUpdate update;
  private long logicalBytes;
  private long writeCount;

  BTreeWriteTxn(BTreeEngine engine, Meta meta) {
    super(engine, meta);
    this.update =
        new TreeUpdate(
            engine.store.file, meta, engine.store.settings.fillPercent(), engine.store.pageBuffers);
  }

  @Override
  NodeSource root() {
    return update.root();
  }

  @Override
  NodeSource child(NodeSource parent, int i) {
    return update.child(parent, i);
  }

  @Override
  byte[] value(NodeSource n, int i) {
    return update.value(n, i);
  }

  /** Reads see this transaction's own edits, which live in heap nodes. */
  @Override
  byte[] lookup(byte[] key) {
    return lookupThroughNodes(key);
  }

  @Override
  long writeCount() {
    return writeCount;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    enter();
    try {
      // Not copied here: a put into a page copies the bytes at once, and Node copies what it keeps.
      update.put(key, value);
      writeCount++;
      logicalBytes += key.length + value.length;
    } finally {
      engine.exit();
    }
  }

  @Override
  public void delete(byte[] key) {
    Limits.checkKey(key);
    enter();
    try {
      update.delete(key);
      writeCount++;
      logicalBytes += key.length;
    } finally {
      engine.exit();
    }
  }

  @Override
  public synchronized void commit() {
    enter();
    boolean committed = false;
    try {
      engine.commit(update, logicalBytes);
      committed = true;
    } finally {
      end(committed ? "committed" : "rolled back after a failed commit");
      engine.exit();
    }
  }

  @Override
  public synchronized void rollback() {
    end("rolled back");
  }

  @Override
  public synchronized void close() {
    end("rolled back");
  }

  @Override
  String describe() {
    return "btree write transaction (on txid " + meta.txid() + ")";
  }
}
