package dev.strata.api.spi;

import dev.strata.api.CorruptionException;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageIOException;
import dev.strata.api.UnsupportedFormatException;
import dev.strata.api.WrongEngineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The file that says which engine a store directory belongs to, and the checks every persistent
 * engine runs with it before it touches a directory, so that a store of one engine is never opened
 * as another: a {@code btree} asked to open a {@code ledger} directory would otherwise see no data
 * file, create an empty store beside the ledger's segments and hide the user's data.
 *
 * <h2>The marker file</h2>
 *
 * {@value #FILE_NAME}, little-endian: magic {@code "STRATAMK"} (8 bytes), the engine's format
 * version (int32, at least 1), the length of the engine's name (int32, 1..64), the name in ASCII,
 * then the CRC32C of every byte before it (int32). It is written to a temporary file, forced,
 * renamed into place and the directory forced, so a crash leaves either no marker or a whole one.
 * An engine refuses a marker with a newer format version than it writes ({@link
 * UnsupportedFormatException}).
 *
 * <h2>Stores written before the marker</h2>
 *
 * Stores of the engines that ship with Strata that were written before the marker existed are
 * recognised by their files: {@code btree} by {@code data.btree}, {@code ledger} by its first
 * segment {@code ledger-0000000000.seg}, {@code lsm} by its older marker {@code STRATA-LSM} (magic
 * {@code "STRATLSM"}, int32 format version, CRC32C of the 12 bytes before it), read as the {@code
 * lsm} marker, or by RocksDB's {@code CURRENT} file. The table is closed: every engine marks the
 * stores it creates, so no later engine needs an entry. Such a store gets its marker on its next
 * writable open ({@link #claim}); a read-only open never writes.
 *
 * <p>Stateless and thread-safe; two processes writing the same marker at once write the same bytes.
 */
public final class StoreMarker {
  /** The marker's file name inside a store directory. */
  public static final String FILE_NAME = "STRATA-STORE";

  /** The {@code lsm} engine's marker from before {@value #FILE_NAME}; still read as a marker. */
  static final String LSM_MARKER_FILE = "STRATA-LSM";

  private static final long MAGIC = 0x4B4D_4154_4152_5453L; // "STRATAMK" read little-endian
  private static final long LSM_MAGIC = 0x4D53_4C54_4152_5453L; // "STRATLSM" read little-endian
  private static final int LSM_MARKER_LENGTH = 16;
  private static final int HEADER = 16;
  private static final int MAX_NAME = 64;
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  /** Files that identify each shipped engine's stores written before the marker existed. */
  private static final Map<String, Set<String>> SIGNATURES =
      Map.of(
          "btree", Set.of("data.btree"),
          "ledger", Set.of("ledger-0000000000.seg"),
          "lsm", Set.of(LSM_MARKER_FILE, "CURRENT"));

  private final Path file;
  private final String engine;
  private final int formatVersion;

  private StoreMarker(Path file, String engine, int formatVersion) {
    this.file = file;
    this.engine = engine;
    this.formatVersion = formatVersion;
  }

  /**
   * Returns the marker file this marker was read from.
   *
   * @return {@value #FILE_NAME}, or {@code STRATA-LSM} for an older {@code lsm} store
   */
  public Path file() {
    return file;
  }

  /**
   * Returns the name of the engine that owns the store.
   *
   * @return an engine name such as {@code "btree"}
   */
  public String engine() {
    return engine;
  }

  /**
   * Returns the engine's format version recorded in the marker.
   *
   * @return at least 1
   */
  public int formatVersion() {
    return formatVersion;
  }

  @Override
  public String toString() {
    return engine + " (format version " + formatVersion + ", " + file + ")";
  }

  /**
   * Reads the marker of a directory, without writing anything.
   *
   * @param directory the store directory
   * @return the marker, or empty when the directory is missing or holds no marker
   * @throws NullPointerException if {@code directory} is null
   * @throws CorruptionException if a marker file is damaged (naming it and the offset)
   * @throws StorageIOException if a marker file cannot be read
   */
  public static Optional<StoreMarker> read(Path directory) {
    Objects.requireNonNull(directory, "directory");
    Path file = directory.resolve(FILE_NAME);
    if (Files.exists(file)) {
      return Optional.of(parse(file, readAll(file)));
    }
    Path lsm = directory.resolve(LSM_MARKER_FILE);
    if (Files.exists(lsm)) {
      return Optional.of(parseLsm(lsm, readAll(lsm)));
    }
    return Optional.empty();
  }

  /**
   * Names the engine whose store a directory holds: the marker's engine, or for a store written
   * before the marker existed, the engine its files identify.
   *
   * @param directory the store directory
   * @return the engine's name, or empty when the directory is missing, empty or holds no store
   * @throws NullPointerException if {@code directory} is null
   * @throws CorruptionException if the marker is damaged, or the unmarked directory holds the files
   *     of more than one engine
   * @throws StorageIOException if the marker cannot be read
   */
  public static Optional<String> detect(Path directory) {
    Optional<StoreMarker> marker = read(directory);
    if (marker.isPresent()) {
      return Optional.of(marker.get().engine());
    }
    Set<String> found = signatures(directory);
    if (found.size() > 1) {
      throw new CorruptionException(
          directory + " holds the files of several engines " + found + " and no " + FILE_NAME);
    }
    return found.stream().findFirst();
  }

  /**
   * Refuses a directory that belongs to another engine, without writing anything. Engines that
   * create their marker themselves call it before they touch the directory.
   *
   * @param directory the store directory
   * @param engine the name of the engine about to open it
   * @param formatVersion the newest format version that engine reads
   * @return the directory's marker, or empty when it has none yet
   * @throws NullPointerException if an argument is null
   * @throws WrongEngineException if the marker, or for an unmarked directory its files, name
   *     another engine (and none of the files is {@code engine}'s own)
   * @throws UnsupportedFormatException if the marker's format version is newer than {@code
   *     formatVersion}
   * @throws CorruptionException if the marker is damaged
   * @throws StorageIOException if the marker cannot be read
   */
  public static Optional<StoreMarker> check(Path directory, String engine, int formatVersion) {
    Objects.requireNonNull(engine, "engine");
    Optional<StoreMarker> marker = read(directory);
    if (marker.isPresent()) {
      StoreMarker m = marker.get();
      if (!m.engine.equals(engine)) {
        throw new WrongEngineException(directory, m.engine, engine);
      }
      if (m.formatVersion > formatVersion) {
        throw new UnsupportedFormatException(
            m.file
                + ": "
                + engine
                + " store format version "
                + m.formatVersion
                + " is newer than this engine's "
                + formatVersion);
      }
      return marker;
    }
    Set<String> found = signatures(directory);
    if (!found.isEmpty() && !found.contains(engine)) {
      throw new WrongEngineException(directory, found.iterator().next(), engine);
    }
    return Optional.empty();
  }

  /**
   * The one call a persistent engine makes on open before it touches the directory: refuses another
   * engine's store ({@link #check}) and, for a writable open, marks the directory when it has no
   * marker yet: an existing unmarked store of this engine, or a store about to be created (when
   * {@link EngineOptions#createIfMissing()} holds, creating the directory). A read-only open never
   * writes. A marker written just before the engine's own open fails (a locked store, say) stays:
   * it only states what the directory is.
   *
   * @param directory the store directory
   * @param engine the name of the engine about to open it
   * @param formatVersion the engine's current format version, recorded in a new marker
   * @param options the open's options
   * @throws NullPointerException if an argument is null
   * @throws WrongEngineException if the directory holds another engine's store; it is untouched
   * @throws UnsupportedFormatException if the marker's format version is newer than {@code
   *     formatVersion}
   * @throws CorruptionException if the marker is damaged
   * @throws StorageIOException if the marker cannot be read or written
   */
  public static void claim(
      Path directory, String engine, int formatVersion, EngineOptions options) {
    Objects.requireNonNull(options, "options");
    if (check(directory, engine, formatVersion).isPresent() || options.readOnly()) {
      return;
    }
    if (Files.exists(directory) && !Files.isDirectory(directory)) {
      return; // the engine reports a path that is not a directory in its own words
    }
    boolean existing = signatures(directory).contains(engine);
    if (existing || options.createIfMissing()) {
      try {
        Files.createDirectories(directory);
      } catch (IOException e) {
        throw new StorageIOException("cannot create " + directory, e);
      }
      write(directory, engine, formatVersion);
    }
  }

  /**
   * Writes (or replaces) the marker crash-safely.
   *
   * @param directory an existing store directory
   * @param engine the engine's name: lower-case ASCII letters, digits, {@code . _ -}, 1..64 long
   * @param formatVersion the engine's format version, at least 1
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name or version is out of range
   * @throws StorageIOException if the marker cannot be written
   */
  public static void write(Path directory, String engine, int formatVersion) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(engine, "engine");
    if (!NAME.matcher(engine).matches()) {
      throw new IllegalArgumentException(
          "engine name must be 1.." + MAX_NAME + " of [a-z0-9._-]: '" + engine + "'");
    }
    if (formatVersion < 1) {
      throw new IllegalArgumentException("format version must be at least 1: " + formatVersion);
    }
    byte[] name = engine.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(HEADER + name.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(MAGIC).putInt(formatVersion).putInt(name.length).put(name);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue()).flip();
    Path file = directory.resolve(FILE_NAME);
    Path tmp = directory.resolve(FILE_NAME + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
        dir.force(true);
      }
    } catch (IOException e) {
      throw new StorageIOException("cannot write " + file, e);
    }
  }

  /** The shipped engines whose pre-marker files the directory holds; empty when none. */
  private static Set<String> signatures(Path directory) {
    Set<String> found = new TreeSet<>();
    if (!Files.isDirectory(directory)) {
      return found;
    }
    SIGNATURES.forEach(
        (engine, files) -> {
          for (String f : files) {
            if (Files.exists(directory.resolve(f))) {
              found.add(engine);
            }
          }
        });
    return found;
  }

  private static byte[] readAll(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new StorageIOException("cannot read " + file, e);
    }
  }

  private static StoreMarker parse(Path file, byte[] bytes) {
    if (bytes.length < HEADER + 1 + 4) {
      throw new CorruptionException(
          file + ": marker is " + bytes.length + " bytes at offset 0, too short");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getLong(0) != MAGIC) {
      throw new CorruptionException(file + ": bad magic at offset 0, not a Strata store marker");
    }
    int nameLength = b.getInt(12);
    if (nameLength < 1 || nameLength > MAX_NAME || bytes.length != HEADER + nameLength + 4) {
      throw new CorruptionException(
          file + ": engine name length " + nameLength + " at offset 12 does not fit the marker");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, HEADER + nameLength);
    if ((int) crc.getValue() != b.getInt(HEADER + nameLength)) {
      throw new CorruptionException(
          file + ": marker checksum mismatch at offset " + (HEADER + nameLength));
    }
    String engine = new String(bytes, HEADER, nameLength, StandardCharsets.US_ASCII);
    int version = b.getInt(8);
    if (version < 1 || !NAME.matcher(engine).matches()) {
      throw new CorruptionException(
          file + ": invalid marker (engine '" + engine + "', format version " + version + ")");
    }
    return new StoreMarker(file, engine, version);
  }

  private static StoreMarker parseLsm(Path file, byte[] bytes) {
    if (bytes.length != LSM_MARKER_LENGTH) {
      throw new CorruptionException(
          file
              + ": marker is "
              + bytes.length
              + " bytes at offset 0, expected "
              + LSM_MARKER_LENGTH);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, 12);
    if ((int) crc.getValue() != b.getInt(12)) {
      throw new CorruptionException(file + ": marker checksum mismatch at offset 12");
    }
    if (b.getLong(0) != LSM_MAGIC) {
      throw new CorruptionException(file + ": bad magic at offset 0, not a Strata lsm store");
    }
    int version = b.getInt(8);
    if (version < 1) {
      throw new CorruptionException(file + ": invalid format version " + version + " at offset 8");
    }
    return new StoreMarker(file, "lsm", version);
  }
}
