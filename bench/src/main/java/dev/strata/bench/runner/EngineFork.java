package dev.strata.bench.runner;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Runs one engine of {@code compare} in a child JVM: the same {@code strata-bench compare} command
 * line restricted to that engine, with the JVM flags given, the rows handed back through a {@link
 * ChildRows} file. The child's output is copied to this process's standard output line by line,
 * prefixed with the engine's name. Thread-safe (stateless); each call starts and waits for its own
 * child.
 */
public final class EngineFork {
  /**
   * Options every child gets besides {@code --jvm-args}: lmdbjava's buffer proxy and the btree
   * engine's mapping reach into {@code java.nio}, which the jar's manifest opens only for {@code
   * java -jar}.
   */
  public static final List<String> REQUIRED_JVM_ARGS =
      List.of(
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");

  /** Lines of a failed child's output repeated in the error. */
  private static final int TAIL_LINES = 15;

  private EngineFork() {}

  /**
   * Returns the JVM flags children get by default: this JVM's {@code -X} and {@code -XX:} flags
   * (heap, GC and their tuning) and, if those set no maximum heap, {@code -Xmx} of this JVM's
   * maximum heap; agents and system properties are not repeated.
   *
   * @return the flags, space-separated
   */
  public static String defaultJvmArgs() {
    List<String> flags = new ArrayList<>();
    boolean maxHeap = false;
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("-X") && !arg.contains(" ")) {
        flags.add(arg);
        maxHeap |= arg.startsWith("-Xmx") || arg.startsWith("-XX:MaxHeapSize=");
      }
    }
    if (!maxHeap) {
      flags.add("-Xmx" + (Runtime.getRuntime().maxMemory() >> 20) + "m");
    }
    return String.join(" ", flags);
  }

  /**
   * Returns the class path of a child: this JVM's class path (the benchmark jar when run with
   * {@code java -jar}) followed by its module path, since tests run the bench module on the module
   * path; the child loads everything from the class path, where {@code META-INF/services} finds the
   * same engines.
   */
  public static String childClassPath() {
    List<String> entries = new ArrayList<>();
    for (String property : List.of("java.class.path", "jdk.module.path")) {
      String value = System.getProperty(property);
      if (value != null && !value.isEmpty()) {
        entries.add(value);
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Runs {@code strata-bench <arguments> --child-result <resultFile>} in a child JVM with {@code
   * jvmArgs} and returns the rows it wrote.
   *
   * @param engine the engine's name, for the output prefix and errors
   * @param jvmArgs the child's JVM flags, whitespace-separated; may be empty
   * @param arguments the {@code strata-bench} command line of the child
   * @param resultFile where the child writes its rows; deleted afterwards
   * @return the child's rows
   * @throws BenchException if the child cannot start, exits non-zero (a crash, a lost key, an
   *     engine error) or leaves no readable rows; the message holds the end of its output
   */
  static List<PhaseResult> run(
      String engine, String jvmArgs, List<String> arguments, Path resultFile) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String flag : jvmArgs.trim().split("\\s+")) {
      if (!flag.isEmpty()) {
        command.add(flag);
      }
    }
    command.addAll(REQUIRED_JVM_ARGS);
    command.add("-cp");
    command.add(childClassPath());
    command.add(StrataBench.class.getName());
    command.addAll(arguments);
    command.add("--child-result");
    command.add(resultFile.toString());
    Deque<String> tail = new ArrayDeque<>();
    String error = null;
    int exit;
    try {
      Files.deleteIfExists(resultFile);
      Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
      child.getOutputStream().close();
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          System.out.println("  [" + engine + "] " + line);
          if (error == null && line.startsWith("strata-bench: ")) {
            error = line.substring("strata-bench: ".length());
          }
          tail.addLast(line);
          if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
          }
        }
      }
      exit = child.waitFor();
    } catch (IOException e) {
      throw new BenchException("cannot run the child JVM of " + engine + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted while waiting for the child JVM of " + engine, e);
    }
    if (exit != 0) {
      throw new BenchException(
          engine
              + ": child JVM exited with code "
              + exit
              + (error == null ? "" : " (" + error + ")")
              + "; its last output:\n    "
              + String.join("\n    ", tail));
    }
    try {
      return ChildRows.read(resultFile);
    } catch (IOException e) {
      throw new BenchException(engine + ": child JVM left no rows in " + resultFile, e);
    } finally {
      try {
        Files.deleteIfExists(resultFile);
      } catch (IOException e) {
        System.err.println("warning: cannot delete " + resultFile + ": " + e.getMessage());
      }
    }
  }
}
