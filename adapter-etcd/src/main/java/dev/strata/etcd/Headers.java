package dev.strata.etcd;

import io.etcd.jetcd.api.ResponseHeader;

/**
 * The response header of a one-member cluster: fixed cluster and member ids (the cluster id is
 * chosen once and kept in the store) and raft term 1, since there is no election.
 */
final class Headers {
  static final long RAFT_TERM = 1;

  private final MvccStore store;

  Headers(MvccStore store) {
    this.store = store;
  }

  long clusterId() {
    return store.clusterId();
  }

  long memberId() {
    // One member: an id that is stable with the store and differs from the cluster id.
    return Long.rotateLeft(store.clusterId(), 17) & Long.MAX_VALUE;
  }

  /** {@code header} with the ids and term added, and the current revision when it has none. */
  ResponseHeader fill(ResponseHeader header) {
    ResponseHeader.Builder b =
        header.toBuilder().setClusterId(clusterId()).setMemberId(memberId()).setRaftTerm(RAFT_TERM);
    if (header.getRevision() == 0) {
      b.setRevision(store.currentRevision());
    }
    return b.build();
  }

  ResponseHeader current() {
    return fill(ResponseHeader.getDefaultInstance());
  }
}
