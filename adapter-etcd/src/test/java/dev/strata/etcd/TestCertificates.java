package dev.strata.etcd;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A CA and certificates it signs, written as PEM files for the TLS tests. */
final class TestCertificates {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** A certificate with its key, and where their PEM files are. */
  record Issued(X509Certificate certificate, KeyPair keys, Path certFile, Path keyFile) {}

  private TestCertificates() {}

  static Issued authority(Path dir, String name) throws Exception {
    KeyPair keys = keyPair();
    X509v3CertificateBuilder builder = builder(name, name, keys);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    return write(dir, name, sign(builder, keys), keys);
  }

  static Issued server(Path dir, Issued ca) throws Exception {
    KeyPair keys = keyPair();
    X509v3CertificateBuilder builder =
        builder("server", ca.certificate().getSubjectX500Principal().getName(), keys);
    builder.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(
                  GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress())
            }));
    builder.addExtension(
        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    return write(dir, "server", sign(builder, ca.keys()), keys);
  }

  /**
   * A cluster member's certificate: it serves clients on loopback and is the client certificate of
   * the calls the member forwards to the leader, so it is valid for both, as etcd's peer
   * certificates are.
   */
  static Issued member(Path dir, String name, Issued ca) throws Exception {
    KeyPair keys = keyPair();
    X509v3CertificateBuilder builder =
        builder(name, ca.certificate().getSubjectX500Principal().getName(), keys);
    builder.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(
                  GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress())
            }));
    builder.addExtension(
        Extension.extendedKeyUsage,
        false,
        new ExtendedKeyUsage(
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    return write(dir, name, sign(builder, ca.keys()), keys);
  }

  static Issued client(Path dir, String name, Issued ca) throws Exception {
    KeyPair keys = keyPair();
    X509v3CertificateBuilder builder =
        builder(name, ca.certificate().getSubjectX500Principal().getName(), keys);
    builder.addExtension(
        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    return write(dir, name, sign(builder, ca.keys()), keys);
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  private static X509v3CertificateBuilder builder(String subject, String issuer, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        new X500Name(issuer.contains("=") ? issuer : "CN=" + issuer),
        BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(1))),
        new X500Name("CN=" + subject),
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter()
        .getCertificate(
            builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }

  private static Issued write(Path dir, String name, X509Certificate cert, KeyPair keys)
      throws IOException {
    Path certFile = dir.resolve(name + ".crt");
    Path keyFile = dir.resolve(name + ".key");
    try (Writer w = Files.newBufferedWriter(certFile);
        JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(cert);
    }
    try (Writer w = Files.newBufferedWriter(keyFile);
        JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
    }
    return new Issued(cert, keys, certFile, keyFile);
  }
}
