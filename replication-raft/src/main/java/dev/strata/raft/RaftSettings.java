package dev.strata.raft;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The {@code raft.*} settings of one replica, parsed and checked on open, and the options the local
 * engine is opened with (every setting outside {@code raft.}).
 */
final class RaftSettings {
  static final String ID = "raft.id";
  static final String PEERS = "raft.peers";
  static final String ENGINE = "raft.engine";
  static final String GROUP = "raft.group";
  static final String READS = "raft.reads";
  static final String LOCAL_DURABILITY = "raft.localDurability";
  static final String ELECTION_MIN = "raft.electionTimeoutMinMs";
  static final String ELECTION_MAX = "raft.electionTimeoutMaxMs";
  static final String FIRST_ELECTION_MIN = "raft.firstElectionTimeoutMinMs";
  static final String FIRST_ELECTION_MAX = "raft.firstElectionTimeoutMaxMs";
  static final String REQUEST_TIMEOUT = "raft.requestTimeoutMs";
  static final String MAX_ENTRY_BYTES = "raft.maxEntryBytes";
  static final String BATCH_WAIT = "raft.batchWaitMicros";
  static final String SNAPSHOT_EVERY = "raft.snapshotEveryEntries";
  static final String SEGMENT_BYTES = "raft.logSegmentBytes";
  static final String SNAPSHOT_MODE = "raft.snapshotMode";
  static final String JOIN = "raft.join";

  static final Set<String> KNOWN =
      Set.of(
          ID,
          PEERS,
          ENGINE,
          GROUP,
          READS,
          LOCAL_DURABILITY,
          ELECTION_MIN,
          ELECTION_MAX,
          FIRST_ELECTION_MIN,
          FIRST_ELECTION_MAX,
          REQUEST_TIMEOUT,
          MAX_ENTRY_BYTES,
          BATCH_WAIT,
          SNAPSHOT_EVERY,
          SEGMENT_BYTES,
          SNAPSHOT_MODE,
          JOIN);

  /** How {@link RaftEngine#beginRead()} reaches a state. */
  enum Reads {
    /** Ratis read index: the state includes every commit acknowledged before the read began. */
    LINEARIZABLE,
    /** The local replica's applied state, possibly behind the leader's. */
    LOCAL
  }

  final String id;
  final Map<String, String> peers;
  final String localEngine;
  final UUID groupId;
  final Reads reads;
  final Durability localDurability;
  final int electionMinMs;
  final int electionMaxMs;
  final int firstElectionMinMs;
  final int firstElectionMaxMs;
  final int requestTimeoutMs;
  final Durability logDurability;
  final int maxEntryBytes;

  /**
   * How long the next log entry waits, at most, for a write transaction still being written (the
   * writer held or waited for) to join it; 0 submits at once.
   */
  final int batchWaitMicros;

  final long snapshotEveryEntries;
  final long logSegmentBytes;
  final boolean onlineSnapshots;

  /** Whether this replica joins a running group (see {@link RaftEngine}'s {@code raft.join}). */
  final boolean join;

