package dev.gracekeys.local;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --aws-endpoint}: an http(s) URL on this machine, or refused with what would do. */
class AwsEndpointOptionTest {

    @Test
    void awsEndpoint_isOffByDefault_andReadFromTheCommandLine() {
        assertNull(LocalOptions.parse().awsEndpoint());
        assertNull(LocalOptions.defaults().awsEndpoint());
        LocalOptions options = LocalOptions.parse("--aws-endpoint", "http://127.0.0.1:5000", "--in-memory");
        assertEquals(URI.create("http://127.0.0.1:5000"), options.awsEndpoint());
        assertEquals(new LocalOptions(Path.of(".gracekeys"), true, 8000, 3001, 3000, 0, false)
                .withAwsEndpoint(URI.create("http://127.0.0.1:5000")), options);
        assertEquals(URI.create("http://127.0.0.1:5000"),
                options.withIdentitySource("x-api-key").withAuthorizerInstances(2).awsEndpoint(), "kept by the withers");
    }

    @Test
    void loopbackUrls_areAccepted_andNormalized() {
        assertEquals(URI.create("http://127.0.0.1:5000"), LocalOptions.awsEndpoint("http://127.0.0.1:5000/"));
        assertEquals(URI.create("http://localhost:4566"), LocalOptions.awsEndpoint(" http://localhost:4566 "));
        assertEquals(URI.create("https://[::1]:4566"), LocalOptions.awsEndpoint("HTTPS://[::1]:4566"));
        assertEquals(URI.create("http://127.10.20.30"), LocalOptions.awsEndpoint("http://127.10.20.30"));
    }

    @Test
    void anythingOffThisMachine_isRefused_sayingWhy() {
        for (String elsewhere : new String[] {"http://example.com:5000", "http://10.0.0.1:5000", "http://0.0.0.0:5000",
                "https://secretsmanager.us-east-1.amazonaws.com", "http://[2001:db8::1]:5000", "http://127.0.0.1.nip.io:5000",
                "http://169.254.169.254"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LocalOptions.awsEndpoint(elsewhere),
                    elsewhere);
            assertTrue(e.getMessage().contains("must be on this machine"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LocalOptions.parse("--aws-endpoint", "http://example.com"))
                .getMessage().contains("got host 'example.com'"));
    }

    @Test
    void notAnHttpUrl_isRefused_withAnExample() {
        for (String bad : new String[] {"127.0.0.1:5000", "localhost:5000", "ftp://127.0.0.1:5000", "http//127.0.0.1",
                "http://127.0.0.999:5000", "not a url", "http://user:pw@127.0.0.1:5000", "http://127.0.0.1:5000/path",
                "http://127.0.0.1:5000/?x=1", "http://127.0.0.1:5000/#top"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LocalOptions.awsEndpoint(bad), bad);
            assertTrue(e.getMessage().startsWith("--aws-endpoint"), e.getMessage());
            assertTrue(e.getMessage().contains("http://127.0.0.1:5000"), "names an example: " + e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LocalOptions.parse("--aws-endpoint"))
                .getMessage().contains("needs a value"));
        assertThrows(IllegalArgumentException.class, () -> LocalOptions.defaults().withAwsEndpoint(URI.create("http://10.1.1.1")),
                "the record checks too, not only the parser");
    }

    @Test
    void usage_explainsTheOption_andTheSettingsItHonours() {
        assertTrue(LocalOptions.USAGE.contains("--aws-endpoint URL"));
        assertTrue(LocalOptions.USAGE.contains("PEPPER_SECRET_ID"));
        assertTrue(LocalOptions.USAGE.contains("EVENT_BUS_NAME"));
    }
}
