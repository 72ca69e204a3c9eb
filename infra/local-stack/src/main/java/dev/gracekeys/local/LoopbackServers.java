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

    /**
     * Answers with a JSON body (none when empty, as Lambda's 202 and 204 have none) and any further
     * headers (name, value, name, value…).
     */
    static void sendJson(HttpExchange exchange, int status, byte[] body, String... headers) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            exchange.getResponseHeaders().set(headers[i], headers[i + 1]);
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
