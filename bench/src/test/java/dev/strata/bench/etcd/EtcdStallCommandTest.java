package dev.strata.bench.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.bench.runner.StrataBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code etcd-stall} at a tiny size on strata-etcd targets: every phase runs and is reported. */
class EtcdStallCommandTest {
  @TempDir Path dir;

  @Test
  void tinyRun_reportsEveryPhase_forEachStrataTarget() throws Exception {
    Path out = dir.resolve("out");
    int exit =
        StrataBench.execute(
            "etcd-stall",
            "--targets=btree,memory",
            "--keys=600",
            "--clients=4",
            "--rate=100",
            "--duration=1",
            "--throughput-seconds=1",
            "--seed=7",
            "--dir=" + dir.resolve("work"),
            "--out=" + out);
    assertEquals(0, exit);
    List<String> lines = Files.readAllLines(out.resolve("etcd-stall.csv"));
    assertEquals(3, lines.size(), lines.toString());
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      assertTrue(Long.parseLong(f[2]) > 0, "deleted keys: " + line);
      assertTrue(Double.parseDouble(f[3]) > 0, "achieved rate: " + line);
      assertTrue(Double.parseDouble(f[10]) > 0 && Double.parseDouble(f[11]) > 0, line);
      assertTrue(Double.parseDouble(f[13]) > 0, "server CPU per unthrottled put: " + line);
      if (f[0].equals("btree")) {
        assertTrue(Double.parseDouble(f[8]) >= 0, "btree page allocation per commit: " + line);
        assertTrue(Double.parseDouble(f[9]) > 0, "btree puts per commit: " + line);
        assertTrue(Double.parseDouble(f[14]) > 0, "btree unthrottled puts per commit: " + line);
      } else {
        assertEquals("NaN", f[8], "no freelist figure: " + line);
        assertEquals("NaN", f[14], "no commit count: " + line);
      }
    }
    assertTrue(Files.notExists(dir.resolve("work").resolve("btree")), "stores are removed");
    assertTrue(Files.size(out.resolve("etcd-stall-put-latency.png")) > 0, "the latency chart");
  }

  @Test
  void unknownTarget_exitsWithOne() {
    assertEquals(
        1,
        StrataBench.execute(
            "etcd-stall", "--targets=nope", "--keys=10", "--dir=" + dir, "--out=" + dir));
  }
}
