package dev.gracekeys.functions.authorizer;

import dev.gracekeys.core.verify.Verdict;
import dev.gracekeys.core.verify.Verifier;
import dev.gracekeys.lambda.EarlyDynamoDb;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.MicronautRequestHandler;
import jakarta.inject.Inject;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.Map;

/**
 * {@code verify-authorizer}: the Lambda authorizer API Gateway calls on every push. The input is
 * taken as any JSON value, so no event, however malformed, fails before this code runs; and this
 * code never throws: whatever goes wrong, it denies.
 *
 * <p>With SnapStart, the handler primes itself before the snapshot ({@link #beforeCheckpoint}), so a
 * restored container serves its first push with the verify path already loaded and compiled.
 */
public class VerifyAuthorizerHandler extends MicronautRequestHandler<Object, Map<String, Object>>
        implements Resource {

    private static final Logger LOG = LoggerFactory.getLogger(VerifyAuthorizerHandler.class);

    static {
        // Lambda loads this class, then constructs it: the DynamoDB client is built meanwhile.
        EarlyDynamoDb.start();
    }

    @Inject
    Verifier verifier;

    @Inject
    IdentitySource identitySource;

    /** As Lambda constructs it: registered for SnapStart's checkpoint. */
    public VerifyAuthorizerHandler() {
        // The global context keeps resources by weak reference; Lambda keeps the handler alive.
        Core.getGlobalContext().register(this);
    }

    public VerifyAuthorizerHandler(ApplicationContextBuilder builder) {
        super(builder);
    }

    /**
     * The base class converts any input that is not an instance of the input type, and throws on
     * {@code null} ("Unconvertible input"). Every value is an Object except null: pass it on, and
     * let {@link #execute} deny it like any other garbage.
     */
    @Override
    protected Object convertInput(Object input) {
        return input;
    }

    @Override
    public Map<String, Object> execute(Object event) {
        AuthorizerProtocol.Request request = new AuthorizerProtocol.Request(false, null, null);
        try {
            request = AuthorizerProtocol.parse(event, identitySource);
            // No token at all is malformed: the verifier denies it without a read, and counts it
            // (one decision and one EMF line per invocation).
            // The verify's own metric line carries clientId and tokenId; nothing logs after it.
            Verdict verdict = verifier.verify(request.token());
            if (!verdict.allowed()) {
                LOG.debug("denied: {}", verdict.reason());
            }
            return AuthorizerProtocol.respond(request, verdict);
        } catch (RuntimeException | Error e) {
            LOG.warn("authorizer failed closed: {}", e.getClass().getSimpleName());
            return AuthorizerProtocol.respond(request, Verdict.deny(Verdict.DenyReason.STORE_UNAVAILABLE));
        } finally {
            MDC.clear(); // the next invocation starts with none of this one's client
        }
    }

    /**
     * SnapStart priming, run once when Lambda snapshots a published version: one whole invocation
     * with a well-formed token no client holds ({@link Verifier#primingToken()}), through the same
     * code as every push — event parsing, the token's HMAC, one real GetItem (of a key under which
     * nothing is stored), the response. The snapshot then holds the classes of that path loaded and
     * initialised, the SDK's request pipeline, signer and JSON (un)marshallers warmed, and the
     * endpoint and credentials resolved, instead of every restored container paying for them on
     * its first push. It can only be denied, reads nothing secret and writes nothing. It never
     * fails the snapshot: an unreachable table is a deny like any other.
     */
    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        prime();
    }

    /**
     * Nothing to redo: what the snapshot holds stays valid or renews itself. The pepper ring re-reads
     * its secret once its refresh interval has passed on the wall clock, which has moved on since the
     * snapshot; pooled HTTP connections idle longer than their keep-alive are dropped, not reused, and
     * the SDK retries a request on a fresh connection; DNS answers expire by time. The verifier holds
     * no random state to re-seed.
     */
    @Override
    public void afterRestore(Context<? extends Resource> context) {
    }

    /** The priming invocation; returns its (deny) response, for tests. */
    Map<String, Object> prime() {
        long started = System.nanoTime();
        Map<String, Object> event = Map.of(
                "version", "2.0", "type", "REQUEST",
                "routeArn", "arn:aws:execute-api:us-east-1:000000000000:priming/$default/POST/push",
                "headers", Map.of(identitySource.header(), (identitySource == IdentitySource.AUTHORIZATION ? "Bearer " : "")
                        + verifier.primingToken()));
        Map<String, Object> response = handleRequest(event, null);
        LOG.info("primed the verify path in {} ms", (System.nanoTime() - started) / 1_000_000);
        return response;
    }
}
