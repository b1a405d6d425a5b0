package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long run of membership changes, with writes going on throughout: each cycle adds a member
 * (started with {@code --initial-cluster-state existing}) and removes a seeded choice of the
 * others, the leader included, through a seeded choice of members. At the end every member lists
 * the same members and holds the same content, every acknowledged write is there, and each member's
 * replica passes its check. {@code -Dstrata.etcd.memberCycles=N} sets the cycles (default 6);
 * {@code -Dstrata.test.seed=N} replays a run.
 */
@Tag("soak")
class ClusterMembershipSoakTest {
  @TempDir Path dir;

  @Test
  void membersAddedAndRemovedUnderWrites_keepEveryAcknowledgedWrite() throws Exception {
    int cycles = Integer.getInteger("strata.etcd.memberCycles", 6);
    String seedProperty = System.getProperty("strata.test.seed", "");
    long seed = seedProperty.isEmpty() ? System.nanoTime() : Long.parseLong(seedProperty);
    System.out.println("ClusterMembershipSoakTest seed " + seed + ", cycles " + cycles);
    SplittableRandom random = new SplittableRandom(seed);
    try (TestMembers members = new TestMembers(dir, 3 + cycles, (i, config) -> config, null)) {
      members.startNew(3);
      Set<Integer> running = ConcurrentHashMap.newKeySet();
      running.addAll(Set.of(0, 1, 2));
      members.awaitLeader(running);

      Set<String> acknowledged = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer =
          new Thread(
              () -> {
                SplittableRandom own = new SplittableRandom(seed + 1);
                for (int n = 0; !stop.get(); n++) {
                  List<Integer> targets = new ArrayList<>(running);
                  int target = targets.get(own.nextInt(targets.size()));
                  String key = "w/" + n;
                  try {
                    KVGrpc.newBlockingStub(members.channel(target))
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .put(
                            PutRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8(key))
                                .setValue(ByteString.copyFromUtf8("v" + n))
                                .build());
                    acknowledged.add(key);
                  } catch (RuntimeException e) {
                    // A member stopping or an election: the outcome is unknown, as for a client.
                  }
                }
              },
              "soak-writer");
      writer.start();
      int leaderRemovals = 0;
      try {
        for (int c = 0; c < cycles; c++) {
          int newcomer = 3 + c;
          List<Integer> before = new ArrayList<>(running);
          int via = before.get(random.nextInt(before.size()));
          ClusterGrpc.newBlockingStub(members.channel(via))
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .memberAdd(
                  MemberAddRequest.newBuilder().addPeerURLs(members.peerUrl(newcomer)).build());
          List<Integer> after = new ArrayList<>(before);
          after.add(newcomer);
          members.start(newcomer, members.config(newcomer, after).initialClusterState("existing"));
          running.add(newcomer);

          int leaderBefore = members.awaitLeader(running);
          int victim = before.get(random.nextInt(before.size()));
          if (victim == leaderBefore) {
            leaderRemovals++;
          }
          List<Integer> others = new ArrayList<>(after);
          others.remove(Integer.valueOf(victim));
          int remover = others.get(random.nextInt(others.size()));
          System.out.println(
              "cycle "
                  + c
                  + ": added "
                  + TestMembers.name(newcomer)
                  + " through "
                  + TestMembers.name(via)
                  + ", removing "
                  + TestMembers.name(victim)
                  + (victim == leaderBefore ? " (the leader)" : "")
                  + " through "
                  + TestMembers.name(remover));
          ClusterGrpc.newBlockingStub(members.channel(remover))
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .memberRemove(
                  MemberRemoveRequest.newBuilder()
                      .setID(members.server(victim).memberId())
                      .build());
          running.remove(victim);
          members.assertStops(victim);
          int leader = members.awaitLeader(running);
          List<Member> listed = members.list(leader);
          assertEquals(3, listed.size(), "" + listed);
          members.awaitListed(running, listed);
        }
      } finally {
        stop.set(true);
        writer.join(TimeUnit.SECONDS.toMillis(30));
      }

      int leader = members.awaitLeader(running);
      RangeResponse reference = all(members, leader);
      Set<String> present = new HashSet<>();
      for (KeyValue kv : reference.getKvsList()) {
        present.add(kv.getKey().toStringUtf8());
      }
      assertTrue(
          present.containsAll(acknowledged),
          "acknowledged writes missing: " + difference(acknowledged, present));
      for (int i : running) {
        RangeResponse r = all(members, i);
        assertEquals(reference.getKvsList(), r.getKvsList(), TestMembers.name(i));
        members.server(i).engine().verifyIntegrity();
      }
      System.out.println(
          "ClusterMembershipSoakTest: "
              + leaderRemovals
              + " of "
              + cycles
              + " removals of the leader, "
              + acknowledged.size()
              + " acknowledged writes, "
              + reference.getKvsCount()
              + " keys");
    }
  }

  private static RangeResponse all(TestMembers members, int i) {
    return KVGrpc.newBlockingStub(members.channel(i))
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .range(
            RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("\0"))
                .setRangeEnd(ByteString.copyFromUtf8("\0"))
                .build());
  }

  private static Set<String> difference(Set<String> a, Set<String> b) {
    Set<String> out = new HashSet<>(a);
    out.removeAll(b);
    return out;
  }
}
