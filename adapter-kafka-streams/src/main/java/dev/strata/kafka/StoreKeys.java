package dev.strata.kafka;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * The layout of a store's keys in its engine: user keys under prefix {@link #DATA}, bookkeeping
 * (changelog offsets, query position) under {@link #META}. Stateless; thread-safe.
 */
final class StoreKeys {
  /** The prefix of every Kafka key. */
  static final byte DATA = 0x01;

  /** The prefix of the store's bookkeeping keys; sorts before every data key. */
  static final byte META = 0x00;

  /** The longest Kafka key a store accepts: the engine's limit less the prefix byte. */
  static final int MAX_KAFKA_KEY_SIZE = Limits.MAX_KEY_SIZE - 1;

  private static final byte OFFSET = 'o';
  private static final byte POSITION = 'p';

  /** Every data key: {@code [0x01, 0x02)}. */
  static final KeyRange ALL_DATA = KeyRange.prefix(new byte[] {DATA});

  /** Every committed changelog offset. */
  static final KeyRange ALL_OFFSETS = KeyRange.prefix(new byte[] {META, OFFSET});

  /** Every component of the committed query position. */
  static final KeyRange ALL_POSITIONS = KeyRange.prefix(new byte[] {META, POSITION});

  private StoreKeys() {}

  /**
   * Returns the engine key of a Kafka key.
   *
   * @throws IllegalArgumentException if the key is longer than {@link #MAX_KAFKA_KEY_SIZE}
   */
  static byte[] data(byte[] kafkaKey) {
    if (kafkaKey.length > MAX_KAFKA_KEY_SIZE) {
      throw new IllegalArgumentException(
          "key of "
              + kafkaKey.length
              + " bytes exceeds the store's limit of "
              + MAX_KAFKA_KEY_SIZE
              + " bytes (Limits.MAX_KEY_SIZE less the one-byte prefix)");
    }
    byte[] key = new byte[kafkaKey.length + 1];
    key[0] = DATA;
    System.arraycopy(kafkaKey, 0, key, 1, kafkaKey.length);
    return key;
  }

  /** Returns the Kafka key of an engine data key. */
  static byte[] kafkaKey(byte[] engineKey) {
    return Arrays.copyOfRange(engineKey, 1, engineKey.length);
  }

  /**
   * The engine range of Kafka's {@code range(from, to)}: both bounds inclusive, null unbounded.
   * Kafka keys of any length fit the bounds (bounds are compared, never stored).
   */
  static KeyRange inclusive(byte[] from, byte[] to, boolean reverse) {
    byte[] lower = from == null ? new byte[] {DATA} : prefixed(from);
    // The smallest key above every key <= to is to followed by a zero byte.
    byte[] upper = to == null ? new byte[] {DATA + 1} : Arrays.copyOf(prefixed(to), to.length + 2);
    KeyRange range = KeyRange.between(lower, upper);
    return reverse ? range.reversed() : range;
  }

  /** The engine range of Kafka keys starting with {@code prefix}, ascending. */
  static KeyRange prefix(byte[] prefix) {
    return KeyRange.prefix(prefixed(prefix));
  }

  /** What is left of {@code range} after {@code lastKey}, in its direction. */
  static KeyRange after(KeyRange range, byte[] lastKey) {
    if (range.isReversed()) {
      return KeyRange.between(range.lowerBound(), lastKey).reversed();
    }
    return KeyRange.between(Arrays.copyOf(lastKey, lastKey.length + 1), range.upperBound());
  }

  private static byte[] prefixed(byte[] bytes) {
    byte[] key = new byte[bytes.length + 1];
    key[0] = DATA;
    System.arraycopy(bytes, 0, key, 1, bytes.length);
    return key;
  }

  static byte[] offsetKey(TopicPartition partition) {
    return metaKey(OFFSET, partition.topic(), partition.partition());
  }

  static byte[] positionKey(String topic, int partition) {
    return metaKey(POSITION, topic, partition);
  }

  private static byte[] metaKey(byte kind, String topic, int partition) {
    Objects.requireNonNull(topic, "topic");
    byte[] name = topic.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(6 + name.length)
        .put(META)
        .put(kind)
        .putInt(partition)
        .put(name)
        .array();
  }

  /** The topic of an offset or position key. */
  static String topicOf(byte[] metaKey) {
    return new String(metaKey, 6, metaKey.length - 6, StandardCharsets.UTF_8);
  }

  /** The partition of an offset or position key. */
  static int partitionOf(byte[] metaKey) {
    return ByteBuffer.wrap(metaKey, 2, 4).getInt();
  }

  static byte[] encodeLong(long value) {
    return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
  }

  static long decodeLong(byte[] value) {
    return ByteBuffer.wrap(value).getLong();
  }
}
