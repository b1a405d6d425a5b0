package dev.strata.etcd;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import io.grpc.Server;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An etcd v3 API server over one Strata engine opened by name. Serves KV, Watch, Lease and
 * Maintenance {@code Status} on one gRPC port, optionally over TLS with client certificates.
 *
 * <p>Thread-safe. {@link #start(Config)} opens the engine (which locks its directory) and binds the
 * port; {@link #close()} stops accepting calls, ends open streams and closes the engine. The store
 * resumes at the revision it had, with its leases, when started again on the same directory.
 */
public final class EtcdServer implements AutoCloseable {
  private final Server server;
  private final MvccStore store;
  private final Lessor lessor;
  private final WatchHub watches;
  private boolean closed;

  private EtcdServer(Server server, MvccStore store, Lessor lessor, WatchHub watches) {
    this.server = server;
    this.store = store;
    this.lessor = lessor;
    this.watches = watches;
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
    EngineOptions.Builder options = EngineOptions.builder().durability(config.durability);
    config.engineSettings.forEach(options::set);
    StorageEngine engine = StorageEngines.open(config.engine, config.dataDir, options.build());
    MvccStore store;
    try {
      store = new MvccStore(engine);
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
    Headers headers = new Headers(store);
    RequestChecks checks = new RequestChecks(config.maxTxnOps, config.maxRequestBytes);
    WatchHub watches = new WatchHub(store, headers, config.progressNotifyMillis);
    store.setListener(watches);
    Lessor lessor;
    try {
      lessor = new Lessor(store);
    } catch (RuntimeException e) {
      watches.close();
      store.close();
      throw e;
    }
    try {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress(config.host, config.port))
              // etcd accepts requests up to --max-request-bytes plus gRPC's own overhead.
              .maxInboundMessageSize(config.maxRequestBytes + 512 * 1024)
              .addService(new KvService(store, headers, checks))
              .addService(new WatchService(watches))
              .addService(new LeaseService(lessor, headers))
              .addService(new MaintenanceService(store, headers, () -> sizeOf(config.dataDir)));
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
      lessor.start();
      return new EtcdServer(server, store, lessor, watches);
    } catch (IOException e) {
      lessor.close();
      watches.close();
      store.close();
      throw new UncheckedIOException("cannot serve on " + config.host + ":" + config.port, e);
    } catch (RuntimeException e) {
      lessor.close();
      watches.close();
      store.close();
      throw e;
    }
  }

  /** The port the server listens on (the bound one when the config asked for port 0). */
  public int port() {
    return server.getPort();
  }

  /** The store's current revision. */
  public long revision() {
    return store.currentRevision();
  }

  /** The engine under the server, for its statistics and meter; owned by the server. */
  public StorageEngine engine() {
    return store.engine();
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
    lessor.close();
    watches.close();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    store.close();
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
    private Path certFile;
    private Path keyFile;
    private Path trustedCaFile;
    private boolean clientCertAuth;
    private boolean insecure;
    private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private int maxTxnOps = DEFAULT_MAX_TXN_OPS;
    private final Map<String, String> engineSettings = new LinkedHashMap<>();
    private Durability durability = Durability.SYNC;
    private long progressNotifyMillis = 10 * 60 * 1000;

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

    void validate() {
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
