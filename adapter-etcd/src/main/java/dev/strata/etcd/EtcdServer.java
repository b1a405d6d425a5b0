package dev.strata.etcd;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrpc;
import io.grpc.Server;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * An etcd v3 API server over one Strata engine opened by name. Serves KV, Watch, Lease, Lock,
 * Election and Maintenance ({@code Status}, {@code Snapshot}, {@code Defragment}, alarms) on one
 * gRPC port, optionally over TLS with client certificates. With {@link Config#cluster} over the
 * {@code raft} engine it is one member of a cluster: every member serves the whole API, reads run
 * on the member itself, writes and lease calls on the leader (forwarded there), and watches on
 * every member see every revision. Cluster {@code MemberList} lists the members (or this server
 * alone); in a cluster, members are added ({@link Config#initialClusterState}) and removed at run
 * time over etcd's Cluster API.
 *
 * <p>Thread-safe. {@link #start(Config)} opens the engine (which locks its directory) and binds the
 * port; {@link #close()} stops accepting calls, ends open streams and closes the engine. The store
 * resumes at the revision it had, with its leases, when started again on the same directory.
 */
public final class EtcdServer implements AutoCloseable {
  private final Server server;
  private final ServerParts parts;
  private final Startup startup;
  private boolean closed;

  private EtcdServer(Server server, ServerParts parts, Startup startup) {
    this.server = server;
    this.parts = parts;
    this.startup = startup;
  }

  /** How long {@link #start} took, and how much of it opening the engine and the store took. */
  record Startup(long openMillis, long startMillis) {}

  /** What this server's start took. */
  Startup startup() {
    return startup;
  }

  /**
   * Opens the engine and starts serving.
   *
   * @param config what to serve and where
   * @return the running server
   * @throws IllegalArgumentException if the listen address is not loopback and neither TLS nor
   *     {@code insecure} is configured, if only one of the certificate and key is given, or if the
   *     engine name is unknown
   * @throws UncheckedIOException if the port cannot be bound or a TLS file cannot be read
   */
  public static EtcdServer start(Config config) {
    Objects.requireNonNull(config, "config");
    config.validate();
    long startNanos = System.nanoTime();
    EngineOptions.Builder options = EngineOptions.builder().durability(config.durability);
    config.engineSettings.forEach(options::set);
    boolean cluster = config.memberClientAddresses != null;
    if (cluster && config.joinExisting) {
      // A newcomer's replica waits to be added rather than campaigning (see the raft engine).
      options.set(ClusterStart.RAFT_JOIN, "true");
    }
    StorageEngine engine = StorageEngines.open(config.engine, config.dataDir, options.build());
    SslContext forwardTls =
        cluster && config.certFile != null
            ? ClusterMembers.clientTls(config.certFile, config.keyFile, config.trustedCaFile)
            : null;
    MvccStore store;
    // A member that joined before restarts from its own replica, which is in the group already:
    // it serves first and refreshes its record afterwards, through its own server too, as it may
    // be the group's leader (joining before serving could then wait for itself).
    boolean rejoin;
    try {
      rejoin = cluster && config.joinExisting && ClusterStart.inGroup(engine, config);
      if (cluster && config.joinExisting && !rejoin) {
        ClusterStart.join(config, forwardTls, false);
      }
      store =
          cluster
              ? ClusterStart.openReplicated(engine, config.joinTimeoutMillis)
              : new MvccStore(engine);
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
    long openMillis = (System.nanoTime() - startNanos) / 1_000_000;
    ServerParts parts = new ServerParts(store);
    EtcdServer running;
    try {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress(config.host, config.port))
              // etcd accepts requests up to --max-request-bytes plus gRPC's own overhead.
              .maxInboundMessageSize(config.maxRequestBytes + 512 * 1024);
      RequestChecks checks = new RequestChecks(config.maxTxnOps, config.maxRequestBytes);
      MemberChanges changes = null;
      // Kept to serve Lock and Election too, which run on the server's own KV and Lease services.
      KVGrpc.KVImplBase kv;
      LeaseGrpc.LeaseImplBase leases;
      if (cluster) {
        String selfName = config.engineSettings.get(ClusterStart.RAFT_ID);
        List<io.etcd.jetcd.api.Member> configured =
            ClusterMembers.configured(
                store.clusterId(),
                config.memberClientAddresses,
                ClusterStart.parsePeers(config.engineSettings.get(ClusterStart.RAFT_PEERS)),
                ClusterStart.clientScheme(config));
        List<io.etcd.jetcd.api.Member> replicated = engine.view(MemberTable::read);
        List<io.etcd.jetcd.api.Member> listing = replicated.isEmpty() ? configured : replicated;
        parts.members =
            new ClusterMembers(ClusterMembers.find(listing, selfName), listing, engine, forwardTls);
        ClusterMembers members = parts.members;
        changes = new MemberChanges(engine, members, () -> configured);
        parts.headers = new Headers(store, members.self().id(), members::term);
        parts.watches = new WatchHub(store, parts.headers, config.progressNotifyMillis);
        parts.follower =
            new ReplicaFollower(
                store, parts.watches, selfName, txn -> members.refresh(MemberTable.read(txn)));
        ReplicaFollower follower = parts.follower;
        store.setListener((revision, events) -> follower.signal());
        parts.lessor = new Lessor(store, members::isLeader);
        Forwarder forwarder = new Forwarder(members);
        kv = new RoutedKvService(new KvService(store, parts.headers, checks, false), forwarder);
        leases =
            new RoutedLeaseService(
                new LeaseService(parts.lessor, parts.headers), forwarder, members);
        builder
            .intercept(Forwarder.interceptor())
            .intercept(Join.interceptor())
            .intercept(ClusterService.interceptor())
            .addService(kv)
            .addService(leases)
            .addService(
                new ClusterService(members::listing, parts.headers, forwarder, changes, members));
      } else {
        parts.headers = new Headers(store);
        parts.watches = new WatchHub(store, parts.headers, config.progressNotifyMillis);
        store.setListener(parts.watches);
        parts.lessor = new Lessor(store);
        Headers headers = parts.headers;
        // The bound port is known once the server started; the list is built per call.
        AtomicReference<Server> bound = new AtomicReference<>();
        parts.bound = bound;
        String scheme = ClusterStart.clientScheme(config);
        kv = new KvService(store, parts.headers, checks, true);
        leases = new LeaseService(parts.lessor, parts.headers);
        // A Put only checks and queues its request, and is answered by the thread that commits
        // its batch: it runs on the transport thread that read it rather than waking a thread of
        // the call executor, which would then wait for the batch (two thread wake-ups and a
        // blocked thread per put). Forwarding in a cluster blocks, so there Put keeps the
        // executor.
        builder.callExecutor(new PutOnTransport());
        builder
            .addService(kv)
            .addService(leases)
            .addService(
                new ClusterService(
                    () ->
                        List.of(
                            io.etcd.jetcd.api.Member.newBuilder()
                                .setID(headers.memberId())
                                .setName("default")
                                .addClientURLs(scheme + config.host + ":" + bound.get().getPort())
                                .build()),
                    parts.headers));
      }
      LocalClient self = new LocalClient(kv, leases, parts.watches);
      builder
          .addService(new WatchService(parts.watches))
          .addService(new LockService(self))
          .addService(new ElectionService(self))
          .addService(
              new MaintenanceService(
                  store, parts.headers, () -> sizeOf(config.dataDir), parts.members));
      if (config.certFile != null) {
        SslContextBuilder ssl =
            GrpcSslContexts.forServer(config.certFile.toFile(), config.keyFile.toFile());
        if (config.trustedCaFile != null) {
          ssl.trustManager(config.trustedCaFile.toFile());
        }
        ssl.clientAuth(config.clientCertAuth ? ClientAuth.REQUIRE : ClientAuth.NONE);
        builder.sslContext(ssl.build());
      }
      Server server = builder.build().start();
      if (parts.bound != null) {
        parts.bound.set(server);
      }
      parts.lessor.start();
      if (!cluster) {
        // Serving starts at once; history an interrupted compaction left goes meanwhile.
        store.finishCompactionInBackground();
      }
      running =
          new EtcdServer(
              server, parts, new Startup(openMillis, (System.nanoTime() - startNanos) / 1_000_000));
      if (cluster) {
        Lessor lessor = parts.lessor;
        MemberChanges leaderChanges = changes;
        parts.follower.start();
        parts.members.start(
            () -> {
              // The new leader takes over the leases and any compaction left unfinished, and
              // writes the member list when it was never written.
              lessor.reload();
              store.finishCompaction();
              leaderChanges.seed();
            },
            // A removed member stops, as etcd's does; not on the polling thread, which close ends.
            () -> {
              Thread stopper = new Thread(running::close, "strata-etcd-removed");
              stopper.setDaemon(true);
              stopper.start();
            });
      }
    } catch (IOException e) {
      parts.close();
      throw new UncheckedIOException("cannot serve on " + config.host + ":" + config.port, e);
    } catch (RuntimeException e) {
      parts.close();
      throw e;
    }
    if (rejoin && !ClusterStart.recorded(engine, config)) {
      try {
        ClusterStart.join(config, forwardTls, true);
      } catch (RuntimeException e) {
        running.close();
        throw e;
      }
    }
    return running;
  }

  /** The port the server listens on (the bound one when the config asked for port 0). */
  public int port() {
    return server.getPort();
  }

  /** The store's current revision. */
  public long revision() {
    return parts.store.currentRevision();
  }

  /** The engine under the server, for its statistics and meter; owned by the server. */
  public StorageEngine engine() {
    return parts.store.engine();
  }

  /**
   * This member's etcd member id (in a cluster, derived from the cluster id and its {@code
   * raft.id}).
   */
  public long memberId() {
    return parts.headers.memberId();
  }

  /**
   * Blocks until the server stops.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Stops serving, ends open streams and closes the engine. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.shutdown();
    parts.stopWork();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    parts.store.close();
  }

  private static long sizeOf(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  /** What an {@link EtcdServer} serves and how; a mutable builder, not thread-safe. */
  public static final class Config {
    /** etcd's default --max-request-bytes: 1.5 MiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;

    /** etcd's default --max-txn-ops. */
    public static final int DEFAULT_MAX_TXN_OPS = 128;

    private String engine = "btree";
    private Path dataDir;
    private String host = "127.0.0.1";
    private int port = 2379;
    // Package-private where the cluster start-up (ClusterStart) reads them.
    Path certFile;
    private Path keyFile;
    private Path trustedCaFile;
    private boolean clientCertAuth;
    private boolean insecure;
    private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private int maxTxnOps = DEFAULT_MAX_TXN_OPS;
    final Map<String, String> engineSettings = new LinkedHashMap<>();
    private Durability durability = Durability.SYNC;
    private long progressNotifyMillis = 10 * 60 * 1000;
    Map<String, String> memberClientAddresses;
    long joinTimeoutMillis = 120_000;
    private boolean joinExisting;

    /**
     * Starts a config for an engine and its directory.
     *
     * @param engine the engine name, as {@link StorageEngines#available()} lists it
     * @param dataDir the engine's directory (created when missing)
     */
    public Config(String engine, Path dataDir) {
      this.engine = Objects.requireNonNull(engine, "engine");
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
    }

    /**
     * Sets the listen address.
     *
     * @param host a host name or address; non-loopback needs TLS or {@link #insecure}
     * @param port the port, 0 for any free one
     * @return this config
     */
    public Config listen(String host, int port) {
      this.host = Objects.requireNonNull(host, "host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Serves TLS with this certificate chain and private key (PEM, PKCS#8 key).
     *
     * @param certFile the server certificate chain
     * @param keyFile its private key
     * @return this config
     */
    public Config tls(Path certFile, Path keyFile) {
      this.certFile = Objects.requireNonNull(certFile, "certFile");
      this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
      return this;
    }

    /**
     * Requires clients to present a certificate signed by one of these CAs (etcd's {@code
     * --client-cert-auth --trusted-ca-file}).
     *
     * @param trustedCaFile PEM file of trusted CA certificates
     * @return this config
     */
    public Config clientCertAuth(Path trustedCaFile) {
      this.trustedCaFile = Objects.requireNonNull(trustedCaFile, "trustedCaFile");
      this.clientCertAuth = true;
      return this;
    }

    /**
     * Allows a non-loopback listen address without TLS.
     *
     * @param insecure whether plaintext on a network address is allowed
     * @return this config
     */
    public Config insecure(boolean insecure) {
      this.insecure = insecure;
      return this;
    }

    /**
     * Sets etcd's request limits.
     *
     * @param maxRequestBytes the largest write request, in bytes (etcd: 1.5 MiB)
     * @param maxTxnOps the most operations per txn branch (etcd: 128)
     * @return this config
     */
    public Config limits(int maxRequestBytes, int maxTxnOps) {
      if (maxRequestBytes < 1 || maxTxnOps < 1) {
        throw new IllegalArgumentException(
            "maxRequestBytes and maxTxnOps must be positive: "
                + maxRequestBytes
                + ", "
                + maxTxnOps);
      }
      this.maxRequestBytes = maxRequestBytes;
      this.maxTxnOps = maxTxnOps;
      return this;
    }

    /**
     * Passes an engine setting through to {@link EngineOptions} (e.g. {@code durability}, or {@code
     * btree.freelist}).
     *
     * @param key the setting's name
     * @param value its value
     * @return this config
     */
    public Config engineSetting(String key, String value) {
      engineSettings.put(
          Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Sets the engine's durability; etcd acknowledges a write only once it is on disk, so the
     * default is {@link Durability#SYNC}.
     *
     * @param durability the engine's durability
     * @return this config
     */
    public Config durability(Durability durability) {
      this.durability = Objects.requireNonNull(durability, "durability");
      return this;
    }

    /**
     * Sets how often watchers that asked for progress notices get one when idle (etcd: 10 minutes).
     *
     * @param millis the interval in milliseconds
     * @return this config
     */
    public Config progressNotifyInterval(long millis) {
      if (millis < 1) {
        throw new IllegalArgumentException("progress notify interval must be positive: " + millis);
      }
      this.progressNotifyMillis = millis;
      return this;
    }

    /**
     * Makes this server one member of a cluster over the {@code raft} engine: {@code
     * clientAddresses} names every member's client {@code host:port} by its {@code raft.id} (the
     * keys of {@code raft.peers}). Followers forward writes to the leader's client address.
     * Requires the engine {@code raft} with the settings {@code raft.id} and {@code raft.peers}.
     *
     * @param clientAddresses every member's client address, this one's included
     * @return this config
     */
    public Config cluster(Map<String, String> clientAddresses) {
      this.memberClientAddresses = new LinkedHashMap<>(clientAddresses);
      return this;
    }

    /**
     * Sets etcd's {@code --initial-cluster-state}: {@code new} (the default) for a member of a
     * cluster that starts together, {@code existing} for a member added to a running cluster with
     * {@code MemberAdd}. An existing-state member joins at its first start: the leader adds its
     * replica to the raft group (once it caught up) and records its name and client URL. Its
     * directory starts empty; {@code raft.peers} and {@link #cluster} name the running members and
     * itself. Restarted, it starts from its replica, like a {@code new} member, and asks the leader
     * to record its client URL again only when that changed.
     *
     * @param state {@code new} or {@code existing}
     * @return this config
     * @throws IllegalArgumentException for any other state
     */
    public Config initialClusterState(String state) {
      switch (Objects.requireNonNull(state, "state")) {
        case "new" -> joinExisting = false;
        case "existing" -> joinExisting = true;
        default ->
            throw new IllegalArgumentException(
                "--initial-cluster-state must be new or existing: " + state);
      }
      return this;
    }

    /**
     * Sets how long a cluster member waits at start for the cluster to have a leader and an
     * initialized store (default two minutes).
     *
     * @param millis the time in milliseconds
     * @return this config
     */
    public Config joinTimeout(long millis) {
      if (millis < 1) {
        throw new IllegalArgumentException("join timeout must be positive: " + millis);
      }
      this.joinTimeoutMillis = millis;
      return this;
    }

    void validate() {
      if (memberClientAddresses != null) {
        validateCluster();
      }
      if ((certFile == null) != (keyFile == null)) {
        throw new IllegalArgumentException("TLS needs both --cert-file and --key-file");
      }
      if (certFile == null && !insecure && !isLoopback(host)) {
        throw new IllegalArgumentException(
            "refusing to listen on non-loopback address "
                + host
                + " without TLS: give --cert-file and --key-file, or --insecure");
      }
      if (clientCertAuth && certFile == null) {
        throw new IllegalArgumentException("--client-cert-auth needs --cert-file and --key-file");
      }
    }

    private void validateCluster() {
      if (!engine.equals("raft")) {
        throw new IllegalArgumentException(
            "a cluster needs the raft engine (--engine raft), not " + engine);
      }
      String id = engineSettings.get(ClusterStart.RAFT_ID);
      Map<String, String> peers =
          ClusterStart.parsePeers(engineSettings.get(ClusterStart.RAFT_PEERS));
      if (id == null || peers.isEmpty()) {
        throw new IllegalArgumentException("a cluster needs the settings raft.id and raft.peers");
      }
      if (!memberClientAddresses.keySet().equals(peers.keySet())) {
        throw new IllegalArgumentException(
            "the members' client addresses "
                + memberClientAddresses.keySet()
                + " must name exactly the raft peers "
                + peers.keySet());
      }
      for (String address : memberClientAddresses.values()) {
        int colon = address.lastIndexOf(':');
        if (colon < 1) {
          throw new IllegalArgumentException("a client address must be host:port: " + address);
        }
        Integer.parseInt(address.substring(colon + 1));
      }
    }

    private static boolean isLoopback(String host) {
      try {
        for (InetAddress address : InetAddress.getAllByName(host)) {
          if (!address.isLoopbackAddress()) {
            return false;
          }
        }
        return true;
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("unknown listen host: " + host, e);
      }
    }
  }
}
