package dev.strata.tck.reliability;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * The class path a child JVM of the reliability kit runs with: this JVM's class path plus its
 * module path. Tests run on the module path (the engine under test is a named module, its test
 * classes patched into it), so the class path alone lacks the engine; the child runs everything on
 * the class path, where {@code META-INF/services} finds the same providers.
 */
final class ChildClassPath {
  private ChildClassPath() {}

  /** Returns the joined class path and module path of this JVM, in that order. */
  static String current() {
    List<String> entries = new ArrayList<>();
    for (String property : List.of("java.class.path", "jdk.module.path")) {
      String value = System.getProperty(property);
      if (value != null && !value.isEmpty()) {
        entries.add(value);
      }
    }
    return String.join(File.pathSeparator, entries);
  }
}
