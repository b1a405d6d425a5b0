package dev.strata.freelist;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Delegates to a freelist and runs {@link Freelist#checkInvariants()} after every call that may
 * change it, whether the call returned or threw, so each test checks invariants after every
 * operation without saying so.
 */
final class CheckingFreelist implements Freelist {
  private final Freelist delegate;

  CheckingFreelist(Freelist delegate) {
    this.delegate = delegate;
  }

  @Override
  public Kind kind() {
    return delegate.kind();
  }

  @Override
  public long allocate(long txid, int pageCount) {
    try {
      return delegate.allocate(txid, pageCount);
    } finally {
      delegate.checkInvariants();
    }
  }

  @Override
  public void free(long txid, long startPage, int pageCount) {
    try {
      delegate.free(txid, startPage, pageCount);
    } finally {
      delegate.checkInvariants();
    }
  }

  @Override
  public void release(long oldestReaderTxid) {
    try {
      delegate.release(oldestReaderTxid);
    } finally {
      delegate.checkInvariants();
    }
  }

  @Override
  public void releaseRange(long beginTxid, long endTxid) {
    try {
      delegate.releaseRange(beginTxid, endTxid);
    } finally {
      delegate.checkInvariants();
    }
  }

  @Override
  public void rollback(long txid) {
    try {
      delegate.rollback(txid);
    } finally {
      delegate.checkInvariants();
    }
  }

  @Override
  public long freeCount() {
    return delegate.freeCount();
  }

  @Override
  public long pendingCount() {
    return delegate.pendingCount();
  }

  @Override
  public boolean isFree(long page) {
    return delegate.isFree(page);
  }

  @Override
  public boolean isPending(long page) {
    return delegate.isPending(page);
  }

  @Override
  public List<Span> spans() {
    return delegate.spans();
  }

  @Override
  public void reload(ByteBuffer serialized) {
    try {
      delegate.reload(serialized);
    } finally {
      delegate.checkInvariants();
    }
  }

  @Override
  public void clear() {
    try {
      delegate.clear();
    } finally {
      delegate.checkInvariants();
    }
  }

  @Override
  public int serializedSize() {
    return delegate.serializedSize();
  }

  @Override
  public void writeTo(ByteBuffer target) {
    delegate.writeTo(target);
  }

  @Override
  public void checkInvariants() {
    delegate.checkInvariants();
  }
}
