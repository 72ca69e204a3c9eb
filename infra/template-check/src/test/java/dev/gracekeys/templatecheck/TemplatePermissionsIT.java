package dev.gracekeys.templatecheck;

import dev.gracekeys.core.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each function's IAM statements in the template against the AWS requests its code really makes
 * while it handles its sample events (recorded by an SDK interceptor, mapped to IAM actions and
 * resources by {@link AwsCallRecorder}): every request is allowed, and, for DynamoDB, every
 * action granted on every resource is one the function was seen to use.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class TemplatePermissionsIT {

    /** The bucket events/backfill/s3.json reads, passed as BackfillBucketName so the grant exists. */
    private static final String IMPORT_BUCKET = "gracekeys-import";

    /**
     * DynamoDB grants a function may hold although its sample runs never use them, as
     * {@code "<LogicalId> <action>"} with the reason. None today: the samples in {@link Lambda} take
     * every path that reaches DynamoDB, so each grant is seen in use.
     */
    static final Map<String, String> GRANTED_BUT_NOT_EXERCISED = Map.of();

    @ParameterizedTest
    @EnumSource(Lambda.class)
    void everyRequestIsGranted_andEveryDynamoDbGrantIsUsed(Lambda lambda, TestTable table) throws Exception {
        Deployment.Function function = Template.load()
                .deploy(table.name(), Map.of("BackfillBucketName", IMPORT_BUCKET))
                .function(lambda.logicalId());
        List<AwsCallRecorder.Call> calls;
        try (FunctionRun run = FunctionRun.start(function, table, lambda.readsS3())) {
            lambda.exercise(run);
            calls = run.calls();
        }
        assertTrue(calls.stream().anyMatch(c -> c.action().startsWith("dynamodb:")), "no DynamoDB request was seen");

        Set<String> denied = new TreeSet<>();
        for (AwsCallRecorder.Call call : calls) {
            if (!function.policy().allows(call.action(), call.resource())) {
                denied.add(call.toString());
            }
        }
        assertEquals(Set.of(), denied, function.logicalId() + " makes these requests, but its policy does not allow them");

        Set<String> unused = new TreeSet<>();
        for (IamPolicy.Statement statement : function.policy().statements()) {
            for (String action : statement.actions()) {
                if (!IamPolicy.service(action).equals("dynamodb")) {
                    continue;
                }
                for (String resource : statement.resources()) {
                    assertFalse(IamPolicy.hasWildcard(action) || IamPolicy.hasWildcard(resource),
                            function.logicalId() + ": name DynamoDB actions and resources exactly, not " + action
                                    + " on " + resource);
                    boolean used = calls.stream().anyMatch(c -> c.action().equalsIgnoreCase(action)
                            && c.resource().equals(resource));
                    if (!used && !GRANTED_BUT_NOT_EXERCISED.containsKey(function.logicalId() + " " + action)) {
                        unused.add(action + " on " + resource);
                    }
                }
            }
        }
        assertEquals(Set.of(), unused, function.logicalId() + " is granted these but never used them: remove them,"
                + " or list them in GRANTED_BUT_NOT_EXERCISED with the reason");

        // No grant on a service the function never calls; Secrets Manager is the exception, because
        // here the pepper comes inline (PEPPER) and the next test checks that grant on its own.
        Set<String> called = new TreeSet<>(Set.of("secretsmanager"));
        calls.forEach(c -> called.add(IamPolicy.service(c.action())));
        for (IamPolicy.Statement statement : function.policy().statements()) {
            statement.actions().forEach(a -> assertTrue(called.contains(IamPolicy.service(a)),
                    function.logicalId() + " is granted " + a + " but calls no " + IamPolicy.service(a)));
        }
    }

    /** Every function reads the pepper at start-up: GetSecretValue on that one secret, nothing else. */
    @ParameterizedTest
    @EnumSource(Lambda.class)
    void everyFunction_mayReadThePepperSecret_andNoOtherSecret(Lambda lambda) {
        IamPolicy policy = Template.load().deploy("gracekeys-table", Map.of()).function(lambda.logicalId()).policy();
        assertTrue(policy.allows("secretsmanager:GetSecretValue", Template.PEPPER_SECRET_ARN));
        assertFalse(policy.allows("secretsmanager:GetSecretValue",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:another-AbCdEf"));
        for (IamPolicy.Statement statement : policy.statements()) {
            for (String action : statement.actions()) {
                if (IamPolicy.service(action).equals("secretsmanager")) {
                    assertEquals("secretsmanager:GetSecretValue", action, lambda.logicalId());
                }
            }
        }
    }

    /** No statement of any function applies to every resource. */
    @ParameterizedTest
    @EnumSource(Lambda.class)
    void noStatement_grantsOnEveryResource(Lambda lambda) {
        IamPolicy policy = Template.load().deploy("gracekeys-table", Map.of("BackfillBucketName", IMPORT_BUCKET))
                .function(lambda.logicalId()).policy();
        for (IamPolicy.Statement statement : policy.statements()) {
            assertFalse(statement.resources().contains("*"), lambda.logicalId() + ": " + statement);
        }
    }

    /**
     * Backfill reads S3 only when BackfillBucketName names a bucket, and then only that bucket's
     * objects; with the default (empty) it has no S3 access at all.
     */
    @Test
    void backfill_readsOnlyTheImportBucketsObjects_andNoS3WithoutOne() {
        Template template = Template.load();
        String object = "arn:aws:s3:::" + IMPORT_BUCKET + "/legacy-keys.jsonl";

        IamPolicy byDefault = template.deploy("gracekeys-table", Map.of()).function(Lambda.BACKFILL.logicalId()).policy();
        assertFalse(byDefault.allows("s3:GetObject", object));
        assertTrue(byDefault.statements().stream().flatMap(s -> s.actions().stream())
                .noneMatch(a -> IamPolicy.service(a).equals("s3")), "S3 granted without a bucket");

        IamPolicy withBucket = template.deploy("gracekeys-table", Map.of("BackfillBucketName", IMPORT_BUCKET))
                .function(Lambda.BACKFILL.logicalId()).policy();
        assertTrue(withBucket.allows("s3:GetObject", object));
        assertFalse(withBucket.allows("s3:GetObject", "arn:aws:s3:::another-bucket/legacy-keys.jsonl"));
        assertFalse(withBucket.allows("s3:PutObject", object));
        assertFalse(withBucket.allows("s3:ListBucket", "arn:aws:s3:::" + IMPORT_BUCKET));
    }
}
