package dev.strata.cli;

/** How {@code get} and {@code scan} print entries ({@code --format}). */
enum OutputFormat {
  /** UTF-8 text with escapes for other bytes; a scan prints key, tab, value. */
  TEXT(Encoding.TEXT),
  /** Hexadecimal; a scan prints key, tab, value. */
  HEX(Encoding.HEX),
  /** Base64; a scan prints key, tab, value. */
  BASE64(Encoding.BASE64),
  /** JSON Lines as {@code export} writes them (base64 inside). */
  JSON(null);

  private final Encoding encoding;

  OutputFormat(Encoding encoding) {
    this.encoding = encoding;
  }

  String entry(byte[] key, byte[] value) {
    return encoding == null
        ? JsonLines.format(key, value)
        : encoding.encode(key) + "\t" + encoding.encode(value);
  }

  String value(byte[] key, byte[] value) {
    return encoding == null ? JsonLines.format(key, value) : encoding.encode(value);
  }
}
