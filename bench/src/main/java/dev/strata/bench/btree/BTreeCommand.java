package dev.strata.bench.btree;

import dev.strata.api.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code strata-bench btree MODE DIR [ARGS]}: the btree engine's own measurements, one subcommand
 * per question. Each writes its stores under {@code DIR} and prints its figures to standard output,
 * starting with a line naming the JVM, the core count and the mode. Not thread-safe; picocli
 * creates one instance per command line.
 */
@Command(
    name = "btree",
    mixinStandardHelpOptions = true,
    description = {
      "The btree engine's own measurements: against LMDB (core, insert, insert-lmdb,"
          + " insert-pairs, load-pairs, load-profile, reads, compare-reads, compare-gets), commit latency on fragmented freelists"
          + " (freelist, freelist-multi-page) and a store past 4 GiB (large)."
    })
public final class BTreeCommand implements Runnable {
  @Spec CommandSpec spec;

  /** Creates the command; picocli instantiates it. */
  public BTreeCommand() {}

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(
      name = "core",
      description =
          "Insert --keys keys of 16 B with values of 100 B in txns of 1000 puts (SYNC) into btree"
              + " and LMDB, then random point gets and a full scan on both (DIR/btree, DIR/lmdb).")
  void core(@Mixin CoreStore store) throws Exception {
    LmdbComparison comparison = new LmdbComparison(store.keys);
    comparison.core(start("core", store.dir));
  }

  @Command(
      name = "insert",
      description = "The btree insert of core alone, into DIR/btree (to compare two builds).")
  void insert(@Mixin CoreStore store) throws IOException {
    LmdbComparison comparison = new LmdbComparison(store.keys);
    double putsPerSecond = comparison.insertBtree(start("insert", store.dir).resolve("btree"));
    System.out.printf("btree insert: %,.0f puts/s%n", putsPerSecond);
  }

  @Command(
      name = "insert-lmdb",
      description = "The LMDB insert of core alone, into DIR/lmdb (to count its system calls).")
  void insertLmdb(@Mixin CoreStore store) throws IOException {
    LmdbComparison comparison = new LmdbComparison(store.keys);
    double putsPerSecond = comparison.insertLmdb(start("insert-lmdb", store.dir).resolve("lmdb"));
    System.out.printf("lmdb insert: %,.0f puts/s%n", putsPerSecond);
  }

  @Command(
      name = "insert-pairs",
      description =
          "ROUNDS rounds of core's insert into fresh stores, btree and LMDB alternating which goes"
              + " first, each round's ratio printed.")
  void insertPairs(
      @Mixin CoreStore store, @Parameters(index = "1", paramLabel = "ROUNDS") int rounds)
      throws Exception {
    LmdbComparison comparison = new LmdbComparison(store.keys);
    comparison.insertPairs(start("insert-pairs", store.dir), rounds);
  }

  @Command(
      name = "load-pairs",
      description =
          "compare's load phase (KEYS keys, 1000 puts per SYNC commit, scrambled order) on btree"
              + " and LMDB in ROUNDS interleaved pairs after an untimed load of each: commits/s,"
              + " CPU, syncs and bytes written per commit, median ratio.")
  void loadPairs(
      @Parameters(index = "0", paramLabel = "DIR") Path dir,
      @Parameters(index = "1", arity = "0..1", defaultValue = "7", paramLabel = "ROUNDS")
          int rounds,
      @Option(names = "--keys", defaultValue = "200000", description = "Keys (default: 200000).")
          long keys,
      @Option(names = "--seed", defaultValue = "42", description = "Seed of the values.") long seed,
      @Option(
              names = "--set",
              paramLabel = "KEY=VALUE",
              description = "A btree setting, e.g. --set btree.earlyWriteback=false.")
          java.util.Map<String, String> settings)
      throws IOException {
    if (rounds < 1 || keys < 1) {
      throw new ParameterException(
          spec.commandLine(), "ROUNDS and --keys must be positive, got " + rounds + ", " + keys);
    }
    new LoadPairs(keys, seed, settings == null ? java.util.Map.of() : settings)
        .run(start("load-pairs", dir), rounds);
  }

  @Command(
      name = "load-profile",
      description =
          "load-pairs' loads on btree alone (KEYS keys, 1000 puts per SYNC commit, scrambled"
              + " order), ROUNDS of them after the untimed one, for profiling: commits/s and the"
              + " loading thread's CPU, user CPU and put CPU per commit.")
  void loadProfile(
      @Parameters(index = "0", paramLabel = "DIR") Path dir,
      @Parameters(index = "1", arity = "0..1", defaultValue = "10", paramLabel = "ROUNDS")
          int rounds,
      @Option(names = "--keys", defaultValue = "200000", description = "Keys (default: 200000).")
          long keys,
      @Option(names = "--seed", defaultValue = "42", description = "Seed of the values.") long seed)
      throws IOException {
    if (rounds < 1 || keys < 1) {
      throw new ParameterException(
          spec.commandLine(), "ROUNDS and --keys must be positive, got " + rounds + ", " + keys);
    }
    new LoadPairs(keys, seed, java.util.Map.of()).runBtreeOnly(start("load-profile", dir), rounds);
  }

  @Command(
      name = "reads",
      description = "Gets and scans only, on the btree store core left in DIR (for profiling).")
  void reads(@Mixin CoreStoreLoaded store) throws IOException, InterruptedException {
    LmdbComparison comparison = new LmdbComparison(store.keys);
    comparison.reads(start("reads", store.dir));
  }

