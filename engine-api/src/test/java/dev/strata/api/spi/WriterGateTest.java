package dev.strata.api.spi;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineClosedException;
import dev.strata.api.StorageException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WriterGateTest {
  @Test
  void acquire_bySameThreadTwice_throwsIllegalState() {
    WriterGate gate = new WriterGate("test");
    gate.acquire();
    assertThrows(IllegalStateException.class, gate::acquire);
    gate.release();
    gate.acquire();
    gate.release();
  }

  @Test
  void release_fromAnotherThread_handsOverThePermit() throws Exception {
    WriterGate gate = new WriterGate("test");
    gate.acquire();
    CompletableFuture.runAsync(gate::release).get(10, TimeUnit.SECONDS);
    CompletableFuture.runAsync(
            () -> {
              gate.acquire();
              gate.release();
            })
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void close_releasesWaitersWithEngineClosed() throws Exception {
    WriterGate gate = new WriterGate("test");
    gate.acquire();
    CompletableFuture<Void> waiter = CompletableFuture.runAsync(gate::acquire);
    Thread.sleep(100);
    gate.close();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> waiter.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof EngineClosedException, String.valueOf(e.getCause()));
    gate.release();
    assertThrows(EngineClosedException.class, gate::acquire);
  }

  @Test
  void interruptWhileWaiting_throwsAndKeepsFlag() throws Exception {
    WriterGate gate = new WriterGate("test");
    gate.acquire();
    Throwable[] seen = new Throwable[1];
    boolean[] flag = new boolean[1];
    Thread t =
        new Thread(
            () -> {
              try {
                gate.acquire();
              } catch (StorageException e) {
                seen[0] = e;
                flag[0] = Thread.currentThread().isInterrupted();
              }
            });
    t.start();
    Thread.sleep(100);
    t.interrupt();
    t.join(10_000);
    assertTrue(seen[0] != null && flag[0], "waiter must fail and keep its interrupt flag");
  }
}
