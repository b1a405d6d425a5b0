package dev.strata.bench.ledger;

import static dev.strata.bench.ledger.LedgerMeasure.*;

import dev.strata.ledger.LedgerEntry;
import dev.strata.ledger.Operation;
import java.security.MessageDigest;

/**
 * The SHA-256 bounds the ledger's rates are compared with, measured in the same JVM right before
 * the workload they qualify. The rates are kept in static fields: one run of the command at a time.
 */
final class HashBound {
  private HashBound() {}

  /**
   * The SHA-256 bound: per entry (16 B key, 100 B value) exactly the hashes an append computes, the
   * chain link {@code 0x00 || h(n-1) || canonical}, the Merkle leaf {@code 0x00 || canonical} and
   * one interior node {@code 0x01 || left || right} (a tree of n leaves has n - 1), on one thread
   * with one reused digest. Also without the node (the bound of an append that hashes its Merkle
   * work in line) and the chain link alone, the sequential part of {@code verifyIntegrity()}.
   */
  static void shaBound() throws Exception {
    byte[] canonical =
        new LedgerEntry(1, 2, 3, -1, Operation.PUT, key(1), new byte[VALUE]).canonicalBytes();
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] head = new byte[32];
    for (int warm = 0; warm < 1_000_000; warm++) {
      head = appendHashes(md, head, canonical, 3);
    }
    int n = 3_000_000;
    for (int hashes = 3; hashes >= 1; hashes--) {
      long t0 = System.nanoTime();
      long c0 = cpu();
      for (int i = 0; i < n; i++) {
        head = appendHashes(md, head, canonical, hashes);
      }
      double cpuSeconds = (cpu() - c0) / 1e9;
      double seconds = (System.nanoTime() - t0) / 1e9;
      int hashed =
          1
              + 32
              + canonical.length
              + (hashes >= 2 ? 1 + canonical.length : 0)
              + (hashes == 3 ? 65 : 0);
      String what =
          hashes == 3
              ? "sha256 bound (chain + leaf + node"
              : hashes == 2 ? "sha256 chain + leaf only (" : "sha256 chain link alone (";
      print(
          what + ", " + hashed + " B/entry): entries/CPU-s",
          n / cpuSeconds,
          "entries/s (wall "
              + String.format("%.0f", n / seconds)
              + "/s; "
              + String.format("%.0f", n * (double) hashed / cpuSeconds / 1e6)
              + " MB hashed per CPU-s) "
              + head[0]);
      if (hashes == 3) {
        shaEntriesPerSecond = n / cpuSeconds;
      } else if (hashes == 2) {
        chainAndLeafPerSecond = n / cpuSeconds;
      } else {
        chainEntriesPerSecond = n / cpuSeconds;
      }
    }
  }

  /** The first {@code hashes} of an entry's chain link, Merkle leaf and interior node. */
  static byte[] appendHashes(MessageDigest md, byte[] head, byte[] canonical, int hashes) {
    byte[] next = chainAndLeaf(md, head, canonical, hashes >= 2);
    if (hashes == 3) {
      md.update((byte) 1);
      md.update(next);
      md.update(head);
      next[1] ^= md.digest()[0];
    }
    return next;
  }

  static byte[] chainAndLeaf(MessageDigest md, byte[] head, byte[] canonical, boolean leaf) {
    md.update((byte) 0);
    md.update(head);
    md.update(canonical);
    byte[] next = md.digest();
    if (leaf) {
      md.update((byte) 0);
      md.update(canonical);
      next[0] ^= md.digest()[0];
    }
    return next;
  }

  static double chainEntriesPerSecond;

  /** Keeps the hashing loops' results alive. */
  static volatile byte sink;

  static double shaEntriesPerSecond;

  static double chainAndLeafPerSecond;

  /**
   * CPU seconds per entry of SHA-256 over what verification must hash for one entry of this size:
   * {chain link + leaf + one interior node, chain link alone}.
   */
  static double[] hashCost(int keyBytes, int valueBytes) {
    byte[] canonical =
        new LedgerEntry(1, 2, 3, -1, Operation.PUT, new byte[keyBytes], new byte[valueBytes])
            .canonicalBytes();
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException x) {
      throw new IllegalStateException(x);
    }
    int n = (int) Math.max(100_000, 600_000_000L / (2 * canonical.length + 100));
    double[] cost = new double[2];
    byte[] head = new byte[32];
    for (int pass = 0; pass < 3; pass++) {
      boolean all = pass != 2;
      long c0 = cpu();
      for (int i = 0; i < n; i++) {
        head = appendHashes(md, head, canonical, all ? 3 : 1);
      }
      // Pass 0 only warms up the intrinsic.
      if (pass > 0) {
        cost[pass - 1] = (cpu() - c0) / 1e9 / n;
      }
    }
    sink = head[0];
    return cost;
  }
}