  private RaftSettings(EngineOptions options) {
    options.requireKnownSettings("raft.", KNOWN);
    Map<String, String> s = options.settings();
    this.peers = parsePeers(require(s, PEERS));
    this.id = require(s, ID).trim();
    if (!peers.containsKey(id)) {
      throw new IllegalArgumentException(
          "setting '" + ID + "' = '" + id + "' is not one of raft.peers " + peers.keySet());
    }
    this.localEngine = require(s, ENGINE).trim();
    if (localEngine.equals("raft")) {
      throw new IllegalArgumentException("setting '" + ENGINE + "' cannot be raft itself");
    }
    String group = s.getOrDefault(GROUP, "strata").trim();
    if (group.isEmpty()) {
      throw new IllegalArgumentException("setting '" + GROUP + "' must not be empty");
    }
    this.groupId =
        UUID.nameUUIDFromBytes(("strata-raft-group:" + group).getBytes(StandardCharsets.UTF_8));
    this.reads =
        Reads.valueOf(
            options
                .choiceSetting(READS, "linearizable", Set.of("linearizable", "local"))
                .toUpperCase(java.util.Locale.ROOT));
    // Choices are matched in lower case, so SYNC, sync and Sync are the same.
    this.localDurability =
        Durability.valueOf(
            options
                .choiceSetting(LOCAL_DURABILITY, "no_sync", Set.of("sync", "no_sync"))
                .toUpperCase(java.util.Locale.ROOT));
    this.electionMinMs = options.intSetting(ELECTION_MIN, 1_000, 50, 600_000);
    this.electionMaxMs = options.intSetting(ELECTION_MAX, 2 * electionMinMs, 50, 1_200_000);
    if (electionMaxMs <= electionMinMs) {
      throw new IllegalArgumentException(
          "setting '"
              + ELECTION_MAX
              + "' ("
              + electionMaxMs
              + ") must be greater than '"
              + ELECTION_MIN
              + "' ("
              + electionMinMs
              + ")");
    }
    this.firstElectionMinMs = options.intSetting(FIRST_ELECTION_MIN, electionMinMs, 50, 600_000);
    this.firstElectionMaxMs =
        options.intSetting(
            FIRST_ELECTION_MAX, Math.max(electionMaxMs, firstElectionMinMs + 1), 50, 1_200_000);
    if (firstElectionMaxMs <= firstElectionMinMs) {
      throw new IllegalArgumentException(
          "setting '" + FIRST_ELECTION_MAX + "' must be greater than '" + FIRST_ELECTION_MIN + "'");
    }
    this.requestTimeoutMs = options.intSetting(REQUEST_TIMEOUT, 30_000, 100, 3_600_000);
    this.logDurability = options.durability();
    this.maxEntryBytes = options.intSetting(MAX_ENTRY_BYTES, 64 << 20, 1 << 20, 1 << 30);
    this.batchWaitMicros = options.intSetting(BATCH_WAIT, 500, 0, 1_000_000);
    this.logSegmentBytes =
        options.longSetting(
            SEGMENT_BYTES,
            Math.max(32L << 20, 2L * (maxEntryBytes + (64 << 10))),
            1 << 20,
            1L << 40);
    if (logSegmentBytes < maxEntryBytes + (64L << 10)) {
      throw new IllegalArgumentException(
          "setting '"
              + SEGMENT_BYTES
              + "' ("
              + logSegmentBytes
              + ") must hold one entry of raft.maxEntryBytes ("
              + maxEntryBytes
              + ") plus 64 KiB");
    }
    this.snapshotEveryEntries = options.longSetting(SNAPSHOT_EVERY, 100_000, 0, Long.MAX_VALUE);
    this.onlineSnapshots =
        options
            .choiceSetting(SNAPSHOT_MODE, "online", Set.of("online", "blocking"))
            .equals("online");
    this.join = options.booleanSetting(JOIN, false);
  }

  /**
   * Parses and checks the settings.
   *
   * @throws IllegalArgumentException naming the bad setting
   */
  static RaftSettings parse(EngineOptions options) {
    return new RaftSettings(options);
  }

  private static String require(Map<String, String> s, String key) {
    String v = s.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(
          "setting '" + key + "' is required by the raft engine (see RaftEngine)");
    }
    return v;
  }

  /** Parses {@code id=host:port,...} into an insertion-ordered map of id to address. */
  static Map<String, String> parsePeers(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String part : raw.split(",")) {
      String p = part.trim();
      int eq = p.indexOf('=');
      int colon = p.lastIndexOf(':');
      if (eq <= 0 || colon <= eq + 1 || colon == p.length() - 1) {
        throw new IllegalArgumentException(
            "setting '" + PEERS + "' must be id=host:port,...; bad entry '" + p + "'");
      }
      String peerId = p.substring(0, eq).trim();
      if (!peerId.matches("[A-Za-z0-9_-]+")) {
        throw new IllegalArgumentException(
            "setting '" + PEERS + "': replica id '" + peerId + "' must be letters, digits, _ or -");
      }
      int port;
      try {
        port = Integer.parseInt(p.substring(colon + 1).trim());
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException(
            "setting '" + PEERS + "': port of '" + p + "' must be in [1, 65535]");
      }
      if (out.put(peerId, p.substring(eq + 1).trim()) != null) {
        throw new IllegalArgumentException(
            "setting '" + PEERS + "' names replica '" + peerId + "' twice");
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /** The port this replica listens on, from its own entry in {@code raft.peers}. */
  int port() {
    String address = peers.get(id);
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1).trim());
  }

  /** The local engine's options: everything but {@code raft.*}, with the local durability. */
  static EngineOptions localOptions(EngineOptions options, Durability localDurability) {
    EngineOptions.Builder b =
        EngineOptions.builder()
            .durability(localDurability)
            .createIfMissing(options.createIfMissing())
            .readOnly(options.readOnly())
            .fileIO(options.fileIO());
    for (Map.Entry<String, String> e : options.settings().entrySet()) {
      if (!e.getKey().startsWith("raft.")) {
        b.set(e.getKey(), e.getValue());
      }
    }
    return b.build();
  }
}
