package dev.gracekeys.core.ops;

import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.verify.Verifier;

import java.util.Locale;

/**
 * {@code rotate-secret}: Secrets Manager's four rotation steps for a client's delivery secret
 * (docs/design.md "Scheduled rotation"). A pending token verifies beside the current one from
 * {@code setSecret} on; {@code finishSecret} moves AWSCURRENT to it first and only then makes it the
 * client's current token, starting the old token's grace window. Each step is idempotent for its
 * rotation token (Secrets Manager retries steps).
 */
public final class SecretRotation {

    /** The steps, by the names Secrets Manager sends. */
    public enum Step {
        CREATE_SECRET("createSecret"), SET_SECRET("setSecret"), TEST_SECRET("testSecret"), FINISH_SECRET("finishSecret");

        private final String wireName;

        Step(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        /**
         * The step Secrets Manager names {@code s}.
         *
         * @throws ValidationException when it names none
         */
        public static Step fromWire(String s) {
            for (Step step : values()) {
                if (step.wireName.equals(s)) {
                    return step;
                }
            }
            throw new ValidationException("Step must be one of createSecret, setSecret, testSecret, finishSecret"
                    + " (Secrets Manager's rotation steps), got " + (s == null ? "none" : "'" + s.toLowerCase(Locale.ROOT)
                    .replaceAll("[^a-z]", "") + "'"));
        }
    }

    private final OpsContext ctx;
    private final RotationSecret secret;
    private final Verifier verifier;

    SecretRotation(OpsContext ctx, RotationSecret secret, Verifier verifier) {
        this.ctx = ctx;
        this.secret = secret;
        this.verifier = verifier;
    }

    /**
     * Runs one step for the rotation {@code rotationToken} (Secrets Manager's ClientRequestToken, the
     * id of the version being made) of the delivery secret {@code secretId}.
     *
     * @throws ValidationException                        when the secret is not a GraceKeys delivery
     *                                                    secret, or the version is not this rotation's
     * @throws dev.gracekeys.core.RotationTestFailedException when testSecret's verify does not allow the pending token
     * @throws TokenDeliveryException                     when Secrets Manager cannot be read or changed
     */
    public void run(Step step, String secretId, String rotationToken) {
        throw new UnsupportedOperationException("rotate-secret: not built yet");
    }
}
