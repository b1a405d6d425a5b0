package dev.strata.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Names who holds a locked store: the lock file and, on Linux, the process holding the lock (its
 * pid and command line, from {@code /proc/locks}). Elsewhere only the lock file is named. Never
 * throws: a description is best effort on top of the engine's own message.
 */
final class LockHolder {
  private static final int MAX_COMMAND = 160;

  private LockHolder() {}

  /**
   * Describes a lock conflict on {@code store} in one line.
   *
   * @param store the store directory
   * @param engineMessage the engine's {@link dev.strata.api.StoreLockedException} message
   */
  static String describe(Path store, String engineMessage) {
    List<String> holders = holders(store);
    return "store "
        + store
        + " is locked: "
        + engineMessage
        + (holders.isEmpty() ? "" : "; held by " + String.join(", ", holders));
  }

  /** The one line when the store directory is unknown. */
  static String describe(String engineMessage) {
    return "store is locked: " + engineMessage;
  }

  private static List<String> holders(Path store) {
    List<String> found = new ArrayList<>();
    Path locks = Path.of("/proc/locks");
    if (!Files.isReadable(locks) || !Files.isDirectory(store)) {
      return found;
    }
    try {
      Map<Long, Path> byInode = new HashMap<>();
      try (Stream<Path> files = Files.list(store)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (Files.isRegularFile(f)) {
            byInode.put((Long) Files.getAttribute(f, "unix:ino"), f);
          }
        }
      }
      long self = ProcessHandle.current().pid();
      for (String line : Files.readAllLines(locks, StandardCharsets.US_ASCII)) {
        String[] f = line.trim().split("\\s+");
        // "1: POSIX ADVISORY WRITE 4321 fd:01:1234 0 EOF"; lines with "->" are blocked waiters.
        if (f.length < 6 || f[1].equals("->")) {
          continue;
        }
        String[] device = f[5].split(":");
        if (device.length != 3) {
          continue;
        }
        Path file = byInode.get(Long.parseLong(device[2]));
        if (file != null) {
          long pid = Long.parseLong(f[4]);
          String who = pid == self ? "this process" : command(pid);
          String holder = "pid " + pid + " (" + who + ") on " + file;
          if (!found.contains(holder)) {
            found.add(holder);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // Best effort: the engine's message already names the lock file.
    }
    return found;
  }

  /** The holder's command line, with a class path shortened so the arguments stay visible. */
  private static String command(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      String[] args = new String(raw, StandardCharsets.UTF_8).split("\0");
      StringBuilder cmd = new StringBuilder();
      for (int i = 0; i < args.length; i++) {
        boolean classPath =
            i > 0 && List.of("-cp", "-classpath", "--class-path").contains(args[i - 1]);
        cmd.append(cmd.length() == 0 ? "" : " ").append(classPath ? "..." : args[i]);
      }
      if (cmd.length() == 0) {
        return "unknown command";
      }
      return cmd.length() > MAX_COMMAND ? cmd.substring(0, MAX_COMMAND) + "..." : cmd.toString();
    } catch (IOException | RuntimeException e) {
      return "command not readable";
    }
  }
}
