package dev.strata.kafka;

import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.ResultOrder;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Interactive queries (IQv2) on a {@link StrataKeyValueStore}: {@link KeyQuery} and {@link
 * RangeQuery} over the store's bytes, answered only when the store's visible position is at or past
 * the query's bound for this store's partition. Stateless.
 */
final class StoreQueries {
  private StoreQueries() {}

  @SuppressWarnings("unchecked")
  static <R> QueryResult<R> run(
      StrataKeyValueStore store, Query<R> query, PositionBound bound, QueryConfig config) {
    long start = System.nanoTime();
    if (!store.isOpen()) {
      return QueryResult.forFailure(
          FailureReason.STORE_EXCEPTION, "store " + store.name() + " is not open");
    }
    Position position = store.visiblePosition();
    if (!reached(position, bound, store.partition())) {
      return QueryResult.notUpToBound(position, bound, store.partition());
    }
    QueryResult<R> result;
    if (query instanceof KeyQuery<?, ?> keyQuery) {
      Bytes key = (Bytes) keyQuery.getKey();
      result = (QueryResult<R>) QueryResult.forResult(store.get(key));
    } else if (query instanceof RangeQuery<?, ?> rangeQuery) {
      Bytes from = (Bytes) rangeQuery.getLowerBound().orElse(null);
      Bytes to = (Bytes) rangeQuery.getUpperBound().orElse(null);
      KeyValueIterator<Bytes, byte[]> it =
          rangeQuery.resultOrder() == ResultOrder.DESCENDING
              ? store.reverseRange(from, to)
              : store.range(from, to);
      result = (QueryResult<R>) QueryResult.forResult(it);
    } else {
      return QueryResult.forUnknownQueryType(query, store);
    }
    if (config.isCollectExecutionInfo()) {
      result.addExecutionInfo(
          "Handled in "
              + StrataKeyValueStore.class.getSimpleName()
              + " of store "
              + store.name()
              + " in "
              + (System.nanoTime() - start)
              + " ns");
    }
    result.setPosition(position);
    return result;
  }

  /**
   * Whether {@code position} satisfies {@code bound} for {@code partition}: for every topic the
   * bound names with an offset for this partition, the store has seen that offset or a later one.
   */
  static boolean reached(Position position, PositionBound bound, int partition) {
    if (bound.isUnbounded()) {
      return true;
    }
    Position wanted = bound.position();
    for (String topic : wanted.getTopics()) {
      Long wantedOffset = wanted.getPartitionPositions(topic).get(partition);
      if (wantedOffset == null) {
        continue;
      }
      Map<Integer, Long> seen = position.getPartitionPositions(topic);
      Long seenOffset = seen.get(partition);
      if (seenOffset == null || seenOffset < wantedOffset) {
        return false;
      }
    }
    return true;
  }
}
