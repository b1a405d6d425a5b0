package dev.strata.etcd;

import io.etcd.jetcd.api.ResponseHeader;
import java.util.function.LongSupplier;

/**
 * Response headers: the cluster id (chosen once and kept in the store, so every member of a
 * replicated store shares it), this member's id and the raft term. A one-member server has a member
 * id derived from the cluster id and raft term 1, since there is no election.
 */
final class Headers {
  static final long RAFT_TERM = 1;

  private final MvccStore store;
  private final long memberId;
  private final LongSupplier raftTerm;

  Headers(MvccStore store) {
    // One member: an id that is stable with the store and differs from the cluster id.
    this(store, Long.rotateLeft(store.clusterId(), 17) & Long.MAX_VALUE, () -> RAFT_TERM);
  }

  Headers(MvccStore store, long memberId, LongSupplier raftTerm) {
    this.store = store;
    this.memberId = memberId;
    this.raftTerm = raftTerm;
  }

  long clusterId() {
    return store.clusterId();
  }

  long memberId() {
    return memberId;
  }

  long raftTerm() {
    return raftTerm.getAsLong();
  }

  /** {@code header} with the ids and term added, and the current revision when it has none. */
  ResponseHeader fill(ResponseHeader header) {
    ResponseHeader.Builder b =
        header.toBuilder()
            .setClusterId(clusterId())
            .setMemberId(memberId())
            .setRaftTerm(raftTerm.getAsLong());
    if (header.getRevision() == 0) {
      b.setRevision(store.currentRevision());
    }
    return b.build();
  }

  ResponseHeader current() {
    return fill(ResponseHeader.getDefaultInstance());
  }
}
