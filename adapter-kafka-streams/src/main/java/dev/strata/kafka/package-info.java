/**
 * Strata as a Kafka Streams state store.
 *
 * <p>{@link dev.strata.kafka.StrataStores#keyValueStore(String, String)} returns a {@code
 * KeyValueBytesStoreSupplier} for {@code Materialized.as(...)} or {@code
 * Stores.keyValueStoreBuilder(...)}; {@link dev.strata.kafka.StrataDslStoreSuppliers}, named by
 * {@code dsl.store.suppliers.class}, puts every DSL key-value store on the engine named by {@code
 * strata.engine}.
 *
 * <h2>How a store maps onto an engine</h2>
 *
 * One engine per store instance, in the directory Kafka assigns ({@code <state.dir>/<task>/<store
 * name>}). Writes of the stream thread collect in one open write transaction; Kafka's commit
 * ({@code StateStore.commit(offsets)}) writes the changelog offsets and the query position into
 * that transaction and commits it, so data and offsets become durable together and a restore never
 * starts past what the store holds. Reads on the writing thread go through the open transaction
 * (they see its writes); reads on any other thread (interactive queries) see the last commit.
 *
 * <h2>Key layout</h2>
 *
 * Every Kafka key is stored with a one-byte prefix {@code 0x01}, so the empty key Kafka allows
 * becomes a legal one-byte Strata key; the longest Kafka key is therefore {@code
 * Limits.MAX_KEY_SIZE - 1} = 32,767 bytes. Offsets and positions live under prefix {@code 0x00},
 * outside every user range.
 */
package dev.strata.kafka;
