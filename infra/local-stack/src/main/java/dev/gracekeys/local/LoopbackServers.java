package dev.gracekeys.local;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

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
}
