package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.KeyRange;
import dev.strata.btree.format.NodeView;
import dev.strata.btree.format.SlottedPage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * In-place page edits against the object form: after every random put, replace, re-key and delete,
 * a node in page form must hold exactly the bytes {@link Node#encode} writes for the model's
 * entries, and once an edit no longer fits, the node must carry on in object form with the same
 * entries.
 */
class SlottedPageTest {
  private static final int PAGE = 1024;
  private static final int MAX_INLINE = TreeUpdate.maxInline(PAGE);

  /**
   * One pool for the whole class: each round gives its page back, so later rounds start from a
   * recycled page that still holds an earlier round's bytes and must come out byte-for-byte all the
   * same.
   */
  private static final PageBuffers BUFFERS = new PageBuffers(PAGE);

  @ParameterizedTest(name = "leaf={0}")
  @ValueSource(booleans = {true, false})
  void randomEdits_matchTheEncoderByteForByte(boolean leaf) {
    SplittableRandom r = TestSupport.random("SlottedPageTest.randomEdits[leaf=" + leaf + "]");
    int conversions = 0;
    for (int round = 0; round < 300; round++) {
      TreeMap<byte[], Node.Entry> model = new TreeMap<>(KeyRange::compare);
      int initial = r.nextInt(0, 12);
      for (int k = 0; k < initial; k++) {
        byte[] key = key(r);
        model.put(key, entry(leaf, key, r));
      }
      Node node = pageForm(leaf, model);
      if (node == null) {
        continue;
      }
      for (int op = 0; op < 60 && node.inPageForm(); op++) {
        int kind = r.nextInt(5);
        if (kind == 4 && !leaf && !model.isEmpty()) {
          // A child whose first key changed: commit re-keys its branch entry.
          byte[] old = pick(model, r);
          byte[] key = key(r);
          long child = r.nextLong(2, 1L << 40);
          node.putChild(old, key, child, hint(node.find(old), node.count(), r));
          model.remove(old);
          model.put(key, new Node.Entry(key, null, child, 0));
        } else if (kind == 0 && !model.isEmpty()) {
          byte[] key = pick(model, r);
          node.removeAt(node.find(key));
          model.remove(key);
        } else if (kind == 1 && !model.isEmpty()) {
          byte[] key = pick(model, r);
          put(node, leaf, model, key, r);
        } else {
          put(node, leaf, model, key(r), r);
        }
        assertSame(node, leaf, model);
      }
      if (node.inPageForm()) {
        BUFFERS.give(node.sealPage(0, 0));
      } else {
        conversions++;
      }
    }
    System.out.println("SlottedPageTest: " + conversions + " rounds ended in object form");
    assertTrue(conversions > 0, "no edit ever outgrew the page");
  }

  @ParameterizedTest(name = "leaf={0}")
  @ValueSource(booleans = {true, false})
  void anEditThatDoesNotFit_leavesThePageUnchanged(boolean leaf) {
    TreeMap<byte[], Node.Entry> model = new TreeMap<>(KeyRange::compare);
    for (int k = 0; model.size() < 3; k++) {
      byte[] key = {(byte) k};
      model.put(key, new Node.Entry(key, leaf ? new byte[MAX_INLINE] : null, 7 + k, MAX_INLINE));
    }
    ByteBuffer before = Node.encode(leaf, new ArrayList<>(model.values()), 0, PAGE, MAX_INLINE, 0);
    SlottedPage page = new SlottedPage(new NodeView(before, 0, 0, 1), BUFFERS.take());
    byte[] huge = new byte[PAGE];
    assertFalse(leaf ? page.putLeaf(-4, huge, new byte[0]) : page.putBranch(-4, huge, 9));
    assertArrayEquals(before.array(), bytes(page.seal(0, 0)));
  }

  private static void put(
      Node node, boolean leaf, TreeMap<byte[], Node.Entry> model, byte[] key, SplittableRandom r) {
    Node.Entry e = entry(leaf, key, r);
    int i = node.find(key);
    assertEquals(i, node.findNear(key), "search from the last put's entry");
    if (leaf) {
      node.putLeaf(i, key, e.value, MAX_INLINE);
    } else {
      node.putChild(i >= 0 ? key : null, key, e.page, hint(i, node.count(), r));
    }
    model.put(key, e);
  }

  /**
   * The index {@code find} gave (as an insertion point when negative) half of the time, else any
   * index or -1: a wrong hint must cost only the search it was meant to save.
   */
  private static int hint(int found, int count, SplittableRandom r) {
    if (r.nextBoolean()) {
      return found >= 0 ? found : -found - 1;
    }
    return r.nextInt(-1, count + 2);
  }

  /** Keys from 1 byte to longer than a page, so edits near full and past full both happen. */
  private static byte[] key(SplittableRandom r) {
    int length = r.nextInt(8) == 0 ? r.nextInt(100, PAGE + 10) : r.nextInt(1, 24);
    byte[] key = new byte[length];
    r.nextBytes(key);
    return key;
  }

  /** Leaf: inline values up to the inline limit, some empty, some past it (overflow on spill). */
  private static Node.Entry entry(boolean leaf, byte[] key, SplittableRandom r) {
    if (!leaf) {
      return new Node.Entry(key, null, r.nextLong(2, 1L << 40), 0);
    }
    int length = r.nextInt(10) == 0 ? MAX_INLINE + 1 + r.nextInt(100) : r.nextInt(0, MAX_INLINE);
    byte[] value = new byte[length];
    r.nextBytes(value);
    return new Node.Entry(key, value, 0, length);
  }

  private static byte[] pick(TreeMap<byte[], Node.Entry> model, SplittableRandom r) {
    List<byte[]> keys = new ArrayList<>(model.keySet());
    return keys.get(r.nextInt(keys.size()));
  }

  /**
   * The node {@link Node#read} makes of the model's encoding, with overflow references for values
   * past the inline limit; null when the model does not fit one page.
   */
  private static Node pageForm(boolean leaf, TreeMap<byte[], Node.Entry> model) {
    for (Node.Entry e : model.values()) {
      if (leaf && e.value.length > MAX_INLINE) {
        e.page = 99;
        e.value = null;
      }
    }
    List<Node.Entry> entries = new ArrayList<>(model.values());
    if (new Node(leaf, new ArrayList<>(entries)).size(MAX_INLINE) > PAGE) {
      return null;
    }
    ByteBuffer run = Node.encode(leaf, entries, 42, PAGE, MAX_INLINE, 0);
    Node node = Node.read(new NodeView(run, 0, 42, 1), BUFFERS);
    assertTrue(node.inPageForm());
    return node;
  }

  private static void assertSame(Node node, boolean leaf, TreeMap<byte[], Node.Entry> model) {
    assertEquals(model.size(), node.count());
    int i = 0;
    for (Map.Entry<byte[], Node.Entry> m : model.entrySet()) {
      Node.Entry e = m.getValue();
      assertArrayEquals(m.getKey(), node.keyAt(i));
      if (!leaf) {
        assertEquals(e.page, node.childAt(i));
      } else if (e.value == null) {
        assertTrue(node.isOverflow(i));
        assertEquals(e.page, node.overflowPage(i));
        assertEquals(e.valueLength, node.valueLength(i));
      } else {
        assertFalse(node.isOverflow(i));
        assertArrayEquals(e.value, node.inlineValue(i));
      }
      i++;
    }
    if (node.inPageForm()) {
      ByteBuffer expected =
          Node.encode(leaf, new ArrayList<>(model.values()), 42, PAGE, MAX_INLINE, 9);
      assertArrayEquals(expected.array(), bytes(node.sealPage(42, 9)));
    }
  }

  /** The page's bytes; the run may be a direct buffer. */
  private static byte[] bytes(ByteBuffer run) {
    byte[] out = new byte[run.capacity()];
    run.get(0, out);
    return out;
  }
}
