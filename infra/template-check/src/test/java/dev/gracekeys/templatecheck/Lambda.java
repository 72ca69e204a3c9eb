package dev.gracekeys.templatecheck;

import dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler;
import dev.gracekeys.functions.backfill.BackfillHandler;
import dev.gracekeys.functions.describe.DescribeHandler;
import dev.gracekeys.functions.expiresweep.ExpireSweepHandler;
import dev.gracekeys.functions.revokeold.RevokeOldHandler;
import dev.gracekeys.functions.rotate.RotateHandler;
import dev.gracekeys.functions.setstatus.SetStatusHandler;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The seven functions of DESIGN.md, their handler classes, and what a contract run does with each:
 * its sample events from {@code events/<name>/}, chosen so that together they take every path
 * that reaches AWS (each kind of write in a transaction, each index, S3), since the checks are
 * only as good as the calls they see. Each run asserts its outcome, so a run that failed early
 * cannot pass for one that made no calls.
 */
enum Lambda {

    VERIFY_AUTHORIZER("verify-authorizer", VerifyAuthorizerHandler.class) {
        @Override
        void exercise(FunctionRun run) {
            run.kit.seedSamples();
            // An allow reads the token item and writes its last use (none recorded yet).
            assertEquals(true, run.invoke("verify-authorizer/http-v2-current.json").get("isAuthorized"));
            assertEquals(true, run.invoke("verify-authorizer/http-v2-previous.json").get("isAuthorized"));
            assertEquals(false, run.invoke("verify-authorizer/http-v2-expired-previous.json").get("isAuthorized"));
        }
    },

    ROTATE("rotate", RotateHandler.class) {
        @Override
        void exercise(FunctionRun run) {
            run.invoke("rotate/create.json");                                  // puts client and token
            assertEquals("SAMPLE01", run.invoke("rotate/rotate.json").get("clientId")); // + moves current
            assertEquals(null, run.invoke("rotate/rotate-revoke-at-once.json").get("previous")); // + deletes
        }
    },

    REVOKE_OLD("revoke-old", RevokeOldHandler.class) {
        @Override
        void exercise(FunctionRun run) {
            run.kit.seedSamples();
            assertEquals(false, run.invoke("revoke-old/reschedule.json").get("revoked")); // updates the item
            assertEquals(true, run.invoke("revoke-old/revoke-now.json").get("revoked"));  // deletes it
        }
    },

    DESCRIBE("describe", DescribeHandler.class) {
        @Override
        void exercise(FunctionRun run) {
            run.kit.seedSamples();
            assertEquals("SAMPLE01", run.invoke("describe/client.json").get("clientId"));
            assertEquals(2, ((java.util.List<?>) run.invoke("describe/list.json").get("clients")).size());
        }
    },

    SET_STATUS("set-status", SetStatusHandler.class) {
        @Override
        void exercise(FunctionRun run) {
            run.kit.seedSamples();
            assertEquals(false, run.invoke("set-status/deactivate.json").get("active"));
            // Past SAMPLE01's 24 h grace, reactivating also deletes the previous token that expired.
            run.kit.clock.advance(Duration.ofHours(25));
            assertEquals(true, run.invoke("set-status/reactivate.json").get("active"));
        }
    },

    BACKFILL("backfill", BackfillHandler.class) {
        @Override
        void exercise(FunctionRun run) {
            assertEquals(1, run.invoke("backfill/dry-run.json").get("imported"));
            assertEquals(2, run.invoke("backfill/records.json").get("imported"));
            Map<String, Object> fromS3 = run.invoke("backfill/s3.json"); // the loopback S3's two records
            assertEquals(2, fromS3.get("imported"), () -> "s3 import: " + fromS3);
        }

        @Override
        boolean readsS3() {
            return true;
        }
    },

    EXPIRE_SWEEP("expire-sweep", ExpireSweepHandler.class) {
        @Override
        void exercise(FunctionRun run) {
            run.kit.seedSamples(); // SAMPLE02's previous token has expired; SAMPLE01's expires within 24 h
            Map<String, Object> swept = run.invoke("expire-sweep/scheduled.json");
            assertEquals(1, swept.get("expired"), () -> "sweep: " + swept);
            assertEquals(1, swept.get("expiringSoon"), () -> "sweep: " + swept);
            assertEquals(0, run.invoke("expire-sweep/empty.json").get("expired"));
        }
    };

    /** The function's name in DESIGN.md, of its module under functions/, and of its jar. */
    final String lambdaName;
    final Class<?> handlerClass;

    Lambda(String lambdaName, Class<?> handlerClass) {
        this.lambdaName = lambdaName;
        this.handlerClass = handlerClass;
    }

    /** Invokes the function's samples; assertions inside fail the test if one did not do its job. */
    abstract void exercise(FunctionRun run);

    /** Whether a run needs the loopback S3. */
    boolean readsS3() {
        return false;
    }

    /** rotate to RotateFunction, verify-authorizer to VerifyAuthorizerFunction. */
    String logicalId() {
        StringBuilder id = new StringBuilder();
        for (String part : lambdaName.split("-")) {
            id.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
        }
        return id.append("Function").toString();
    }

    /** The jar {@code ./mvnw package} builds, which the template's CodeUri must name. */
    String codeUri() {
        return "functions/" + lambdaName + "/target/" + lambdaName + ".jar";
    }
}
