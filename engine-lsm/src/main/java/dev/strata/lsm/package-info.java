/**
 * The {@code lsm} engine: Strata's write-optimized backend over RocksDB ({@code rocksdbjni}).
 *
 * <p>Open it by name: {@code StorageEngines.open("lsm", dir, options)}. The result is an {@link
 * dev.strata.lsm.LsmEngine}, which adds {@code compactRange()} and {@code flush()} to the contract.
 *
 * <h2>Settings</h2>
 *
 * <table>
 *   <caption>lsm.* settings (all validated on open; unknown keys are rejected)</caption>
 *   <tr><th>key</th><th>default</th><th>accepted</th></tr>
 *   <tr><td>{@code lsm.blockCacheBytes}</td><td>64 MiB</td><td>1 MiB .. 1 TiB (LRU cache)</td></tr>
 *   <tr><td>{@code lsm.writeBufferBytes}</td><td>64 MiB</td>
 *       <td>1 MiB .. 1 TiB (one memtable)</td></tr>
 *   <tr><td>{@code lsm.maxWriteBuffers}</td><td>2</td>
 *       <td>2 .. 64 (memtables before writes stall)</td></tr>
 *   <tr><td>{@code lsm.compression}</td><td>lz4</td><td>none, snappy, lz4, zstd</td></tr>
 *   <tr><td>{@code lsm.compactionStyle}</td><td>level</td><td>level, universal, fifo</td></tr>
 *   <tr><td>{@code lsm.bloomBitsPerKey}</td><td>10</td><td>0 (no filter) .. 64</td></tr>
 *   <tr><td>{@code lsm.backgroundJobs}</td><td>2</td><td>1 .. 256</td></tr>
 * </table>
 *
 * Every other RocksDB option the engine sets is listed in {@code engine-lsm/README.md}.
 *
 * <h2>On disk</h2>
 *
 * A RocksDB database directory plus {@code STRATA-LSM}, a 16-byte marker (magic, Strata format
 * version, CRC32C). RocksDB checksums every table block, WAL record and MANIFEST record itself and
 * keeps its own format versions in them.
 */
package dev.strata.lsm;
