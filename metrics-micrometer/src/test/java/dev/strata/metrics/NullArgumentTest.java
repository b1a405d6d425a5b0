package dev.strata.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every public method of the module rejects each null argument with a {@link NullPointerException}
 * before doing anything. The methods are found by reflection, so a method added later is covered.
 */
class NullArgumentTest {
  @TempDir Path dir;

  private StorageEngine raw;
  private InstrumentedStorageEngine db;

  @BeforeEach
  void open() {
    raw = StorageEngines.open("memory", dir.resolve("store"));
    db = StrataMetrics.instrument(raw, "nulls");
  }

  @AfterEach
  void close() {
    db.verifyIntegrity();
    db.close();
  }

  private Object[] validArgs(Method m) {
    Object[] args = Args.valid(m, dir.resolve("backup"));
    Class<?>[] types = m.getParameterTypes();
    for (int i = 0; i < types.length; i++) {
      if (StorageEngine.class.isAssignableFrom(types[i])) {
        args[i] = raw;
      }
    }
    return args;
  }

  /** Calls {@code m} once per reference parameter, with that one argument null. */
  private int assertRejectsEachNull(Object target, Method m) throws IllegalAccessException {
    int checked = 0;
    Class<?>[] types = m.getParameterTypes();
    for (int i = 0; i < types.length; i++) {
      if (types[i].isPrimitive()) {
        continue;
      }
      Object[] args = validArgs(m);
      args[i] = null;
      try {
        m.invoke(target, args);
        fail(m + " accepted null as argument " + i);
      } catch (InvocationTargetException e) {
        if (!(e.getCause() instanceof NullPointerException)) {
          throw new AssertionError(m + " with null argument " + i + " threw " + e.getCause(), e);
        }
      }
      checked++;
    }
    return checked;
  }

  private static List<Method> publicMethods(Class<?> type, boolean statics) {
    List<Method> methods = new ArrayList<>();
    for (Method m : type.getMethods()) {
      if (Modifier.isStatic(m.getModifiers()) == statics && m.getDeclaringClass() != Object.class) {
        methods.add(m);
      }
    }
    return methods;
  }

  @Test
  void strataMetrics_rejectsNulls() throws Exception {
    int checked = 0;
    for (Method m : publicMethods(StrataMetrics.class, true)) {
      checked += assertRejectsEachNull(null, m);
    }
    // instrument x2, binder x2 (engine, storeName, interval) and statMeterName.
    assertEquals(2 + 3 + 2 + 3 + 1, checked);
  }

  @Test
  void nullMessages_nameTheParameter() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> StrataMetrics.instrument(null, "s"));
    assertEquals("engine", e.getMessage());
    e = assertThrows(NullPointerException.class, () -> StrataMetrics.binder(raw, null));
    assertEquals("storeName", e.getMessage());
    e = assertThrows(NullPointerException.class, () -> db.bindTo(null));
    assertEquals("registry", e.getMessage());
  }

  @Test
  void instrumentedEngine_rejectsNulls() throws Exception {
    int checked = 0;
    for (Method m : publicMethods(InstrumentedStorageEngine.class, false)) {
      checked += assertRejectsEachNull(db, m);
    }
    // get, put x2, delete, view, update, backup, bindTo.
    assertTrue(checked >= 8, "checked " + checked);
  }

  @Test
  void instrumentedWriteTxn_rejectsNulls() throws Exception {
    int checked = 0;
    try (WriteTxn txn = db.beginWrite()) {
      for (Method m : publicMethods(WriteTxn.class, false)) {
        checked += assertRejectsEachNull(txn, m);
      }
      assertFalse(txn.toString().isEmpty());
    }
    // get, cursor, put x2, delete.
    assertTrue(checked >= 5, "checked " + checked);
  }

  @Test
  void binder_rejectsNulls() throws Exception {
    MeterBinder binder = StrataMetrics.binder(raw, "nulls");
    int checked = 0;
    for (Method m : publicMethods(MeterBinder.class, false)) {
      checked += assertRejectsEachNull(binder, m);
    }
    assertEquals(1, checked);
  }

  @Test
  void blankStoreName_andNegativeInterval_areRejected() {
    assertThrows(IllegalArgumentException.class, () -> StrataMetrics.instrument(raw, " "));
    assertThrows(IllegalArgumentException.class, () -> StrataMetrics.binder(raw, ""));
    assertThrows(
        IllegalArgumentException.class,
        () -> StrataMetrics.instrument(raw, "s", java.time.Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class, () -> StrataMetrics.statMeterName("__"));
  }
}
