package dev.gracekeys.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A web page open in the developer's browser gets no CORS permission from DynamoDB Local: its
 * preflight and its requests are answered without {@code Access-Control-Allow-Origin}, so the
 * browser neither sends the real request nor shows the page the answer.
 */
class DynamoDbLocalCorsIT {

    @RegisterExtension
    static final OneDynamoDbLocalPerClass db = new OneDynamoDbLocalPerClass();

    @ParameterizedTest
    @ValueSource(strings = {"http://evil.example", "null", "http://127.0.0.1:3000", "http://localhost"})
    void preflightFromAWebPage_getsNoAccessControlAllowOrigin(String origin) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Host", "127.0.0.1:" + db.port());
        headers.put("Origin", origin);
        headers.put("Access-Control-Request-Method", "POST");
        headers.put("Access-Control-Request-Headers", "authorization,content-type,x-amz-date,x-amz-target");

        RawHttp.Response preflight = RawHttp.send(db.port(), "OPTIONS", headers, "");

        assertNoCorsPermission(preflight, origin);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://evil.example", "null", "http://127.0.0.1:3000", "http://localhost"})
    void requestFromAWebPage_isAnsweredWithoutAccessControlAllowOrigin(String origin) throws IOException {
        RawHttp.Response list = RawHttp.dynamoDb(db.port(), "ListTables", "{}", Map.of("Origin", origin));

        assertEquals(200, list.status(), list.body());
        assertNoCorsPermission(list, origin);
    }

    @Test
    void simpleRequestFromAWebPage_withoutPreflight_changesNothing() throws IOException {
        // What a page can send with no preflight at all: a POST with only CORS-safelisted headers.
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Host", "127.0.0.1:" + db.port());
        headers.put("Origin", "http://evil.example");
        headers.put("Content-Type", "text/plain");

        RawHttp.Response answer = RawHttp.send(db.port(), "POST", headers, RawHttp.createTable("from-a-web-page"));

        assertTrue(answer.status() >= 400, answer.status() + " " + answer.body());
        assertNoCorsPermission(answer, "http://evil.example");
        RawHttp.Response list = RawHttp.dynamoDb(db.port(), "ListTables", "{}", Map.of());
        assertFalse(list.body().contains("from-a-web-page"), list.body());
    }

    @Test
    void theProbe_seesAnAllowedOrigin_soItsSilenceAboveMeansNoPermission() throws IOException {
        // Control: the same probes against a DynamoDB Local told to allow http://evil.example.
        try (DynamoDbLocal allowing = DynamoDbLocal.start(0, null, "http://evil.example")) {
            RawHttp.Response list = RawHttp.dynamoDb(allowing.port(), "ListTables", "{}",
                    Map.of("Origin", "http://evil.example"));

            assertEquals(List.of("http://evil.example"), list.header("Access-Control-Allow-Origin"), list.headers()::toString);
        }
    }

    private static void assertNoCorsPermission(RawHttp.Response answer, String origin) {
        List<String> allowOrigin = answer.header("Access-Control-Allow-Origin");
        assertFalse(allowOrigin.contains("*"), () -> "any page may read the answer: " + answer.headers());
        assertFalse(allowOrigin.contains(origin), () -> origin + " may read the answer: " + answer.headers());
        assertEquals(List.of(), allowOrigin, () -> "unexpected CORS permission: " + answer.headers());
        assertEquals(List.of(), answer.header("Access-Control-Allow-Credentials"), () -> answer.headers().toString());
    }
}
