package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;

/** Checks a streamed snapshot as etcd's restore does (trailing SHA-256) and unpacks it. */
final class SnapshotCheck {
  private SnapshotCheck() {}

  /**
   * Verifies the trailing SHA-256 of {@code stream} and unpacks the archive into {@code target}.
   */
  static void verifyAndUnpack(byte[] stream, Path target) throws Exception {
    assertTrue(stream.length > 32, "snapshot of " + stream.length + " bytes");
    byte[] body = Arrays.copyOf(stream, stream.length - 32);
    byte[] sha = Arrays.copyOfRange(stream, stream.length - 32, stream.length);
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(body), sha, "trailing SHA-256");
    SnapshotArchive.unpack(new ByteArrayInputStream(body), target);
  }
}
