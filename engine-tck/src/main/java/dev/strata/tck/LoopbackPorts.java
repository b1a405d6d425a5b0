package dev.strata.tck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free TCP ports on the loopback address for servers a test starts, reopens and starts again on the
 * same port (replicas of a group, cluster members).
 *
 * <p>A port the kernel hands out for {@code bind(0)} lies in the ephemeral range (on Linux
 * 32768–60999 by default), where every outgoing connection also takes its local port: a port a test
 * noted and released can be taken by one of the test's own client connections before the server
 * binds it again. These ports come from below that range instead, each checked free when handed
 * out, and never twice in one JVM.
 *
 * <p>Thread-safe.
 */
public final class LoopbackPorts {
  private static final int FIRST = 10_000;
  private static final int LAST = 32_767;

  // Each JVM starts at a random point, so test JVMs running side by side rarely meet.
  private static final AtomicInteger NEXT =
      new AtomicInteger(ThreadLocalRandom.current().nextInt(LAST - FIRST + 1));

  private LoopbackPorts() {}

  /**
   * Returns a port of 127.0.0.1 that was free a moment ago and that this JVM has not handed out.
   *
   * @return the port
   * @throws UncheckedIOException if no port in the range is free
   */
  public static int next() {
    int span = LAST - FIRST + 1;
    for (int tries = 0; tries < span; tries++) {
      int port = FIRST + Math.floorMod(NEXT.getAndIncrement(), span);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // In use by another process: try the next one.
      }
    }
    throw new UncheckedIOException(
        new IOException("no free loopback port in " + FIRST + "-" + LAST));
  }
}
