package dev.strata.etcd;

import io.grpc.Server;
import java.util.concurrent.atomic.AtomicReference;

/** What a server is made of, closed in reverse order when it stops (or fails to start). */
final class ServerParts {
  final MvccStore store;
  Headers headers;
  WatchHub watches;
  Lessor lessor;
  ClusterMembers members;
  ReplicaFollower follower;
  AtomicReference<Server> bound;

  ServerParts(MvccStore store) {
    this.store = store;
  }

  /** Stops the background work that uses the store; the store stays open. */
  void stopWork() {
    if (members != null) {
      members.close();
    }
    if (lessor != null) {
      lessor.close();
    }
    if (follower != null) {
      follower.close();
    }
    if (watches != null) {
      watches.close();
    }
  }

  void close() {
    stopWork();
    store.close();
  }
}
