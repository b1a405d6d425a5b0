package dev.strata.bench.etcd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server JVM records a class archive only over a class path the JVM accepts for it: plain jar
 * files, no directory, no manifest-only jar pointing elsewhere.
 */
class ClassArchiveEligibilityTest {
  @TempDir Path dir;

  @Test
  void plainJars_areEligible() throws IOException {
    Path a = jar("a.jar", null);
    Path b = jar("b.jar", null);
    assertTrue(Target.Strata.jarsOnly(a + File.pathSeparator + b));
  }

  @Test
  void directoryOnClassPath_isNotEligible() throws IOException {
    Path classes = Files.createDirectories(dir.resolve("classes"));
    assertFalse(Target.Strata.jarsOnly(jar("a.jar", null) + File.pathSeparator + classes));
  }

  @Test
  void manifestClassPath_isNotEligible() throws IOException {
    assertFalse(Target.Strata.jarsOnly(jar("booter.jar", "classes/").toString()));
  }

  @Test
  void missingJar_isNotEligible() {
    assertFalse(Target.Strata.jarsOnly(dir.resolve("absent.jar").toString()));
  }

  private Path jar(String name, String classPath) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (classPath != null) {
      manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
    }
    Path jar = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream ignored = new JarOutputStream(out, manifest)) {
      // A manifest and nothing else.
    }
    return jar;
  }
}
