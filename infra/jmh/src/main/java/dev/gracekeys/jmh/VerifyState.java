package dev.gracekeys.jmh;

import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.model.TokenRecord;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenGenerator;
import dev.gracekeys.core.verify.Verifier;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * One client as the table holds it an hour after a rotation with the default 24 h grace: a current
 * token and a previous token still within its grace, both active. The real {@link Verifier} is
 * wired over an {@link InMemoryTokenLookup} the way {@code GraceKeys} wires it over DynamoDB: the
 * default settings, one pepper, no previous pepper (so no re-keying).
 *
 * <p>The tokens come from the production generator and their keys from the pepper's hasher, as
 * {@code TokenService} makes them. The clock is fixed, so every call sees the same instant and
 * takes the same path. The fields are not final and are read through this object on every call,
 * so the JIT cannot fold the inputs into constants.
 */
@State(Scope.Benchmark)
public class VerifyState {

    /** Where the fixed clock stands. */
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    static final String CLIENT_ID = "BENCH01";

    GraceKeysConfig config;
    InMemoryTokenLookup lookup;
    PepperRing peppers;
    Verifier verifier;
    /** In the client's current slot. */
    String currentToken;
    /** In the previous slot, expiring 23 h after {@link #NOW}. */
    String previousToken;
    /** Well formed, checksum right, but never stored. */
    String unknownToken;
    /** The current token with one character changed: a typo, caught by the checksum. */
    String malformedToken;
    /** What the verifier classifies a well-formed token as (the input of the HMAC floor). */
    TokenFormat.Kind kind;

    @Setup(Level.Trial)
    public void setUp() {
        config = GraceKeysConfig.defaults("gracekeys-jmh");
        TokenFormat format = config.tokenFormat();
        byte[] pepper = new byte[48]; // fresh per run: never a secret in code, never printed
        new SecureRandom().nextBytes(pepper);
        peppers = PepperRing.fixed(Pepper.of(pepper));
        lookup = new InMemoryTokenLookup();
        verifier = verifierWith(Metrics.NONE);

        TokenGenerator generator = new SecureTokenGenerator(format);
        Instant rotatedAt = NOW.minus(Duration.ofHours(1));
        currentToken = store(generator, TokenSlot.CURRENT, rotatedAt, null);
        previousToken = store(generator, TokenSlot.PREVIOUS, rotatedAt.minus(Duration.ofDays(30)),
                rotatedAt.plus(config.defaultGrace()));
        unknownToken = generator.next().value();
        malformedToken = withOneCharChanged(currentToken, format.prefix().length());
        kind = format.classify(currentToken);
    }

    /** A verifier over this state's store and pepper, recording through {@code metrics}. */
    Verifier verifierWith(Metrics metrics) {
        return Verifier.builder().lookup(lookup).peppers(peppers).config(config)
                .clock(Clock.fixed(NOW, ZoneOffset.UTC)).metrics(metrics).build();
    }

    private String store(TokenGenerator generator, TokenSlot slot, Instant createdAt, Instant expiresAt) {
        var issued = generator.next();
        lookup.put(new TokenRecord(peppers.view().current().keyOfToken(issued.value()), CLIENT_ID, issued.tokenId(), slot,
                true, createdAt, expiresAt, null));
        return issued.value();
    }

    private static String withOneCharChanged(String token, int at) {
        char c = token.charAt(at);
        return token.substring(0, at) + (c == 'a' ? 'b' : 'a') + token.substring(at + 1);
    }
}
