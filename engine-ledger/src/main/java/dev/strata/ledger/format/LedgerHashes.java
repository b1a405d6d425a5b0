package dev.strata.ledger.format;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * SHA-256 with the ledger's domain separation: prefix {@code 0x00} for Merkle leaves and chain
 * links, {@code 0x01} for Merkle interior nodes (RFC 9162). Thread-safe: one digest per thread.
 */
public final class LedgerHashes {
  /** Bytes in a SHA-256 hash. */
  public static final int SIZE = 32;

  /** First byte of a Merkle leaf's input. */
  public static final byte LEAF_PREFIX = 0x00;

  /** First byte of a Merkle interior node's input. */
  public static final byte NODE_PREFIX = 0x01;

  static final byte CHAIN_PREFIX = 0x00;

  /** The chain head of an empty ledger: 32 zero bytes; never modified. */
  public static final byte[] ZERO = new byte[SIZE];

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("the JDK must provide SHA-256", e);
            }
          });

  private LedgerHashes() {}

  /**
   * This thread's digest, ready for a new message: every use ends with {@code digest()}, which
   * resets it, and {@code update} cannot fail half way, so no reset is needed here.
   */
  static MessageDigest sha256() {
    return SHA256.get();
  }

  /** The Merkle leaf hash {@code SHA-256(0x00 || canonical)}; a new array. */
  public static byte[] leaf(byte[] canonical) {
    MessageDigest md = sha256();
    md.update(LEAF_PREFIX);
    md.update(canonical);
    return md.digest();
  }

  /** Leaf hash of {@code length} canonical bytes at {@code offset} of {@code bytes}. */
  public static byte[] leaf(byte[] bytes, int offset, int length) {
    MessageDigest md = sha256();
    md.update(LEAF_PREFIX);
    md.update(bytes, offset, length);
    return md.digest();
  }

  /**
   * {@code h(n) = SHA-256(0x00 || h(n-1) || canonical bytes of entry n)}, over {@code length}
   * canonical bytes at {@code offset} of {@code bytes}.
   */
  public static byte[] chain(byte[] previous, byte[] bytes, int offset, int length) {
    MessageDigest md = sha256();
    md.update(CHAIN_PREFIX);
    md.update(previous);
    md.update(bytes, offset, length);
    return md.digest();
  }

  /** A new SHA-256 digest, for a pass that hashes on one thread and keeps its own. */
  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK must provide SHA-256", e);
    }
  }

  /**
   * Finishes {@code md} and writes its 32-byte hash to {@code out} at {@code offset}, without
   * allocating; the digest is then ready for a new message.
   *
   * @param md a digest owned by the calling thread
   */
  public static void digestInto(MessageDigest md, byte[] out, int offset) {
    try {
      md.digest(out, offset, SIZE);
    } catch (java.security.DigestException e) {
      throw new IllegalStateException("a SHA-256 digest fits 32 bytes", e);
    }
  }

  /** The Merkle interior node hash {@code SHA-256(0x01 || left || right)}; a new array. */
  public static byte[] node(byte[] left, byte[] right) {
    MessageDigest md = sha256();
    md.update(NODE_PREFIX);
    md.update(left);
    md.update(right);
    return md.digest();
  }

  /** The Merkle tree head of an empty tree: SHA-256 of no bytes (RFC 9162 section 2.1.1). */
  public static byte[] empty() {
    return sha256().digest();
  }

  /** A deep copy of a proof path, so a proof never shares arrays with its caller. */
  public static List<byte[]> copyPath(List<byte[]> path) {
    List<byte[]> copy = new ArrayList<>(path.size());
    for (byte[] h : path) {
      copy.add(Objects.requireNonNull(h, "path hash").clone());
    }
    return Collections.unmodifiableList(copy);
  }

  /** Whether two proof paths hold equal hashes in the same order. */
  public static boolean samePath(List<byte[]> a, List<byte[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }
}
