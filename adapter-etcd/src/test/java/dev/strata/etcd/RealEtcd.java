package dev.strata.etcd;

import dev.strata.tck.LoopbackPorts;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real etcd process on loopback ports with a temporary data directory. */
final class RealEtcd implements AutoCloseable {
  final int clientPort;
  private final Process process;
  private final ManagedChannel channel;

  RealEtcd(Path etcd, Path dir) throws Exception {
    clientPort = LoopbackPorts.next();
    int peerPort = LoopbackPorts.next();
    String client = "http://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    process =
        new ProcessBuilder(
                List.of(
                    etcd.toString(),
                    "--name",
                    "strata-diff",
                    "--data-dir",
                    dir.resolve("etcd-data").toString(),
                    "--listen-client-urls",
                    client,
                    "--advertise-client-urls",
                    client,
                    "--listen-peer-urls",
                    peer,
                    "--initial-advertise-peer-urls",
                    peer,
                    "--initial-cluster",
                    "strata-diff=" + peer))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("etcd.log").toFile())
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", clientPort).usePlaintext().build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        MaintenanceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(1, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance());
        return;
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          close();
          throw new IllegalStateException("etcd did not start; see " + dir.resolve("etcd.log"), e);
        }
        Thread.sleep(100);
      }
    }
  }

  ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
