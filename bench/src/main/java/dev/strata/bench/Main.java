package dev.strata.bench;

import dev.strata.bench.runner.StrataBench;
import dev.strata.raft.RaftEngine;
import java.util.Arrays;

/**
 * The benchmark jar's entry point. {@code java -jar benchmarks.jar
 * compare|scale|freelist-stall|btree|ledger ...} runs the {@code strata-bench} runner; anything
 * else goes to JMH ({@code java -jar benchmarks.jar -l}, {@code java -jar benchmarks.jar PointGet
 * -p engine=lmdb}).
 */
public final class Main {
  private Main() {}

  /**
   * Dispatches to the runner or to JMH.
   *
   * @param args the command line
   * @throws Exception as JMH's main does
   */
  public static void main(String[] args) throws Exception {
    RaftEngine.sizeCommonPool();
    if (args.length > 0 && StrataBench.COMMANDS.contains(args[0])) {
      String[] rest =
          args[0].equals("strata-bench") ? Arrays.copyOfRange(args, 1, args.length) : args;
      System.exit(StrataBench.execute(rest));
    }
    org.openjdk.jmh.Main.main(args);
  }
}
