package dev.strata.tck.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.tck.reliability.FaultyFileIO.Call;
import dev.strata.tck.reliability.FaultyFileIO.Op;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The crash model of {@link CrashImages}, on hand-written call sequences. */
class CrashImagesTest {
  private static final Path ROOT = Path.of("/store").toAbsolutePath();

  private final List<Call> calls = new ArrayList<>();

  @Test
  void everythingSynced_leavesExactlyOneImage() {
    create("a", 0);
    write(0, "a", 0, "hello");
    force(0, "a");
    syncDir();
    assertEquals(Set.of("{a=hello}"), images(calls.size()));
  }

  @Test
  void unsyncedWrites_mayBeLostInAnyCombination_andTheLastMayTear() {
    create("a", 0);
    syncDir();
    write(0, "a", 0, "ab");
    write(0, "a", 2, "cd");
    assertEquals(
        Set.of("{a=}", "{a=ab}", "{a=\0\0cd}", "{a=abcd}", "{a=abc}"), images(calls.size()));
  }

  @Test
  void creationBeforeTheDirectorySync_mayBeLost_evenWhenItsDataWasSynced() {
    create("a", 0);
    write(0, "a", 0, "x");
    force(0, "a");
    assertEquals(Set.of("{}", "{a=x}"), images(calls.size()));
    syncDir();
    assertEquals(Set.of("{a=x}"), images(calls.size()));
  }

  @Test
  void lostRename_leavesTheOldName_andLaterWritesFollowTheFile() {
    create("tmp", 0);
    write(0, "tmp", 0, "v1");
    force(0, "tmp");
    syncDir();
    rename("tmp", "data", 0);
    write(0, "tmp", 0, "v2");
    force(0, "tmp");
    assertEquals(Set.of("{tmp=v2}", "{data=v2}"), images(calls.size()));
    syncDir();
    assertEquals(Set.of("{data=v2}"), images(calls.size()));
  }

  @Test
  void renameOverAnExistingFile_mayLeaveTheOldTarget() {
    create("data", 0);
    write(0, "data", 0, "old");
    force(0, "data");
    create("tmp", 1);
    write(1, "tmp", 0, "new");
    force(1, "tmp");
    syncDir();
    rename("tmp", "data", 1);
    assertEquals(Set.of("{data=old, tmp=new}", "{data=new}"), images(calls.size()));
  }

  @Test
  void lostDeletion_leavesTheFile() {
    create("a", 0);
    write(0, "a", 0, "x");
    force(0, "a");
    syncDir();
    calls.add(call(Op.DELETE, "a", null, 0, 0, null));
    assertEquals(Set.of("{}", "{a=x}"), images(calls.size()));
  }

  @Test
  void manyUnsyncedCalls_areSampled_withEveryMetadataCallLostAlone() {
    create("a", 0);
    for (int i = 0; i < 8; i++) {
      write(0, "a", i, Integer.toString(i));
    }
    create("b", 1);
    List<CrashImages.Image> images = CrashImages.at(calls, calls.size(), new SplittableRandom(1));
    Set<String> seen = new TreeSet<>();
    for (CrashImages.Image image : images) {
      seen.add(render(image.files(ROOT)));
    }
    assertTrue(seen.contains("{a=01234567}"), seen.toString());
    assertTrue(seen.contains("{b=}"), "creation of a lost alone: " + seen);
    assertTrue(seen.contains("{a=01234567, b=}"), seen.toString());
    assertTrue(seen.contains("{}"), seen.toString());
    assertTrue(images.stream().anyMatch(CrashImages.Image::losesMetadata));
  }

  private Set<String> images(int point) {
    Set<String> out = new TreeSet<>();
    for (CrashImages.Image image : CrashImages.at(calls, point, new SplittableRandom(7))) {
      out.add(render(image.files(ROOT)));
    }
    return out;
  }

  private static String render(Map<Path, byte[]> files) {
    Map<String, String> m = new TreeMap<>();
    files.forEach((p, b) -> m.put(p.toString(), new String(b, StandardCharsets.ISO_8859_1)));
    return m.toString();
  }

  private void create(String name, long file) {
    calls.add(call(Op.CREATE, name, null, file, 0, null));
  }

  private void write(long file, String name, long position, String bytes) {
    calls.add(
        call(Op.WRITE, name, null, file, position, bytes.getBytes(StandardCharsets.ISO_8859_1)));
  }

  private void force(long file, String name) {
    calls.add(call(Op.FORCE, name, null, file, 0, null));
  }

  private void rename(String from, String to, long file) {
    calls.add(call(Op.RENAME, from, to, file, 0, null));
  }

  private void syncDir() {
    calls.add(new Call(calls.size(), Op.SYNC_DIR, ROOT, null, -1, 0, null));
  }

  private Call call(Op op, String name, String target, long file, long position, byte[] bytes) {
    return new Call(
        calls.size(),
        op,
        ROOT.resolve(name),
        target == null ? null : ROOT.resolve(target),
        file,
        position,
        bytes);
  }
}
