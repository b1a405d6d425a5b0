package dev.strata.bench.runner;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The file a {@code compare} child JVM hands its rows back in: a header line naming every {@link
 * PhaseResult} component, then one tab-separated line per row with each value at full precision
 * ({@link Double#toString}), so the parent rebuilds exactly the rows the child measured. Engine and
 * phase names hold no tabs or line breaks. Thread-safe (stateless).
 */
final class ChildRows {
  private static final RecordComponent[] COMPONENTS = PhaseResult.class.getRecordComponents();

  private ChildRows() {}

  /**
   * Writes {@code rows} to {@code file}, replacing it.
   *
   * @throws IOException if the file cannot be written
   */
  static void write(Path file, List<PhaseResult> rows) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < COMPONENTS.length; i++) {
      sb.append(i == 0 ? "" : "\t").append(COMPONENTS[i].getName());
    }
    sb.append('\n');
    for (PhaseResult row : rows) {
      for (int i = 0; i < COMPONENTS.length; i++) {
        sb.append(i == 0 ? "" : "\t").append(value(row, COMPONENTS[i]));
      }
      sb.append('\n');
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, sb, StandardCharsets.UTF_8);
  }

  /**
   * Reads the rows {@link #write} wrote.
   *
   * @throws IOException if the file cannot be read
   * @throws BenchException if the file is not in this format (a header of other columns, a line
   *     with too few cells, a number that does not parse)
   */
  static List<PhaseResult> read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> expected = new ArrayList<>();
    for (RecordComponent c : COMPONENTS) {
      expected.add(c.getName());
    }
    if (lines.isEmpty() || !lines.get(0).equals(String.join("\t", expected))) {
      throw new BenchException(file + " does not start with the row header");
    }
    List<PhaseResult> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split("\t", -1);
      if (cells.length != COMPONENTS.length) {
        throw new BenchException(file + ": expected " + COMPONENTS.length + " cells in " + line);
      }
      Object[] args = new Object[cells.length];
      try {
        for (int i = 0; i < cells.length; i++) {
          args[i] = parse(COMPONENTS[i].getType(), cells[i]);
        }
      } catch (NumberFormatException e) {
        throw new BenchException(file + ": bad number in " + line, e);
      }
      rows.add(construct(args));
    }
    return rows;
  }

  private static Object value(PhaseResult row, RecordComponent component) {
    try {
      return component.getAccessor().invoke(row);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + component.getName(), e);
    }
  }

  private static Object parse(Class<?> type, String cell) {
    if (type == String.class) {
      return cell;
    } else if (type == int.class) {
      return Integer.parseInt(cell);
    } else if (type == long.class) {
      return Long.parseLong(cell);
    } else if (type == double.class) {
      return Double.parseDouble(cell);
    }
    throw new IllegalStateException("no parser for " + type);
  }

  private static PhaseResult construct(Object[] args) {
    Class<?>[] types = new Class<?>[COMPONENTS.length];
    for (int i = 0; i < types.length; i++) {
      types[i] = COMPONENTS[i].getType();
    }
    try {
      Constructor<PhaseResult> constructor = PhaseResult.class.getDeclaredConstructor(types);
      return constructor.newInstance(args);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot rebuild a row", e);
    }
  }
}
