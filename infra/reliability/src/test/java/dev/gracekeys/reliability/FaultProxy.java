package dev.gracekeys.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy in front of DynamoDB Local that can be switched, at any moment, between:
 * <ul>
 *   <li>{@link Mode#PASS}: forwards both ways;</li>
 *   <li>{@link Mode#DELAY}: forwards, holding every chunk of the answer back by a fixed delay (a slow
 *       DynamoDB);</li>
 *   <li>{@link Mode#DROP}: accepts a connection and closes it at once (a DynamoDB that drops
 *       connections);</li>
 *   <li>{@link Mode#BLACKHOLE}: accepts a connection, reads what it is sent and never answers (a
 *       network partition: the worst case, only a timeout ends it).</li>
 * </ul>
 * Every switch closes the connections open at that moment, so a client's pooled keep-alive
 * connection cannot carry the previous mode over. Listens on 127.0.0.1 only and connects to
 * 127.0.0.1 only.
 */
final class FaultProxy implements AutoCloseable {

    enum Mode { PASS, DELAY, DROP, BLACKHOLE }

    private final ServerSocket server;
    private final int targetPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private volatile Mode mode = Mode.PASS;
    private volatile long delayMillis;
    private volatile boolean closed;

    FaultProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        threads.execute(this::acceptLoop);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    Mode mode() {
        return mode;
    }

    long connectionsAccepted() {
        return accepted.get();
    }

    void pass() {
        switchTo(Mode.PASS, 0);
    }

    void delay(Duration by) {
        switchTo(Mode.DELAY, by.toMillis());
    }

    void drop() {
        switchTo(Mode.DROP, 0);
    }

    void blackhole() {
        switchTo(Mode.BLACKHOLE, 0);
    }

    private void switchTo(Mode next, long delay) {
        delayMillis = delay;
        mode = next;
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            accepted.incrementAndGet();
            Mode m = mode;
            if (m == Mode.DROP) {
                closeQuietly(client);
                continue;
            }
            open.add(client);
            threads.execute(() -> serve(client, m));
        }
    }

    private void serve(Socket client, Mode m) {
        if (m == Mode.BLACKHOLE) {
            // Swallow the request; answer nothing until the client or a mode switch closes it.
            try (InputStream in = client.getInputStream()) {
                byte[] buf = new byte[8192];
                while (in.read(buf) >= 0) {
                    // discard
                }
            } catch (IOException e) {
                // closed
            } finally {
                open.remove(client);
                closeQuietly(client);
            }
            return;
        }
        Socket upstream = new Socket();
        try {
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
        } catch (IOException e) {
            open.remove(client);
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        open.add(upstream);
        threads.execute(() -> pump(client, upstream, false));
        pump(upstream, client, true);
    }

    /** Copies {@code from} to {@code to}; the answer direction honours DELAY, checked per chunk. */
    private void pump(Socket from, Socket to, boolean answer) {
        byte[] buf = new byte[16384];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (answer && mode == Mode.DELAY) {
                    // The injected fault itself: a slow store. Not a wait for a time-dependent rule.
                    TimeUnit.MILLISECONDS.sleep(delayMillis);
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(from);
            open.remove(to);
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
        threads.shutdownNow();
    }
}
