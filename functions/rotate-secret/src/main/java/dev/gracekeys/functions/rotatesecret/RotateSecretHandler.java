package dev.gracekeys.functions.rotatesecret;

import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.ops.SecretRotation;
import dev.gracekeys.lambda.OpsFunction;
import dev.gracekeys.lambda.Payload;
import io.micronaut.context.ApplicationContextBuilder;
import jakarta.inject.Inject;

import java.util.regex.Pattern;

/**
 * {@code rotate-secret}: the rotation function Secrets Manager calls, four times per rotation of a
 * client's delivery secret, with {@code {"Step","SecretId","ClientRequestToken"}} (its own names;
 * it may add {@code "RotationToken"}, which only cross-account rotation uses, and which is accepted
 * and not read). {@code Step} is {@code createSecret}, {@code setSecret}, {@code testSecret} or
 * {@code finishSecret}; {@code ClientRequestToken} is the id of the version being made. Answers
 * nothing ({@code null}): Secrets Manager reads only whether the step failed. docs/operations.md,
 * "Scheduled rotation".
 */
public class RotateSecretHandler extends OpsFunction {

    /** A secret's name or ARN, as Secrets Manager allows them (names: letters, digits, /_+=.@-). */
    private static final Pattern SECRET_ID = Pattern.compile("[A-Za-z0-9/_+=.@:-]{1,2048}");
    /** Secrets Manager's ClientRequestToken: 32 to 64 characters (a UUID from the CLI and SDKs). */
    private static final Pattern VERSION_ID = Pattern.compile("[A-Za-z0-9._-]{32,64}");

    @Inject
    SecretRotation rotation;

    public RotateSecretHandler() {
    }

    public RotateSecretHandler(ApplicationContextBuilder builder) {
        super(builder);
    }

    @Override
    protected Object handle(Object input) {
        // Lenient: Secrets Manager's event has grown fields before (RotationToken); one more must not
        // fail every rotation. Only the three fields read here are checked.
        Payload p = Payload.lenient(input);
        SecretRotation.Step step = SecretRotation.Step.fromWire(p.string("Step"));
        String secretId = required(p, "SecretId", SECRET_ID,
                "the name or ARN of the client's delivery secret (letters, digits and /_+=.@:-, at most 2048)");
        String token = required(p, "ClientRequestToken", VERSION_ID,
                "the id of the version this rotation makes (32 to 64 letters, digits and ._-, e.g. a UUID)");
        rotation.run(step, secretId, token);
        return null;
    }

    private static String required(Payload p, String name, Pattern shape, String what) {
        String v = p.string(name);
        if (v == null || v.isEmpty()) {
            throw new ValidationException(name + " is required: " + what);
        }
        if (!shape.matcher(v).matches()) {
            throw new ValidationException(name + " must be " + what);
        }
        return v;
    }
}
