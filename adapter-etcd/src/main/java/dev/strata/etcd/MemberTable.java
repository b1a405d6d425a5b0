package dev.strata.etcd;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.strata.api.CorruptionException;
import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.WriteTxn;
import io.etcd.jetcd.api.Member;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster's member list in the replicated store ({@link KeyLayout#MEMBER} table): one {@code
 * etcdserverpb.Member} per member, keyed by its id, exactly as {@code MemberList} shows it. Being
 * in the store, it is the same on every member and survives restarts. A member added but not
 * started yet has no name and no client URLs, as in etcd.
 *
 * <p>Stateless; each call works inside the caller's transaction.
 */
final class MemberTable {
  private static final KeyRange ALL = KeyRange.prefix(new byte[] {KeyLayout.MEMBER});

  private MemberTable() {}

  static byte[] key(long id) {
    return KeyLayout.tagged(KeyLayout.MEMBER, KeyLayout.longBytes(id));
  }

  /** Every member, by ascending id (etcd's order); empty when the table was never written. */
  static List<Member> read(ReadTxn txn) {
    List<Member> out = new ArrayList<>();
    try (Cursor c = txn.cursor(ALL)) {
      while (c.next()) {
        try {
          out.add(Member.parseFrom(c.value()));
        } catch (InvalidProtocolBufferException e) {
          throw new CorruptionException(
              "member record " + KeyLayout.longOf(KeyLayout.untag(c.key()), 0), e);
        }
      }
    }
    // Ids are non-negative, so their big-endian byte order is their numeric order.
    return out;
  }

  static void put(WriteTxn txn, Member member) {
    txn.put(key(member.getID()), member.toByteArray());
  }

  static void delete(WriteTxn txn, long id) {
    txn.delete(key(id));
  }
}
