package dev.strata.etcd;

import dev.strata.api.ReplicaGroup;
import dev.strata.api.StorageEngine;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Membership changes of a strata-etcd cluster, run on the leader: etcd's {@code MemberAdd}, {@code
 * MemberRemove}, {@code MemberUpdate} and {@code MemberPromote} with etcd's checks and errors, and
 * the join of a newcomer. Each change updates the replicated member list ({@link MemberTable}) and
 * the {@code raft} group ({@link ReplicaGroup}) in an order that keeps the two consistent when one
 * step fails:
 *
 * <ul>
 *   <li>{@code MemberAdd} only records the member (an id, its peer URL, no name), as etcd does; the
 *       raft group does not change yet, so an added member that is never started does not count
 *       towards the quorum.
 *   <li>The newcomer, started with {@code --initial-cluster-state existing}, joins: the leader adds
 *       its replica to the raft group (returning once it caught up with the log), then records its
 *       name and client URL (etcd's "publish").
 *   <li>{@code MemberRemove} deletes the record first, then the replica leaves the raft group; when
 *       the group does not commit that, the record is put back and the error answered. The leader
 *       then tells the removed member, which stops (it reads the deletion too, if it can still
 *       read). To remove the leader, it first hands the leadership to another member ({@link
 *       #handOver}), which then removes it.
 * </ul>
 *
 * <p>Thread-safe: changes run one at a time.
 */
final class MemberChanges {
  private static final System.Logger LOG = System.getLogger(MemberChanges.class.getName());

  /** How long a removed member gets to take the notice of its removal. */
  private static final long NOTICE_DEADLINE_MILLIS = 2000;

  /** How long the leader's hand-over before its own removal may take. */
  private static final long HAND_OVER_MILLIS = 10_000;

  private final StorageEngine engine;
  private final ReplicaGroup group;
  private final ClusterMembers members;
  private final Supplier<List<Member>> configured;

  /**
   * @param engine the {@code raft} engine, which must implement {@link ReplicaGroup}
   * @param members this member's view, updated after each change
   * @param configured the member list of the start configuration, used while the replicated one was
   *     never written
   */
  MemberChanges(StorageEngine engine, ClusterMembers members, Supplier<List<Member>> configured) {
    if (!(engine instanceof ReplicaGroup g)) {
      throw new IllegalArgumentException(
          "the " + engine.name() + " engine cannot change its members");
    }
    this.engine = engine;
    this.group = g;
    this.members = members;
    this.configured = configured;
  }

  /** Writes the configured member list when the replicated one was never written. */
  synchronized void seed() {
    if (!engine.view(MemberTable::read).isEmpty()) {
      return;
    }
    engine.update(
        txn -> {
          current(txn);
          return null;
        });
  }

  /**
   * The replicated list inside a write transaction, written first from the configuration when it is
   * empty.
   */
  private List<Member> current(dev.strata.api.WriteTxn txn) {
    List<Member> list = MemberTable.read(txn);
    if (list.isEmpty()) {
      list = configured.get();
      for (Member m : list) {
        MemberTable.put(txn, m);
      }
    }
    return new ArrayList<>(list);
  }

  /**
   * etcd's {@code MemberAdd}: records a member with a new id and {@code peerUrls}.
   *
   * @return the new member and then the whole list
   */
  synchronized List<Member> add(List<String> peerUrls, boolean learner) {
    String peerUrl = onePeerUrl(peerUrls);
    List<Member> result =
        engine.update(
            txn -> {
              List<Member> list = current(txn);
              if (!learner && !readyToAddVotingMember(list)) {
                throw notEnoughStarted();
              }
              for (Member m : list) {
                if (m.getPeerURLsList().contains(peerUrl)) {
                  throw peerUrlExists();
                }
              }
              if (learner) {
                // Learners are not supported: the cluster's limit of learners is zero.
                throw EtcdErrors.member(
                    Status.Code.FAILED_PRECONDITION,
                    "etcdserver: too many learner members in cluster");
              }
              Member added =
                  Member.newBuilder().setID(newId(peerUrl, list)).addPeerURLs(peerUrl).build();
              MemberTable.put(txn, added);
              list.add(added);
              List<Member> out = new ArrayList<>();
              out.add(added);
              out.addAll(sorted(list));
              return out;
            });
    members.refresh(result.subList(1, result.size()));
    return result;
  }

  /**
   * The join of a started newcomer: adds its replica to the raft group (returning once it caught
   * up), then records its name and client URL. Answering again for a member that joined already (a
   * restart) changes nothing but its client URL.
   *
   * @return the joined member
   */
  synchronized Member join(String name, String peerUrl, String clientUrl) {
    List<Member> list = engine.update(this::current);
    Member pending = null;
    for (Member m : list) {
      if (m.getPeerURLsList().contains(peerUrl)) {
        pending = m;
      }
    }
    if (pending == null) {
      throw EtcdErrors.member(
          Status.Code.FAILED_PRECONDITION,
          "strata-etcd: no member with peer URL "
              + peerUrl
              + " was added: add it with MemberAdd before starting it");
    }
    if (!pending.getName().isEmpty() && !pending.getName().equals(name)) {
      throw EtcdErrors.member(
          Status.Code.FAILED_PRECONDITION,
          "strata-etcd: peer URL " + peerUrl + " belongs to member " + pending.getName());
    }
    for (Member m : list) {
      if (m.getID() != pending.getID() && m.getName().equals(name)) {
        throw EtcdErrors.member(
            Status.Code.FAILED_PRECONDITION,
            "strata-etcd: the name " + name + " is taken by member " + Long.toHexString(m.getID()));
      }
    }
    String address = ClusterMembers.hostPort(peerUrl);
    String inGroup = group.members().get(name);
    if (inGroup == null) {
      group.addReplica(name, address);
    } else if (!inGroup.equals(address)) {
      throw EtcdErrors.member(
          Status.Code.FAILED_PRECONDITION,
          "strata-etcd: replica " + name + " is in the raft group at " + inGroup);
    }
    Member joined =
        pending.toBuilder().setName(name).clearClientURLs().addClientURLs(clientUrl).build();
    List<Member> result =
        engine.update(
            txn -> {
              List<Member> now = current(txn);
              MemberTable.put(txn, joined);
              now.removeIf(m -> m.getID() == joined.getID());
              now.add(joined);
              return sorted(now);
            });
    members.refresh(result);
    return joined;
  }

  /**
   * etcd's {@code MemberRemove}.
   *
   * @return the remaining members
   */
  synchronized List<Member> remove(long id) {
    Member[] gone = new Member[1];
    List<Member> result =
        engine.update(
            txn -> {
              List<Member> list = current(txn);
              Member target = find(list, id);
              if (!target.getName().isEmpty() && !readyToRemoveVotingMember(list, id)) {
                throw notEnoughStarted();
              }
              MemberTable.delete(txn, id);
              list.remove(target);
              gone[0] = target;
              return sorted(list);
            });
    Member target = gone[0];
    if (!target.getName().isEmpty() && group.members().containsKey(target.getName())) {
      try {
        group.removeReplica(target.getName());
      } catch (RuntimeException e) {
        engine.update(
            txn -> {
              MemberTable.put(txn, target);
              return null;
            });
        throw e;
      }
      notifyRemoved(ClusterMembers.Member.of(target));
    }
    members.refresh(result);
    return result;
  }

  /**
   * Tells a removed member that it was removed, so it stops at once; best effort, since a member
   * that is down reads the list at its next start, and one that cannot be told stops when it reads
   * the list.
   */
  private void notifyRemoved(ClusterMembers.Member removed) {
    if (removed.clientAddress() == null) {
      return;
    }
    try {
      ClusterGrpc.newBlockingStub(ClusterService.removalNotice(members.channel(removed)))
          .withDeadlineAfter(NOTICE_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
          .memberRemove(MemberRemoveRequest.newBuilder().setID(removed.id()).build());
    } catch (StatusRuntimeException e) {
      LOG.log(
          System.Logger.Level.INFO,
          "removed member " + removed.name() + " did not take the notice: " + e.getStatus());
    }
  }

  /**
   * Makes another started member the leader, for the removal of this one (the leader), and waits
   * until this member no longer leads; etcd's leader likewise steps down when it is removed.
   *
   * @throws StatusRuntimeException etcd's {@code UNAVAILABLE "etcdserver: unhealthy cluster"} when
   *     no other member took over in time
   */
  void handOver() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HAND_OVER_MILLIS);
    Map<String, String> group = this.group.members();
    for (ClusterMembers.Member m : members.all()) {
      if (m.id() == members.self().id() || !m.started() || !group.containsKey(m.name())) {
        continue;
      }
      try {
        if (this.group.transferLeadership(m.name(), HAND_OVER_MILLIS / 2)) {
          break;
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.INFO, "leadership transfer to " + m.name() + " failed", e);
      }
    }
    while (members.isLeader()) {
      if (System.nanoTime() - deadline > 0) {
        throw EtcdErrors.member(Status.Code.UNAVAILABLE, "etcdserver: unhealthy cluster");
      }
      try {
        Thread.sleep(ClusterMembers.POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Status.CANCELLED.withDescription("strata-etcd: stopping").asRuntimeException();
      }
    }
  }

  /**
   * etcd's {@code MemberUpdate}: a member not started yet gets its new peer URL; a started member's
   * peer URL (its raft address) cannot change in place.
   *
   * @return the members
   */
  synchronized List<Member> update(long id, List<String> peerUrls) {
    List<Member> result =
        engine.update(
            txn -> {
              List<Member> list = current(txn);
              Member target = find(list, id);
              for (Member m : list) {
                if (m.getID() == id) {
                  continue;
                }
                for (String url : peerUrls) {
                  if (m.getPeerURLsList().contains(url)) {
                    throw peerUrlExists();
                  }
                }
              }
              if (target.getPeerURLsList().equals(peerUrls)) {
                return sorted(list);
              }
              String peerUrl = onePeerUrl(peerUrls);
              if (!target.getName().isEmpty()) {
                throw EtcdErrors.member(
                    Status.Code.UNIMPLEMENTED,
                    "strata-etcd: the peer URL of a started member cannot change: remove the"
                        + " member and add it again");
              }
              Member updated = target.toBuilder().clearPeerURLs().addPeerURLs(peerUrl).build();
              MemberTable.put(txn, updated);
              list.remove(target);
              list.add(updated);
              return sorted(list);
            });
    members.refresh(result);
    return result;
  }

  /**
   * etcd's {@code MemberPromote}: there are no learners, so a known member is not one.
   *
   * @return never: every outcome is one of etcd's errors
   */
  synchronized List<Member> promote(long id) {
    List<Member> list = engine.update(this::current);
    find(list, id);
    throw EtcdErrors.member(
        Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member");
  }

  private static Member find(List<Member> list, long id) {
    for (Member m : list) {
      if (m.getID() == id) {
        return m;
      }
    }
    throw EtcdErrors.member(Status.Code.NOT_FOUND, "etcdserver: member not found");
  }

  /**
   * etcd's {@code IsReadyToAddVotingMember}: the started members still reach the quorum of the list
   * with one more voting member.
   */
  private static boolean readyToAddVotingMember(List<Member> list) {
    long started = list.stream().filter(m -> !m.getName().isEmpty()).count();
    int after = list.size() + 1;
    // etcd lets a one-member cluster grow to two, as when a cluster is restored from one member.
    return (started == 1 && after == 2) || started >= after / 2 + 1;
  }

  /** etcd's {@code IsReadyToRemoveVotingMember}: the other started members reach their quorum. */
  private static boolean readyToRemoveVotingMember(List<Member> list, long id) {
    int others = 0;
    int started = 0;
    for (Member m : list) {
      if (m.getID() == id) {
        continue;
      }
      others++;
      if (!m.getName().isEmpty()) {
        started++;
      }
    }
    return started >= others / 2 + 1;
  }

  /**
   * The one peer URL a member has here (its raft address): {@code http} or {@code https}, a host
   * and a port, nothing else, as etcd's {@code types.NewURLs} checks.
   */
  static String onePeerUrl(List<String> peerUrls) {
    if (peerUrls.size() != 1) {
      throw badUrls();
    }
    String url = peerUrls.get(0);
    try {
      URI uri = new URI(url);
      boolean valid =
          ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
              && uri.getHost() != null
              && uri.getPort() > 0
              && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
              && uri.getRawQuery() == null
              && uri.getRawFragment() == null
              && uri.getRawUserInfo() == null;
      if (!valid) {
        throw badUrls();
      }
    } catch (URISyntaxException e) {
      throw badUrls();
    }
    return url;
  }

  /** A member id as etcd makes one: a hash of the peer URL and the time, distinct and non-zero. */
  private static long newId(String peerUrl, List<Member> list) {
    while (true) {
      try {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(peerUrl.getBytes(StandardCharsets.UTF_8));
        sha.update(KeyLayout.longBytes(System.nanoTime()));
        long id = KeyLayout.longOf(sha.digest(), 0) & Long.MAX_VALUE;
        if (id != 0 && list.stream().noneMatch(m -> m.getID() == id)) {
          return id;
        }
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing", e);
      }
    }
  }

  private static List<Member> sorted(List<Member> list) {
    List<Member> out = new ArrayList<>(list);
    out.sort((a, b) -> Long.compare(a.getID(), b.getID()));
    return out;
  }

  private static StatusRuntimeException badUrls() {
    return EtcdErrors.member(
        Status.Code.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid");
  }

  private static StatusRuntimeException peerUrlExists() {
    return EtcdErrors.member(
        Status.Code.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists");
  }

  private static StatusRuntimeException notEnoughStarted() {
    return EtcdErrors.member(
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: re-configuration failed due to not enough started members");
  }
}
