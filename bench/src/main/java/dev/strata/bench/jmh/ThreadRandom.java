package dev.strata.bench.jmh;

import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** A benchmark thread's own random source, so threads never contend on one generator. */
@State(Scope.Thread)
public class ThreadRandom {
  final SplittableRandom random = new SplittableRandom();

  /** Creates the state; JMH instantiates it. */
  public ThreadRandom() {}
}
