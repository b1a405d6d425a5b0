package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteTxn;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit of {@link MvccStore}: batching, per-request isolation, whole-batch failure. */
class GroupCommitTest {
  @TempDir Path dir;

  private StorageEngine engine;
  private final AtomicInteger commits = new AtomicInteger();
  private final AtomicReference<CountDownLatch> gate = new AtomicReference<>();
  private final AtomicBoolean failCommits = new AtomicBoolean();
  private MvccStore store;
  private ExecutorService pool;

  @BeforeEach
  void open() {
    engine = StorageEngines.open("btree", dir);
    store = new MvccStore(observed(engine));
    pool = Executors.newFixedThreadPool(16);
  }

  @AfterEach
  void close() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    engine.verifyIntegrity();
    store.close();
  }

  /** The engine, with commits counted, optionally held at a gate, optionally failing. */
  private StorageEngine observed(StorageEngine real) {
    return (StorageEngine)
        Proxy.newProxyInstance(
            StorageEngine.class.getClassLoader(),
            new Class<?>[] {StorageEngine.class},
            (proxy, method, args) -> {
              Object result = invoke(method, real, args);
              if (method.getName().equals("beginWrite")) {
                return observedTxn((WriteTxn) result);
              }
              return result;
            });
  }

  private WriteTxn observedTxn(WriteTxn real) {
    return (WriteTxn)
        Proxy.newProxyInstance(
            WriteTxn.class.getClassLoader(),
            new Class<?>[] {WriteTxn.class},
            (proxy, method, args) -> {
              if (method.getName().equals("commit")) {
                CountDownLatch held = gate.getAndSet(null);
                if (held != null) {
                  assertTrue(held.await(60, TimeUnit.SECONDS));
                } else if (failCommits.get()) {
                  throw new StorageIOException("injected commit failure", new IOException("disk"));
                }
                commits.incrementAndGet();
              }
              return invoke(method, real, args);
            });
  }

  private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static PutRequest put(String key, String value) {
    return PutRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFromUtf8(value))
        .build();
  }

  private long putRevision(PutRequest request) {
    return store
        .write(write -> KvOps.put(write, request, true), request.getSerializedSize())
        .getHeader()
        .getRevision();
  }

  private String value(String key) {
    var response =
        store.read(
            view ->
                KvOps.range(
                    view, RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build()));
    return response.getKvsCount() == 0
        ? null
        : response.getKvs(0).getValue().toString(StandardCharsets.UTF_8);
  }

  /** Starts a write on the pool and waits until it is queued behind the held batch. */
  private <R> Future<R> queued(Function<? super MvccWrite, R> work, int expectedQueue)
      throws InterruptedException {
    Future<R> future = pool.submit(() -> store.write(work));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (store.queuedRequests() < expectedQueue) {
      assertTrue(System.nanoTime() < deadline, "request not queued");
      Thread.sleep(1);
    }
    return future;
  }

  /** Holds the next commit; returns the blocking write and the gate that releases it. */
  private Future<Long> holdNextCommit(CountDownLatch release) throws InterruptedException {
    gate.set(release);
    Future<Long> blocker = pool.submit(() -> putRevision(put("blocker", "b")));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (gate.get() != null) {
      assertTrue(System.nanoTime() < deadline, "blocking commit not reached");
      Thread.sleep(1);
    }
    return blocker;
  }

  @Test
  void concurrentPutsGetDistinctConsecutiveRevisionsAndAreAllVisible() throws Exception {
    int clients = 16;
    int perClient = 40;
    long before = store.currentRevision();
    int commitsBefore = commits.get();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<Long>>> futures = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      futures.add(
          pool.submit(
              () -> {
                start.await();
                List<Long> revisions = new ArrayList<>();
                for (int i = 0; i < perClient; i++) {
                  revisions.add(putRevision(put("k/" + client + "/" + i, "v" + i)));
                }
                return revisions;
              }));
    }
    start.countDown();
    Set<Long> revisions = new HashSet<>();
    for (Future<List<Long>> f : futures) {
      List<Long> own = f.get(120, TimeUnit.SECONDS);
      for (int i = 1; i < own.size(); i++) {
        assertTrue(own.get(i) > own.get(i - 1), "a client's revisions grow");
      }
      revisions.addAll(own);
    }
    int total = clients * perClient;
    assertEquals(total, revisions.size());
    for (long r = before + 1; r <= before + total; r++) {
      assertTrue(revisions.contains(r), "revision " + r);
    }
    assertEquals(before + total, store.currentRevision());
    assertTrue(commits.get() - commitsBefore <= total);
    for (int c = 0; c < clients; c++) {
      for (int i = 0; i < perClient; i++) {
        assertEquals("v" + i, value("k/" + c + "/" + i));
      }
    }
  }

  @Test
  void answeredRequestsReturnWhileTheNextBatchIsHeld() throws Exception {
    CountDownLatch releaseFirst = new CountDownLatch(1);
    Future<Long> blocker = holdNextCommit(releaseFirst);
    long base = store.currentRevision() + 1;
    List<Future<Long>> second = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      PutRequest request = put("s" + i, "v");
      second.add(queued(w -> KvOps.put(w, request, true).getHeader().getRevision(), i + 1));
    }
    CountDownLatch releaseSecond = new CountDownLatch(1);
    gate.set(releaseSecond);
    releaseFirst.countDown();
    assertEquals(base, blocker.get(60, TimeUnit.SECONDS));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (gate.get() != null) {
      assertTrue(System.nanoTime() < deadline, "second batch's commit not reached");
      Thread.sleep(1);
    }
    // The three queued requests form the second batch, now held in its commit; a request that
    // arrives meanwhile waits for a third batch.
    Future<Long> third =
        queued(w -> KvOps.put(w, put("t", "v"), true).getHeader().getRevision(), 1);
    CountDownLatch releaseThird = new CountDownLatch(1);
    gate.set(releaseThird);
    releaseSecond.countDown();
    for (int i = 0; i < 3; i++) {
      assertEquals(base + 1 + i, second.get(i).get(60, TimeUnit.SECONDS));
    }
    assertFalse(third.isDone(), "the third batch is held in its commit");
    assertEquals("v", value("s2"));
    releaseThird.countDown();
    assertEquals(base + 4, third.get(60, TimeUnit.SECONDS));
    assertEquals(base + 4, store.currentRevision());
  }

  @Test
  void aFailingRequestLeavesNothingAndTheOthersOfItsBatchCommit() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Future<Long> blocker = holdNextCommit(release);
    // The held batch becomes the next revision only once it commits.
    long base = store.currentRevision() + 1;
    int commitsBefore = commits.get();

    Future<Long> first =
        queued(w -> KvOps.put(w, put("a", "1"), true).getHeader().getRevision(), 1);
    PutRequest ignoreValueOnMissing =
        PutRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("missing"))
            .setIgnoreValue(true)
            .build();
    Future<Object> rejected = queued(w -> KvOps.put(w, ignoreValueOnMissing, true), 2);
    // A txn that writes "x" and then fails on its second put: its write to "x" must be undone.
    TxnRequest failingMidway =
        TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestPut(put("x", "partial")))
            .addSuccess(RequestOp.newBuilder().setRequestPut(ignoreValueOnMissing))
            .build();
    Future<Object> rolledBack = queued(w -> KvOps.txn(w, failingMidway), 3);
    Future<Long> last = queued(w -> KvOps.put(w, put("b", "2"), true).getHeader().getRevision(), 4);

    release.countDown();
    assertEquals(base, blocker.get(60, TimeUnit.SECONDS));
    assertEquals(base + 1, first.get(60, TimeUnit.SECONDS));
    assertEquals(base + 2, last.get(60, TimeUnit.SECONDS));
    assertEtcdError("key not found", rejected);
    assertEtcdError("key not found", rolledBack);
    assertEquals(commitsBefore + 2, commits.get(), "the four queued requests share one commit");
    assertEquals(base + 2, store.currentRevision());
    assertEquals("1", value("a"));
    assertEquals("2", value("b"));
    assertNull(value("x"));
    assertNull(value("missing"));
    // No history of "x" either: a read at every revision of the batch misses it.
    for (long r = base; r <= base + 2; r++) {
      long at = r;
      assertEquals(
          0,
          store
              .read(
                  view ->
                      KvOps.range(
                          view,
                          RangeRequest.newBuilder()
                              .setKey(ByteString.copyFromUtf8("x"))
                              .setRevision(at)
                              .build()))
              .getKvsCount());
    }
  }

  @Test
  void aFailedCommitFailsTheWholeBatchAndNothingIsVisible() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Future<Long> blocker = holdNextCommit(release);
    // The held batch becomes the next revision only once it commits.
    long base = store.currentRevision() + 1;
    List<Future<Long>> batch = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      PutRequest request = put("f" + i, "v");
      batch.add(queued(w -> KvOps.put(w, request, true).getHeader().getRevision(), i + 1));
    }
    failCommits.set(true);
    release.countDown();
    assertEquals(base, blocker.get(60, TimeUnit.SECONDS));
    Throwable shared = null;
    for (Future<Long> f : batch) {
      Throwable cause = failure(f);
      assertTrue(cause instanceof StorageIOException, String.valueOf(cause));
      if (shared == null) {
        shared = cause;
      }
      assertSame(shared, cause, "every request fails with the commit's error");
    }
    assertEquals(base, store.currentRevision());
    for (int i = 0; i < 3; i++) {
      assertNull(value("f" + i));
    }
    failCommits.set(false);
    assertEquals(base + 1, putRevision(put("after", "ok")));
    assertEquals("ok", value("after"));
    assertNull(value("f0"));
  }

  @Test
  void anAsynchronousRequestAloneCommitsAndIsAnsweredWithItsRevision() throws Exception {
    long base = store.currentRevision() + 1;
    CompletableFuture<Long> answer = queuedAsync(put("alone", "v"), 0);
    assertEquals(base, answer.get(60, TimeUnit.SECONDS));
    assertEquals("v", value("alone"));
    assertEquals(base, store.currentRevision());
  }

  @Test
  void asynchronousRequestsShareTheQueueAndTheBatchWithWaitingOnes() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Future<Long> blocker = holdNextCommit(release);
    long base = store.currentRevision() + 1;
    int commitsBefore = commits.get();
    CompletableFuture<Long> first = queuedAsync(put("a", "1"), 1);
    Future<Long> waiting =
        queued(w -> KvOps.put(w, put("b", "2"), true).getHeader().getRevision(), 2);
    CompletableFuture<Long> rejected =
        queuedAsync(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("missing"))
                .setIgnoreValue(true)
                .build(),
            3);
    CompletableFuture<Long> last = queuedAsync(put("c", "3"), 4);
    assertFalse(first.isDone(), "answered only after its batch commits");

    release.countDown();
    assertEquals(base, blocker.get(60, TimeUnit.SECONDS));
    assertEquals(base + 1, first.get(60, TimeUnit.SECONDS));
    assertEquals(base + 2, waiting.get(60, TimeUnit.SECONDS));
    assertEquals(base + 3, last.get(60, TimeUnit.SECONDS));
    assertEtcdError("key not found", rejected);
    assertEquals(commitsBefore + 2, commits.get(), "the four queued requests share one commit");
    assertEquals("1", value("a"));
    assertEquals("2", value("b"));
    assertEquals("3", value("c"));
    assertNull(value("missing"));
  }

  @Test
  void aFailedCommitFailsItsAsynchronousRequestsToo() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Future<Long> blocker = holdNextCommit(release);
    long base = store.currentRevision() + 1;
    CompletableFuture<Long> doomed = queuedAsync(put("d", "v"), 1);
    failCommits.set(true);
    release.countDown();
    assertEquals(base, blocker.get(60, TimeUnit.SECONDS));
    Throwable cause = failure(doomed);
    assertTrue(cause instanceof StorageIOException, String.valueOf(cause));
    failCommits.set(false);
    assertNull(value("d"));
    assertEquals(base + 1, queuedAsync(put("after", "ok"), 0).get(60, TimeUnit.SECONDS));
  }

  @Test
  void anAsynchronousRequestToAClosedStoreFails() throws Exception {
    MvccStore closed = new MvccStore(StorageEngines.open("btree", dir.resolve("closed")));
    closed.close();
    CompletableFuture<Object> answer = new CompletableFuture<>();
    closed.writeAsync(w -> KvOps.put(w, put("k", "v"), true), 0, (r, e) -> complete(answer, r, e));
    Throwable cause = failure(answer);
    assertTrue(cause instanceof IllegalStateException, String.valueOf(cause));
  }

  /**
   * Queues a put with {@link MvccStore#writeAsync}, waiting until {@code expectedQueue} requests
   * are queued (0: not waiting); the future completes with its revision or its failure.
   */
  private CompletableFuture<Long> queuedAsync(PutRequest request, int expectedQueue)
      throws InterruptedException {
    CompletableFuture<Long> answer = new CompletableFuture<>();
    store.writeAsync(
        w -> KvOps.put(w, request, true).getHeader().getRevision(),
        request.getSerializedSize(),
        (revision, e) -> complete(answer, revision, e));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (store.queuedRequests() < expectedQueue) {
      assertTrue(System.nanoTime() < deadline, "request not queued");
      Thread.sleep(1);
    }
    return answer;
  }

  private static <T> void complete(CompletableFuture<T> answer, T value, RuntimeException e) {
    if (e != null) {
      answer.completeExceptionally(e);
    } else {
      answer.complete(value);
    }
  }

  private static Throwable failure(Future<?> future) throws Exception {
    try {
      future.get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("request succeeded");
  }

  private static void assertEtcdError(String message, Future<?> future) throws Exception {
    Throwable cause = failure(future);
    assertTrue(cause instanceof StatusRuntimeException, String.valueOf(cause));
    assertTrue(cause.getMessage().contains(message), cause.getMessage());
    assertFalse(future.isCancelled());
  }
}
