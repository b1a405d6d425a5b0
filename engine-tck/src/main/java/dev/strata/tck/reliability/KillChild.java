package dev.strata.tck.reliability;

import dev.strata.api.Durability;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One child JVM of {@link ProcessKillHarness}, running {@link KillWorkload}. It is started ahead of
 * its turn (its JVM start-up and class loading overlap the previous child's run and the check of
 * its kill) and touches the store only after {@link #go()}. Used by one parent thread; the
 * acknowledgement counter is updated by a reader thread and read safely.
 */
final class KillChild {
  /**
   * Flags of the child JVM: C1 only and the serial collector start the short-lived child fastest
   * (from start to the store open, median 444 ms and 418 ms of CPU against 622 ms and 608 ms with
   * the JVM's defaults, on the loaded 2-core machine); no perf-data file; class-data sharing of the
   * JDK's classes (an application archive cannot hold the class directories tests run from).
   */
  private static final List<String> JVM_FLAGS =
      List.of(
          "-Xmx256m",
          "-XX:TieredStopAtLevel=1",
          "-XX:+UseSerialGC",
          "-XX:-UsePerfData",
          "-Xshare:auto");

  private final Process process;
  private final Path stderr;
  private final Thread reader;
  private final AtomicLong acked = new AtomicLong(-1);
  private final Object lock = new Object();
  private boolean ready;

  private KillChild(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.reader = new Thread(this::readOutput, "kill-child-output");
    reader.setDaemon(true);
  }

  /** Starts a child JVM that waits for {@link #go()} before it opens {@code store}. */
  static KillChild start(
      String engine, Map<String, String> settings, Path store, Durability durability, Path tmp)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    command.addAll(
        List.of(
            "-cp",
            ChildClassPath.current(),
            KillWorkload.class.getName(),
            engine,
            store.toString(),
            durability.name()));
    settings.forEach((k, v) -> command.add(k + "=" + v));
    Path stderr = Files.createTempFile(tmp, "child", ".err");
    Process p = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    KillChild child = new KillChild(p, stderr);
    child.reader.start();
    return child;
  }

  private void readOutput() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("ACK ")) {
          // A kill can cut the last line short; a cut number is only ever smaller.
          acked.accumulateAndGet(Long.parseLong(line.substring(4)), Math::max);
        } else if (line.startsWith("READY ")) {
          synchronized (lock) {
            ready = true;
            lock.notifyAll();
          }
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // The pipe breaks when the child is killed, possibly in the middle of a line.
    }
  }

  /** Lets the child open the store and run the workload. */
  void go() throws IOException {
    OutputStream in = process.getOutputStream();
    in.write(KillWorkload.GO);
    in.flush();
  }

  /**
   * Waits until the child has opened the store, exited or the timeout passed.
   *
   * @return whether the store is open
   */
  boolean awaitReady(long timeoutSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    synchronized (lock) {
      while (!ready && process.isAlive() && System.nanoTime() < deadline) {
        lock.wait(50);
      }
      return ready;
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Describes how the child ended, with its standard error. */
  String failure() throws IOException, InterruptedException {
    String code = process.isAlive() ? "still running" : "exit code " + process.exitValue();
    return code + ":\n" + Files.readString(stderr);
  }

  /**
   * Kills the child with SIGKILL and waits for it and its output.
   *
   * @return the highest transaction number it acknowledged, -1 if none
   */
  long kill() throws IOException, InterruptedException {
    process.destroyForcibly();
    process.waitFor();
    reader.join(TimeUnit.SECONDS.toMillis(30));
    Files.deleteIfExists(stderr);
    return acked.get();
  }
}
