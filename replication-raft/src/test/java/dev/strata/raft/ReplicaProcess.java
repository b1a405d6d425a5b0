package dev.strata.raft;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A replica in a child JVM, so a test can kill it with SIGKILL. Arguments: the store directory,
 * then {@code key=value} settings. It prints {@code READY} once open, then answers commands read
 * from standard input, one per line: {@code HASH} (prints {@code HASH <sha-256 of a linearizable
 * full scan>}) and {@code VERIFY} (prints {@code VERIFIED} after {@code verifyIntegrity()}). It
 * exits when its input closes.
 */
final class ReplicaProcess {
  private ReplicaProcess() {}

  public static void main(String[] args) throws Exception {
    EngineOptions.Builder b = EngineOptions.builder();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      b.set(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    try (StorageEngine engine = StorageEngines.open("raft", Path.of(args[0]), b.build())) {
      System.out.println("READY");
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        switch (line.trim()) {
          case "HASH" -> System.out.println("HASH " + LeaderFailoverTest.contentHash(engine));
          case "VERIFY" -> {
            engine.verifyIntegrity();
            System.out.println("VERIFIED");
          }
          default -> System.out.println("UNKNOWN " + line);
        }
        System.out.flush();
      }
    }
  }
}
