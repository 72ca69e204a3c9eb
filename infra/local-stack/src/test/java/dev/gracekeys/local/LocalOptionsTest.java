package dev.gracekeys.local;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class LocalOptionsTest {

    @Test
    void defaults_areTheDesignsPorts() {
        assertEquals(new LocalOptions(Path.of(".gracekeys"), false, 8000, 3001, 3000, 0, false), LocalOptions.parse());
    }

    @Test
    void everyOption_isRead() {
        assertEquals(new LocalOptions(Path.of("/tmp/x"), true, 18000, 13001, 13000, 60, true, "x-api-key", 4),
                LocalOptions.parse("--data-dir", "/tmp/x", "--in-memory", "--dynamodb-port", "18000", "--lambda-port",
                        "13001", "--http-port", "13000", "--authorizer-ttl", "60", "--clock-control",
                        "--identity-source", "X-API-KEY", "--authorizer-instances", "4"));
        assertEquals("$request.header.x-api-key", LocalOptions.parse("--identity-source", "x-api-key").identitySourceSetting());
        assertEquals("$request.header.Authorization", LocalOptions.parse().identitySourceSetting());
    }

    @Test
    void help_isNull_andMistakesSayWhatToFix() {
        assertNull(LocalOptions.parse("--help"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LocalOptions.parse("--http-port", "http"))
                .getMessage().contains("--http-port takes a whole number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LocalOptions.parse("--lambda-port"))
                .getMessage().contains("needs a value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LocalOptions.parse("--verbose"))
                .getMessage().contains("see --help"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LocalOptions.parse("--identity-source", "cookie"))
                .getMessage().contains("authorization or x-api-key"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LocalOptions.parse("--authorizer-instances", "0"))
                .getMessage().contains("1..16"));
    }

    /** Issue 12: --in-memory does not keep the pepper and events in memory; --help says so and how to avoid it. */
    @Test
    void help_saysWhatInMemoryStillWritesToTheDataFolder() {
        String help = LocalOptions.USAGE.replaceAll("\\s+", " ");
        assertTrue(help.contains("--in-memory keep DynamoDB's data in memory (gone when the stack stops); the generated"
                + " pepper and events.jsonl still go to the data folder"), help);
        assertTrue(help.contains("--data-dir \"$(mktemp -d)\""), help);
    }

    @Test
    void functionNames_fromPlainQualifiedOrArnForm() {
        assertEquals("rotate", LambdaInvokeApi.functionName("rotate"));
        assertEquals("rotate", LambdaInvokeApi.functionName("rotate:live"));
        assertEquals("revoke-old", LambdaInvokeApi.functionName("arn:aws:lambda:us-east-1:123456789012:function:revoke-old:live"));
    }
}
