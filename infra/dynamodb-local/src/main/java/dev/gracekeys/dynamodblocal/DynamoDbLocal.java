package dev.gracekeys.dynamodblocal;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The official DynamoDB Local, started in this JVM.
 *
 * <p>It always runs with {@code -sharedDb} (one database whatever the credentials and region, so
 * the AWS CLI, the SDK and the tests see the same tables) and {@code -disableTelemetry} (this
 * project runs it on machines with no internet). DynamoDB Local listens on every interface; point
 * clients at {@link #endpoint()}, which is on 127.0.0.1.
 */
public final class DynamoDbLocal implements AutoCloseable {

    private final DynamoDBProxyServer server;
    private final int port;
    private final Path dataDir;

    private DynamoDbLocal(DynamoDBProxyServer server, int port, Path dataDir) {
        this.server = server;
        this.port = port;
        this.dataDir = dataDir;
    }

    /** Starts in memory on a free port: what tests want. */
    public static DynamoDbLocal startInMemory() {
        return start(0, null);
    }

    /**
     * Starts DynamoDB Local.
     *
     * @param port    the port, or 0 for a free one
     * @param dataDir where the database file lives (created if missing), or {@code null} for in-memory
     * @throws PortInUseException when the port is taken
     */
    public static DynamoDbLocal start(int port, Path dataDir) {
        int chosen = port == 0 ? freePort() : port;
        List<String> args = new ArrayList<>(List.of("-port", Integer.toString(chosen), "-sharedDb", "-disableTelemetry"));
        if (dataDir == null) {
            args.add("-inMemory");
        } else {
            try {
                Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the DynamoDB Local data folder " + dataDir, e);
            }
            args.add("-dbPath");
            args.add(dataDir.toAbsolutePath().toString());
        }
        if (port != 0 && !isFree(port)) {
            throw new PortInUseException(port);
        }
        try {
            DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(args.toArray(String[]::new));
            server.start();
            return new DynamoDbLocal(server, chosen, dataDir);
        } catch (Exception e) {
            if (hasCause(e, BindException.class)) {
                throw new PortInUseException(chosen);
            }
            throw new IllegalStateException("DynamoDB Local did not start on port " + chosen + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    /** The loopback endpoint to give an SDK client or the AWS CLI ({@code --endpoint-url}). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The data folder, or {@code null} when in memory. */
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local did not stop cleanly", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port for DynamoDB Local", e);
        }
    }

    private static boolean isFree(int port) {
        // DynamoDB Local binds every interface, so test the wildcard address, not only loopback.
        try (ServerSocket socket = new ServerSocket(port)) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** The requested port is taken by another process. */
    public static final class PortInUseException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public PortInUseException(int port) {
            super("port " + port + " is already in use: stop whatever listens there, or choose another port");
        }
    }
}
