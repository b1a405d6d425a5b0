package dev.strata.ledger.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.ledger.Naive;
import dev.strata.ledger.merkle.MerkleStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Merkle pass of {@code verifyIntegrity()} fed through a {@link CanonicalBytesFeed}: the tree
 * head equals the naive RFC 9162 one whether the pass hashes every leaf itself, the chain pass's
 * thread hashed the leaves of every queued batch after handing over the last one, or of the newer
 * ones only (the pass had taken the oldest). Seeded; the seed is printed in every failure.
 */
class MerklePassTest {
  @TempDir Path dir;

  /** Leaf inputs of three and a half batches, of random lengths and bytes. */
  private static List<byte[]> canonicals(SplittableRandom random) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < 3 * 4096 + 1234; i++) {
      byte[] c = new byte[40 + random.nextInt(200)];
      random.nextBytes(c);
      out.add(c);
    }
    return out;
  }

  /** The tree head the pass computes; {@code helped}: batches the producer's thread hashes. */
  private byte[] root(List<byte[]> canonicals, String helped) throws Exception {
    Path store = Files.createDirectories(dir.resolve(helped));
    try (MerkleStore merkle =
        MerkleStore.open(
            store,
            true,
            FileIO.standard(),
            new WriteAmplificationMeter(),
            (chunk, start, end) -> {
              throw new AssertionError("an empty store reads no chunk");
            },
            0)) {
      CanonicalBytesFeed feed = new CanonicalBytesFeed(8);
      // The feed holds every batch, so the pass starts only after the producer is done.
      MerklePass pass = new MerklePass(null, merkle, feed, canonicals.size());
      long position = 0;
      for (byte[] c : canonicals) {
        int at = feed.reserve(1 + c.length);
        byte[] data = feed.data();
        data[at] = 0;
        System.arraycopy(c, 0, data, at + 1, c.length);
        feed.add(1 + c.length, position, position + c.length);
        position += c.length;
      }
      feed.finish();
      List<CanonicalBytesFeed.Batch> queued = feed.queued(MerklePass.CONSUMER);
      assertTrue(queued.size() == 4, "batches: " + queued.size());
      switch (helped) {
        case "none" -> {}
        case "all" -> pass.helpWithQueuedLeaves();
        default -> {
          // As if the pass had taken the oldest batch already: the chain pass stops there.
          queued.get(0).leafState.set(CanonicalBytesFeed.LEAVES_CONSUMER);
          pass.helpWithQueuedLeaves();
          assertTrue(queued.get(0).leafHashes == null, "the chain pass left the taken batch alone");
        }
      }
      pass.run();
      assertTrue(pass.finished(), "the pass read the last batch");
      return pass.rootAtTrusted;
    }
  }

  @Test
  void rootEqualsNaive_whoeverHashesTheLeaves() throws Exception {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    String why = "seed " + seed + " (rerun with -Dstrata.test.seed=" + seed + ")";
    List<byte[]> canonicals = canonicals(new SplittableRandom(seed));
    List<byte[]> leaves = new ArrayList<>();
    for (byte[] c : canonicals) {
      leaves.add(Naive.leaf(c));
    }
    byte[] expected = Naive.mth(leaves);
    for (String helped : List.of("none", "all", "newer")) {
      assertArrayEquals(expected, root(canonicals, helped), why + ", helped: " + helped);
    }
  }
}
