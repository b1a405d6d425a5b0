package dev.strata.tck.reliability;

import dev.strata.tck.reliability.FaultyFileIO.Call;
import dev.strata.tck.reliability.FaultyFileIO.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The files a crash could leave, built from a sequence of calls recorded by {@link FaultyFileIO}.
 * The model is POSIX's, without the extra ordering some file systems give:
 *
 * <ul>
 *   <li>a write is durable once a later sync of the same file (by identity, so across renames) has
 *       completed;
 *   <li>a file creation, rename or deletion is durable once a later sync of its directory has
 *       completed (of both directories, for a rename);
 *   <li>any subset of the calls that are not durable yet may be lost: a lost creation leaves no
 *       file (whatever was written to it), a lost rename leaves the file under its old name, a lost
 *       deletion leaves the file in place;
 *   <li>the last write before the crash may be torn;
 *   <li>truncations are applied in call order (the engines sync right after truncating).
 * </ul>
 *
 * <p>With {@code u} calls not yet durable at a crash point: every subset of them when {@code u <=}
 * {@value #EXHAUSTIVE}; else every prefix in call order, each metadata call (creation, rename,
 * deletion) lost alone, all metadata calls lost together, and {@value #SAMPLES} seeded random
 * subsets. Stateless; thread-safe.
 */
final class CrashImages {
  static final int EXHAUSTIVE = 5;
  static final int SAMPLES = 8;

  private CrashImages() {}

  /** One set of files a crash could leave: the calls before the crash minus the lost ones. */
  static final class Image {
    private final List<Call> calls;
    private final int point;
    private final boolean[] lost;
    private final int tornLength;
    private final String description;

    private Image(List<Call> calls, int point, boolean[] lost, int tornLength, String description) {
      this.calls = calls;
      this.point = point;
      this.lost = lost;
      this.tornLength = tornLength;
      this.description = description;
    }

    /** Tells whether the crash lost a file creation, rename or deletion. */
    boolean losesMetadata() {
      for (int i = 0; i < point; i++) {
        if (lost[i] && calls.get(i).op() != Op.WRITE) {
          return true;
        }
      }
      return false;
    }

    /** Tells which calls the crash lost, and whether the last write is torn. */
    String description() {
      return description;
    }

    /**
     * Returns the files this crash leaves, by path relative to {@code root}, the directory the
     * recorded calls wrote under.
     */
    Map<Path, byte[]> files(Path root) {
      Map<Path, Long> names = new TreeMap<>();
      Map<Long, byte[]> data = new HashMap<>();
      for (int i = 0; i < point; i++) {
        Call c = calls.get(i);
        if (lost[i]) {
          continue;
        }
        Path name = root.relativize(c.path());
        switch (c.op()) {
          case CREATE -> {
            names.put(name, c.file());
            data.put(c.file(), new byte[0]);
          }
          case RENAME -> {
            Long file = names.remove(name);
            if (file != null) {
              names.put(root.relativize(c.target()), file);
            }
          }
          case DELETE -> names.remove(name);
          case TRUNCATE -> {
            byte[] content = data.getOrDefault(c.file(), new byte[0]);
            data.put(
                c.file(), Arrays.copyOf(content, (int) Math.min(content.length, c.position())));
          }
          case WRITE -> {
            byte[] bytes = c.bytes();
            if (i == point - 1 && tornLength >= 0) {
              bytes = Arrays.copyOf(bytes, tornLength);
            }
            byte[] content = data.getOrDefault(c.file(), new byte[0]);
            int end = (int) c.position() + bytes.length;
            if (content.length < end) {
              content = Arrays.copyOf(content, end);
            }
            System.arraycopy(bytes, 0, content, (int) c.position(), bytes.length);
            data.put(c.file(), content);
          }
          default -> {
            // Syncs change no content.
          }
        }
      }
      Map<Path, byte[]> files = new TreeMap<>();
      names.forEach((name, file) -> files.put(name, data.getOrDefault(file, new byte[0])));
      return files;
    }

    /** Writes {@link #files} under {@code target}. */
    void materialise(Path root, Path target) throws IOException {
      Files.createDirectories(target);
      for (Map.Entry<Path, byte[]> f : files(root).entrySet()) {
        Path file = target.resolve(f.getKey());
        Files.createDirectories(file.getParent());
        Files.write(file, f.getValue());
      }
    }
  }

  /**
   * Returns what the calls leave when nothing is lost: the files as they are after the last call.
   */
  static Image everything(List<Call> calls) {
    return new Image(calls, calls.size(), new boolean[calls.size()], -1, "nothing lost");
  }

  /** Returns the images of a crash before call {@code point} (0 to {@code calls.size()}). */
  static List<Image> at(List<Call> calls, int point, SplittableRandom random) {
    List<Integer> pending = notDurable(calls, point);
    int u = pending.size();
    List<Image> out = new ArrayList<>();
    if (u <= EXHAUSTIVE) {
      for (int mask = 0; mask < 1 << u; mask++) {
        boolean[] keep = new boolean[u];
        for (int k = 0; k < u; k++) {
          keep[k] = (mask >>> k & 1) != 0;
        }
        out.add(image(calls, point, pending, keep, -1, ""));
      }
    } else {
      for (int prefix = 0; prefix <= u; prefix++) {
        boolean[] keep = new boolean[u];
        Arrays.fill(keep, 0, prefix, true);
        out.add(image(calls, point, pending, keep, -1, "prefix; "));
      }
      boolean[] noMetadata = new boolean[u];
      boolean anyMetadata = false;
      for (int k = 0; k < u; k++) {
        boolean metadata = calls.get(pending.get(k)).op() != Op.WRITE;
        noMetadata[k] = !metadata;
        anyMetadata |= metadata;
        if (metadata) {
          boolean[] keep = new boolean[u];
          Arrays.fill(keep, true);
          keep[k] = false;
          out.add(image(calls, point, pending, keep, -1, "one metadata call lost; "));
        }
      }
      if (anyMetadata) {
        out.add(image(calls, point, pending, noMetadata, -1, "all metadata calls lost; "));
      }
      for (int s = 0; s < SAMPLES; s++) {
        boolean[] keep = new boolean[u];
        for (int k = 0; k < u; k++) {
          keep[k] = random.nextBoolean();
        }
        out.add(image(calls, point, pending, keep, -1, "random subset; "));
      }
    }
    if (u > 0 && pending.get(u - 1) == point - 1 && calls.get(point - 1).op() == Op.WRITE) {
      boolean[] keep = new boolean[u];
      Arrays.fill(keep, true);
      int length = calls.get(point - 1).bytes().length;
      if (length > 1) {
        out.add(image(calls, point, pending, keep, length / 2, "last write torn at half; "));
        out.add(
            image(
                calls,
                point,
                pending,
                keep,
                1 + random.nextInt(length - 1),
                "last write torn at a random byte; "));
      }
    }
    return out;
  }

  private static Image image(
      List<Call> calls,
      int point,
      List<Integer> pending,
      boolean[] keep,
      int tornLength,
      String kind) {
    boolean[] lost = new boolean[point];
    StringBuilder d = new StringBuilder(kind).append("lost ");
    int count = 0;
    for (int k = 0; k < pending.size(); k++) {
      if (!keep[k]) {
        int i = pending.get(k);
        lost[i] = true;
        d.append(count++ == 0 ? "" : ", ").append(calls.get(i).op()).append(" #").append(i);
      }
    }
    if (count == 0) {
      d.append("nothing");
    }
    d.append(" of ").append(pending.size()).append(" not yet durable");
    return new Image(calls, point, lost, tornLength, d.toString());
  }

  /** The calls before {@code point} that a crash there may lose, in call order. */
  static List<Integer> notDurable(List<Call> calls, int point) {
    Map<Long, Integer> lastFileSync = new HashMap<>();
    Map<Path, Integer> lastDirectorySync = new HashMap<>();
    for (int i = 0; i < point; i++) {
      Call c = calls.get(i);
      if (c.op() == Op.FORCE) {
        lastFileSync.put(c.file(), i);
      } else if (c.op() == Op.SYNC_DIR) {
        lastDirectorySync.put(normal(c.path()), i);
      }
    }
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < point; i++) {
      Call c = calls.get(i);
      boolean durable =
          switch (c.op()) {
            case WRITE -> lastFileSync.getOrDefault(c.file(), -1) > i;
            case CREATE, DELETE -> lastDirectorySync.getOrDefault(parent(c.path()), -1) > i;
            case RENAME ->
                lastDirectorySync.getOrDefault(parent(c.path()), -1) > i
                    && lastDirectorySync.getOrDefault(parent(c.target()), -1) > i;
            default -> true;
          };
      if (!durable) {
        out.add(i);
      }
    }
    return out;
  }

  private static Path normal(Path p) {
    return p.toAbsolutePath().normalize();
  }

  private static Path parent(Path p) {
    return normal(p).getParent();
  }
}
