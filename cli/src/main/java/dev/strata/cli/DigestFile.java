package dev.strata.cli;

import dev.strata.ledger.LedgerDigest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ledger digest as one JSON line, as {@code ledger digest} prints it and {@code ledger verify
 * --digest FILE} reads it: {@code {"size":N,"merkleRoot":"<hex>","chainHead":"<hex>"}}.
 */
final class DigestFile {
  private static final Pattern FORM =
      Pattern.compile(
          "\\s*\\{\\s*\"size\"\\s*:\\s*(\\d+)\\s*,\\s*\"merkleRoot\"\\s*:\\s*\"([0-9a-fA-F]{64})\""
              + "\\s*,\\s*\"chainHead\"\\s*:\\s*\"([0-9a-fA-F]{64})\"\\s*}\\s*");

  private DigestFile() {}

  static String format(LedgerDigest d) {
    HexFormat hex = HexFormat.of();
    return "{\"size\":"
        + d.size()
        + ",\"merkleRoot\":\""
        + hex.formatHex(d.merkleRoot())
        + "\",\"chainHead\":\""
        + hex.formatHex(d.chainHead())
        + "\"}";
  }

  /**
   * Reads a digest file.
   *
   * @throws UsageException if the file is missing or not a digest
   */
  static LedgerDigest read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UsageException("cannot read digest file " + file + ": " + e.getMessage());
    }
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      throw new UsageException(
          file
              + " is not a digest (expected"
              + " {\"size\":N,\"merkleRoot\":\"<64 hex>\",\"chainHead\":\"<64 hex>\"})");
    }
    HexFormat hex = HexFormat.of();
    try {
      return new LedgerDigest(
          Long.parseLong(m.group(1)), hex.parseHex(m.group(2)), hex.parseHex(m.group(3)));
    } catch (NumberFormatException e) {
      throw new UsageException(file + ": size out of range");
    }
  }
}
