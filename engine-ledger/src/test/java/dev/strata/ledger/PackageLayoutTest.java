package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages, read from the main sources: one per subsystem below the API package, no
 * cycle between them, and no subsystem that reaches back into the API package.
 */
class PackageLayoutTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/strata/ledger");
  private static final Pattern REFERENCE =
      Pattern.compile("\\b(dev\\.strata\\.ledger(?:\\.[a-z]\\w*)*)\\.[A-Z]");

  /** Package to the ledger packages its main sources name. */
  private static Map<String, Set<String>> dependencies() throws IOException {
    Map<String, Set<String>> deps = new TreeMap<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file :
          (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
        String pkg =
            "dev.strata.ledger"
                + (file.getParent().equals(SOURCES)
                    ? ""
                    : "." + SOURCES.relativize(file.getParent()).toString().replace('/', '.'));
        Set<String> used = deps.computeIfAbsent(pkg, p -> new TreeSet<>());
        Matcher m = REFERENCE.matcher(Files.readString(file));
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            used.add(m.group(1));
          }
        }
      }
    }
    return deps;
  }

  @Test
  void subsystems_haveNoPackageCycles() throws IOException {
    Map<String, Set<String>> deps = dependencies();
    List<String> cyclic = new ArrayList<>();
    for (String start : deps.keySet()) {
      Deque<String> todo = new ArrayDeque<>(deps.get(start));
      Set<String> seen = new TreeSet<>();
      while (!todo.isEmpty()) {
        String next = todo.pop();
        if (seen.add(next)) {
          todo.addAll(deps.getOrDefault(next, Set.of()));
        }
      }
      if (seen.contains(start)) {
        cyclic.add(start);
      }
    }
    assertEquals(List.of(), cyclic, "packages on a cycle; dependencies: " + deps);
  }

  @Test
  void subsystems_areTheExpectedPackages_andNeverUseTheApiPackage() throws IOException {
    Map<String, Set<String>> deps = dependencies();
    assertEquals(
        Set.of(
            "dev.strata.ledger",
            "dev.strata.ledger.format",
            "dev.strata.ledger.log",
            "dev.strata.ledger.merkle",
            "dev.strata.ledger.index",
            "dev.strata.ledger.read",
            "dev.strata.ledger.write",
            "dev.strata.ledger.recovery",
            "dev.strata.ledger.verify"),
        deps.keySet());
    deps.forEach(
        (pkg, used) ->
            assertTrue(
                pkg.equals("dev.strata.ledger") || !used.contains("dev.strata.ledger"),
                pkg + " uses the API package: " + used));
    assertEquals(Set.of(), deps.get("dev.strata.ledger.format"), "format depends on nothing");
  }
}
