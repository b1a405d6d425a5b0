package dev.strata.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One Lock, Campaign or Observe call while it runs, which may wait for other clients' keys to go.
 *
 * <p>Waiting holds no thread: a wait is a watch on this member's {@link WatchHub}, and the watch's
 * responses only queue the call's next step. Steps run one at a time, in the order queued, within
 * the call's gRPC {@code Context} (so its deadline bounds forwarded writes): the first on the
 * thread that starts the call, later ones on a shared pool. The call ends once: {@link #finish} (it
 * answered), a step that throws (the handler's {@link Handler#failed}), or the client cancelling,
 * its deadline passing or its connection closing (the handler's {@link Handler#cancelled}, which
 * runs outside the cancelled context so that it can still write, e.g. to delete the caller's key).
 * When it ends its watch stops and queued steps are dropped; a step already running completes.
 *
 * <p>Thread-safe. Lock order: a watch stream's lock before this call's; this call's lock is never
 * held while a watch is started or stopped.
 */
final class WaitingCall {
  private static final System.Logger LOG = System.getLogger(WaitingCall.class.getName());

  /**
   * Runs the steps of all waiting calls. Threads exist only while steps run (a step is short: a few
   * local engine calls, or one forwarded to the leader) and end after a minute idle.
   */
  private static final ExecutorService POOL = newPool();

  /** How a call ends other than by answering. */
  interface Handler {
    /** A step failed; the handler answers the client with {@code error}. */
    void failed(StatusRuntimeException error);

    /** The client went away; the handler cleans up (it cannot answer any more). */
    void cancelled();
  }

  private final LocalClient client;
  private final Context context;
  private final Handler handler;

  /** Guarded by this, like the fields below. */
  private final ArrayDeque<Runnable> steps = new ArrayDeque<>();

  private boolean running;
  private boolean ended;

  /**
   * The current watch and the token its responses carry; responses of older watches are dropped.
   */
  private LocalClient.Watch watch;

  private Object watchToken;

  /** Binds the call to the current gRPC context; its cancellation ends the call. */
  WaitingCall(LocalClient client, Handler handler) {
    this.client = client;
    this.handler = handler;
    this.context = Context.current();
  }

  LocalClient client() {
    return client;
  }

  /** Runs the first step on this thread, then listens for the call's cancellation. */
  void start(Runnable first) {
    context.addListener(c -> end(null), Runnable::run);
    submit(first, true);
  }

  /** Queues a step after those queued before; dropped once the call ended. */
  void next(Runnable step) {
    submit(step, false);
  }

  /**
   * Ends the call with an answer: {@code answer} runs now, unless the call ended already (then it
   * is dropped and false is returned).
   */
  boolean finish(Runnable answer) {
    LocalClient.Watch stopped;
    synchronized (this) {
      if (ended) {
        return false;
      }
      ended = true;
      steps.clear();
      stopped = takeWatch();
    }
    if (stopped != null) {
      stopped.close();
    }
    answer.run();
    return true;
  }

  /**
   * Waits until {@code key} is deleted at {@code fromRevision} or later (as etcd's {@code
   * waitDelete}, which watches it from there), then queues {@code then}. When {@code fromRevision}
   * is compacted away {@code then} is queued at once, so the caller reads the key again.
   */
  void awaitDelete(ByteString key, long fromRevision, Runnable then) {
    watch(
        WatchCreateRequest.newBuilder().setKey(key).setStartRevision(fromRevision).build(),
        response -> {
          if (response.getCanceled() || hasDelete(response)) {
            stopWatch();
            then.run();
          }
        });
  }

  /**
   * etcd's {@code waitDeletes}: waits until no key under {@code prefix} has a create revision at or
   * below {@code maxCreateRevision}, one key at a time from the youngest of them, and then passes
   * on the read that found none.
   */
  void awaitDeletes(ByteString prefix, long maxCreateRevision, Consumer<RangeResponse> then) {
    RangeResponse last = client.range(Recipes.lastCreatedUpTo(prefix, maxCreateRevision));
    if (last.getKvsCount() == 0) {
      then.accept(last);
      return;
    }
    awaitDelete(
        last.getKvs(0).getKey(),
        last.getHeader().getRevision(),
        () -> awaitDeletes(prefix, maxCreateRevision, then));
  }

  /**
   * Starts a watch in place of the current one; each of its responses is handled as a step, in
   * order. The server stopping fails the call with the watch's error.
   */
  void watch(WatchCreateRequest request, Consumer<WatchResponse> onResponse) {
    stopWatch();
    Object token = new Object();
    synchronized (this) {
      if (ended) {
        return;
      }
      watchToken = token;
    }
    LocalClient.Watch started =
        client.watch(
            request,
            response -> next(() -> whileCurrent(token, () -> onResponse.accept(response))),
            error -> next(() -> whileCurrent(token, () -> fail(error))));
    boolean keep;
    synchronized (this) {
      keep = watchToken == token;
      if (keep) {
        watch = started;
      }
    }
    if (!keep) {
      // The call ended, or a step replaced the watch, while it started.
      started.close();
    }
  }

  /** Stops the current watch, if any. */
  void stopWatch() {
    LocalClient.Watch stopped;
    synchronized (this) {
      stopped = takeWatch();
    }
    if (stopped != null) {
      stopped.close();
    }
  }

  private LocalClient.Watch takeWatch() {
    LocalClient.Watch current = watch;
    watch = null;
    watchToken = null;
    return current;
  }

  private void whileCurrent(Object token, Runnable action) {
    synchronized (this) {
      if (watchToken != token) {
        return;
      }
    }
    action.run();
  }

  private static boolean hasDelete(WatchResponse response) {
    for (Event e : response.getEventsList()) {
      if (e.getType() == Event.EventType.DELETE) {
        return true;
      }
    }
    return false;
  }

  private void fail(StatusRuntimeException error) {
    end(error);
  }

  /**
   * Ends the call without an answer of its own: with {@code error} the handler answers it, without
   * (the context was cancelled) the handler cleans up. Queued after the step that runs, if any.
   */
  private void end(StatusRuntimeException error) {
    LocalClient.Watch stopped;
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      steps.clear();
      stopped = takeWatch();
    }
    if (stopped != null) {
      stopped.close();
    }
    Runnable last =
        error == null
            ? () -> Context.ROOT.run(this::cleanUp)
            : () -> context.run(() -> handler.failed(error));
    enqueue(last, false);
  }

  private void cleanUp() {
    try {
      handler.cancelled();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cleaning up after a cancelled call failed", e);
    }
  }

  private void submit(Runnable step, boolean inline) {
    synchronized (this) {
      if (ended) {
        return;
      }
    }
    enqueue(() -> context.run(() -> runStep(step)), inline);
  }

  private void runStep(Runnable step) {
    synchronized (this) {
      if (ended) {
        return;
      }
    }
    try {
      step.run();
    } catch (RuntimeException e) {
      fail(LocalClient.asUnknown(e));
    }
  }

  private void enqueue(Runnable task, boolean inline) {
    synchronized (this) {
      steps.add(task);
      if (running) {
        return;
      }
      running = true;
    }
    if (inline) {
      drain();
    } else {
      POOL.execute(this::drain);
    }
  }

  private void drain() {
    while (true) {
      Runnable task;
      synchronized (this) {
        task = steps.poll();
        if (task == null) {
          running = false;
          return;
        }
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        // Only the handler's own answer or clean-up can get here: the call has ended already.
        LOG.log(System.Logger.Level.WARNING, "ending a waiting call failed", e);
      }
    }
  }

  private static ExecutorService newPool() {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        0,
        Integer.MAX_VALUE,
        60,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        r -> {
          Thread t = new Thread(r, "strata-etcd-recipe-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }
}
