package dev.gracekeys.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A load generator's worker threads: {@code n} daemon threads, each running the same body with its
 * own index, started at once; {@link #join()} waits for all and rethrows the first failure, so a
 * worker that died is a failed run, never a quietly smaller figure. What the workers count and when
 * they stop is the body's business (a time window, a flag, a number of operations).
 */
public final class Workers {

    /** One worker's work; {@code index} is 0..n-1. */
    @FunctionalInterface
    public interface Body {
        void run(int index) throws Exception;
    }

    private final List<Thread> threads;
    private final AtomicReference<Throwable> failure;

    private Workers(List<Thread> threads, AtomicReference<Throwable> failure) {
        this.threads = threads;
        this.failure = failure;
    }

    /** Starts {@code n} daemon threads named {@code name-<index>}, each running {@code body}. */
    public static Workers start(int n, String name, Body body) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            Thread t = new Thread(() -> {
                try {
                    body.run(index);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        return new Workers(threads, failure);
    }

    /**
     * Waits until every worker has ended.
     *
     * @throws IllegalStateException with the first worker's failure as its cause, when one failed
     */
    public void join() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
        Throwable e = failure.get();
        if (e != null) {
            throw new IllegalStateException("a worker failed: " + e, e);
        }
    }
}
