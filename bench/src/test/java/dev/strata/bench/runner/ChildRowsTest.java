package dev.strata.bench.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The row file between a {@code compare} child and its parent. */
class ChildRowsTest {
  @TempDir Path dir;

  private static PhaseResult row(String phase, double seconds, long physical) {
    return new PhaseResult(
        "btree",
        phase,
        "SYNC",
        4,
        1,
        12_345,
        12_345,
        seconds,
        12_345 / seconds,
        12_345 / seconds,
        1.25,
        99.5,
        1234.5,
        1e6 / 3,
        1L << 40,
        physical,
        7,
        -1,
        3,
        4096,
        123_456_789,
        987_654_321,
        1_987_654_321,
        0.1 + 0.2);
  }

  @Test
  void writeThenRead_returnsEqualRows_atFullPrecision() throws IOException {
    List<PhaseResult> rows = List.of(row("load", 1 / 3.0, -1), row("mix90/10", Math.PI, 42));
    Path file = dir.resolve("rows.tsv");
    ChildRows.write(file, rows);
    assertEquals(rows, ChildRows.read(file));
  }

  @Test
  void read_ofAnotherFormat_throws() throws IOException {
    Path file = dir.resolve("rows.tsv");
    Files.writeString(file, "engine,phase\nbtree,load\n");
    assertThrows(BenchException.class, () -> ChildRows.read(file));
    ChildRows.write(file, List.of(row("load", 1, 1)));
    Files.writeString(file, Files.readString(file).replace("\t12345\t", "\tx\t"));
    assertThrows(BenchException.class, () -> ChildRows.read(file));
  }
}
