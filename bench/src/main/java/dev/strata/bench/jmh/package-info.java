/**
 * The JMH suite, one class per question, engines as {@code @Param}: {@link
 * dev.strata.bench.jmh.PointGetBenchmark}, {@link dev.strata.bench.jmh.BatchedPutBenchmark}, {@link
 * dev.strata.bench.jmh.RangeScanBenchmark}, {@link dev.strata.bench.jmh.ReadWriteMixBenchmark}. An
 * engine whose module is not on the class path fails its own parameter combination and the run goes
 * on with the others.
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar PointGet -f 1 -wi 2 -i 3 -w 2s -r 3s
 * java -jar bench/target/benchmarks.jar BatchedPut -p engine=lmdb,rocksdb -p batch=100
 * }</pre>
 */
package dev.strata.bench.jmh;
