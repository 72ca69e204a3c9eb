package dev.gracekeys.core.ops.backfill;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code concurrency} tasks (chunks, or records waiting for an earlier one) at once, on
 * daemon threads of its own: {@link #launch} waits for a free slot; {@link #awaitIdle} waits until
 * every task launched has ended.
 */
final class ChunkScheduler implements AutoCloseable {

    private final ExecutorService pool;
    private final Semaphore slots;
    private final Object idle = new Object();
    private int running; // guarded by idle

    ChunkScheduler(int concurrency) {
        this.slots = new Semaphore(concurrency);
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "backfill-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The threads the tasks run on (for tasks that start later, on a future's completion). */
    Executor executor() {
        return pool;
    }

    /**
     * Takes a slot (waiting for one) and runs {@code start}, which must start a task that calls
     * {@link #done()} at its end.
     */
    void launch(Runnable start) {
        slots.acquireUninterruptibly();
        synchronized (idle) {
            running++;
        }
        try {
            start.run();
        } catch (RuntimeException e) {
            done();
            throw e;
        }
    }

    /** Runs {@code task} on a slot (waiting for one); the slot is given back when it ends. */
    void run(Runnable task) {
        launch(() -> pool.execute(() -> {
            try {
                task.run();
            } finally {
                done();
            }
        }));
    }

    /** A launched task ended: gives its slot back. */
    void done() {
        slots.release();
        synchronized (idle) {
            if (--running == 0) {
                idle.notifyAll();
            }
        }
    }

    /** Waits until every task launched has ended; an interrupt is kept for the caller, after the wait. */
    void awaitIdle() {
        boolean interrupted = false;
        synchronized (idle) {
            while (running > 0) {
                try {
                    idle.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // the writes in flight still finish: wait for them
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the tasks in flight, then stops the threads. */
    @Override
    public void close() {
        try {
            awaitIdle();
        } finally {
            pool.shutdown();
        }
    }
}
