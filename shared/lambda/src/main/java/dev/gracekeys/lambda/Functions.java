package dev.gracekeys.lambda;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The functions of DESIGN.md and their handler classes, as template.yaml names them (the template
 * contract test checks the template against the classes). Used where functions are run by name:
 * the local stack and the shaded-jar probes.
 */
public final class Functions {

    /** Function name → handler class name, in DESIGN.md's order. */
    public static final Map<String, String> HANDLERS;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("rotate", "dev.gracekeys.functions.rotate.RotateHandler");
        m.put("verify-authorizer", "dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler");
        m.put("revoke-old", "dev.gracekeys.functions.revokeold.RevokeOldHandler");
        m.put("describe", "dev.gracekeys.functions.describe.DescribeHandler");
        m.put("set-status", "dev.gracekeys.functions.setstatus.SetStatusHandler");
        m.put("backfill", "dev.gracekeys.functions.backfill.BackfillHandler");
        m.put("expire-sweep", "dev.gracekeys.functions.expiresweep.ExpireSweepHandler");
        m.put("rotate-secret", "dev.gracekeys.functions.rotatesecret.RotateSecretHandler");
        HANDLERS = java.util.Collections.unmodifiableMap(m);
    }

    private Functions() {
    }
}
