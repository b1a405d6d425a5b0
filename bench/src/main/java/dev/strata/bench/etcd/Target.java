package dev.strata.bench.etcd;

import dev.strata.etcd.EtcdServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One server under test, started and stopped by the bench: a real etcd process with a bbolt
 * freelist type, or strata-etcd in this JVM on a named engine. Not thread-safe.
 */
abstract class Target implements AutoCloseable {
  final String name;
  final Path dir;
  int port;
  ManagedChannel channel;

  Target(String name, Path dir) {
    this.name = name;
    this.dir = dir;
  }

  /** Starts (or restarts, on the same directory) the server and connects a channel to it. */
  abstract void start() throws Exception;

  /** Stops the server, keeping its data. */
  abstract void stop() throws Exception;

  /** Seconds spent allocating pages per commit so far and the commits counted, or null. */
  abstract double[] spillSecondsAndCommits() throws IOException;

  void connect() {
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  void disconnect() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
      channel = null;
    }
  }

  @Override
  public void close() throws Exception {
    stop();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static Target of(String name, Path dir, String etcdBinary) {
    return switch (name) {
      case "etcd-array" -> new RealEtcd(name, dir, etcdBinary, "array");
      case "etcd-map" -> new RealEtcd(name, dir, etcdBinary, "map");
      case "btree" -> new Strata(name, dir, "btree", null);
      case "btree-array" -> new Strata(name, dir, "btree", "array");
      case "lsm", "ledger", "memory" -> new Strata(name, dir, name, null);
      default ->
          throw new IllegalArgumentException(
              "unknown target "
                  + name
                  + "; choose from etcd-array, etcd-map, btree, btree-array, lsm, ledger");
    };
  }

  /** Real etcd with {@code --experimental-backend-bbolt-freelist-type}. */
  static final class RealEtcd extends Target {
    private final String binary;
    private final String freelist;
    private Process process;

    RealEtcd(String name, Path dir, String binary, String freelist) {
      super(name, dir);
      this.binary = binary;
      this.freelist = freelist;
    }

    @Override
    void start() throws Exception {
      port = freePort();
      int peer = freePort();
      String client = "http://127.0.0.1:" + port;
      String peerUrl = "http://127.0.0.1:" + peer;
      process =
          new ProcessBuilder(
                  List.of(
                      binary,
                      "--name",
                      "bench",
                      "--data-dir",
                      dir.resolve("etcd").toString(),
                      "--listen-client-urls",
                      client,
                      "--advertise-client-urls",
                      client,
                      "--listen-peer-urls",
                      peerUrl,
                      "--initial-advertise-peer-urls",
                      peerUrl,
                      "--initial-cluster",
                      "bench=" + peerUrl,
                      "--quota-backend-bytes",
                      String.valueOf(64L << 30),
                      "--experimental-backend-bbolt-freelist-type",
                      freelist))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()))
              .start();
      connect();
    }

    @Override
    void stop() throws Exception {
      disconnect();
      if (process != null) {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(60, TimeUnit.SECONDS);
        }
        process = null;
      }
    }

    @Override
    double[] spillSecondsAndCommits() throws IOException {
      String metrics;
      try (InputStream in =
          URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openStream()) {
        metrics = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      double sum = metric(metrics, "etcd_debugging_disk_backend_commit_spill_duration_seconds_sum");
      double count =
          metric(metrics, "etcd_debugging_disk_backend_commit_spill_duration_seconds_count");
      return new double[] {sum, count};
    }

    private static double metric(String metrics, String name) {
      for (String line : metrics.split("\n")) {
        if (line.startsWith(name + " ")) {
          return Double.parseDouble(line.substring(name.length() + 1).trim());
        }
      }
      return Double.NaN;
    }
  }

  /** strata-etcd in this JVM. */
  static final class Strata extends Target {
    private final String engine;
    private final String freelist;
    private EtcdServer server;

    Strata(String name, Path dir, String engine, String freelist) {
      super(name, dir);
      this.engine = engine;
      this.freelist = freelist;
    }

    @Override
    void start() {
      EtcdServer.Config config =
          new EtcdServer.Config(engine, dir.resolve("strata")).listen("127.0.0.1", 0);
      if (freelist != null) {
        config.engineSetting("btree.freelist", freelist);
      }
      server = EtcdServer.start(config);
      port = server.port();
      connect();
    }

    @Override
    void stop() throws Exception {
      disconnect();
      if (server != null) {
        server.close();
        server = null;
      }
    }

    @Override
    double[] spillSecondsAndCommits() {
      // The btree engine does not publish a per-commit page-allocation time.
      return null;
    }
  }
}
