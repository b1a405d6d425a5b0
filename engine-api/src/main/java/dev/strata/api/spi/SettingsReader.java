package dev.strata.api.spi;

import dev.strata.api.EngineOptions;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Reads an engine's settings from {@link EngineOptions} with one set of rules and messages for
 * every engine: whole numbers (with binary size suffixes), decimals, booleans, words from a fixed
 * set, enum constants and powers of two, each range-checked. A malformed or out-of-range value
 * throws {@link IllegalArgumentException} naming the full key, the value given and what is
 * accepted.
 *
 * <p>An engine declares the names it understands once, in {@link #forEngine}, which rejects any
 * other setting under its prefix (a typo is an error, not a silent default) before a single value
 * is read; reading a name that was not declared is a programming error ({@link
 * IllegalStateException}). Settings of other engines are ignored, so one options object can serve
 * several engines.
 *
 * <p>Immutable and thread-safe.
 */
public final class SettingsReader {
  private static final String[][] SIZE_SUFFIXES = {
    {"kib", "k"}, {"mib", "m"}, {"gib", "g"}, {"tib", "t"}
  };

  private final Map<String, String> settings;
  private final String prefix;
  private final Set<String> names;

  private SettingsReader(Map<String, String> settings, String prefix, Set<String> names) {
    this.settings = settings;
    this.prefix = prefix;
    this.names = names;
  }

  /**
   * Returns a reader of the settings under {@code engineName + "."}, after checking that every such
   * setting in {@code options} is one of {@code names}.
   *
   * @param options the options the engine is opened with
   * @param engineName the engine's name, e.g. {@code "lsm"}
   * @param names the setting names the engine understands, without the prefix, e.g. {@code
   *     "compression"}
   * @return the reader; its methods take names without the prefix
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException naming the unknown key and the known ones, if {@code options}
   *     holds a setting under the prefix that is not declared
   */
  public static SettingsReader forEngine(
      EngineOptions options, String engineName, String... names) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(engineName, "engineName");
    String prefix = engineName + ".";
    Set<String> declared = new LinkedHashSet<>(Arrays.asList(names));
    Set<String> known = new TreeSet<>();
    for (String name : declared) {
      known.add(prefix + name);
    }
    options.requireKnownSettings(prefix, known);
    return new SettingsReader(options.settings(), prefix, Set.copyOf(declared));
  }

  /**
   * Returns a reader that takes full keys and checks no key set: the parser behind {@link
   * EngineOptions}'s own {@code ...Setting} methods.
   *
   * @param settings the settings, keyed by full key
   * @return the reader
   * @throws NullPointerException if {@code settings} is null
   */
  public static SettingsReader ofFullKeys(Map<String, String> settings) {
    return new SettingsReader(Objects.requireNonNull(settings, "settings"), "", null);
  }

  /**
   * Returns the full key of a declared name.
   *
   * @param name the name without the engine prefix
   * @return the prefix and the name, e.g. {@code "lsm.compression"}
   * @throws IllegalStateException if {@code name} was not declared in {@link #forEngine}
   */
  public String key(String name) {
    if (names != null && !names.contains(name)) {
      throw new IllegalStateException(
          "setting '" + prefix + name + "' is read but not declared; declared: " + names);
    }
    return prefix + name;
  }

  /**
   * Reads an integer setting (size suffixes accepted, as for {@link #longValue}).
   *
   * @param name the setting's name
   * @param defaultValue the value when the setting is absent
   * @param min the smallest accepted value
   * @param max the largest accepted value
   * @return the setting's value or {@code defaultValue}
   * @throws IllegalArgumentException if the value is not a whole number or outside {@code [min,
   *     max]}
   */
  public int intValue(String name, int defaultValue, int min, int max) {
    return (int) longValue(name, defaultValue, min, max);
  }

  /**
   * Reads a whole-number setting. Byte sizes may carry a binary suffix: {@code 64KiB}, {@code
   * 8MiB}, {@code 1GiB}, {@code 1TiB} (also {@code k}, {@code m}, {@code g}, {@code t}),
   * case-insensitive.
   *
   * @param name the setting's name
   * @param defaultValue the value when the setting is absent
   * @param min the smallest accepted value
   * @param max the largest accepted value
   * @return the setting's value or {@code defaultValue}
   * @throws IllegalArgumentException if the value is not a whole number (or overflows a long) or
   *     lies outside {@code [min, max]}
   */
  public long longValue(String name, long defaultValue, long min, long max) {
    return bounded(name, defaultValue, min, max, "a whole number", SettingsReader::parseSize);
  }

  /**
   * Reads a whole-number setting that must also be a power of two, such as a page or chunk size.
   *
   * @param name the setting's name
   * @param defaultValue the value when the setting is absent
   * @param min the smallest accepted value
   * @param max the largest accepted value
   * @return the setting's value or {@code defaultValue}
   * @throws IllegalArgumentException if the value is not a whole number, lies outside {@code [min,
   *     max]}, or is not a power of two
   */
  public long powerOfTwoValue(String name, long defaultValue, long min, long max) {
    long value = longValue(name, defaultValue, min, max);
    if (Long.bitCount(value) != 1) {
      throw new IllegalArgumentException(
          "setting '"
              + key(name)
              + "' must be a power of two in ["
              + min
              + ", "
              + max
              + "], got "
              + value);
    }
    return value;
  }

  /**
   * Reads a decimal setting.
   *
   * @param name the setting's name
   * @param defaultValue the value when the setting is absent
   * @param min the smallest accepted value
   * @param max the largest accepted value
   * @return the setting's value or {@code defaultValue}
   * @throws IllegalArgumentException if the value is not a finite number or outside {@code [min,
   *     max]}
   */
  public double doubleValue(String name, double defaultValue, double min, double max) {
    return bounded(name, defaultValue, min, max, "a number", Double::parseDouble);
  }

  /**
   * Reads a boolean setting ({@code true} or {@code false}, case-insensitive).
   *
   * @param name the setting's name
   * @param defaultValue the value when the setting is absent
   * @return the setting's value or {@code defaultValue}
   * @throws IllegalArgumentException if the value is neither {@code true} nor {@code false}
   */
  public boolean booleanValue(String name, boolean defaultValue) {
    return read(
        name,
        defaultValue,
        (key, raw) -> {
          String v = raw.trim().toLowerCase(Locale.ROOT);
          if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(
                "setting '" + key + "' must be true or false, got '" + raw + "'");
          }
          return v.equals("true");
        });
  }

  /**
   * Reads a setting that takes one of a fixed set of words (case-insensitive).
   *
   * @param name the setting's name
   * @param defaultValue the value when the setting is absent
   * @param choices the accepted values, in lower case
   * @return the setting's value in lower case, or {@code defaultValue}
   * @throws IllegalArgumentException naming the accepted values if the value is not one of them
   */
  public String choiceValue(String name, String defaultValue, Set<String> choices) {
    return read(
        name,
        defaultValue,
        (key, raw) -> {
          String v = raw.trim().toLowerCase(Locale.ROOT);
          if (!choices.contains(v)) {
            throw new IllegalArgumentException(
                "setting '"
                    + key
                    + "' must be one of "
                    + new TreeSet<>(choices)
                    + ", got '"
                    + raw
                    + "'");
          }
          return v;
        });
  }

  /**
   * Reads a setting whose value is the name of an enum constant, case-insensitive ({@code hash} for
   * {@code HASH}).
   *
   * @param <E> the enum type
   * @param name the setting's name
   * @param defaultValue the value when the setting is absent
   * @return the constant named by the setting, or {@code defaultValue}
   * @throws NullPointerException if {@code defaultValue} is null
   * @throws IllegalArgumentException naming the accepted (lower-case) names if the value is not one
   *     of them
   */
  public <E extends Enum<E>> E enumValue(String name, E defaultValue) {
    Class<E> type = defaultValue.getDeclaringClass();
    Set<String> choices = new TreeSet<>();
    for (E constant : EnumSet.allOf(type)) {
      choices.add(constant.name().toLowerCase(Locale.ROOT));
    }
    String chosen = choiceValue(name, defaultValue.name().toLowerCase(Locale.ROOT), choices);
    return Enum.valueOf(type, chosen.toUpperCase(Locale.ROOT));
  }

  /** Parses the setting's text with {@code parse(key, text)}, or returns the default if absent. */
  private <T> T read(String name, T defaultValue, BiFunction<String, String, T> parse) {
    String key = key(name);
    String raw = settings.get(key);
    return raw == null ? defaultValue : parse.apply(key, raw);
  }

  /**
   * Parses a number and checks it lies in {@code [min, max]}; NaN compares above every double, so
   * it is out of range.
   */
  private <T extends Comparable<T>> T bounded(
      String name, T defaultValue, T min, T max, String what, Function<String, T> parse) {
    return read(
        name,
        defaultValue,
        (key, raw) -> {
          T value;
          try {
            value = parse.apply(raw.trim());
          } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(
                "setting '"
                    + key
                    + "' must be "
                    + what
                    + " in ["
                    + min
                    + ", "
                    + max
                    + "], got '"
                    + raw
                    + "'");
          }
          if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                "setting '" + key + "' must be in [" + min + ", " + max + "], got " + value);
          }
          return value;
        });
  }

  private static long parseSize(String s) {
    String lower = s.toLowerCase(Locale.ROOT);
    for (int i = 0; i < SIZE_SUFFIXES.length; i++) {
      for (String suffix : SIZE_SUFFIXES[i]) {
        if (lower.endsWith(suffix) && lower.length() > suffix.length()) {
          long multiplier = 1L << (10 * (i + 1));
          String digits = lower.substring(0, lower.length() - suffix.length()).trim();
          return Math.multiplyExact(Long.parseLong(digits), multiplier);
        }
      }
    }
    return Long.parseLong(lower);
  }
}
