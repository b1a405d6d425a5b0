package dev.strata.raft;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;

/**
 * The replica's snapshots, in Ratis' state machine directory: each is {@code
 * snapshot.<term>_<index>} holding the local engine's backup in {@code data/} and an empty {@code
 * complete} file written last (a directory without it is an unfinished snapshot and is ignored). A
 * snapshot is copied into {@code snapshot.tmp} and renamed when complete. Only the newest is kept.
 * Ratis sends these files to a lagging replica and, there, replaces the whole directory with them
 * before {@link StoreStateMachine#reinitialize()} installs the newest.
 */
final class SnapshotDirectory implements StateMachineStorage {
  private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
  static final String COMPLETE = "complete";

  /** Where a snapshot is copied before it is complete and renamed to its final name. */
  static final String TMP = "snapshot.tmp";

  private volatile File dir;

  @Override
  public void init(RaftStorage raftStorage) {
    this.dir = raftStorage.getStorageDir().getStateMachineDir();
  }

  Path root() {
    return dir.toPath();
  }

  /** The newest complete snapshot, or null. */
  @Override
  public Snapshot getLatestSnapshot() {
    File d = dir;
    if (d == null || !d.isDirectory()) {
      return null;
    }
    Snapshot best = null;
    File[] children = d.listFiles();
    if (children == null) {
      return null;
    }
    for (File child : children) {
      Matcher m = NAME.matcher(child.getName());
      if (m.matches() && new File(child, COMPLETE).exists()) {
        TermIndex ti = TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        if (best == null || ti.getIndex() > best.termIndex.getIndex()) {
          best = new Snapshot(child.toPath(), ti);
        }
      }
    }
    return best;
  }

  /** Where a new snapshot at {@code termIndex} is written before it is complete. */
  Path pathFor(TermIndex termIndex) {
    return root().resolve("snapshot." + termIndex.getTerm() + "_" + termIndex.getIndex());
  }

  @Override
  public void format() {}

  /** Deletes every snapshot directory named for an index below {@code index}. */
  void deleteOlderThan(long index) throws IOException {
    File[] children = dir.listFiles();
    if (children == null) {
      return;
    }
    for (File child : children) {
      Matcher m = NAME.matcher(child.getName());
      if (m.matches() && Long.parseLong(m.group(2)) < index) {
        LocalStore.deleteTree(child.toPath());
      }
    }
  }

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) {
    // Taking a snapshot already deletes the older ones.
  }

  /** One complete snapshot: its directory and the log position it covers. */
  static final class Snapshot implements SnapshotInfo {
    final Path path;
    final TermIndex termIndex;

    Snapshot(Path path, TermIndex termIndex) {
      this.path = path;
      this.termIndex = termIndex;
    }

    Path data() {
      return path.resolve("data");
    }

    @Override
    public TermIndex getTermIndex() {
      return termIndex;
    }

    @Override
    public List<FileInfo> getFiles() {
      List<FileInfo> out = new ArrayList<>();
      try (Stream<Path> files = Files.walk(path)) {
        files.filter(Files::isRegularFile).forEach(f -> out.add(new FileInfo(f, null)));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      // The marker goes last: a receiver that lists files in order never sees it before the data.
      out.sort((a, b) -> Boolean.compare(isMarker(a), isMarker(b)));
      return out;
    }

    private static boolean isMarker(FileInfo f) {
      return f.getPath().getFileName().toString().equals(COMPLETE);
    }

    @Override
    public String toString() {
      return "snapshot " + termIndex + " at " + path;
    }
  }
}
