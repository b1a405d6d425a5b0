package dev.strata.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.api.StoreLockedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryLockTest {
  private static final Path PROC_LOCKS = Path.of("/proc/locks");

  @TempDir Path dir;

  /**
   * Regression: the refused second acquire opened and closed its own channel to the lock file, and
   * on Linux that dropped the lock the first one held. {@code /proc/locks} lists the lock still
   * held by this process afterwards.
   */
  @Test
  void refusedSecondAcquire_keepsTheFirstLock_inEveryMode() throws IOException {
    assumeTrue(Files.isReadable(PROC_LOCKS), "needs Linux /proc/locks");
    Path file = dir.resolve("LOCK");
    for (boolean shared : new boolean[] {false, true}) {
      try (DirectoryLock held = DirectoryLock.acquire(file, "store " + dir, shared)) {
        assertEquals(1, locksOf(file), "lock taken");
        for (boolean second : new boolean[] {false, true}) {
          StoreLockedException e =
              assertThrows(
                  StoreLockedException.class, () -> DirectoryLock.acquire(file, "store", second));
          assertEquals("store is already open (lock file " + file + ")", e.getMessage());
          assertEquals(1, locksOf(file), "lock still held after a refused acquire");
        }
      }
      assertEquals(0, locksOf(file), "lock released on close");
      assertFalse(LockRegistry.isClaimed(file));
    }
  }

  /**
   * Threads racing to lock a missing file: one wins, and its lock survives the others' refusals.
   */
  @Test
  void racingAcquires_oneWins_andKeepsItsLock() throws Exception {
    assumeTrue(Files.isReadable(PROC_LOCKS), "needs Linux /proc/locks");
    int threads = 8;
    for (int round = 0; round < 20; round++) {
      Path file = dir.resolve("LOCK-" + round);
      List<DirectoryLock> won = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger refused = new AtomicInteger();
      CyclicBarrier start = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          boolean shared = t % 2 == 1;
          done.add(
              pool.submit(
                  () -> {
                    start.await();
                    try {
                      won.add(DirectoryLock.acquire(file, "store", shared));
                    } catch (StoreLockedException e) {
                      refused.incrementAndGet();
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(1, won.size(), "round " + round);
      assertEquals(threads - 1, refused.get(), "round " + round);
      assertEquals(1, locksOf(file), "round " + round + ": the winner still holds its lock");
      won.get(0).close();
      assertEquals(0, locksOf(file));
    }
  }

  @Test
  void aliasThroughSymbolicLink_isRefused() throws IOException {
    Path file = dir.resolve("LOCK");
    Path alias = dir.resolve("alias");
    try (DirectoryLock held = DirectoryLock.acquire(file, "store")) {
      Files.createSymbolicLink(alias, file);
      assertThrows(StoreLockedException.class, () -> DirectoryLock.acquire(alias, "alias"));
    }
    DirectoryLock.acquire(alias, "alias").close();
  }

  @Test
  void close_isIdempotent_andNeverReleasesALaterHoldersClaim() {
    Path file = dir.resolve("LOCK");
    DirectoryLock first = DirectoryLock.acquire(file, "store");
    first.close();
    try (DirectoryLock second = DirectoryLock.acquire(file, "store")) {
      first.close();
      assertTrue(LockRegistry.isClaimed(file));
      assertThrows(StoreLockedException.class, () -> DirectoryLock.acquire(file, "store", true));
    }
    assertFalse(LockRegistry.isClaimed(file));
  }

  @Test
  void failedAcquire_releasesTheClaim() throws IOException {
    Path notADirectory = dir.resolve("file");
    Files.writeString(notADirectory, "x");
    Path file = notADirectory.resolve("LOCK");
    assertThrows(dev.strata.api.StorageIOException.class, () -> DirectoryLock.acquire(file, "s"));
    Path unreadable = dir.resolve("dir-as-lock");
    Files.createDirectory(unreadable);
    // A directory can be claimed but not opened for writing: the claim must not outlive the open.
    assertThrows(
        dev.strata.api.StorageIOException.class, () -> DirectoryLock.acquire(unreadable, "s"));
    assertFalse(LockRegistry.isClaimed(unreadable));
  }

  @Test
  void registry_claimsOncePerFile_andCreatesOnlyWhenAsked() throws IOException {
    Path file = dir.resolve("f");
    assertThrows(NoSuchFileException.class, () -> LockRegistry.claim(file, false));
    LockRegistry.Claim claim = LockRegistry.claim(file, true).orElseThrow();
    assertTrue(Files.exists(file));
    assertEquals(file, claim.file());
    assertEquals(Optional.empty(), LockRegistry.claim(file, false));
    Path hardLink = Files.createLink(dir.resolve("g"), file);
    assertEquals(Optional.empty(), LockRegistry.claim(hardLink, false), "same file, other name");
    claim.release();
    LockRegistry.Claim again = LockRegistry.claim(hardLink, false).orElseThrow();
    claim.release();
    assertTrue(LockRegistry.isClaimed(file), "a second release leaves the later claim alone");
    again.release();
    assertFalse(LockRegistry.isClaimed(file));
  }

  /** The locks {@code /proc/locks} lists for this process on {@code file}'s inode. */
  private static long locksOf(Path file) throws IOException {
    long inode = (Long) Files.getAttribute(file, "unix:ino");
    long self = ProcessHandle.current().pid();
    return Files.readAllLines(PROC_LOCKS, StandardCharsets.US_ASCII).stream()
        .map(line -> line.trim().split("\\s+"))
        // "1: POSIX ADVISORY WRITE 4321 fd:01:1234 0 EOF"; lines with "->" are blocked waiters.
        .filter(f -> f.length >= 6 && !f[1].equals("->"))
        .filter(f -> Long.parseLong(f[4]) == self)
        .filter(
            f -> {
              String[] device = f[5].split(":");
              return device.length == 3 && Long.parseLong(device[2]) == inode;
            })
        .count();
  }
}
