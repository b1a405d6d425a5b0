package dev.strata.cli;

import java.util.Base64;

/**
 * The JSON Lines form of an entry that {@code export} writes and {@code import} reads: one object
 * per line, {@code {"key":"<base64>","value":"<base64>"}}, standard base64 with padding, so any
 * bytes survive the round trip. The reader accepts the two members in either order, with whitespace
 * between tokens, and the JSON string escapes; anything else is an error naming the line.
 */
final class JsonLines {
  private JsonLines() {}

  /** One entry read from a line. */
  record Entry(byte[] key, byte[] value) {}

  /** Formats an entry as one line, without the line break. */
  static String format(byte[] key, byte[] value) {
    Base64.Encoder b64 = Base64.getEncoder();
    return "{\"key\":\""
        + b64.encodeToString(key)
        + "\",\"value\":\""
        + b64.encodeToString(value)
        + "\"}";
  }

  /**
   * Parses one line.
   *
   * @param line the line, without its line break
   * @param lineNumber for the error message, 1-based
   * @throws UsageException if the line is not an object with string members "key" and "value"
   *     holding base64
   */
  static Entry parse(String line, long lineNumber) {
    Parser p = new Parser(line, lineNumber);
    String key = null;
    String value = null;
    p.skipSpace();
    p.expect('{');
    p.skipSpace();
    if (p.peek() != '}') {
      while (true) {
        p.skipSpace();
        String name = p.string();
        p.skipSpace();
        p.expect(':');
        p.skipSpace();
        String member = p.string();
        switch (name) {
          case "key" -> key = p.unique(key, member, name);
          case "value" -> value = p.unique(value, member, name);
          default -> throw p.error("unknown member \"" + name + "\"");
        }
        p.skipSpace();
        if (p.peek() == ',') {
          p.pos++;
          continue;
        }
        break;
      }
    }
    p.expect('}');
    p.skipSpace();
    if (p.pos != line.length()) {
      throw p.error("text after the object");
    }
    if (key == null || value == null) {
      throw p.error("needs both \"key\" and \"value\"");
    }
    try {
      return new Entry(Base64.getDecoder().decode(key), Base64.getDecoder().decode(value));
    } catch (IllegalArgumentException e) {
      throw p.error("not base64: " + e.getMessage());
    }
  }

  private static final class Parser {
    final String s;
    final long lineNumber;
    int pos;

    Parser(String s, long lineNumber) {
      this.s = s;
      this.lineNumber = lineNumber;
    }

    char peek() {
      return pos < s.length() ? s.charAt(pos) : '\0';
    }

    void skipSpace() {
      while (pos < s.length() && " \t\r".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
    }

    void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    String unique(String previous, String value, String name) {
      if (previous != null) {
        throw error("\"" + name + "\" appears twice");
      }
      return value;
    }

    String string() {
      expect('"');
      StringBuilder b = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return b.toString();
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw error("unterminated escape");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("short \\u escape");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException x) {
              throw error("bad \\u escape");
            }
            pos += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }

    UsageException error(String what) {
      return new UsageException(
          "input line "
              + lineNumber
              + ", column "
              + (pos + 1)
              + ": "
              + what
              + " (expected"
              + " {\"key\":\"<base64>\",\"value\":\"<base64>\"})");
    }
  }
}
