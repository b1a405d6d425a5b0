package dev.strata.etcd;

import dev.strata.api.Durability;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code strata-etcd} executable: {@code java -jar strata-etcd.jar --engine btree --data-dir
 * DIR --listen 127.0.0.1:2379}. TLS flags carry etcd's names. With {@code --engine raft} it runs
 * one member of a cluster ({@code --raft-id}, {@code --raft-peers}, {@code --member-clients}).
 */
@Command(
    name = "strata-etcd",
    mixinStandardHelpOptions = true,
    description = "An etcd v3 API server over a Strata storage engine.")
public final class StrataEtcd implements Callable<Integer> {
  private static final String NETTY_JFR = "io.netty.jfr.enabled";

  @Option(
      names = "--engine",
      defaultValue = "btree",
      description =
          "Storage engine by name (btree, lsm, ledger, memory). Default: ${DEFAULT-VALUE}")
  String engine;

  @Option(names = "--data-dir", required = true, description = "The engine's directory.")
  Path dataDir;

  @Option(
      names = "--listen",
      defaultValue = "127.0.0.1:2379",
      description = "host:port to serve clients on. Default: ${DEFAULT-VALUE}")
  String listen;

  @Option(names = "--cert-file", description = "Server TLS certificate chain (PEM).")
  Path certFile;

  @Option(names = "--key-file", description = "Server TLS private key (PEM, PKCS#8).")
  Path keyFile;

  @Option(
      names = "--client-cert-auth",
      description = "Require client certificates signed by --trusted-ca-file.")
  boolean clientCertAuth;

  @Option(names = "--trusted-ca-file", description = "CA certificates for client certificates.")
  Path trustedCaFile;

  @Option(names = "--insecure", description = "Allow a non-loopback address without TLS.")
  boolean insecure;

  @Option(
      names = "--max-request-bytes",
      defaultValue = "" + EtcdServer.Config.DEFAULT_MAX_REQUEST_BYTES,
      description = "Largest write request in bytes. Default: ${DEFAULT-VALUE}")
  int maxRequestBytes;

  @Option(
      names = "--max-txn-ops",
      defaultValue = "" + EtcdServer.Config.DEFAULT_MAX_TXN_OPS,
      description = "Most operations per txn branch. Default: ${DEFAULT-VALUE}")
  int maxTxnOps;

  @Option(
      names = "--durability",
      defaultValue = "SYNC",
      description =
          "SYNC (every acknowledged write is on disk) or NO_SYNC. Default: ${DEFAULT-VALUE}")
  Durability durability;

  @Option(
      names = "--engine-setting",
      description = "Engine option key=value, e.g. btree.freelist=array (repeatable).")
  Map<String, String> engineSettings = Map.of();

  @Option(
      names = "--raft-id",
      description = "With --engine raft: this member's id, one of --raft-peers (raft.id).")
  String raftId;

  @Option(
      names = "--raft-peers",
      description =
          "With --engine raft: every member's raft address, id=host:port,... (raft.peers).")
  String raftPeers;

  @Option(
      names = "--raft-engine",
      defaultValue = "btree",
      description =
          "With --engine raft: the local engine each member keeps its replica in (raft.engine)."
              + " Default: ${DEFAULT-VALUE}")
  String raftEngine;

  @Option(
      names = "--member-clients",
      description =
          "With --engine raft: every member's client address, id=host:port,...; followers"
              + " forward writes to the leader's.")
  String memberClients;

  @Option(
      names = "--initial-cluster-state",
      defaultValue = "new",
      description =
          "With --engine raft: new (members of a new cluster start together) or existing (a"
              + " member added with MemberAdd joins the running cluster), as etcd's flag.")
  String initialClusterState;

  /** Runs the command line. */
  StrataEtcd() {}

  /**
   * Starts the server and serves until the process is stopped.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    quietNettyEvents();
    sizeCommonPool();
    System.exit(new CommandLine(new StrataEtcd()).execute(args));
  }

  /**
   * Gives the common fork-join pool a parallelism of at least 2 unless {@code
   * -Djava.util.concurrent.ForkJoinPool.common.parallelism} says otherwise: with the {@code raft}
   * engine, Ratis runs a stage on that pool for every entry a follower appends, and below 2 (the
   * default with fewer than three processors) each stage starts a new thread. The JVM reads the
   * property when the pool is first used, so this runs first.
   */
  public static void sizeCommonPool() {
    String property = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(property) == null) {
      int processors = Runtime.getRuntime().availableProcessors();
      System.setProperty(property, Integer.toString(Math.max(2, processors - 1)));
    }
  }

  /**
   * Turns off Netty's flight-recorder events for its buffer allocator unless {@code
   * -Dio.netty.jfr.enabled} says otherwise. Registering them with the JDK's flight recorder when
   * the first buffer is allocated takes longer than the rest of a start's first call, and they only
   * serve a recording of Netty's allocator. Netty reads the property once, when its first class
   * initializes, so this runs before anything touches Netty.
   */
  public static void quietNettyEvents() {
    if (System.getProperty(NETTY_JFR) == null) {
      System.setProperty(NETTY_JFR, "false");
    }
  }

  /** Starts serving and blocks; returns an exit code. */
  @Override
  public Integer call() throws InterruptedException {
    int colon = listen.lastIndexOf(':');
    if (colon < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--listen must be host:port: " + listen);
    }
    String host = listen.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = Integer.parseInt(listen.substring(colon + 1));
    EtcdServer.Config config =
        new EtcdServer.Config(engine, dataDir)
            .listen(host, port)
            .insecure(insecure)
            .limits(maxRequestBytes, maxTxnOps)
            .durability(durability);
    if (certFile != null || keyFile != null) {
      if (certFile == null || keyFile == null) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "TLS needs both --cert-file and --key-file");
      }
      config.tls(certFile, keyFile);
    }
    if (clientCertAuth) {
      if (trustedCaFile == null) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--client-cert-auth needs --trusted-ca-file");
      }
      config.clientCertAuth(trustedCaFile);
    }
    engineSettings.forEach(config::engineSetting);
    if (engine.equals("raft")) {
      if (raftId == null || raftPeers == null || memberClients == null) {
        throw new CommandLine.ParameterException(
            new CommandLine(this),
            "--engine raft needs --raft-id, --raft-peers and --member-clients");
      }
      config
          .engineSetting("raft.id", raftId)
          .engineSetting("raft.peers", raftPeers)
          .engineSetting("raft.engine", raftEngine)
          .cluster(ClusterStart.parsePeers(memberClients))
          .initialClusterState(initialClusterState);
    }
    EtcdServer server;
    try {
      server = EtcdServer.start(config);
    } catch (IllegalArgumentException e) {
      System.err.println("strata-etcd: " + e.getMessage());
      return 2;
    } catch (IllegalStateException e) {
      // The cluster refused this member, or none of its members answered in time.
      System.err.println("strata-etcd: " + e.getMessage());
      return 1;
    }
    EtcdServer running = server;
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "strata-etcd-shutdown"));
    System.out.println(
        "strata-etcd serving "
            + engine
            + " from "
            + dataDir
            + " on "
            + host
            + ":"
            + server.port()
            + (certFile != null ? " (TLS)" : "")
            + " at revision "
            + server.revision()
            + ", started in "
            + server.startup().startMillis()
            + " ms (engine and store opened in "
            + server.startup().openMillis()
            + " ms)");
    server.awaitTermination();
    return 0;
  }
}
