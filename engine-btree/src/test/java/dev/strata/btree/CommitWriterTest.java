package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.WriteTxn;
import dev.strata.btree.format.PageFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a commit's runs reach the file: runs on consecutive pages below the base meta's high-water
 * mark are joined into writes of at most {@link CommitWriter#JOIN_PAGES} pages, pages past it are
 * written one run per call, and what is written reads back, checksums and all.
 */
class CommitWriterTest {
  @TempDir Path dir;

  /**
   * One data-page write: where, how long, how long the run it starts with is, and the high-water
   * mark of the commit's base meta. A write longer than its first run joined runs; a multi-page run
   * (a large node, a commit record or freelist run of several pages) is one run.
   */
  private record Write(long pgid, int pages, int firstRunPages, long baseHighWater) {}

  @Test
  void joinsOnlyPagesEarlierCommitsWrote_atMostJoinPages_andReadsBack() {
    SplittableRandom random = TestSupport.random("CommitWriterTest.joins");
    int pageSize = Settings.DEFAULT_PAGE_SIZE;
    List<Write> writes = new ArrayList<>();
    long[] baseHighWater = new long[1];
    TreeMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    try (BTreeEngine e =
        BTreeEngine.open(
            dir,
            EngineOptions.builder().set("btree.earlyWriteback", "false").build(),
            f -> new Recording(f.channel(), pageSize, writes, baseHighWater))) {
      for (int round = 0; round < 8; round++) {
        baseHighWater[0] = e.store.meta.highWater();
        try (WriteTxn t = e.beginWrite()) {
          for (int i = 0; i < 3000; i++) {
            byte[] k = TestSupport.key(random.nextInt(6000));
            byte[] v = TestSupport.value(random.nextLong(), 40 + random.nextInt(80));
            t.put(k, v);
            model.put(k, v);
          }
          t.commit();
        }
      }
      e.verifyIntegrity();
      FaultInjectionTest.assertContent(e, model);
    }
    int joined = 0;
    for (Write w : writes) {
      assertTrue(w.pages() <= CommitWriter.JOIN_PAGES, "a write of " + w.pages() + " pages");
      if (w.pages() > w.firstRunPages()) {
        joined++;
        assertTrue(
            w.pgid() + w.pages() <= w.baseHighWater(),
            "pages " + w.pgid() + "+" + w.pages() + " joined past " + w.baseHighWater());
      }
    }
    assertTrue(joined > 0, "no runs were joined in " + writes.size() + " writes");
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.verifyIntegrity();
      FaultInjectionTest.assertContent(e, model);
    }
  }

  /** Records every data-page write (meta pages and the file's growth page aside). */
  private static final class Recording implements PageIO {
    private final FileChannel channel;
    private final int pageSize;
    private final List<Write> writes;
    private final long[] baseHighWater;

    Recording(FileChannel channel, int pageSize, List<Write> writes, long[] baseHighWater) {
      this.channel = channel;
      this.pageSize = pageSize;
      this.writes = writes;
      this.baseHighWater = baseHighWater;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      boolean zeros = src.remaining() == pageSize && src.getLong(src.position()) == 0;
      if (position >= 2L * pageSize && !zeros) {
        int firstRunPages =
            1
                + src.duplicate()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .getInt(src.position() + PageFormat.OFF_OVERFLOW);
        writes.add(
            new Write(
                position / pageSize, src.remaining() / pageSize, firstRunPages, baseHighWater[0]));
      }
      return channel.write(src, position);
    }

    @Override
    public void force() throws IOException {
      channel.force(false);
    }

    @Override
    public void truncate(long size) throws IOException {
      channel.truncate(size);
    }
  }
}
