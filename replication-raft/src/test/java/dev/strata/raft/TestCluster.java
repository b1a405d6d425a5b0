package dev.strata.raft;

import dev.strata.api.Capability;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.tck.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A group of replicas on 127.0.0.1 in this JVM, for tests: replica {@code r1} lives in the
 * directory the test names, the others beside it in {@code <dir>.group/r2...}; the ports are chosen
 * free once and kept in {@code <dir>.group/ports}, so reopening a directory reopens the same group.
 * {@code r1} gets a short election timeout and the others a long one, so {@code r1} leads (a test
 * that needs another leader transfers leadership).
 */
final class TestCluster implements AutoCloseable {
  static final String LOCAL_ENGINE = "btree";

  final Path root;
  final int size;
  final List<String> ids = new ArrayList<>();
  final List<Path> dirs = new ArrayList<>();
  final String peers;
  final RaftEngine[] replicas; // written by start/stop only; read by any thread
  private final EngineOptions base;
  private final int timeoutScale;

  private TestCluster(Path r1Dir, int size, EngineOptions base, int timeoutScale) {
    this.root = r1Dir.resolveSibling(r1Dir.getFileName() + ".group");
    this.size = size;
    this.base = base;
    this.timeoutScale = timeoutScale;
    this.replicas = new RaftEngine[size];
    List<Integer> ports = ports(root, size);
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < size; i++) {
      String id = "r" + (i + 1);
      ids.add(id);
      dirs.add(i == 0 ? r1Dir : root.resolve(id));
      p.append(i == 0 ? "" : ",").append(id).append("=127.0.0.1:").append(ports.get(i));
    }
    this.peers = p.toString();
  }

  /** Describes the group whose first replica is {@code dir} without starting any replica. */
  static TestCluster create(Path dir, int size, EngineOptions options) {
    return new TestCluster(dir, size, options, 1);
  }

  /** Opens (or reopens) the group whose first replica is {@code dir}, and waits for r1 to lead. */
  static TestCluster open(Path dir, int size, EngineOptions options) {
    return open(dir, size, options, 1);
  }

  /**
   * Opens the group as {@link #open(Path, int, EngineOptions)} does, with the default election
   * timeouts (not r1's first election) multiplied by {@code timeoutScale}: for entries so large
   * that writing one on a loaded machine starves the heartbeats behind it for seconds.
   */
  static TestCluster open(Path dir, int size, EngineOptions options, int timeoutScale) {
    TestCluster c = new TestCluster(dir, size, options, timeoutScale);
    c.seedFromBackup();
    try {
      // The others first, so r1's quick first election finds them listening (an election they
      // cannot answer fails and waits a whole timeout). A group that is already open fails here,
      // on the others' directory locks, before anything starts.
      c.inParallel(1, c::start);
      c.start(0);
      c.awaitLeader(0);
    } catch (RuntimeException | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** Opens replica {@code r1} of the group at {@code dir} alone, read-only (it joins no group). */
  static StorageEngine openReadOnly(Path dir, EngineOptions options) {
    return StorageEngines.open("raft", dir, new TestCluster(dir, 3, options, 1).options(0));
  }

  /** The options replica {@code i} opens with. */
  EngineOptions options(int i) {
    Map<String, String> s = base.settings();
    EngineOptions.Builder b = base.toBuilder();
    if (!s.containsKey(RaftSettings.ID)) {
      b.set(RaftSettings.ID, ids.get(i));
    }
    if (!s.containsKey(RaftSettings.PEERS)) {
      b.set(RaftSettings.PEERS, peers);
    }
    if (!s.containsKey(RaftSettings.ENGINE)) {
      b.set(RaftSettings.ENGINE, LOCAL_ENGINE);
    }
    if (!s.containsKey(RaftSettings.ELECTION_MIN) && !s.containsKey(RaftSettings.ELECTION_MAX)) {
      // Timeouts long enough for a 256 MiB entry and for the stalls of a loaded machine (a leader
      // that hears from no majority within its timeout steps down). r1 starts last, once the
      // others listen, and its first election comes at once, so it leads from the first round.
      b.set(RaftSettings.ELECTION_MIN, String.valueOf((i == 0 ? 3000 : 5000) * timeoutScale));
      b.set(RaftSettings.ELECTION_MAX, String.valueOf((i == 0 ? 6000 : 10000) * timeoutScale));
      if (i == 0) {
        b.set(RaftSettings.FIRST_ELECTION_MIN, "100");
        b.set(RaftSettings.FIRST_ELECTION_MAX, "200");
      }
    }
    if (!s.containsKey(RaftSettings.REQUEST_TIMEOUT)) {
      b.set(RaftSettings.REQUEST_TIMEOUT, "60000");
    }
    return b.build();
  }

  /** Starts replica {@code i} (closed or never opened). */
  RaftEngine start(int i) {
    replicas[i] = (RaftEngine) StorageEngines.open("raft", dirs.get(i), options(i));
    return replicas[i];
  }

  /** Runs {@code action} for replicas {@code from..size-1} on their own threads; rethrows. */
  void inParallel(int from, java.util.function.IntConsumer action) {
    List<Thread> threads = new ArrayList<>();
    java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    for (int i = from; i < size; i++) {
      int index = i;
      Thread t =
          new Thread(
              () -> {
                try {
                  action.accept(index);
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      boolean interrupted = false;
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    Throwable first = failures.poll();
    if (first instanceof RuntimeException r) {
      throw r;
    }
    if (first instanceof Error err) {
      throw err;
    }
  }

  /** Stops replica {@code i}, as an orderly shutdown. */
  void stop(int i) {
    if (replicas[i] != null) {
      replicas[i].close();
      replicas[i] = null;
    }
  }

  /** Waits until replica {@code i} is a ready leader, asking for a transfer if another leads. */
  void awaitLeader(int i) {
    long deadline = System.nanoTime() + 30_000_000_000L;
    long transferAfter = System.nanoTime() + 3_000_000_000L;
    while (!replicas[i].isLeader()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("replica " + ids.get(i) + " did not become the leader");
      }
      if (System.nanoTime() > transferAfter) {
        for (RaftEngine r : replicas) {
          if (r != null && r != replicas[i] && r.isLeader()) {
            r.transferLeadership(ids.get(i), 3_000);
          }
        }
        transferAfter = System.nanoTime() + 3_000_000_000L;
      }
      Waits.pause(5);
    }
  }

  /**
   * A replica about to join the group: its address on a free loopback port, the membership once it
   * has joined, and its options (replica 1's, with its own id, the grown peer list and {@code
   * raft.join}).
   */
  record Newcomer(String address, Map<String, String> members, EngineOptions options) {}

  /** Prepares {@code id} to join the group whose current members {@code leader} reports. */
  Newcomer newcomer(RaftEngine leader, String id) throws IOException {
    int port = LoopbackPorts.next();
    String address = "127.0.0.1:" + port;
    Map<String, String> grown = new TreeMap<>(leader.members());
    grown.put(id, address);
    StringBuilder peers = new StringBuilder();
    grown.forEach(
        (member, a) ->
            peers.append(peers.length() == 0 ? "" : ",").append(member).append('=').append(a));
    EngineOptions options =
        options(1).toBuilder()
            .set(RaftSettings.ID, id)
            .set(RaftSettings.PEERS, peers.toString())
            .set(RaftSettings.JOIN, "true")
            .build();
    return new Newcomer(address, Map.copyOf(grown), options);
  }

  /** The index of the current ready leader among running replicas, or -1. */
  int leader() {
    for (int i = 0; i < size; i++) {
      RaftEngine r = replicas[i];
      try {
        if (r != null && r.isLeader()) {
          return i;
        }
      } catch (EngineClosedException closing) {
        // Stopped while asked.
      }
    }
    return -1;
  }

  /**
   * A directory holding a raft backup and no log yet is restored the documented way: the backup is
   * copied into every replica's directory.
   */
  private void seedFromBackup() {
    Path first = dirs.get(0);
    if (!Files.exists(first.resolve(RaftEngine.STORE_FILE))
        || Files.exists(first.resolve("raft"))) {
      return;
    }
    for (int i = 1; i < size; i++) {
      if (!Files.exists(dirs.get(i))) {
        copyTree(first, dirs.get(i));
      }
    }
  }

  static void copyTree(Path from, Path to) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else if (!f.getFileName().toString().endsWith(".lock")) {
          Files.copy(f, t);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Integer> ports(Path root, int size) {
    try {
      Files.createDirectories(root);
      Path file = root.resolve("ports");
      if (Files.exists(file)) {
        List<Integer> out = new ArrayList<>();
        for (String s : Files.readString(file).trim().split(",")) {
          out.add(Integer.parseInt(s));
        }
        if (out.size() == size) {
          return out;
        }
      }
      // Below the ephemeral range: a reopened group binds these ports again, and meanwhile a client
      // connection could take one of them as its local port.
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        out.add(LoopbackPorts.next());
      }
      StringBuilder b = new StringBuilder();
      for (int p : out) {
        b.append(b.length() == 0 ? "" : ",").append(p);
      }
      Files.writeString(file, b.toString());
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    // Replicas close in parallel: each waits about a second for its gRPC channels to drain.
    inParallel(0, this::stop);
  }

  /**
   * The group seen as one engine: replica {@code r1}'s engine, whose close also stops the others.
   * This is what the conformance suite tests.
   */
  StorageEngine asEngine() {
    return new GroupEngine(this);
  }

  private static final class GroupEngine implements StorageEngine {
    private final TestCluster group;
    private final RaftEngine r1;

    GroupEngine(TestCluster group) {
      this.group = group;
      this.r1 = group.replicas[0];
    }

    @Override
    public String name() {
      return r1.name();
    }

    @Override
    public Set<Capability> capabilities() {
      return r1.capabilities();
    }

    @Override
    public ReadTxn beginRead() {
      return r1.beginRead();
    }

    @Override
    public WriteTxn beginWrite() {
      return r1.beginWrite();
    }

    @Override
    public WriteAmplificationMeter meter() {
      return r1.meter();
    }

    @Override
    public Map<String, Number> stats() {
      return r1.stats();
    }

    @Override
    public long approximateKeyCount() {
      return r1.approximateKeyCount();
    }

    @Override
    public void verifyIntegrity() {
      for (RaftEngine r : group.replicas) {
        if (r != null && r != r1) {
          awaitApplied(r, r1.stats().get("raft.appliedIndex").longValue());
          r.verifyIntegrity();
        }
      }
      r1.verifyIntegrity();
    }

    private static void awaitApplied(RaftEngine r, long index) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (r.stats().get("raft.appliedIndex").longValue() < index
          && System.nanoTime() < deadline) {
        Waits.pause(5);
      }
    }

    @Override
    public void backup(Path target) {
      r1.backup(target);
    }

    @Override
    public void close() {
      try {
        r1.close();
      } finally {
        group.close();
      }
    }
  }
}
