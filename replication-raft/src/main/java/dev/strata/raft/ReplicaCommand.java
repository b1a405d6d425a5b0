package dev.strata.raft;

import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Runs one replica as a process:
 *
 * <pre>{@code
 * java -cp <class path> dev.strata.raft.ReplicaCommand <directory> raft.id=a \
 *     raft.peers=a=host1:7000,b=host2:7000,c=host3:7000 raft.engine=btree [key=value ...]
 * }</pre>
 *
 * The arguments after the directory are engine settings ({@code raft.*} and the local engine's). It
 * prints {@code READY} once the replica is open, then answers commands read from standard input,
 * one per line: {@code status} (role, leader, term, applied and commit index), {@code hash}
 * (SHA-256 of a linearizable full scan, to compare replicas), {@code verify} ({@code
 * verifyIntegrity()}). A command that fails answers {@code ERROR} and the exception, and the
 * replica goes on serving. It closes the replica and exits when its input ends or on SIGTERM.
 */
public final class ReplicaCommand {
  private ReplicaCommand() {}

  /**
   * Runs the command.
   *
   * @param args the directory, then {@code key=value} settings
   * @throws Exception if the replica cannot open
   */
  public static void main(String[] args) throws Exception {
    RaftEngine.sizeCommonPool();
    if (args.length < 1) {
      System.err.println(
          "usage: ReplicaCommand <directory> raft.id=ID raft.peers=ID=HOST:PORT,... raft.engine=NAME"
              + " [key=value ...]");
      System.exit(2);
    }
    EngineOptions.Builder b = EngineOptions.builder();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq <= 0) {
        System.err.println("not a key=value setting: " + args[i]);
        System.exit(2);
      }
      b.set(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    StorageEngine engine = StorageEngines.open("raft", Path.of(args[0]), b.build());
    Runtime.getRuntime().addShutdownHook(new Thread(engine::close, "replica-shutdown"));
    try {
      System.out.println("READY");
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        // A command that fails (no read index within raft.requestTimeoutMs, a damaged store)
        // answers with its error and the replica keeps serving: the caller decides to retry.
        try {
          switch (line.trim()) {
            case "status" -> System.out.println(status((RaftEngine) engine));
            case "hash" -> System.out.println("HASH " + contentHash(engine));
            case "verify" -> {
              engine.verifyIntegrity();
              System.out.println("VERIFIED");
            }
            case "" -> {}
            default -> System.out.println("UNKNOWN " + line.trim() + " (status, hash, verify)");
          }
        } catch (RuntimeException e) {
          System.out.println("ERROR " + e);
        }
        System.out.flush();
      }
    } finally {
      engine.close();
    }
  }

  private static String status(RaftEngine e) {
    return "STATUS replica="
        + e.replicaId()
        + " leader="
        + e.leaderId()
        + " "
        + e.stats().entrySet().stream()
            .filter(x -> x.getKey().startsWith("raft."))
            .map(x -> x.getKey().substring(5) + "=" + x.getValue())
            .reduce((x, y) -> x + " " + y)
            .orElse("");
  }

  /**
   * Returns the SHA-256 of a full scan, each entry as key length, value length, key, value.
   *
   * @param engine the engine to scan
   * @return the digest in hex
   */
  static String contentHash(StorageEngine engine) {
    return engine.view(
        txn -> {
          MessageDigest md;
          try {
            md = MessageDigest.getInstance("SHA-256");
          } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
          }
          try (Cursor cur = txn.cursor(KeyRange.all())) {
            while (cur.next()) {
              byte[] k = cur.key();
              byte[] v = cur.value();
              md.update(ByteBuffer.allocate(8).putInt(k.length).putInt(v.length).array());
              md.update(k);
              md.update(v);
            }
          }
          return HexFormat.of().formatHex(md.digest());
        });
  }
}
