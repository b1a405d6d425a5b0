package dev.strata.raft;

import dev.strata.api.spi.InterruptShield;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Membership and leadership changes of the group, on behalf of {@link RaftEngine}: who the members
 * are, adding and removing one (Ratis {@code setConfiguration}), and leadership transfer. Stateless
 * apart from the replica it asks; thread-safe as the Ratis server is.
 */
final class Membership {
  private final RaftSettings settings;

  /** Null on a read-only store, which is in no group. */
  private final Replica replica;

  Membership(RaftSettings settings, Replica replica) {
    this.settings = settings;
    this.replica = replica;
  }

  private Replica inGroup() {
    if (replica == null) {
      throw new UnsupportedOperationException("a read-only raft replica is not in the group");
    }
    return replica;
  }

  Map<String, String> members() {
    if (replica == null) {
      return new TreeMap<>(settings.peers);
    }
    return replica.members();
  }

  boolean transferLeadership(String targetId, long timeoutMillis) {
    try {
      return inGroup().transferLeadership(targetId, timeoutMillis);
    } catch (IOException e) {
      throw new ReplicationException("leadership transfer to " + targetId + " failed", e);
    }
  }

  void add(String id, String address) {
    Map<String, String> next = members();
    if (next.containsKey(id)) {
      throw new IllegalArgumentException("replica " + id + " is a member already");
    }
    RaftSettings.parsePeers(id + "=" + address);
    next.put(id, address);
    change(next);
  }

  void remove(String id) {
    Map<String, String> next = members();
    if (next.remove(id) == null || next.isEmpty()) {
      throw new IllegalArgumentException(
          "replica " + id + " is not a removable member of " + next.keySet());
    }
    change(next);
  }

  private void change(Map<String, String> next) {
    InterruptShield.enter();
    try {
      Replica r = inGroup();
      if (!r.info().isLeader()) {
        throw r.notLeader();
      }
      r.setMembers(next);
    } catch (IOException e) {
      throw new ReplicationException("membership change to " + next.keySet() + " failed", e);
    } finally {
      InterruptShield.exit();
    }
  }
}
