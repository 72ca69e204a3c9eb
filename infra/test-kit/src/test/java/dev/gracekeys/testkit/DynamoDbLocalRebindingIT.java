package dev.gracekeys.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A web page that re-points its own host name at 127.0.0.1 (DNS rebinding) is same-origin with its
 * requests, so CORS does not apply: the browser sends any header and shows the page the answer.
 * Those requests name the page's host in {@code Host}; DynamoDB Local refuses them. Connects to
 * 127.0.0.1 only: the host names below are only written into {@code Host}, never resolved.
 */
class DynamoDbLocalRebindingIT {

    @RegisterExtension
    static final OneDynamoDbLocalPerClass db = new OneDynamoDbLocalPerClass();

    @ParameterizedTest
    @ValueSource(strings = {"evil.example", "127.0.0.1.nip.io", "localhost.evil.example", "127.0.0.2"})
    void requestNamingAnotherHost_isRefused_andChangesNothing(String hostName) throws IOException {
        RawHttp.Response create = RawHttp.dynamoDb(db.port(), "CreateTable", RawHttp.createTable("from-a-rebound-page"),
                Map.of("Host", hostName + ":" + db.port()));
        RawHttp.Response list = RawHttp.dynamoDb(db.port(), "ListTables", "{}",
                Map.of("Host", hostName + ":" + db.port()));

        assertEquals(403, create.status(), create.body());
        assertEquals(403, list.status(), list.body());
        assertFalse(list.body().contains("TableNames"), list.body());
        assertTrue(list.body().contains("AccessDeniedException"), list.body());
        RawHttp.Response direct = RawHttp.dynamoDb(db.port(), "ListTables", "{}", Map.of());
        assertFalse(direct.body().contains("from-a-rebound-page"), direct.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "localhost", "LOCALHOST"})
    void requestNamingLoopback_isAnswered(String hostName) throws IOException {
        RawHttp.Response list = RawHttp.dynamoDb(db.port(), "ListTables", "{}",
                Map.of("Host", hostName + ":" + db.port()));

        assertEquals(200, list.status(), list.body());
        assertTrue(list.body().contains("\"TableNames\""), list.body());
    }

    @Test
    void requestThroughALoopbackProxyOnAnotherPort_isAnswered() throws IOException {
        // e.g. the reliability tests' fault proxy on 127.0.0.1:<its port>: the host name is what counts
        RawHttp.Response list = RawHttp.dynamoDb(db.port(), "ListTables", "{}", Map.of("Host", "127.0.0.1:1"));

        assertEquals(200, list.status(), list.body());
    }
}
