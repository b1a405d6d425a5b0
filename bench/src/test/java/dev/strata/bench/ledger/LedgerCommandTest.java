package dev.strata.bench.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.bench.runner.StrataBench;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ledger} subcommand through the jar's entry point, on its smallest mode. */
class LedgerCommandTest {
  @TempDir Path dir;

  @Test
  void ledgerReads_printsThreeRoundsOfReadCosts() {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      code = StrataBench.execute("ledger", dir.toString(), "0", "reads");
    } finally {
      System.setOut(out);
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    System.out.print(printed);
    assertEquals(0, code);
    assertEquals(3, printed.lines().filter(l -> l.startsWith("reads: get")).count(), printed);
  }

  @Test
  void ledgerVerifyBound_printsEachRoundWithItsPassesAndTheMedian() {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      code = StrataBench.execute("ledger", dir.toString(), "0", "verify-bound", "2", "3000");
    } finally {
      System.setOut(out);
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    System.out.print(printed);
    assertEquals(0, code);
    // The warm-up round and the two counted ones, each with the CPU of the three passes.
    assertEquals(
        3,
        printed.lines().filter(l -> l.startsWith("round ") && l.contains("CPU per pass")).count(),
        printed);
    assertTrue(printed.contains("median of 2 rounds: verify"), printed);
  }

  @Test
  void ledgerHelp_namesTheModes() {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      code = StrataBench.execute("ledger", "--help");
    } finally {
      System.setOut(out);
    }
    assertEquals(0, code);
    assertTrue(captured.toString(StandardCharsets.UTF_8).contains("workDir"));
  }
}
