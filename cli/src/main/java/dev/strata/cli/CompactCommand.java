package dev.strata.cli;

import dev.strata.api.StorageEngine;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code strata compact}: btree rewrites into a new store, lsm compacts in place, ledger has no
 * compaction (its history is the point).
 *
 * <p>The command reaches engines by name only and does not compile against engine modules, so it
 * calls each engine's public compaction method by its documented signature: {@code
 * BTreeEngine.compact(Path target)} and {@code LsmEngine.compactRange()}.
 */
@Command(
    name = "compact",
    mixinStandardHelpOptions = true,
    description = {
      "btree: rewrite the last committed state into a new, dense store in TARGET (leaves packed"
          + " full in key order, no free pages); the source is opened read-only and left as it is."
          + " Replace the old directory with TARGET yourself once you have checked it.",
      "lsm: compact the whole key space in place (needs --write; no TARGET).",
      "ledger: refused; an append-only ledger keeps every entry.",
      "Reports the store's size before and after.",
    })
final class CompactCommand implements Runnable {
  @ParentCommand Strata strata;
  @Mixin StoreArgs store;
  @Mixin WriteFlag write;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "TARGET",
      description = "btree: the directory for the compacted store (missing or empty).")
  Path target;

  @Override
  public void run() {
    long before = InfoCommand.totalBytes(store.store);
    String engineName;
    Path after;
    try (StorageEngine probe = store.openReadOnly()) {
      engineName = probe.name();
    }
    switch (engineName) {
      case "btree" -> {
        if (target == null) {
          throw new UsageException("btree compaction writes a new store: name a TARGET directory");
        }
        try (StorageEngine engine = store.openReadOnly()) {
          invoke(engine, "compact", target);
        }
        after = target;
      }
      case "lsm" -> {
        if (target != null) {
          throw new UsageException("lsm compacts in place: drop TARGET");
        }
        write.require("lsm compaction");
        try (StorageEngine engine = store.openWritable(false)) {
          invoke(engine, "compactRange");
        }
        after = store.store;
      }
      default ->
          throw new UsageException(
              engineName
                  + " has no compaction"
                  + (engineName.equals("ledger")
                      ? ": an append-only ledger keeps every entry of its history"
                      : ""));
    }
    long now = InfoCommand.totalBytes(after);
    strata.out.println(
        "compacted "
            + engineName
            + " store "
            + store.store
            + (after.equals(store.store) ? " in place" : " into " + after)
            + ": "
            + before
            + " bytes ("
            + InfoCommand.human(before)
            + ") before, "
            + now
            + " bytes ("
            + InfoCommand.human(now)
            + ") after");
  }

  private static void invoke(StorageEngine engine, String method, Object... args) {
    Class<?>[] types = new Class<?>[args.length];
    for (int i = 0; i < args.length; i++) {
      types[i] = args[i] instanceof Path ? Path.class : args[i].getClass();
    }
    Method m;
    try {
      m = engine.getClass().getMethod(method, types);
    } catch (NoSuchMethodException e) {
      throw new UsageException(engine.name() + " engine on the class path has no " + method);
    }
    try {
      m.invoke(engine, args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot call " + method + " of " + engine.name(), e);
    }
  }
}
