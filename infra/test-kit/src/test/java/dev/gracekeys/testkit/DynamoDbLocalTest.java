package dev.gracekeys.testkit;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * If DynamoDB Local's internals are not what the loopback binding expects, starting fails with a
 * clear message instead of listening on every interface. No network: nothing here is started.
 */
class DynamoDbLocalTest {

    @Test
    void jettyServerOf_failsLoudly_whenTheProxyHasNoServerField() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DynamoDbLocal.jettyServerOf(new Object()));

        assertTrue(e.getMessage().contains("has no field 'server'"), e.getMessage());
        assertTrue(e.getMessage().contains("Refusing to start it on every interface"), e.getMessage());
    }

    @Test
    void jettyServerOf_failsLoudly_whenTheServerFieldIsNoJettyServer() {
        Object proxy = new Object() {
            @SuppressWarnings("unused")
            private final Object server = "not a Jetty server";
        };

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DynamoDbLocal.jettyServerOf(proxy));

        assertTrue(e.getMessage().contains("not a Jetty org.eclipse.jetty.server.Server"), e.getMessage());
    }

    @Test
    void jettyServerOf_findsTheField_likeDynamoDbProxyServersPrivateOne() {
        Server jetty = new Server(0);
        Object proxy = new Object() {
            @SuppressWarnings("unused")
            private final Server server = jetty;
        };

        assertEquals(jetty, DynamoDbLocal.jettyServerOf(proxy));
    }

    @Test
    void bindToLoopback_setsEveryConnectorsHost_beforeStart() {
        Server jetty = new Server(0);
        jetty.addConnector(new ServerConnector(jetty));

        List<ServerConnector> bound = DynamoDbLocal.bindToLoopback(jetty);

        assertEquals(2, bound.size());
        bound.forEach(c -> assertEquals("127.0.0.1", c.getHost()));
    }

    @Test
    void bindToLoopback_failsLoudly_whenThereIsNoConnector() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DynamoDbLocal.bindToLoopback(new Server()));

        assertTrue(e.getMessage().contains("no connector"), e.getMessage());
    }

    @Test
    void bindToLoopback_failsLoudly_onAConnectorWhoseAddressCannotBeSet() {
        Server jetty = new Server(0);
        jetty.addConnector(new LocalConnector(jetty));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DynamoDbLocal.bindToLoopback(jetty));

        assertTrue(e.getMessage().contains("LocalConnector"), e.getMessage());
    }

    @Test
    void refuseOtherHostNames_wrapsDynamoDbLocalsHandler() {
        Server jetty = new Server(0);
        Handler.Abstract handler = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                return false;
            }
        };
        jetty.setHandler(handler);

        DynamoDbLocal.refuseOtherHostNames(jetty);

        DynamoDbLocal.LoopbackHostOnly guard = assertInstanceOf(DynamoDbLocal.LoopbackHostOnly.class, jetty.getHandler());
        assertSame(handler, guard.getHandler());
    }

    @Test
    void refuseOtherHostNames_failsLoudly_whenThereIsNoHandler() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DynamoDbLocal.refuseOtherHostNames(new Server(0)));

        assertTrue(e.getMessage().contains("no handler"), e.getMessage());
    }

    @Test
    void requireListeningOnLoopbackOnly_failsLoudly_whenTheListenerIsNotOpen() {
        Server jetty = new Server(0);
        List<ServerConnector> bound = DynamoDbLocal.bindToLoopback(jetty);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DynamoDbLocal.requireListeningOnLoopbackOnly(jetty, bound, 8000));

        assertTrue(e.getMessage().contains("not listening on 127.0.0.1:8000"), e.getMessage());
    }
}
