package dev.strata.etcd;

import static dev.strata.etcd.KvContract.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.KVGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** TLS with client certificates, and the refusal of plaintext on a network address. */
class TlsTest {
  @TempDir Path dir;
  TestCertificates.Issued ca;
  TestCertificates.Issued client;
  TestCertificates.Issued stranger;
  EtcdServer server;

  @BeforeEach
  void start() throws Exception {
    ca = TestCertificates.authority(dir, "strata-test-ca");
    TestCertificates.Issued serverCert = TestCertificates.server(dir, ca);
    client = TestCertificates.client(dir, "client", ca);
    TestCertificates.Issued otherCa = TestCertificates.authority(dir, "other-ca");
    stranger = TestCertificates.client(dir, "stranger", otherCa);
    server =
        EtcdServer.start(
            new EtcdServer.Config("btree", dir.resolve("data"))
                .listen("127.0.0.1", 0)
                .tls(serverCert.certFile(), serverCert.keyFile())
                .clientCertAuth(ca.certFile()));
  }

  @AfterEach
  void stop() {
    server.engine().verifyIntegrity();
    server.close();
  }

  private SslContext clientContext(TestCertificates.Issued cert) throws Exception {
    SslContextBuilder b = GrpcSslContexts.forClient().trustManager(ca.certFile().toFile());
    if (cert != null) {
      b.keyManager(cert.certFile().toFile(), cert.keyFile().toFile());
    }
    return b.build();
  }

  @Test
  void jetcd_withTrustedClientCertificate_worksOverTls() throws Exception {
    try (Client etcd =
        Client.builder()
            .endpoints("https://127.0.0.1:" + server.port())
            .sslContext(clientContext(client))
            .build()) {
      etcd.getKVClient().put(bytes("tls"), bytes("yes")).get(30, TimeUnit.SECONDS);
      assertEquals(
          "yes",
          etcd.getKVClient()
              .get(bytes("tls"))
              .get(30, TimeUnit.SECONDS)
              .getKvs()
              .get(0)
              .getValue()
              .toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void untrustedClientCertificate_isRejected() throws Exception {
    assertRejected(clientContext(stranger));
  }

  @Test
  void clientWithoutCertificate_isRejected() throws Exception {
    assertRejected(clientContext(null));
  }

  @Test
  void plaintextClient_isRejected() {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  KVGrpc.newBlockingStub(channel)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .range(Requests.get("a")));
      assertTrue(e.getStatus().getCode() != Status.Code.OK);
    } finally {
      channel.shutdownNow();
    }
  }

  private void assertRejected(SslContext context) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).sslContext(context).build();
    try {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  KVGrpc.newBlockingStub(channel)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .range(Requests.get("a")));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void nonLoopbackWithoutTls_isRefused_unlessInsecure() {
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                EtcdServer.start(
                    new EtcdServer.Config("memory", dir.resolve("plain")).listen("0.0.0.0", 0)));
    assertTrue(refused.getMessage().contains("--insecure"), refused.getMessage());
    int exit =
        new CommandLine(new StrataEtcd())
            .execute(
                "--engine",
                "memory",
                "--data-dir",
                dir.resolve("cli").toString(),
                "--listen",
                "0.0.0.0:0");
    assertEquals(2, exit);
  }
}
