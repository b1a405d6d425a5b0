package dev.strata.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.WatchGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A strata-etcd server on a free loopback port with a raw gRPC channel and a jetcd client. */
class TestServer implements AutoCloseable {
  final String engine;
  final Path dir;
  EtcdServer server;
  private ManagedChannel channel;
  private Client client;

  TestServer(String engine, Path dir) {
    this.engine = engine;
    this.dir = dir;
  }

  /** Starts a server on a free loopback port. */
  static TestServer started(String engine, Path dir) {
    TestServer s = new TestServer(engine, dir);
    s.start();
    return s;
  }

  EtcdServer.Config config() {
    return new EtcdServer.Config(engine, dir).listen("127.0.0.1", 0);
  }

  void start() {
    server = EtcdServer.start(config());
  }

  /** Closes clients and server, then starts a new server on the same directory. */
  void restart() {
    closeClients();
    server.close();
    start();
  }

  ManagedChannel channel() {
    if (channel == null) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }
    return channel;
  }

  KVGrpc.KVBlockingStub kv() {
    return KVGrpc.newBlockingStub(channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  LeaseGrpc.LeaseBlockingStub lease() {
    return LeaseGrpc.newBlockingStub(channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  WatchGrpc.WatchStub watch() {
    return WatchGrpc.newStub(channel());
  }

  MaintenanceGrpc.MaintenanceBlockingStub maintenance() {
    return MaintenanceGrpc.newBlockingStub(channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  Client client() {
    if (client == null) {
      client = Client.builder().endpoints("http://127.0.0.1:" + server.port()).build();
    }
    return client;
  }

  private void closeClients() {
    if (client != null) {
      client.close();
      client = null;
    }
    if (channel != null) {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      channel = null;
    }
  }

  /** Checks the engine's integrity, then closes everything. */
  @Override
  public void close() {
    closeClients();
    try {
      server.engine().verifyIntegrity();
    } finally {
      server.close();
    }
  }
}
