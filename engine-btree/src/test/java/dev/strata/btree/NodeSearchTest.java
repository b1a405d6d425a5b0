package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.btree.format.NodeView;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Node#findNear}, the search that starts right of the last put's entry, against the plain
 * binary search: after puts in ascending runs with gaps of every size, jumps back and forth, keys
 * equal to existing ones, below the first and above the last, in object form and in page form.
 */
class NodeSearchTest {
  private static final int PAGE = 64 * 1024;

  @ParameterizedTest(name = "pageForm={0}")
  @ValueSource(booleans = {true, false})
  void findNear_agreesWithFind_afterPutsInRunsAndJumps(boolean pageForm) {
    SplittableRandom r = TestSupport.random("NodeSearchTest[pageForm=" + pageForm + "]");
    PageBuffers buffers = new PageBuffers(PAGE);
    for (int round = 0; round < 50; round++) {
      List<Node.Entry> initial = new ArrayList<>();
      for (long k = 0; k < r.nextInt(0, 300); k++) {
        // Even numbers only, so odd ones fall between existing keys.
        byte[] key = ByteBuffer.allocate(8).putLong(2 * k * (1 + r.nextInt(3))).array();
        if (initial.isEmpty()
            || Arrays.compareUnsigned(initial.get(initial.size() - 1).key, key) < 0) {
          initial.add(new Node.Entry(key, new byte[1], 0, 1));
        }
      }
      Node node = node(initial, pageForm, buffers);
      long at = r.nextLong(0, 2000);
      for (int op = 0; op < 400; op++) {
        at = r.nextInt(6) == 0 ? r.nextLong(0, 2000) : at + r.nextInt(0, 12);
        byte[] key = ByteBuffer.allocate(8).putLong(at).array();
        int expected = node.find(key);
        assertEquals(expected, node.findNear(key), "key " + at + " in round " + round);
        node.putLeaf(expected, key, new byte[1], PAGE / 4);
        assertTrue(node.find(key) >= 0);
      }
    }
  }

  private static Node node(List<Node.Entry> entries, boolean pageForm, PageBuffers buffers) {
    if (!pageForm) {
      return new Node(true, new ArrayList<>(entries));
    }
    ByteBuffer page = Node.encode(true, entries, 2, PAGE, PAGE / 4, 0);
    return Node.read(new NodeView(page, 0, 2, 1), buffers);
  }
}
