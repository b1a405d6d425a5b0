package dev.strata.ledger;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * An independent, deliberately naive reimplementation of the ledger's hashing as FORMAT.md
 * specifies it: the canonical encoding byte by byte, RFC 9162 MTH, PATH and PROOF by their
 * recursive definitions. Shares no code with the engine, so the tests compare two readings of the
 * spec.
 */
public final class Naive {
  private Naive() {}

  public static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) {
        md.update(p);
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static void le(ByteArrayOutputStream out, long v, int bytes) {
    for (int i = 0; i < bytes; i++) {
      out.write((int) (v >>> (8 * i)) & 0xFF);
    }
  }

  /** kind: 1 put, 2 delete. */
  public static byte[] canonical(
      int kind, long seq, long timestamp, long txnId, long prevSeq, byte[] key, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(kind);
    le(out, seq, 8);
    le(out, timestamp, 8);
    le(out, txnId, 8);
    le(out, prevSeq, 8);
    le(out, key.length, 4);
    out.writeBytes(key);
    le(out, value.length, 4);
    out.writeBytes(value);
    return out.toByteArray();
  }

  public static byte[] leaf(byte[] canonical) {
    return sha256(new byte[] {0}, canonical);
  }

  public static byte[] node(byte[] left, byte[] right) {
    return sha256(new byte[] {1}, left, right);
  }

  public static byte[] chain(byte[] previous, byte[] canonical) {
    return sha256(new byte[] {0}, previous, canonical);
  }

  private static int split(int n) {
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    return k;
  }

  /** MTH(D[n]) of leaf hashes. */
  public static byte[] mth(List<byte[]> d) {
    int n = d.size();
    if (n == 0) {
      return sha256();
    }
    if (n == 1) {
      return d.get(0);
    }
    int k = split(n);
    return node(mth(d.subList(0, k)), mth(d.subList(k, n)));
  }

  /** PATH(m, D[n]). */
  public static List<byte[]> path(int m, List<byte[]> d) {
    int n = d.size();
    List<byte[]> out = new ArrayList<>();
    if (n <= 1) {
      return out;
    }
    int k = split(n);
    if (m < k) {
      out.addAll(path(m, d.subList(0, k)));
      out.add(mth(d.subList(k, n)));
    } else {
      out.addAll(path(m - k, d.subList(k, n)));
      out.add(mth(d.subList(0, k)));
    }
    return out;
  }

  /** PROOF(m, D[n]). */
  public static List<byte[]> proof(int m, List<byte[]> d) {
    return subproof(m, d, true);
  }

  private static List<byte[]> subproof(int m, List<byte[]> d, boolean b) {
    int n = d.size();
    List<byte[]> out = new ArrayList<>();
    if (m == n) {
      if (!b) {
        out.add(mth(d));
      }
      return out;
    }
    int k = split(n);
    if (m <= k) {
      out.addAll(subproof(m, d.subList(0, k), b));
      out.add(mth(d.subList(k, n)));
    } else {
      out.addAll(subproof(m - k, d.subList(k, n), false));
      out.add(mth(d.subList(0, k)));
    }
    return out;
  }
}
