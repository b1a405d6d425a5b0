package dev.strata.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

/** The common fork-join pool Ratis' asynchronous stages run on. */
class CommonPoolTest {
  private static final String PROPERTY = Replica.COMMON_POOL_PARALLELISM;

  @Test
  void sizeCommonPool_setsAtLeastTwoWhenUnset() {
    String before = System.getProperty(PROPERTY);
    try {
      System.clearProperty(PROPERTY);
      RaftEngine.sizeCommonPool();
      int expected = Math.max(2, Runtime.getRuntime().availableProcessors() - 1);
      assertEquals(Integer.toString(expected), System.getProperty(PROPERTY));
    } finally {
      restore(before);
    }
  }

  @Test
  void sizeCommonPool_keepsAnExplicitSetting() {
    String before = System.getProperty(PROPERTY);
    try {
      System.setProperty(PROPERTY, "1");
      RaftEngine.sizeCommonPool();
      assertEquals("1", System.getProperty(PROPERTY));
    } finally {
      restore(before);
    }
  }

  @Test
  void testsRunWithAPoolRatherThanAThreadPerStage() {
    // The build starts test JVMs as Strata's launchers start theirs; with parallelism 1 every
    // replicated entry would start a thread on each follower.
    assertTrue(
        ForkJoinPool.getCommonPoolParallelism() >= 2,
        "common pool parallelism " + ForkJoinPool.getCommonPoolParallelism());
  }

  private static void restore(String before) {
    if (before == null) {
      System.clearProperty(PROPERTY);
    } else {
      System.setProperty(PROPERTY, before);
    }
  }
}
