package dev.gracekeys.bench;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.ops.Requests.RotateRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Clients made through the real core: created, then rotated once, so each has a current token and
 * a previous one (live for {@code graceSeconds}). The tokens stay in memory: never printed.
 */
final class Fleet {

    /** One client's two tokens. */
    record Client(String clientId, String current, String previous) {
    }

    private Fleet() {
    }

    /**
     * @param graceSeconds the grace of the rotation (null: the configured default, 24 h)
     * @param threads      parallel callers (each client is its own transactions)
     */
    static List<Client> createAndRotate(GraceKeys core, String idPrefix, int count, Long graceSeconds, int threads,
                                        String what) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "seed");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger done = new AtomicInteger();
        long started = System.nanoTime();
        try {
            List<Future<Client>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String clientId = String.format("%s%06d", idPrefix, i);
                futures.add(pool.submit(() -> {
                    String first = core.tokens().rotate(new RotateRequest(clientId, null, true, null)).token();
                    String second = core.tokens().rotate(new RotateRequest(clientId, graceSeconds, null, null)).token();
                    int n = done.incrementAndGet();
                    if (n % 1000 == 0) {
                        Cli.progress("seeding %s: %d/%d clients (%.1f s)", what, n, count,
                                (System.nanoTime() - started) / 1e9);
                    }
                    return new Client(clientId, second, first);
                }));
            }
            List<Client> clients = new ArrayList<>(count);
            for (Future<Client> f : futures) {
                clients.add(f.get());
            }
            return clients;
        } finally {
            pool.shutdownNow();
        }
    }
}
