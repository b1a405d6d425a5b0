package dev.strata.bench.etcd;

import dev.strata.bench.runner.EngineFork;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * One server under test, started and stopped by the bench: a real etcd process with a bbolt
 * freelist type, or a strata-etcd process on a named engine. Not thread-safe.
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

  /** Prints how the last start went, once the server answered; nothing by default. */
  void reportStart() throws InterruptedException {}

  /** Stops the server, keeping its data. */
  abstract void stop() throws Exception;

  /** Seconds spent allocating pages per commit so far and the commits counted, or null. */
  abstract double[] spillSecondsAndCommits() throws IOException;

  /**
   * The data file's size and its free space (pages the allocator may hand out), or null for a
   * server that keeps no page freelist.
   */
  abstract String space() throws IOException;

  /**
   * {@link #space} and {@link #spillSecondsAndCommits} at one moment.
   *
   * @param space the data file and its free space, or null
   * @param spill seconds spent allocating pages and commits counted, or null
   */
  record Reading(String space, double[] spill) {}

  /**
   * Reads {@link #space} and {@link #spillSecondsAndCommits} at once: strata-etcd answers both from
   * one engine stats call, which on {@code btree} walks the whole tree (minutes at tens of GB).
   */
  Reading read() throws IOException {
    return new Reading(space(), spillSecondsAndCommits());
  }

  static String space(double fileBytes, double freeBytes) {
    return String.format(
        Locale.ROOT,
        "data file %.1f GB, free %.1f GB (%,.0f pages of 4 KiB)",
        fileBytes / 1e9,
        freeBytes / 1e9,
        freeBytes / 4096);
  }

  /** The running server process, or null. */
  abstract Process process();

  /**
   * The CPU time the server process used so far, in nanoseconds (all its threads, user and system),
   * or -1 when the platform does not report it.
   */
  long cpuNanos() {
    Process p = process();
    return p == null
        ? -1
        : p.toHandle().info().totalCpuDuration().map(d -> d.toNanos()).orElse(-1L);
  }

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

  /**
   * The target called {@code name}.
   *
   * @param etcdFlags further flags of real etcd's process
   * @param etcdMemoryLimit real etcd's soft memory limit ({@code GOMEMLIMIT}), or null for none
   * @param serverJvmArgs JVM flags of strata-etcd's process, whitespace-separated
   */
  static Target of(
      String name,
      Path dir,
      String etcdBinary,
      List<String> etcdFlags,
      String etcdMemoryLimit,
      String serverJvmArgs) {
    return switch (name) {
      case "etcd-array" -> new RealEtcd(name, dir, etcdBinary, "array", etcdFlags, etcdMemoryLimit);
      case "etcd-map" -> new RealEtcd(name, dir, etcdBinary, "map", etcdFlags, etcdMemoryLimit);
      case "btree" -> new Strata(name, dir, "btree", null, serverJvmArgs);
      case "btree-array" -> new Strata(name, dir, "btree", "btree.freelist=array", serverJvmArgs);
      case "btree-2sync" -> new Strata(name, dir, "btree", "btree.commitSyncs=2", serverJvmArgs);
      case "lsm", "ledger", "memory" -> new Strata(name, dir, name, null, serverJvmArgs);
      default ->
          throw new IllegalArgumentException(
              "unknown target "
                  + name
                  + "; choose from etcd-array, etcd-map, btree, btree-array, btree-2sync, lsm,"
                  + " ledger");
    };
  }

  /** Real etcd with {@code --experimental-backend-bbolt-freelist-type}. */
  static final class RealEtcd extends Target {
    private final String binary;
    private final String freelist;
    private final List<String> flags;
    private final String memoryLimit;
    private Process process;

    RealEtcd(
        String name,
        Path dir,
        String binary,
        String freelist,
        List<String> flags,
        String memoryLimit) {
      super(name, dir);
      this.binary = binary;
      this.flags = List.copyOf(flags);
      this.memoryLimit = memoryLimit;
      this.freelist = freelist;
    }

    @Override
    void start() throws Exception {
      port = freePort();
      int peer = freePort();
      String client = "http://127.0.0.1:" + port;
      String peerUrl = "http://127.0.0.1:" + peer;
      List<String> command =
          new ArrayList<>(
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
                  freelist));
      command.addAll(flags);
      ProcessBuilder builder = new ProcessBuilder(command);
      if (memoryLimit != null) {
        builder.environment().put("GOMEMLIMIT", memoryLimit);
      }
      process =
          builder
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
    Process process() {
      return process;
    }

    private String metrics() throws IOException {
      try (InputStream in =
          URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }

    @Override
    String space() throws IOException {
      String metrics = metrics();
      double total = metric(metrics, "etcd_mvcc_db_total_size_in_bytes");
      return space(total, total - metric(metrics, "etcd_mvcc_db_total_size_in_use_in_bytes"));
    }

    @Override
    double[] spillSecondsAndCommits() throws IOException {
      String metrics = metrics();
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

  /**
   * strata-etcd in a JVM of its own ({@link StrataEtcdProcess}), as real etcd is a process of its
   * own: the two share the machine's cores with the bench's clients alike.
   *
   * <p>The server JVM uses a class-data sharing archive in the target's directory, as an operator
   * who follows the module README does: the first start records the classes it loaded into {@link
   * #CLASS_ARCHIVE} when its JVM exits ({@code -XX:ArchiveClassesAtExit}), and every later start
   * maps them from there ({@code -XX:SharedArchiveFile}) instead of loading, verifying and linking
   * them from the jar again. The measured restart is thus an operator's second start. Server JVM
   * flags that choose class sharing themselves ({@code -Xshare}, an archive) turn this off.
   */
  static final class Strata extends Target {
    /** The class-data sharing archive the server JVM writes and reuses, in the target directory. */
    static final String CLASS_ARCHIVE = "strata-etcd.jsa";

    private final String engine;
    private final String setting;
    private final String jvmArgs;
    private Process process;
    private int starts;
    private BufferedWriter commands;

    /**
     * The output lines of the current process. Each start has a queue of its own: the reader of a
     * stopped process may still be draining its output (the class archive's warnings at exit) and
     * add its end after the next process started.
     */
    private BlockingQueue<String> answers = new LinkedBlockingQueue<>();

    /** What {@link #reportStart} prints, with a {@code %s} for the JVM's part; null once done. */
    private String startReport;

    /** Lines of the server's output in a failed start's error. */
    private static final int TAIL_LINES = 10;

    /** The last lines of output {@link #awaitLine} skipped, for a failed start's error. */
    private final ArrayDeque<String> skipped = new ArrayDeque<>();

    /**
     * A strata-etcd server on {@code engine}.
     *
     * @param setting one engine setting as {@code KEY=VALUE}, or null
     */
    Strata(String name, Path dir, String engine, String setting, String jvmArgs) {
      super(name, dir);
      this.engine = engine;
      this.setting = setting;
      this.jvmArgs = jvmArgs;
    }

    @Override
    void start() throws Exception {
      long launchNanos = System.nanoTime();
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      starts++;
      for (String flag : jvmArgs.trim().split("\\s+")) {
        if (!flag.isEmpty()) {
          // One recording file per start: the restart must not overwrite the measured run's.
          command.add(flag.replace("%n", String.valueOf(starts)));
        }
      }
      String classSharing = classSharingFlag();
      if (classSharing != null) {
        command.add(classSharing);
      }
      // Not EngineFork's --add-opens, which only the lmdbjava baseline needs: the flags would turn
      // off the class-data sharing of the JDK's module graph, and strata-etcd.jar runs without
      // them.
      command.add("-cp");
      command.add(EngineFork.childClassPath());
      command.add(StrataEtcdProcess.class.getName());
      command.add(engine);
      command.add(dir.resolve("strata").toString());
      if (setting != null) {
        command.add(setting);
      }
      BlockingQueue<String> output = new LinkedBlockingQueue<>();
      answers = output;
      skipped.clear();
      process =
          new ProcessBuilder(command)
              .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("strata.log").toFile()))
              .start();
      commands =
          new BufferedWriter(
              new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
      Process started = process;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = out.readLine(); line != null; line = out.readLine()) {
                    output.add(line);
                  }
                } catch (IOException e) {
                  output.add("error " + e.getMessage());
                }
                output.add("exit");
              },
              "etcd-stall-" + name + "-output");
      reader.setDaemon(true);
      reader.start();
      String line = awaitLine(StrataEtcdProcess.LISTENING);
      if (line == null) {
        // The target directory, log included, is deleted after a failed run: keep its end here.
        throw new IllegalStateException(
            name
                + ": strata-etcd did not start; its output ended with "
                + skipped
                + " and "
                + dir.resolve("strata.log")
                + " with "
                + logTail());
      }
      long listeningMillis = (System.nanoTime() - launchNanos) / 1_000_000;
      String[] fields = line.substring(StrataEtcdProcess.LISTENING.length()).trim().split(" ");
      port = Integer.parseInt(fields[0]);
      startReport =
          name
              + ": strata-etcd listens "
              + listeningMillis
              + " ms after its launch, %s ms after its JVM started, "
              + (fields.length > 1 ? fields[1] : "?")
              + " ms of them in EtcdServer.start (engine and store open, port bound)"
              + (classSharing == null
                  ? ""
                  : classSharing.startsWith("-XX:SharedArchiveFile")
                      ? "; classes mapped from " + CLASS_ARCHIVE
                      : "; recording " + CLASS_ARCHIVE + " at exit");
      connect();
    }

    /**
     * Prints how the last start went: when the server listened, after its launch and after its JVM
     * started, and how long {@code EtcdServer.start} took. The JVM's part comes on a line of its
     * own after the port's, so this waits for it; called once the server answered, off the timed
     * path.
     */
    @Override
    void reportStart() throws InterruptedException {
      if (startReport == null) {
        return;
      }
      String line = awaitLine(StrataEtcdProcess.STARTED);
      System.out.println(
          String.format(
              Locale.ROOT,
              startReport,
              line == null ? "?" : line.substring(StrataEtcdProcess.STARTED.length()).trim()));
      startReport = null;
    }

    /**
     * The class-sharing flag of this start: use the archive when an earlier start wrote it, record
     * it otherwise; null when the configured JVM flags decide class sharing themselves.
     */
    private String classSharingFlag() {
      if (jvmArgs.contains("-Xshare")
          || jvmArgs.contains("SharedArchiveFile")
          || jvmArgs.contains("ArchiveClassesAtExit")
          || !jarsOnly(EngineFork.childClassPath())) {
        return null;
      }
      Path archive = dir.resolve(CLASS_ARCHIVE);
      return Files.isRegularFile(archive)
          ? "-XX:SharedArchiveFile=" + archive
          : "-XX:ArchiveClassesAtExit=" + archive;
    }

    /**
     * The next line of the server's output that starts with {@code prefix}, skipping others (the
     * JVM's own, such as a flight recording's notice); null if the server exits or stays silent.
     */
    private String awaitLine(String prefix) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (true) {
        String line = answers.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (line == null || line.equals("exit")) {
          return null;
        }
        if (line.startsWith(prefix)) {
          return line;
        }
        skipped.addLast(line);
        if (skipped.size() > TAIL_LINES) {
          skipped.removeFirst();
        }
      }
    }

    /**
     * Whether the class path holds only jar files that name no further entries: the JVM refuses to
     * start when asked to record an archive over a class path with a directory (a build's classes,
     * or a test runner's manifest-only jar pointing at them).
     */
    static boolean jarsOnly(String classPath) {
      for (String entry : classPath.split(File.pathSeparator)) {
        Path jar = Path.of(entry);
        if (!entry.endsWith(".jar") || !Files.isRegularFile(jar)) {
          return false;
        }
        try (JarFile file = new JarFile(jar.toFile())) {
          Manifest manifest = file.getManifest();
          if (manifest != null
              && manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH) != null) {
            return false;
          }
        } catch (IOException e) {
          return false;
        }
      }
      return true;
    }

    private List<String> logTail() {
      try {
        List<String> lines = Files.readAllLines(dir.resolve("strata.log"), StandardCharsets.UTF_8);
        return lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
      } catch (IOException e) {
        return List.of("(unreadable: " + e + ")");
      }
    }

    @Override
    void stop() throws Exception {
      disconnect();
      if (process != null) {
        try {
          commands.write("stop\n");
          commands.flush();
        } catch (IOException e) {
          // Already gone: waitFor below returns at once.
        }
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(60, TimeUnit.SECONDS);
        }
        process = null;
      }
    }

    @Override
    Process process() {
      return process;
    }

    @Override
    Reading read() throws IOException {
      Map<String, Double> stats = stats();
      return new Reading(space(stats), spill(stats));
    }

    @Override
    String space() throws IOException {
      return space(stats());
    }

    private static String space(Map<String, Double> stats) {
      Double free = stats.get("freePages");
      Double pageSize = stats.get("pageSize");
      if (free == null || pageSize == null) {
        return null;
      }
      return space(stats.get("fileBytes"), free * pageSize)
          + String.format(
              Locale.ROOT,
              "; %,.0f engine keys in %,.0f leaf and %,.0f overflow pages",
              stats.get("keys"),
              stats.get("leafPages"),
              stats.get("overflowPages"));
    }

    @Override
    double[] spillSecondsAndCommits() throws IOException {
      return spill(stats());
    }

    private static double[] spill(Map<String, Double> stats) {
      Double nanos = stats.get("pageAllocationNanos");
      Double commits = stats.get("commits");
      // Only the btree engine allocates pages from a freelist and reports the time it takes.
      return nanos == null || commits == null ? null : new double[] {nanos / 1e9, commits};
    }

    private Map<String, Double> stats() throws IOException {
      commands.write("stats\n");
      commands.flush();
      String line;
      try {
        line = awaitLine(StrataEtcdProcess.STATS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for stats", e);
      }
      if (line == null) {
        throw new IOException(
            name + ": no stats from strata-etcd; see " + dir.resolve("strata.log"));
      }
      return StrataEtcdProcess.parseStats(line);
    }
  }
}
