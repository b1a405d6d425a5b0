package dev.strata.tck.reliability;

/**
 * Work a test runs in a child JVM, typically to {@code kill -9} it part-way: a module's test
 * implements it and starts it with {@link ChildProcess#command}, so no test source needs a {@code
 * main} method of its own.
 *
 * <p>Implementations are public and have a public no-argument constructor; the child creates one
 * instance and calls {@link #run} once on its main thread.
 */
public interface ChildWorkload {
  /**
   * Does the work; the child JVM exits when this returns or throws.
   *
   * @param args the arguments given to {@link ChildProcess#command} after the class
   * @throws Exception anything, printed by the child before it exits with status 1
   */
  void run(String[] args) throws Exception;
}
