package dev.gracekeys.testkit;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The official DynamoDB Local, started in this JVM, reachable on 127.0.0.1 only.
 *
 * <p>It always runs with {@code -sharedDb} (one database whatever the credentials and region, so
 * the AWS CLI, the SDK and the tests see the same tables) and {@code -disableTelemetry} (this
 * project runs it on machines with no internet), and with a CORS allow-list no web page matches
 * ({@link #NO_BROWSER_ORIGIN}). DynamoDB Local itself has no host option and
 * would listen on every interface, letting anyone on the network read and change every item; this
 * class binds its listener to 127.0.0.1 before it starts, and refuses to start (an
 * {@link IllegalStateException}) rather than listen anywhere else. It also refuses (403) requests
 * whose {@code Host} is not 127.0.0.1 or localhost, which is what a DNS-rebinding web page sends
 * ({@link LoopbackHostOnly}). Point clients at {@link #endpoint()}.
 */
public final class DynamoDbLocal implements AutoCloseable {

    /** The only address DynamoDB Local listens on, and the one {@link #endpoint()} names. */
    static final String LOOPBACK = "127.0.0.1";

    /**
     * DynamoDB Local's CORS allow-list ({@code -cors}): an entry no web page can match. It cannot
     * switch CORS off, and its help gives {@code *} as the default; 2.6.1 answers
     * {@code Access-Control-Allow-Origin: <origin>} when a request's {@code Origin} equals an entry.
     * A browser's {@code Origin} is {@code null} or {@code scheme://host[:port]}; this entry has no
     * scheme, so no page in the developer's browser is ever allowed to read an answer. The SDK and
     * the AWS CLI send no {@code Origin} and need no CORS.
     */
    static final String NO_BROWSER_ORIGIN = "no-browser-origin";

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
     * Starts DynamoDB Local on 127.0.0.1:{@code port}, listening nowhere else.
     *
     * @param port    the port, or 0 for a free one
     * @param dataDir where the database file lives (created if missing), or {@code null} for in-memory
     * @throws PortInUseException    when the port is taken
     * @throws IllegalStateException when it cannot be made to listen on 127.0.0.1 only (e.g. a DynamoDB
     *                               Local version whose internals differ), or does not start
     */
    public static DynamoDbLocal start(int port, Path dataDir) {
        return start(port, dataDir, NO_BROWSER_ORIGIN);
    }

    /** As {@link #start(int, Path)}, with another CORS allow-list: for the test that proves the CORS probe sees one. */
    static DynamoDbLocal start(int port, Path dataDir, String corsAllowList) {
        int chosen = port == 0 ? freePort() : port;
        List<String> args = new ArrayList<>(List.of("-port", Integer.toString(chosen), "-sharedDb", "-disableTelemetry",
                "-cors", corsAllowList));
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
        DynamoDBProxyServer server;
        try {
            server = ServerRunner.createServerFromCommandLineArgs(args.toArray(String[]::new));
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local rejected its settings: " + e.getMessage(), e);
        }
        // DynamoDB Local would listen on every interface: point its listener at 127.0.0.1 first
        // (why this way: see jettyServerOf), and check after start() that it did.
        Server jetty;
        List<ServerConnector> connectors;
        try {
            jetty = jettyServerOf(server);
            connectors = bindToLoopback(jetty);
            refuseOtherHostNames(jetty);
        } catch (RuntimeException e) {
            stopQuietly(server); // closes the database it opened
            throw e;
        }
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            if (hasCause(e, BindException.class)) {
                throw new PortInUseException(chosen);
            }
            throw new IllegalStateException("DynamoDB Local did not start on port " + chosen + ": " + e.getMessage(), e);
        }
        try {
            requireListeningOnLoopbackOnly(jetty, connectors, chosen);
        } catch (RuntimeException e) {
            stopQuietly(server);
            throw e;
        }
        return new DynamoDbLocal(server, chosen, dataDir);
    }

    public int port() {
        return port;
    }

    /** The loopback endpoint to give an SDK client or the AWS CLI ({@code --endpoint-url}). */
    public URI endpoint() {
        return URI.create("http://" + LOOPBACK + ":" + port);
    }

    /** A client for this server; see {@link #client(URI, ExecutionInterceptor...)}. */
    public DynamoDbClient client(ExecutionInterceptor... interceptors) {
        return client(endpoint(), interceptors);
    }

    /**
     * A real SDK client for the DynamoDB Local at {@code endpoint}: us-east-1, the credentials it
     * accepts ({@code local}), the URLConnection HTTP client (as the functions use), and the given
     * interceptors (e.g. a {@link RequestCounter}). The caller closes it.
     */
    public static DynamoDbClient client(URI endpoint, ExecutionInterceptor... interceptors) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> {
                    for (ExecutionInterceptor i : interceptors) {
                        o.addExecutionInterceptor(i);
                    }
                })
                .build();
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
        return Loopback.freePort();
    }

    /**
     * Whether 127.0.0.1:{@code port} can be listened on. On Linux and macOS this also fails when
     * another process listens on the port on every interface ({@code *:port}).
     */
    private static boolean isFree(int port) {
        try {
            new ServerSocket(port, 0, loopback()).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByName(LOOPBACK);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("cannot happen: " + LOOPBACK + " is a literal address", e);
        }
    }

    /**
     * DynamoDB Local's Jetty server: the private field {@code server} of {@link DynamoDBProxyServer}.
     *
     * <p>Why DynamoDB Local's own Jetty server is reconfigured rather than replaced: its
     * DynamoDBProxyServer builds a Jetty Server(port), whose one ServerConnector has no host (every
     * interface), and keeps it in the private field "server"; start() and stop() then start it, and
     * stop it and close the database. Setting that connector's host before start() leaves all of
     * DynamoDB Local's own wiring and lifecycle in place and depends on one private field. Building
     * our own Jetty Server around setUpHandler(...) would need the handler too (another private
     * field, or a copy of ServerRunner.createServer's constructor calls, which change between
     * versions) and a copy of the start/stop sequence. Either way a new DynamoDB Local version can
     * move things, so every assumption is checked: a missing field, a connector of another kind, or
     * a listener on any address but 127.0.0.1 after start() is an IllegalStateException, never a
     * server listening on every interface.
     *
     * @throws IllegalStateException when there is no such field or it holds no Jetty {@link Server}
     */
    static Server jettyServerOf(Object proxyServer) {
        Object jetty = null;
        boolean found = false;
        for (Class<?> type = proxyServer.getClass(); type != null && !found; type = type.getSuperclass()) {
            try {
                Field field = type.getDeclaredField("server");
                field.setAccessible(true);
                jetty = field.get(proxyServer);
                found = true;
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw internalsChanged(type.getName() + ".server cannot be read (" + e + ")");
            }
        }
        if (!found) {
            throw internalsChanged(proxyServer.getClass().getName() + " has no field 'server'");
        }
        if (!(jetty instanceof Server)) {
            throw internalsChanged(proxyServer.getClass().getName() + ".server is "
                    + (jetty == null ? "null" : jetty.getClass().getName()) + ", not a Jetty " + Server.class.getName());
        }
        return (Server) jetty;
    }

    /**
     * Points every connector of a Jetty server that has not started yet at 127.0.0.1.
     *
     * @throws IllegalStateException when it has no connector, or one whose address cannot be set
     */
    static List<ServerConnector> bindToLoopback(Server jetty) {
        Connector[] connectors = jetty.getConnectors();
        if (connectors == null || connectors.length == 0) {
            throw internalsChanged("its Jetty server has no connector");
        }
        List<ServerConnector> bound = new ArrayList<>();
        for (Connector connector : connectors) {
            if (!(connector instanceof ServerConnector)) {
                throw internalsChanged("its Jetty server has a " + connector.getClass().getName()
                        + ", whose address cannot be set; expected only " + ServerConnector.class.getName());
            }
            ServerConnector serverConnector = (ServerConnector) connector;
            serverConnector.setHost(LOOPBACK);
            bound.add(serverConnector);
        }
        return bound;
    }

    /** Puts {@link LoopbackHostOnly} in front of DynamoDB Local's handler, before start. */
    static void refuseOtherHostNames(Server jetty) {
        Handler handler = jetty.getHandler();
        if (handler == null) {
            throw internalsChanged("its Jetty server has no handler");
        }
        jetty.setHandler(new LoopbackHostOnly(handler));
    }

    /**
     * After start: the server's connectors are still {@code bound}, each listening on
     * 127.0.0.1:{@code port}.
     *
     * @throws IllegalStateException otherwise (DynamoDB Local's start() prints and swallows some bind
     *                               failures, which land here as a listener that is not open)
     */
    static void requireListeningOnLoopbackOnly(Server jetty, List<ServerConnector> bound, int port) {
        List<Connector> now = List.of(jetty.getConnectors());
        if (!now.equals(bound)) {
            throw internalsChanged("its Jetty server's connectors changed during start()");
        }
        for (ServerConnector connector : bound) {
            SocketAddress address = localAddress(connector);
            if (!(address instanceof InetSocketAddress)
                    || !LOOPBACK.equals(((InetSocketAddress) address).getAddress().getHostAddress())
                    || ((InetSocketAddress) address).getPort() != port) {
                throw new IllegalStateException("DynamoDB Local is not listening on " + LOOPBACK + ":" + port
                        + " (its listener: " + (address == null ? "not open" : address) + "); stopped it. If port "
                        + port + " is taken, stop whatever listens there or choose another port");
            }
        }
    }

    private static SocketAddress localAddress(ServerConnector connector) {
        if (!(connector.getTransport() instanceof ServerSocketChannel)) {
            return null;
        }
        try {
            return ((ServerSocketChannel) connector.getTransport()).getLocalAddress();
        } catch (IOException closed) {
            return null;
        }
    }

    private static IllegalStateException internalsChanged(String what) {
        return new IllegalStateException("cannot bind DynamoDB Local to " + LOOPBACK + " only: " + what
                + ". This launcher relies on the internals of DynamoDB Local 2.6.x; check them (javap -p) after "
                + "changing its version. Refusing to start it on every interface.");
    }

    private static void stopQuietly(DynamoDBProxyServer server) {
        try {
            server.stop();
        } catch (Exception suppressed) {
            // already failing: the caller's exception says why
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

    /**
     * Answers only requests addressed to 127.0.0.1 or localhost (any port: a loopback proxy in front
     * is fine), and 403 to the rest. Listening on loopback keeps other machines out, and the CORS
     * allow-list keeps other origins from reading answers, but neither stops DNS rebinding: a page
     * at http://attacker.example:8000 whose name the attacker re-points at 127.0.0.1 is same-origin
     * with its own requests, so the browser sends them to DynamoDB Local with any header and lets
     * the page read every answer. Those requests say {@code Host: attacker.example:8000}.
     */
    static final class LoopbackHostOnly extends Handler.Wrapper {

        private static final byte[] REFUSAL = ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#AccessDeniedException\","
                + "\"Message\":\"DynamoDB Local answers only requests addressed to " + LOOPBACK + " or localhost\"}")
                .getBytes(StandardCharsets.UTF_8);

        LoopbackHostOnly(Handler handler) {
            super(handler);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String host = Request.getServerName(request);
            if (host != null && (host.equals(LOOPBACK) || host.toLowerCase(Locale.ROOT).equals("localhost"))) {
                return super.handle(request, response, callback);
            }
            response.setStatus(403);
            response.getHeaders().put("Content-Type", "application/x-amz-json-1.0");
            response.write(true, ByteBuffer.wrap(REFUSAL), callback);
            return true;
        }
    }

    /** The requested port is taken by another process. */
    public static final class PortInUseException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public PortInUseException(int port) {
            super("port " + port + " is already in use: stop whatever listens there, or choose another port");
        }
    }
}
