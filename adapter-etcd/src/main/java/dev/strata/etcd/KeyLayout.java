package dev.strata.etcd;

import dev.strata.api.KeyRange;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * How the etcd keyspace lives in one Strata engine. Every engine key starts with a one-byte table
 * tag, so the tables are disjoint ranges of the engine's memcmp order:
 *
 * <ul>
 *   <li>{@code 'c' + key}: the live state of a key, a {@code mvccpb.KeyValue}. Only keys that exist
 *       at the current revision have an entry, so a range at the current revision is one cursor
 *       over this table.
 *   <li>{@code 'h' + escape(key) + 0x00 0x01 + main(8) + sub(8)}: the history index, one entry per
 *       change of a key: a marker byte (put or tombstone) and the {@code KeyValue} written. The
 *       escape (0x00 becomes 0x00 0xFF) keeps the order of user keys, so a user range maps to one
 *       engine range and a key's revisions sit together in ascending order.
 *   <li>{@code 'r' + main(8) + sub(8)}: the revision log, pointing at the history entry written at
 *       that revision; watchers replay from it.
 *   <li>{@code 'l' + id(8)}: a lease's granted TTL; {@code 'a' + id(8) + key}: a key attached to
 *       that lease.
 *   <li>{@code 'm' + name}: meta values (current revision, compacted revision, cluster id).
 *   <li>{@code 'n' + member id(8)}: a cluster member, the {@code etcdserverpb.Member} its {@code
 *       MemberList} entry shows (only on a cluster over the {@code raft} engine).
 * </ul>
 *
 * Numbers are big-endian so that their byte order is their numeric order.
 */
final class KeyLayout {
  static final byte CURRENT = 'c';
  static final byte HISTORY = 'h';
  static final byte REVISION = 'r';
  static final byte LEASE = 'l';
  static final byte ATTACHED = 'a';
  static final byte META = 'm';
  static final byte MEMBER = 'n';

  static final byte[] META_REVISION = meta("revision");
  static final byte[] META_COMPACTED = meta("compacted");
  static final byte[] META_COMPACTED_PHYSICALLY = meta("compacted.physically");
  static final byte[] META_CLUSTER_ID = meta("cluster.id");

  /**
   * The largest etcd key accepted: with every byte escaped, the history key still fits the engines'
   * 32 KiB key limit.
   */
  static final int MAX_KEY_BYTES = 16_000;

  private static final byte ESCAPE = 0x00;
  private static final byte ESCAPED_ZERO = (byte) 0xFF;
  private static final byte TERMINATOR = 0x01;

  private KeyLayout() {}

  private static byte[] meta(String name) {
    byte[] n = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] k = new byte[n.length + 1];
    k[0] = META;
    System.arraycopy(n, 0, k, 1, n.length);
    return k;
  }

  static byte[] tagged(byte tag, byte[] key) {
    byte[] k = new byte[key.length + 1];
    k[0] = tag;
    System.arraycopy(key, 0, k, 1, key.length);
    return k;
  }

  static byte[] current(byte[] key) {
    return tagged(CURRENT, key);
  }

  static byte[] untag(byte[] engineKey) {
    return Arrays.copyOfRange(engineKey, 1, engineKey.length);
  }

  /**
   * The engine range of table {@code tag} for the etcd range {@code [key, end)}, where an empty
   * {@code end} means "only {@code key}" is not handled here (callers use a point read) and {@code
   * end == null} means "every key at or above {@code key}".
   */
  static KeyRange currentRange(byte[] key, byte[] end) {
    byte[] from = current(key);
    byte[] to = end == null ? new byte[] {CURRENT + 1} : current(end);
    return KeyRange.between(from, to);
  }

  /** The escaped form of {@code key} followed by the terminator: a prefix of its history keys. */
  static byte[] historyPrefix(byte[] key) {
    int zeros = 0;
    for (byte b : key) {
      if (b == ESCAPE) {
        zeros++;
      }
    }
    byte[] out = new byte[1 + key.length + zeros + 2];
    out[0] = HISTORY;
    int at = 1;
    for (byte b : key) {
      out[at++] = b;
      if (b == ESCAPE) {
        out[at++] = ESCAPED_ZERO;
      }
    }
    out[at++] = ESCAPE;
    out[at] = TERMINATOR;
    return out;
  }

  static byte[] history(byte[] key, long main, long sub) {
    byte[] prefix = historyPrefix(key);
    return ByteBuffer.allocate(prefix.length + 16).put(prefix).putLong(main).putLong(sub).array();
  }

  /** The history range holding every revision of the etcd keys in {@code [key, end)}. */
  static KeyRange historyRange(byte[] key, byte[] end) {
    byte[] from = historyPrefix(key);
    byte[] to = end == null ? new byte[] {HISTORY + 1} : historyPrefix(end);
    return KeyRange.between(from, to);
  }

  /** The etcd key of a history entry. */
  static byte[] historyUserKey(byte[] historyKey) {
    byte[] out = new byte[historyKey.length];
    int n = 0;
    for (int i = 1; i < historyKey.length; i++) {
      byte b = historyKey[i];
      if (b == ESCAPE) {
        if (historyKey[i + 1] == TERMINATOR) {
          break;
        }
        i++;
      }
      out[n++] = b;
    }
    return Arrays.copyOf(out, n);
  }

  static long historyMain(byte[] historyKey) {
    return ByteBuffer.wrap(historyKey, historyKey.length - 16, 8).getLong();
  }

  static long historySub(byte[] historyKey) {
    return ByteBuffer.wrap(historyKey, historyKey.length - 8, 8).getLong();
  }

  /** The length of the part of a history key that names its etcd key (tag, escape, terminator). */
  static int historyKeyPartLength(byte[] historyKey) {
    return historyKey.length - 16;
  }

  static byte[] revision(long main, long sub) {
    return ByteBuffer.allocate(17).put(REVISION).putLong(main).putLong(sub).array();
  }

  static long revisionMain(byte[] revisionKey) {
    return ByteBuffer.wrap(revisionKey, 1, 8).getLong();
  }

  static byte[] lease(long id) {
    return ByteBuffer.allocate(9).put(LEASE).putLong(id).array();
  }

  static long leaseId(byte[] leaseKey) {
    return ByteBuffer.wrap(leaseKey, 1, 8).getLong();
  }

  static byte[] attached(long leaseId, byte[] key) {
    return ByteBuffer.allocate(9 + key.length).put(ATTACHED).putLong(leaseId).put(key).array();
  }

  static byte[] attachedPrefix(long leaseId) {
    return ByteBuffer.allocate(9).put(ATTACHED).putLong(leaseId).array();
  }

  static byte[] attachedKey(byte[] attachedKey) {
    return Arrays.copyOfRange(attachedKey, 9, attachedKey.length);
  }

  static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static long longOf(byte[] bytes, long absent) {
    return bytes == null ? absent : ByteBuffer.wrap(bytes).getLong();
  }
}
