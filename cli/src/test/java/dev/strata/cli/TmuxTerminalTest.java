package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives {@code strata check} in a real terminal, as a person would: a shell in a detached tmux
 * session, the command typed into it, the screen read back. On a large store the progress bar
 * appears while the check runs, and the session ends with a verdict line and the exit code. The
 * store is {@code strata.cli.bigStoreBytes} of btree data (64 MiB by default, 1 GiB under {@code
 * -Preliability}). Skipped, saying why, when tmux is not installed.
 */
class TmuxTerminalTest {
  private static final long DEFAULT_STORE_BYTES = 64L << 20;
  private static final int VALUE_BYTES = 1000;

  @TempDir Path dir;

  private final String socket = "strata-test-" + ProcessHandle.current().pid();

  @BeforeEach
  void needsTmux() {
    Assumptions.assumeTrue(
        tmuxAvailable(),
        "tmux is not installed (apt-get install -y tmux): the terminal session test is skipped");
  }

  @AfterEach
  void stopTmux() throws Exception {
    tmux("kill-server");
  }

  @Test
  void check_largeStore_showsProgressThenVerdict() throws Exception {
    long storeBytes = Long.getLong("strata.cli.bigStoreBytes", DEFAULT_STORE_BYTES);
    Path store = dir.resolve("big");
    long entries = fill(store, storeBytes);
    Path bin = launcher();

    startShell(bin);
    typeLine("strata check " + store + "; echo \"exit=$?\"");
    Screen screen = waitFor("exit=", TimeUnit.MINUTES.toNanos(30));
    System.out.println("--- a frame seen while the check ran:\n" + screen.midway);
    System.out.println("--- terminal, strata check on " + storeBytes + " bytes:\n" + screen.last);
    assertTrue(screen.sawProgress, "no progress bar was drawn:\n" + screen.last);
    assertTrue(
        screen.last.contains("OK: btree store " + store + " passed: " + entries + " entries"),
        screen.last);
    assertTrue(screen.last.contains("exit=0"), screen.last);

    // The same session, after damage to a data page: the verdict names it and the code is 1.
    try (var ch =
        java.nio.channels.FileChannel.open(
            store.resolve("data.btree"), java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(
          java.nio.ByteBuffer.wrap(new byte[512]), Files.size(store.resolve("data.btree")) / 2);
    }
    typeLine("clear; strata check " + store + "; echo \"verdict-exit=$?\"");
    Screen damaged = waitFor("verdict-exit=", TimeUnit.MINUTES.toNanos(30));
    System.out.println("--- terminal, strata check after damage:\n" + damaged.last);
    assertTrue(damaged.last.contains("DAMAGED: btree store " + store), damaged.last);
    assertTrue(damaged.last.contains("data.btree"), damaged.last);
    assertTrue(damaged.last.contains("verdict-exit=1"), damaged.last);
  }

  /** Writes about {@code bytes} of keys and values; returns the number of entries. */
  private static long fill(Path store, long bytes) {
    long entries = Math.max(1, bytes / VALUE_BYTES);
    byte[] value = new byte[VALUE_BYTES];
    java.util.Arrays.fill(value, (byte) 'x');
    try (StorageEngine e =
        StorageEngines.open(
            "btree", store, EngineOptions.builder().durability(Durability.NO_SYNC).build())) {
      for (long start = 0; start < entries; start += 20_000) {
        long from = start;
        e.update(
            txn -> {
              for (long i = from; i < Math.min(entries, from + 20_000); i++) {
                txn.put(String.format("key%012d", i).getBytes(StandardCharsets.UTF_8), value);
              }
              return null;
            });
      }
    }
    return entries;
  }

  /** A {@code strata} script on this test's class path, as the jar would be installed. */
  private Path launcher() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path script = bin.resolve("strata");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(
        script,
        "#!/bin/sh\nexec '"
            + java
            + "' -cp '"
            + Cli.childClassPath()
            + "' "
            + Strata.class.getName()
            + " \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }

  private void startShell(Path bin) throws Exception {
    int code =
        tmux(
            "new-session",
            "-d",
            "-s",
            "strata",
            "-x",
            "120",
            "-y",
            "40",
            "env PATH="
                + bin
                + ":/usr/bin:/bin PS1='$ ' TERM=xterm-256color bash --norc --noprofile");
    assertEquals(0, code, "tmux new-session failed");
  }

  private void typeLine(String line) throws Exception {
    // Types only once the shell shows its prompt, as a person waits for it.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline
        && capture()
            .lines()
            .filter(l -> !l.isBlank())
            .reduce((a, b) -> b)
            .map(l -> !l.equals("$"))
            .orElse(true)) {
      Thread.sleep(50);
    }
    assertEquals(0, tmux("send-keys", "-t", "strata", "-l", line));
    assertEquals(0, tmux("send-keys", "-t", "strata", "Enter"));
  }

  /** The screens seen while waiting: whether any showed a progress bar, and the last one. */
  private static final class Screen {
    boolean sawProgress;
    String midway = "(none: the command finished between two looks)";
    String last = "";
  }

  private Screen waitFor(String marker, long timeoutNanos) throws Exception {
    Screen screen = new Screen();
    long deadline = System.nanoTime() + timeoutNanos;
    while (System.nanoTime() < deadline) {
      screen.last = capture();
      // A bar looks like "scan  42% [=====>    ] 27000/65536 entries (0:00:01 / 0:00:02) 9k
      // entries/s".
      boolean done = screen.last.lines().anyMatch(l -> l.startsWith(marker));
      if (screen.last.matches("(?s).*scan +\\d+%.*")) {
        screen.sawProgress = true;
        if (!done && !screen.last.contains("OK: ") && !screen.last.contains("DAMAGED: ")) {
          screen.midway = screen.last;
        }
      }
      if (done) {
        return screen;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no '" + marker + "' on the screen in time:\n" + screen.last);
  }

  private String capture() throws Exception {
    Process p =
        new ProcessBuilder("tmux", "-L", socket, "capture-pane", "-p", "-t", "strata")
            .redirectErrorStream(true)
            .start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    return text;
  }

  private int tmux(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("tmux", "-L", socket));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }

  private static boolean tmuxAvailable() {
    try {
      Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
