package dev.strata.api;

import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.SettingsReader;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Immutable options for opening an engine: the common knobs plus engine-specific settings.
 *
 * <p>Settings are string pairs whose key starts with the engine's name and a dot ({@code
 * "btree.pageSize"}, {@code "lsm.compression"}, {@code "ledger.segmentBytes"}). One options object
 * can carry settings for several engines, so switching engines is a one-word change: an engine
 * ignores settings of other engines, and rejects with {@link IllegalArgumentException} any setting
 * under its own prefix that it does not know (a typo is an error, not a silent default) or whose
 * value is malformed or out of range. Engines read their settings with {@link SettingsReader};
 * {@link #intSetting}, {@link #longSetting}, {@link #doubleSetting}, {@link #booleanSetting} and
 * {@link #choiceSetting} read a single key with the same checks and messages.
 *
 * <p>Instances are thread-safe.
 */
public final class EngineOptions {
  private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9]*\\.[A-Za-z0-9_.]+");
  private static final EngineOptions DEFAULTS = builder().build();

  private final Durability durability;
  private final boolean createIfMissing;
  private final boolean readOnly;
  private final Map<String, String> settings;
  private final FileIO fileIO;

  private EngineOptions(Builder b) {
    this.fileIO = b.fileIO;
    this.durability = b.durability;
    this.createIfMissing = b.createIfMissing;
    this.readOnly = b.readOnly;
    this.settings = Collections.unmodifiableMap(new TreeMap<>(b.settings));
  }

  /**
   * Returns the default options: {@link Durability#SYNC}, create if missing, read-write, no
   * settings.
   *
   * @return the defaults
   */
  public static EngineOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Returns a builder starting from the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder starting from these options.
   *
   * @return a new builder holding a copy of these options
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.durability = durability;
    b.createIfMissing = createIfMissing;
    b.readOnly = readOnly;
    b.settings.putAll(settings);
    b.fileIO = fileIO;
    return b;
  }

  /**
   * Returns how commits are made durable.
   *
   * @return the durability; {@link Durability#SYNC} by default
   */
  public Durability durability() {
    return durability;
  }

  /**
   * Tells whether opening a missing store creates it.
   *
   * @return true by default; when false, opening a missing store throws {@link StorageException}
   */
  public boolean createIfMissing() {
    return createIfMissing;
  }

  /**
   * Tells whether the store is opened read-only.
   *
   * @return false by default; when true, {@link StorageEngine#beginWrite()} throws {@link
   *     UnsupportedOperationException}
   */
  public boolean readOnly() {
    return readOnly;
  }

  /**
   * Returns the file-system seam engines that manage their own files open them through. A test and
   * fault-injection hook: applications leave it at {@link FileIO#standard()}.
   *
   * @return the file I/O; {@link FileIO#standard()} by default
   */
  public FileIO fileIO() {
    return fileIO;
  }

  /**
   * Returns every engine-specific setting.
   *
   * @return an unmodifiable, key-sorted map
   */
  public Map<String, String> settings() {
    return settings;
  }

  /**
   * Rejects settings under {@code prefix} that are not in {@code known}. Engines call this on open.
   *
   * @param prefix the engine's prefix, for example {@code "btree."}
   * @param known the full keys the engine understands
   * @throws IllegalArgumentException naming the unknown key and the known ones
   */
  public void requireKnownSettings(String prefix, Set<String> known) {
    for (String key : settings.keySet()) {
      if (key.startsWith(prefix) && !known.contains(key)) {
        throw new IllegalArgumentException(
            "unknown setting '" + key + "'; " + prefix + "* settings are " + new TreeSet<>(known));
      }
    }
  }

  /**
   * Reads an integer setting.
   *
   * @param key the full setting key
   * @param defaultValue the value when the setting is absent
   * @param min the smallest accepted value
   * @param max the largest accepted value
   * @return the setting's value or {@code defaultValue}
   * @throws IllegalArgumentException if the value is not an integer or outside {@code [min, max]}
   */
  public int intSetting(String key, int defaultValue, int min, int max) {
    return reader().intValue(key, defaultValue, min, max);
  }

  /**
   * Reads a long setting. Byte sizes may carry a binary suffix: {@code 64KiB}, {@code 8MiB}, {@code
   * 1GiB} (also {@code k}, {@code m}, {@code g}, case-insensitive).
   *
   * @param key the full setting key
   * @param defaultValue the value when the setting is absent
   * @param min the smallest accepted value
   * @param max the largest accepted value
   * @return the setting's value or {@code defaultValue}
   * @throws IllegalArgumentException if the value is not a number or outside {@code [min, max]}
   */
  public long longSetting(String key, long defaultValue, long min, long max) {
    return reader().longValue(key, defaultValue, min, max);
  }

  /** The one parser of setting values, shared with engines through {@link SettingsReader}. */
  private SettingsReader reader() {
    return SettingsReader.ofFullKeys(settings);
  }

  /**
   * Reads a decimal setting.
   *
   * @param key the full setting key
   * @param defaultValue the value when the setting is absent
   * @param min the smallest accepted value
   * @param max the largest accepted value
   * @return the setting's value or {@code defaultValue}
   * @throws IllegalArgumentException if the value is not a finite number or outside {@code [min,
   *     max]}
   */
  public double doubleSetting(String key, double defaultValue, double min, double max) {
    return reader().doubleValue(key, defaultValue, min, max);
  }

  /**
   * Reads a boolean setting ({@code true} or {@code false}, case-insensitive).
   *
   * @param key the full setting key
   * @param defaultValue the value when the setting is absent
   * @return the setting's value or {@code defaultValue}
   * @throws IllegalArgumentException if the value is neither {@code true} nor {@code false}
   */
  public boolean booleanSetting(String key, boolean defaultValue) {
    return reader().booleanValue(key, defaultValue);
  }

  /**
   * Reads a setting that takes one of a fixed set of words (case-insensitive).
   *
   * @param key the full setting key
   * @param defaultValue the value when the setting is absent
   * @param choices the accepted values, in lower case
   * @return the setting's value in lower case, or {@code defaultValue}
   * @throws IllegalArgumentException naming the accepted values if the value is not one of them
   */
  public String choiceSetting(String key, String defaultValue, Set<String> choices) {
    return reader().choiceValue(key, defaultValue, choices);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EngineOptions other
        && durability == other.durability
        && createIfMissing == other.createIfMissing
        && readOnly == other.readOnly
        && settings.equals(other.settings)
        && fileIO.equals(other.fileIO);
  }

  @Override
  public int hashCode() {
    return Objects.hash(durability, createIfMissing, readOnly, settings, fileIO);
  }

  @Override
  public String toString() {
    return "EngineOptions{durability="
        + durability
        + ", createIfMissing="
        + createIfMissing
        + ", readOnly="
        + readOnly
        + ", settings="
        + settings
        + "}";
  }

  /** Builds {@link EngineOptions}. Not thread-safe; each {@link #build()} returns a snapshot. */
  public static final class Builder {
    private Durability durability = Durability.SYNC;
    private boolean createIfMissing = true;
    private boolean readOnly;
    private final Map<String, String> settings = new TreeMap<>();
    private FileIO fileIO = FileIO.standard();

    private Builder() {}

    /**
     * Sets the file-system seam, a test and fault-injection hook (see {@link FileIO}). Engines that
     * delegate storage to a library with its own file layer ({@code lsm}) ignore it.
     *
     * @param fileIO the file I/O to open store files through
     * @return this builder
     * @throws NullPointerException if {@code fileIO} is null
     */
    public Builder fileIO(FileIO fileIO) {
      this.fileIO = Objects.requireNonNull(fileIO, "fileIO");
      return this;
    }

    /**
     * Sets the durability.
     *
     * @param durability how commits are made durable
     * @return this builder
     * @throws NullPointerException if {@code durability} is null
     */
    public Builder durability(Durability durability) {
      this.durability = Objects.requireNonNull(durability, "durability");
      return this;
    }

    /**
     * Sets whether opening a missing store creates it.
     *
     * @param createIfMissing true to create
     * @return this builder
     */
    public Builder createIfMissing(boolean createIfMissing) {
      this.createIfMissing = createIfMissing;
      return this;
    }

    /**
     * Sets whether the store is opened read-only.
     *
     * @param readOnly true to refuse write transactions
     * @return this builder
     */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /**
     * Sets an engine-specific setting. The value is checked by the engine on open.
     *
     * @param key the key: an engine name, a dot, and a name ({@code "btree.pageSize"})
     * @param value the value, as text
     * @return this builder
     * @throws NullPointerException if {@code key} or {@code value} is null
     * @throws IllegalArgumentException if {@code key} is not of the form {@code engine.name}
     */
    public Builder set(String key, String value) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      if (!KEY.matcher(key).matches()) {
        throw new IllegalArgumentException(
            "setting key '"
                + key
                + "' must be an engine name, a dot and a name, e.g. btree.pageSize");
      }
      settings.put(key, value);
      return this;
    }

    /**
     * Sets an engine-specific numeric setting.
     *
     * @param key the key: an engine name, a dot, and a name
     * @param value the value
     * @return this builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is not of the form {@code engine.name}
     */
    public Builder set(String key, long value) {
      return set(key, Long.toString(value));
    }

    /**
     * Returns the options built so far.
     *
     * @return an immutable snapshot of this builder
     */
    public EngineOptions build() {
      return new EngineOptions(this);
    }
  }
}
