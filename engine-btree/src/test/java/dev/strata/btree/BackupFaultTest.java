package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageException;
import dev.strata.tck.reliability.FaultyFileIO;
import dev.strata.tck.reliability.FaultyFileIO.Fault;
import dev.strata.tck.reliability.FaultyFileIO.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults at every I/O call of {@link BTreeEngine#backup} and {@link BTreeEngine#compact}, injected
 * through the {@code FileIO} seam: each failure is typed, leaves no file in the target that an open
 * would take for a store (unless only the final directory sync failed, after the complete copy was
 * renamed into place), and leaves the source store intact and writable.
 */
class BackupFaultTest {
  @TempDir Path dir;

  private static BiConsumer<BTreeEngine, Path> operation(String which) {
    return which.equals("backup") ? BTreeEngine::backup : BTreeEngine::compact;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"backup", "compact"})
  void everyFault_atEveryIoCall_isTypedAndLeavesNoHalfCopy(String which) throws IOException {
    FaultyFileIO io = new FaultyFileIO();
    EngineOptions options = EngineOptions.builder().fileIO(io).build();
    BiConsumer<BTreeEngine, Path> copy = operation(which);
    try (BTreeEngine e = BTreeEngine.open(dir.resolve("store"), options, PageIO::of)) {
      for (int i = 0; i < 600; i++) {
        e.put(TestSupport.key(i), TestSupport.value(i, i % 7 == 0 ? 2000 : 40));
      }
      TreeMap<byte[], byte[]> model = FaultInjectionTest.content(e);
      io.record(true);
      long first = io.callCount();
      copy.accept(e, dir.resolve("probe"));
      List<FaultyFileIO.Call> calls = io.calls().stream().filter(c -> c.index() >= first).toList();
      io.record(false);
      assertTrue(calls.stream().anyMatch(c -> c.op() == Op.WRITE), "no write went through FileIO");
      assertTrue(
          calls.stream().anyMatch(c -> c.op() == Op.RENAME), "no rename went through FileIO");
      int scenarios = 0;
      for (int k = 0; k < calls.size(); k++) {
        for (Fault fault : Fault.values()) {
          if (!applies(fault, calls.get(k).op())) {
            continue;
          }
          Path target = dir.resolve(which + "-" + k + "-" + fault);
          io.arm(fault, io.callCount() + k);
          StorageException ex = assertThrows(StorageException.class, () -> copy.accept(e, target));
          assertNotNull(io.firedOn(), "fault did not fire: " + ex);
          boolean renamed = io.firedOn() == Op.SYNC_DIR;
          assertEquals(
              renamed ? List.of(Store.FILE_NAME) : List.of(),
              list(target),
              fault + " at call " + k + " (" + calls.get(k).op() + ") left " + list(target));
          scenarios++;
        }
      }
      assertTrue(scenarios > 3, "scenarios " + scenarios);
      e.verifyIntegrity();
      FaultInjectionTest.assertContent(e, model);
      e.put(TestSupport.key(-1), new byte[] {1});
      model.put(TestSupport.key(-1), new byte[] {1});
      Path good = dir.resolve("good");
      copy.accept(e, good);
      try (BTreeEngine c = TestSupport.open(good)) {
        c.verifyIntegrity();
        FaultInjectionTest.assertContent(c, model);
      }
    }
    assertFalse(Files.exists(dir.resolve("probe").resolve(Store.FILE_NAME + ".creating")));
  }

  private static boolean applies(Fault fault, Op op) {
    return fault == Fault.FAIL_SYNC ? op == Op.FORCE || op == Op.SYNC_DIR : op == Op.WRITE;
  }

  private static List<String> list(Path target) throws IOException {
    if (!Files.exists(target)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(target)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
