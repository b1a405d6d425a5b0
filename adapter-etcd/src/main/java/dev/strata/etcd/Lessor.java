package dev.strata.etcd;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Leases: granted TTLs live in the store (table {@code l}), deadlines in memory. A lease that
 * expires is revoked like an explicit revoke: its keys are deleted in one revision. After a restart
 * every lease gets its full TTL again, as etcd does after a leader change.
 */
final class Lessor implements AutoCloseable {
  /** etcd's largest TTL (MaxLeaseTTL), in seconds. */
  static final long MAX_TTL_SECONDS = 9_000_000_000L;

  /** etcd's smallest TTL with its default heartbeat and election timeout, in seconds. */
  static final long MIN_TTL_SECONDS = 2;

  private static final System.Logger LOG = System.getLogger(Lessor.class.getName());

  private final MvccStore store;
  private final Map<Long, Lease> leases = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final ScheduledExecutorService expiry;
  private final BooleanSupplier primary;

  /** A lease's granted TTL and deadline. */
  static final class Lease {
    final long id;
    final long ttlSeconds;
    volatile long deadlineNanos;

    Lease(long id, long ttlSeconds) {
      this.id = id;
      this.ttlSeconds = ttlSeconds;
      renew();
    }

    void renew() {
      deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(ttlSeconds);
    }

    long remainingSeconds() {
      return Math.max(0, TimeUnit.NANOSECONDS.toSeconds(deadlineNanos - System.nanoTime()));
    }
  }

  Lessor(MvccStore store) {
    this(store, () -> true);
  }

  /**
   * Opens the lessor; {@code primary} says whether this member expires leases (in a cluster only
   * the leader does, as in etcd).
   */
  Lessor(MvccStore store, BooleanSupplier primary) {
    this.store = store;
    this.primary = primary;
    load(leases);
    this.expiry =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-etcd-lease-expiry");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Reloads the leases from the store, each with its full TTL again: a member that becomes leader
   * takes over the leases granted through the previous one, as etcd's new leader does.
   */
  synchronized void reload() {
    Map<Long, Lease> stored = new java.util.HashMap<>();
    load(stored);
    // Replaced entry by entry, so that a keep-alive meanwhile never finds its lease missing.
    leases.keySet().retainAll(stored.keySet());
    leases.putAll(stored);
  }

  private void load(Map<Long, Lease> into) {
    store.read(
        view -> {
          try (Cursor cursor = view.txn.cursor(KeyRange.prefix(new byte[] {KeyLayout.LEASE}))) {
            while (cursor.next()) {
              long id = KeyLayout.leaseId(cursor.key());
              into.put(id, new Lease(id, KeyLayout.longOf(cursor.value(), MIN_TTL_SECONDS)));
            }
          }
          return null;
        });
  }

  void start() {
    expiry.scheduleWithFixedDelay(this::expire, 100, 100, TimeUnit.MILLISECONDS);
  }

  /**
   * Grants a lease.
   *
   * @param requestedId the id to use, or 0 to choose one
   * @param ttlSeconds the TTL; raised to {@link #MIN_TTL_SECONDS}
   */
  Lease grant(long requestedId, long ttlSeconds) {
    if (ttlSeconds > MAX_TTL_SECONDS) {
      throw EtcdErrors.leaseTtlTooLarge();
    }
    long ttl = Math.max(ttlSeconds, MIN_TTL_SECONDS);
    synchronized (this) {
      long id = requestedId;
      if (id == 0) {
        do {
          id = random.nextLong() & Long.MAX_VALUE;
        } while (id == 0 || leases.containsKey(id));
      } else if (leases.containsKey(id)) {
        throw EtcdErrors.leaseExists();
      }
      long chosen = id;
      store.write(
          write -> {
            write.putLease(chosen, ttl);
            return null;
          });
      Lease lease = new Lease(chosen, ttl);
      leases.put(chosen, lease);
      return lease;
    }
  }

  /** Revokes a lease, deleting its keys in one revision. */
  void revoke(long id) {
    synchronized (this) {
      if (!leases.containsKey(id)) {
        throw EtcdErrors.leaseNotFound();
      }
      store.write(write -> write.revokeLease(id));
      leases.remove(id);
    }
  }

  /** Renews a lease; returns its TTL, or 0 when it does not exist (etcd's keep-alive answer). */
  long renew(long id) {
    Lease lease = leases.get(id);
    if (lease == null) {
      return 0;
    }
    lease.renew();
    return lease.ttlSeconds;
  }

  Lease lookup(long id) {
    return leases.get(id);
  }

  List<byte[]> keys(long id) {
    return store.read(view -> view.leaseKeys(id));
  }

  List<Long> ids() {
    return new ArrayList<>(leases.keySet());
  }

  private void expire() {
    if (!primary.getAsBoolean()) {
      return;
    }
    long now = System.nanoTime();
    for (Lease lease : leases.values()) {
      if (now - lease.deadlineNanos >= 0) {
        try {
          synchronized (this) {
            if (leases.get(lease.id) == lease && System.nanoTime() - lease.deadlineNanos >= 0) {
              store.write(write -> write.revokeLease(lease.id));
              leases.remove(lease.id);
            }
          }
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.ERROR, "cannot revoke expired lease " + lease.id, e);
        }
      }
    }
  }

  @Override
  public void close() {
    expiry.shutdownNow();
    try {
      expiry.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
