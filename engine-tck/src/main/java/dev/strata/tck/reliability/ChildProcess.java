package dev.strata.tck.reliability;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a {@link ChildWorkload} in a child JVM that has this JVM's class path and module path on
 * its class path.
 */
public final class ChildProcess {
  private ChildProcess() {}

  /**
   * Returns the command line that runs {@code workload} in a child JVM.
   *
   * @param workload the workload class, public with a public no-argument constructor
   * @param jvmFlags flags for the child JVM, such as {@code -Xmx256m}
   * @param args the arguments {@link ChildWorkload#run} receives
   * @return a new, modifiable list for {@link ProcessBuilder}
   */
  public static List<String> command(
      Class<? extends ChildWorkload> workload, List<String> jvmFlags, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(ChildClassPath.current());
    command.add(ChildProcess.class.getName());
    command.add(workload.getName());
    command.addAll(List.of(args));
    return command;
  }

  /**
   * The child JVM's entry point: creates the workload named by {@code args[0]} and runs it with the
   * remaining arguments.
   *
   * @param args the workload's class name, then its arguments
   * @throws Exception whatever the workload throws
   */
  public static void main(String[] args) throws Exception {
    ChildWorkload workload =
        Class.forName(args[0]).asSubclass(ChildWorkload.class).getConstructor().newInstance();
    workload.run(java.util.Arrays.copyOfRange(args, 1, args.length));
  }
}