  @Command(
      name = "compare-reads",
      description = "10 interleaved read rounds on both stores core left in DIR, best of each.")
  void compareReads(@Mixin CoreStoreLoaded store) throws Exception {
    LmdbComparison comparison = new LmdbComparison(store.keys);
    Path d = start("compare-reads", store.dir);
    comparison.compareReads(d.resolve("btree"), d.resolve("lmdb"), 10);
  }

  @Command(
      name = "compare-gets",
      description =
          "The point-read workload of the btree-vs-LMDB comparison on both stores core left in DIR:"
              + " THREADS threads each read every key once in random order in one read txn;"
              + " ROUNDS interleaved rounds, medians and per-round ratios.")
  void compareGets(
      @Mixin CoreStoreLoaded store,
      @Option(names = "--rounds", defaultValue = "7", description = "Rounds (default: 7).")
          int rounds,
      @Option(
              names = "--threads",
              defaultValue = "1,4",
              split = ",",
              description = "Reader thread counts, each measured in turn (default: 1,4).")
          int[] threads)
      throws Exception {
    if (rounds < 1) {
      throw new ParameterException(spec.commandLine(), "--rounds must be positive, got " + rounds);
    }
    LmdbComparison comparison = new LmdbComparison(store.keys);
    Path d = start("compare-gets", store.dir);
    for (int t : threads) {
      if (t < 1) {
        throw new ParameterException(spec.commandLine(), "--threads must be positive, got " + t);
      }
      comparison.compareGets(d.resolve("btree"), d.resolve("lmdb"), rounds, t);
    }
  }

  @Command(
      name = "freelist",
      description =
          "Commit p99 with PAGES/2 fragmented single free pages: hash vs empty freelist vs array,"
              + " SYNC and NO_SYNC, freelist stored and rebuilt.")
  void freelist(
      @Parameters(index = "0", paramLabel = "DIR") Path dir,
      @Parameters(index = "1", arity = "0..1", defaultValue = "2000000", paramLabel = "PAGES")
          int pages)
      throws Exception {
    if (pages < 2) {
      throw new ParameterException(spec.commandLine(), "PAGES must be at least 2, got " + pages);
    }
    FreelistCommitLatency.run(start("freelist", dir), pages);
  }

  @Command(
      name = "freelist-multi-page",
      aliases = "freelist-multi",
      description =
          "The freelist stall with values of 2-4 pages on a freelist of isolated pages: hash,"
              + " empty and array freelists, each durability in DURABILITIES.")
  void freelistMultiPage(
      @Parameters(index = "0", paramLabel = "DIR") Path dir,
      @Parameters(index = "1", arity = "0..1", defaultValue = "2200000", paramLabel = "PAGES")
          int pages,
      @Parameters(
              index = "2",
              arity = "0..1",
              defaultValue = "10:300,100:300",
              paramLabel = "PUTS:COMMITS,...")
          String sizes,
      @Parameters(index = "3", arity = "0..1", defaultValue = "1", paramLabel = "ROUNDS")
          int rounds,
      @Parameters(index = "4", arity = "0..1", defaultValue = "42", paramLabel = "SEED") long seed,
      @Parameters(
              index = "5",
              arity = "0..1",
              defaultValue = "SYNC,NO_SYNC",
              paramLabel = "DURABILITIES")
          String durabilities)
      throws Exception {
    if (pages < 2) {
      throw new ParameterException(spec.commandLine(), "PAGES must be at least 2, got " + pages);
    }
    List<String> sizeList = new ArrayList<>();
    for (String size : sizes.split(",")) {
      if (!size.matches("[1-9][0-9]*:[1-9][0-9]*")) {
        throw new ParameterException(
            spec.commandLine(),
            "each size must be PUTS:COMMITS, both positive, got '" + size + "'");
      }
      sizeList.add(size);
    }
    List<Durability> durabilityList = new ArrayList<>();
    for (String d : durabilities.split(",")) {
      try {
        durabilityList.add(Durability.valueOf(d.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(
            spec.commandLine(), "DURABILITIES lists SYNC and NO_SYNC, got '" + d + "'");
      }
    }
    MultiPageFreelist.run(
        start("freelist-multi-page", dir), pages, sizeList, rounds, seed, durabilityList);
  }

  @Command(
      name = "large",
      description =
          "A store larger than 4 GiB (crosses 1 GiB mapping chunks): load, random reads,"
              + " verifyIntegrity.")
  void large(@Parameters(index = "0", paramLabel = "DIR") Path dir) throws IOException {
    LargeStore.run(start("large", dir));
  }

  /**
   * DIR and {@code --keys} of the modes that load the stores of core (picocli mixin). Not
   * thread-safe; picocli fills in one instance per command line.
   */
  static final class CoreStore {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Option(names = "--keys", defaultValue = "1000000", description = "Keys (default: 1000000).")
    int keys;
  }

  /**
   * DIR and {@code --keys} of the modes that read the stores core left in DIR (picocli mixin). Not
   * thread-safe; picocli fills in one instance per command line.
   */
  static final class CoreStoreLoaded {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Option(
        names = "--keys",
        defaultValue = "1000000",
        description = "Keys core loaded (default: 1000000).")
    int keys;
  }

  /** Creates {@code dir} and prints the line every mode starts with. */
  private static Path start(String mode, Path dir) throws IOException {
    Files.createDirectories(dir);
    System.out.println(
        "java "
            + System.getProperty("java.version")
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " cpus, "
            + mode);
    return dir;
  }
}
