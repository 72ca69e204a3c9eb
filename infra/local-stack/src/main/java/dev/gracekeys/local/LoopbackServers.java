package dev.gracekeys.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Executors;

/** Starts one of the stack's loopback HTTP servers: one handler, a pool of daemon threads. */
final class LoopbackServers {

    private LoopbackServers() {
    }

    static void serve(HttpServer server, HttpHandler handler, int threads, String threadName) {
        server.createContext("/", handler);
        server.setExecutor(Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /**
     * The request body, or {@code null} when it is over {@code limit} bytes (then read to its end
     * and dropped, so the client gets the answer rather than a reset mid-upload). The declared
     * length decides first, so a large upload is never buffered. readAllBytes, not
     * readNBytes(limit + 1): with the latter the JDK server dropped some kept-alive connections
     * under load (LoadPushersIT saw "header parser received no bytes").
     */
    static byte[] bodyWithin(HttpExchange exchange, long limit) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        boolean tooLarge = declared != null && declared.matches("\\d{1,18}") && Long.parseLong(declared) > limit;
        byte[] body = tooLarge ? null : exchange.getRequestBody().readAllBytes();
        if (body == null || body.length > limit) {
            exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            return null;
        }
        return body;
    }
}
