package dev.strata.etcd;

import dev.strata.api.ReplicaGroup;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageException;
import io.etcd.jetcd.api.Member;
import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cluster part of a server's start on the {@code raft} engine: reading the replica's own
 * settings, joining a running cluster, and opening the replicated store once a leader serves it.
 * Stateless.
 */
final class ClusterStart {
  /** The {@code raft} engine's setting naming this replica. */
  static final String RAFT_ID = "raft.id";

  /** The {@code raft} engine's setting listing the group's replicas. */
  static final String RAFT_PEERS = "raft.peers";

  /** The {@code raft} engine's setting for a replica that joins a running group. */
  static final String RAFT_JOIN = "raft.join";

  private ClusterStart() {}

  /**
   * Opens the store on a replicated engine. A fresh cluster is initialized by its leader, so a
   * member that cannot write yet (no leader, or a follower before the leader initialized the store)
   * retries until {@code timeoutMillis}.
   */
  static MvccStore openReplicated(StorageEngine engine, long timeoutMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (true) {
      try {
        return new MvccStore(engine, true);
      } catch (StorageException e) {
        if (System.nanoTime() - deadline > 0) {
          throw e;
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while joining the cluster", e);
      }
    }
  }

  /** The scheme of this member's client URLs: {@code https://} when it serves TLS. */
  static String clientScheme(EtcdServer.Config config) {
    return config.certFile != null ? "https://" : "http://";
  }

  /**
   * Joins a running cluster as a member added with {@code MemberAdd}: asks the other members named
   * in the configuration to add this replica, until the leader did (it returns once this replica
   * caught up) or the join timeout passed. A member that serves already (a restart) asks its own
   * server first, which runs the join when it leads and forwards it otherwise.
   */
  static void join(EtcdServer.Config config, SslContext tls, boolean serving) {
    String selfName = config.engineSettings.get(RAFT_ID);
    Map<String, String> others = new LinkedHashMap<>(config.memberClientAddresses);
    String clientAddress = others.remove(selfName);
    List<String> through = new ArrayList<>();
    if (serving) {
      through.add(clientAddress);
    }
    through.addAll(others.values());
    String peerAddress = parsePeers(config.engineSettings.get(RAFT_PEERS)).get(selfName);
    Join.join(
        through,
        tls,
        new Join.Request(selfName, clientScheme(config) + clientAddress),
        ClusterMembers.PEER_SCHEME + peerAddress,
        config.joinTimeoutMillis);
  }

  /**
   * Whether this member's replica is in the raft group already: it joined at an earlier start. A
   * newcomer's first start has no membership at all.
   */
  static boolean inGroup(StorageEngine engine, EtcdServer.Config config) {
    return engine instanceof ReplicaGroup group
        && group.members().containsKey(config.engineSettings.get(RAFT_ID));
  }

  /**
   * Whether the replicated member list, as this replica has it, records this member under its name
   * with its current client URL; if not (the URL changed, or the member stopped between its
   * replica's addition and the record), it joins again to have the leader record it.
   */
  static boolean recorded(StorageEngine engine, EtcdServer.Config config) {
    String selfName = config.engineSettings.get(RAFT_ID);
    String clientUrl = clientScheme(config) + config.memberClientAddresses.get(selfName);
    for (Member m : engine.view(MemberTable::read)) {
      if (m.getName().equals(selfName)) {
        return m.getClientURLsList().equals(List.of(clientUrl));
      }
    }
    return false;
  }

  /** Parses {@code raft.peers}: {@code id=host:port,...}. */
  static Map<String, String> parsePeers(String peers) {
    Map<String, String> out = new LinkedHashMap<>();
    if (peers == null) {
      return out;
    }
    for (String part : peers.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        out.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
      }
    }
    return out;
  }
}
