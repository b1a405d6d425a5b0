package dev.strata.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Runs the strata command in this JVM with captured streams. */
final class Cli {
  private Cli() {}

  /** What one command line printed and returned. */
  record Result(int code, String out, String err) {
    List<String> outLines() {
      return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /**
   * The command that starts {@link Strata} in a child JVM with this JVM's modules and libraries,
   * all on the child's class path (engines register on both paths), then {@code jvmOptions}.
   */
  static List<String> childJvm(String... jvmOptions) {
    List<String> command = new java.util.ArrayList<>();
    command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(jvmOptions));
    command.add("-cp");
    command.add(childClassPath());
    command.add(Strata.class.getName());
    return command;
  }

  /** This JVM's class path and module path, joined: what a child needs to run {@link Strata}. */
  static String childClassPath() {
    List<String> parts = new java.util.ArrayList<>();
    for (String property : List.of("jdk.module.path", "java.class.path")) {
      String value = System.getProperty(property, "");
      if (!value.isBlank()) {
        parts.add(value);
      }
    }
    return String.join(java.io.File.pathSeparator, parts);
  }

  static Result run(String... args) {
    return runWithInput(new byte[0], args);
  }

  static Result runWithInput(byte[] input, String... args) {
    return runWithInput(new ByteArrayInputStream(input), args);
  }

  static Result runWithInput(InputStream input, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Strata.run(
            input,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
