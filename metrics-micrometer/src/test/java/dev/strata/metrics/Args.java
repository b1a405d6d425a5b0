package dev.strata.metrics;

import dev.strata.api.KeyRange;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * Valid arguments for any parameter type the public methods under test take, so reflective tests
 * cover methods added later; a type it does not know fails the test that met it.
 */
final class Args {
  private Args() {}

  static Object[] valid(Method method, Path scratch) {
    Class<?>[] types = method.getParameterTypes();
    Object[] args = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      args[i] = valid(types[i], method, scratch);
    }
    return args;
  }

  private static Object valid(Class<?> type, Method method, Path scratch) {
    if (type == byte[].class) {
      return new byte[] {7};
    } else if (type == KeyRange.class) {
      return KeyRange.all();
    } else if (type == Function.class) {
      return Function.identity();
    } else if (type == Path.class) {
      return scratch;
    } else if (type == String.class) {
      return "store";
    } else if (type == Duration.class) {
      return Duration.ofSeconds(1);
    } else if (type == MeterRegistry.class) {
      return new SimpleMeterRegistry();
    } else if (type == Object.class) {
      return new Object();
    } else if (dev.strata.api.StorageEngine.class.isAssignableFrom(type)) {
      return null; // filled in by the caller, which owns an engine
    }
    throw new AssertionError("no test argument for " + type + " of " + method);
  }
}
