package dev.strata.bench.raft;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngines;
import dev.strata.raft.RaftEngine;
import dev.strata.raft.ReplicationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Three {@code raft} replicas on 127.0.0.1 in this JVM, opened by name. Replica {@code r1} starts
 * its first election at once and the others wait long, so {@code r1} leads; {@code r3} reads
 * locally ({@code raft.reads=local}), {@code r1} and {@code r2} linearizably. The Raft log runs
 * {@code SYNC}; the local engines run {@code localDurability}. Not thread-safe: one caller opens,
 * stops and closes it.
 */
final class RaftGroup implements AutoCloseable {
  static final int SIZE = 3;

  final RaftEngine[] replicas = new RaftEngine[SIZE];
  private final Path root;
  private final String peers;
  private final String localEngine;
  private final Durability localDurability;
  private final Map<String, String> extra;

  private RaftGroup(
      Path root, String localEngine, Durability localDurability, Map<String, String> extra) {
    this.root = root;
    this.localEngine = localEngine;
    this.localDurability = localDurability;
    this.extra = extra;
    List<Integer> ports = freePorts();
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < SIZE; i++) {
      p.append(i == 0 ? "" : ",").append("r").append(i + 1).append("=127.0.0.1:");
      p.append(ports.get(i));
    }
    this.peers = p.toString();
  }

  /** Opens the group in {@code root/r1..r3} and waits until {@code r1} leads. */
  static RaftGroup open(
      Path root, String localEngine, Durability localDurability, Map<String, String> extra) {
    RaftGroup g = new RaftGroup(root, localEngine, localDurability, extra);
    try {
      g.start(0);
      Thread[] others = new Thread[SIZE - 1];
      RuntimeException[] failure = new RuntimeException[1];
      for (int i = 1; i < SIZE; i++) {
        int index = i;
        others[i - 1] =
            new Thread(
                () -> {
                  try {
                    g.start(index);
                  } catch (RuntimeException e) {
                    failure[0] = e;
                  }
                });
        others[i - 1].start();
      }
      for (Thread t : others) {
        t.join();
      }
      if (failure[0] != null) {
        throw failure[0];
      }
      g.awaitLeader();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      g.close();
      throw new IllegalStateException("interrupted while opening the group", e);
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
    return g;
  }

  /** Opens (or reopens) replica {@code i}. */
  void start(int i) {
    EngineOptions.Builder b =
        EngineOptions.builder()
            .durability(Durability.SYNC)
            .set("raft.id", "r" + (i + 1))
            .set("raft.peers", peers)
            .set("raft.engine", localEngine)
            .set("raft.localDurability", localDurability.name())
            .set("raft.reads", i == 2 ? "local" : "linearizable")
            .set("raft.requestTimeoutMs", "120000")
            .set("raft.electionTimeoutMinMs", i == 0 ? "3000" : "5000")
            .set("raft.electionTimeoutMaxMs", i == 0 ? "6000" : "10000");
    if (i == 0) {
      b.set("raft.firstElectionTimeoutMinMs", "100").set("raft.firstElectionTimeoutMaxMs", "200");
    }
    extra.forEach(b::set);
    replicas[i] = (RaftEngine) StorageEngines.open("raft", root.resolve("r" + (i + 1)), b.build());
  }

  /** Closes replica {@code i}. */
  void stop(int i) {
    if (replicas[i] != null) {
      replicas[i].close();
      replicas[i] = null;
    }
  }

  RaftEngine leader() {
    return replicas[0];
  }

  /**
   * Waits until r1 leads. On a loaded machine r1's quick first election can still lose (its vote
   * requests time out while the others are busy starting), and nothing hands the leadership back by
   * itself, so a replica found leading instead is asked to transfer it to r1.
   */
  private void awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!replicas[0].isLeader()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("r1 did not become the leader within 60 s");
      }
      for (int i = 1; i < SIZE; i++) {
        if (replicas[i].isLeader()) {
          try {
            replicas[i].transferLeadership("r1", 10_000);
          } catch (ReplicationException e) {
            // The transfer could not be requested now; the loop asks again until the deadline.
          }
        }
      }
      Thread.sleep(5);
    }
  }

  private static List<Integer> freePorts() {
    List<ServerSocket> held = new ArrayList<>();
    List<Integer> out = new ArrayList<>();
    try {
      try {
        for (int i = 0; i < SIZE; i++) {
          ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
          held.add(s);
          out.add(s.getLocalPort());
        }
      } finally {
        for (ServerSocket s : held) {
          s.close();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  @Override
  public void close() {
    RuntimeException first = null;
    for (int i = SIZE - 1; i >= 0; i--) {
      try {
        stop(i);
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
