package dev.gracekeys.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback that loses responses: for the first {@code losses} connections that get
 * an answer, it forwards the request whole (the function runs), then closes the caller's connection
 * at the answer's first byte instead of passing it on. The caller sees a dropped connection after
 * sending, as when a response is lost on the way, and its AWS SDK or CLI resends the request.
 */
final class LosingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final AtomicInteger lossesLeft;
    private final AtomicInteger lost = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();

    LosingProxy(URI upstream, int losses) throws IOException {
        this.upstream = new InetSocketAddress(upstream.getHost(), upstream.getPort());
        this.lossesLeft = new AtomicInteger(losses);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "losing-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Responses lost so far. */
    int lost() {
        return lost.get();
    }

    /** Connections the callers opened (a resend usually opens a new one). */
    int connections() {
        return connections.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket caller = server.accept();
                connections.incrementAndGet();
                Socket target = new Socket(upstream.getAddress(), upstream.getPort());
                pump(caller, target, false);
                pump(target, caller, true);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to, boolean answers) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                boolean first = true;
                while ((n = in.read(buffer)) > 0) {
                    if (answers && first && lossesLeft.getAndDecrement() > 0) {
                        lost.incrementAndGet();
                        to.close(); // the caller never gets this answer
                        from.close();
                        return;
                    }
                    first = false;
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed: close both below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "losing-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
