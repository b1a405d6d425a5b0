package dev.strata.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decorator forwards every method of {@link StorageEngine} and {@link WriteTxn}, defaults
 * included, to the object it wraps, and declares each one itself, so a method added to the
 * interfaces fails here until the decorator forwards it too. Read transactions and cursors are the
 * wrapped engine's own objects.
 */
class DelegationTest {
  @TempDir Path dir;

  /** Records every call of a dynamic proxy, answering with harmless values. */
  private static final class Recorder {
    final List<Method> calls = new ArrayList<>();
    final ReadTxn readTxn;
    final WriteTxn writeTxn;
    final WriteAmplificationMeter meter = new WriteAmplificationMeter();

    Recorder() {
      readTxn = proxy(ReadTxn.class);
      writeTxn = proxy(WriteTxn.class);
    }

    <T> T proxy(Class<T> type) {
      return type.cast(
          Proxy.newProxyInstance(
              type.getClassLoader(),
              new Class<?>[] {type},
              (self, method, args) -> {
                if (method.getDeclaringClass() == Object.class) {
                  return method.getName().equals("equals")
                      ? self == args[0]
                      : method.getName().equals("hashCode")
                          ? System.identityHashCode(self)
                          : type.getSimpleName();
                }
                calls.add(method);
                return answer(method.getReturnType());
              }));
    }

    private Object answer(Class<?> type) {
      if (type == ReadTxn.class) {
        return readTxn;
      } else if (type == WriteTxn.class) {
        return writeTxn;
      } else if (type == WriteAmplificationMeter.class) {
        return meter;
      } else if (type == Map.class) {
        return Map.of();
      } else if (type == Set.class) {
        return Set.of();
      } else if (type == String.class) {
        return "recorded";
      } else if (type == boolean.class) {
        return false;
      } else if (type == long.class) {
        return 0L;
      } else if (type == int.class) {
        return 0;
      }
      return null;
    }
  }

  private static List<Method> interfaceMethods(Class<?> type) {
    List<Method> methods = new ArrayList<>();
    for (Method m : type.getMethods()) {
      if (!Modifier.isStatic(m.getModifiers())) {
        methods.add(m);
      }
    }
    return methods;
  }

  private static void assertDeclaresEvery(Class<?> contract, Class<?> decorator) {
    for (Method m : interfaceMethods(contract)) {
      try {
        Method own = decorator.getDeclaredMethod(m.getName(), m.getParameterTypes());
        assertTrue(!own.isDefault() && !own.isSynthetic(), own.toString());
      } catch (NoSuchMethodException e) {
        fail(decorator.getSimpleName() + " must forward " + m + " to the object it wraps");
      }
    }
  }

  @Test
  void decorators_declareEveryMethodOfTheirInterfaces() {
    assertDeclaresEvery(StorageEngine.class, InstrumentedEngine.class);
    assertDeclaresEvery(WriteTxn.class, InstrumentedWriteTxn.class);
  }

  private static Object invoke(Method m, Object target, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Test
  void engine_forwardsEveryCallToTheWrappedEngine() throws Throwable {
    Recorder recorder = new Recorder();
    StorageEngine wrapped = recorder.proxy(StorageEngine.class);
    InstrumentedStorageEngine db = StrataMetrics.instrument(wrapped, "proxied");
    for (Method m : interfaceMethods(StorageEngine.class)) {
      recorder.calls.clear();
      invoke(m, db, Args.valid(m, dir.resolve("backup")));
      if (m.getName().equals("close")) {
        // Closing keeps the meter's final figures, read once after the engine closed.
        assertEquals(List.of("close", "meter"), names(recorder.calls), "calls made by " + m);
      } else {
        assertEquals(List.of(m), recorder.calls, "calls made by " + m);
      }
    }
  }

  @Test
  void readTxn_isTheWrappedEnginesOwn() {
    Recorder recorder = new Recorder();
    StorageEngine db = StrataMetrics.instrument(recorder.proxy(StorageEngine.class), "proxied");
    assertTrue(db.beginRead() == recorder.readTxn, "no wrapper, no allocation per read");
  }

  @Test
  void writeTxn_forwardsEveryCallToTheWrappedTxn() throws Throwable {
    Recorder recorder = new Recorder();
    StorageEngine db = StrataMetrics.instrument(recorder.proxy(StorageEngine.class), "proxied");
    WriteTxn txn = db.beginWrite();
    for (Method m : interfaceMethods(WriteTxn.class)) {
      recorder.calls.clear();
      invoke(m, txn, Args.valid(m, dir));
      assertEquals(List.of(m.getName()), names(recorder.calls), "calls made by " + m);
    }
  }

  private static List<String> names(List<Method> methods) {
    List<String> names = new ArrayList<>();
    methods.forEach(m -> names.add(m.getName()));
    return names;
  }
}
