package dev.gracekeys.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * DynamoDB Local answers on 127.0.0.1 and on no other address of this machine. Connects only to
 * 127.0.0.1 and to this machine's own interface addresses.
 */
class DynamoDbLocalLoopbackIT {

    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

    @Test
    void nonLoopbackAddressesOfThisMachine_areRefused_while127001AnswersListTables() throws Exception {
        List<InetAddress> others = otherOwnAddressesThatAcceptConnections();
        assumeTrue(others.stream().anyMatch(a -> !a.isLoopbackAddress()),
                "this machine has no up interface with a non-loopback address to connect through");

        try (DynamoDbLocal db = DynamoDbLocal.startInMemory()) {
            RawHttp.Response list = RawHttp.dynamoDb(db.port(), "ListTables", "{}", Map.of());
            assertEquals(200, list.status(), list.body());
            assertTrue(list.body().contains("\"TableNames\""), list.body());

            List<String> reached = new ArrayList<>();
            for (InetAddress address : others) {
                if (connects(address, db.port())) {
                    reached.add(address.getHostAddress());
                }
            }
            assertEquals(List.of(), reached,
                    "DynamoDB Local on port " + db.port() + " must be reachable on 127.0.0.1 only; tried " + others);
        }
    }

    @Test
    void aPortTakenOnLoopback_isReportedAsInUse() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThrows(DynamoDbLocal.PortInUseException.class, () -> DynamoDbLocal.start(taken.getLocalPort(), null));
        }
    }

    @Test
    void aStoppedServersPort_canBeStartedOnAgainAtOnce_withItsData(@TempDir Path dataDir) throws IOException {
        // what FaultStoreIT's stop/restart case and a restarted local stack do
        DynamoDbLocal first = DynamoDbLocal.start(0, dataDir);
        int port = first.port();
        RawHttp.dynamoDb(port, "CreateTable", RawHttp.createTable("kept"), Map.of());
        first.close();

        try (DynamoDbLocal second = DynamoDbLocal.start(port, dataDir)) {
            RawHttp.Response list = RawHttp.dynamoDb(second.port(), "ListTables", "{}", Map.of());
            assertTrue(list.body().contains("\"kept\""), list.body());
        }
    }

    /**
     * Every address of every up interface but 127.0.0.1 itself (so {@code ::1} too), kept only when a
     * socket listening on that very address can be reached through it: a refusal below then comes
     * from where DynamoDB Local listens, not from routing or a firewall.
     */
    private static List<InetAddress> otherOwnAddressesThatAcceptConnections() throws IOException {
        List<InetAddress> addresses = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (!address.getHostAddress().equals("127.0.0.1") && acceptsConnections(address)) {
                    addresses.add(address);
                }
            }
        }
        return addresses;
    }

    private static boolean acceptsConnections(InetAddress address) {
        try (ServerSocket control = new ServerSocket(0, 1, address)) {
            return connects(address, control.getLocalPort());
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean connects(InetAddress address, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (SocketException | SocketTimeoutException e) {
            // refused, or no route (e.g. "Network is unreachable")
            return false;
        }
    }
}
