package dev.strata.bench.etcd;

import dev.strata.etcd.EtcdServer;
import dev.strata.etcd.StrataEtcd;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * The strata-etcd server of {@code etcd-stall}, run in a JVM of its own as real etcd runs in a
 * process of its own: {@code StrataEtcdProcess ENGINE DATA_DIR [KEY=VALUE ...]} starts {@link
 * EtcdServer} with its defaults (durable writes, etcd's limits) on a free loopback port and the
 * engine settings given, prints {@code listening PORT START_MILLIS} (how long {@link
 * EtcdServer#start} took: opening the engine and the store, binding the port) as soon as the server
 * answers and then {@code started JVM_MILLIS} (the JVM's uptime when it did; reading the uptime
 * loads the JDK's management classes, so it waits until the port is known), then answers commands
 * read from standard input, one per line: {@code stats} prints {@code stats KEY=VALUE;...} (the
 * engine's {@code stats()}), {@code stop} (or the end of input) closes the server and exits with
 * code 0. Single-threaded apart from the server's own threads.
 */
public final class StrataEtcdProcess {
  /** The first line printed once the server answers, followed by its port. */
  static final String LISTENING = "listening ";

  /** The line after {@link #LISTENING}, followed by the JVM's uptime then. */
  static final String STARTED = "started ";

  /** The prefix of the answer to {@code stats}. */
  static final String STATS = "stats ";

  private StrataEtcdProcess() {}

  /**
   * Runs the server until {@code stop} or the end of standard input.
   *
   * @param args the engine name, the data directory, then engine settings as {@code KEY=VALUE}
   * @throws Exception if the server cannot start or standard input cannot be read
   */
  public static void main(String[] args) throws Exception {
    StrataEtcd.quietNettyEvents();
    StrataEtcd.sizeCommonPool();
    if (args.length < 2) {
      System.err.println("usage: StrataEtcdProcess ENGINE DATA_DIR [KEY=VALUE ...]");
      System.exit(2);
    }
    EtcdServer.Config config =
        new EtcdServer.Config(args[0], Path.of(args[1])).listen("127.0.0.1", 0);
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq < 1) {
        System.err.println("engine setting must be KEY=VALUE: " + args[i]);
        System.exit(2);
      }
      config.engineSetting(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    long startNanos = System.nanoTime();
    try (EtcdServer server = EtcdServer.start(config)) {
      long listeningNanos = System.nanoTime();
      System.out.println(
          LISTENING + server.port() + " " + (listeningNanos - startNanos) / 1_000_000);
      System.out.flush();
      System.out.println(
          STARTED
              + (ManagementFactory.getRuntimeMXBean().getUptime()
                  - (System.nanoTime() - listeningNanos) / 1_000_000));
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.equals("stats")) {
          StringJoiner out = new StringJoiner(";", STATS, "");
          new TreeMap<>(server.engine().stats()).forEach((k, v) -> out.add(k + "=" + v));
          System.out.println(out);
          System.out.flush();
        } else if (line.equals("stop")) {
          break;
        }
      }
    }
  }

  /** Parses a {@code stats} answer. */
  static Map<String, Double> parseStats(String line) {
    Map<String, Double> stats = new TreeMap<>();
    for (String pair : line.substring(STATS.length()).split(";")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        stats.put(pair.substring(0, eq), Double.parseDouble(pair.substring(eq + 1)));
      }
    }
    return stats;
  }
}
