package dev.strata.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.tck.reliability.ChildProcess;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower in a child JVM is killed with SIGKILL while the leader commits; the group goes on with
 * its majority, and the follower, restarted on the same directory, catches up to content identical
 * to the others' and passes its integrity check.
 */
@Tag("crash")
class FollowerKillTest {
  @TempDir Path dir;

  @Test
  void follower_killedWithSigkill_andRestarted_catchesUpToIdenticalContent() throws Exception {
    TestCluster c = TestCluster.create(dir.resolve("g"), 3, EngineOptions.defaults());
    Child child = null;
    try {
      // r1 and r2, a majority, elect r1 before the child starts, so the child never leads.
      c.start(0);
      c.start(1);
      c.awaitLeader(0);
      child = Child.start(c, 2, dir);
      RaftEngine leader = c.replicas[0];
      int txn = 0;
      for (; txn < 100; txn++) {
        write(leader, txn);
      }
      child.kill();
      for (; txn < 200; txn++) {
        write(leader, txn);
      }
      child = Child.start(c, 2, dir);
      for (; txn < 250; txn++) {
        write(leader, txn);
      }
      String expected = LeaderFailoverTest.contentHash(leader);
      assertEquals(expected, LeaderFailoverTest.contentHash(c.replicas[1]));
      // The restarted replica's linearizable read may time out while a loaded machine lets it
      // catch up: ask again until the deadline, then compare what it last said.
      assertEquals("HASH " + expected, child.askUntil("hash", "HASH " + expected, 180));
      assertEquals("VERIFIED", child.ask("verify"));
      assertTrue(child.ask("status").startsWith("STATUS replica=r3 leader=r1 "));
      leader.verifyIntegrity();
      c.replicas[1].verifyIntegrity();
    } finally {
      if (child != null) {
        child.kill();
      }
      c.close();
    }
  }

  private static void write(RaftEngine leader, int txn) {
    leader.update(
        w -> {
          for (int p = 0; p < 4; p++) {
            w.put(
                String.format("k%05d-%d", txn, p).getBytes(StandardCharsets.UTF_8),
                new byte[100 + txn]);
          }
          return null;
        });
  }

  /** A replica in a child JVM, run by {@link ReplicaCommand}. */
  private static final class Child {
    private final Process process;
    private final BufferedReader out;
    private final OutputStream in;

    private Child(Process process) {
      this.process = process;
      this.out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.in = process.getOutputStream();
    }

    static Child start(TestCluster c, int replica, Path tmp) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:-UsePerfData"));
      command.addAll(
          List.of(
              "-cp",
              ChildProcess.classPath(),
              ReplicaCommand.class.getName(),
              c.dirs.get(replica).toString()));
      for (Map.Entry<String, String> e : c.options(replica).settings().entrySet()) {
        command.add(e.getKey() + "=" + e.getValue());
      }
      Path stderr = Files.createTempFile(tmp, "replica", ".err");
      Child child = new Child(new ProcessBuilder(command).redirectError(stderr.toFile()).start());
      String first = child.out.readLine();
      assertEquals("READY", first, () -> "child replica failed: " + read(stderr));
      return child;
    }

    private static String read(Path p) {
      try {
        return Files.readString(p);
      } catch (IOException e) {
        return e.toString();
      }
    }

    String ask(String command) throws IOException {
      in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
      return out.readLine();
    }

    /**
     * Asks {@code command} until it answers {@code wanted} or {@code seconds} pass; returns the
     * last answer (null if the child's output ended).
     */
    String askUntil(String command, String wanted, int seconds) throws IOException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      String answer = ask(command);
      while (answer != null && !answer.equals(wanted) && System.nanoTime() < deadline) {
        System.out.println("replica answered " + answer + "; asking again");
        answer = ask(command);
      }
      return answer;
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the child did not die");
    }
  }
}
