package dev.strata.cli;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * How keys and values are written on the command line and printed: {@code text} (UTF-8; printed
 * with {@code \xNN} escapes for bytes that are not printable UTF-8 and for the backslash), {@code
 * hex} or {@code base64}.
 */
enum Encoding {
  /** UTF-8 text. */
  TEXT,
  /** Lower-case hexadecimal, two digits per byte. */
  HEX,
  /** Standard base64 with padding. */
  BASE64;

  /**
   * Decodes a command-line argument.
   *
   * @throws UsageException if the argument is not valid in this encoding
   */
  byte[] decode(String argument, String what) {
    try {
      return switch (this) {
        case TEXT -> argument.getBytes(StandardCharsets.UTF_8);
        case HEX -> HexFormat.of().parseHex(argument);
        case BASE64 -> Base64.getDecoder().decode(argument);
      };
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          what
              + " '"
              + argument
              + "' is not valid "
              + name().toLowerCase()
              + ": "
              + e.getMessage());
    }
  }

  /** Encodes bytes for printing. */
  String encode(byte[] bytes) {
    return switch (this) {
      case TEXT -> printable(bytes);
      case HEX -> HexFormat.of().formatHex(bytes);
      case BASE64 -> Base64.getEncoder().encodeToString(bytes);
    };
  }

  /** UTF-8 when the bytes are valid UTF-8, with control characters and backslashes escaped. */
  static String printable(byte[] bytes) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      StringBuilder b = new StringBuilder(bytes.length * 2);
      for (byte x : bytes) {
        int c = x & 0xFF;
        if (c >= 0x20 && c < 0x7F && c != '\\') {
          b.append((char) c);
        } else {
          b.append(String.format("\\x%02x", c));
        }
      }
      return b.toString();
    }
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7F || c == '\\') {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
