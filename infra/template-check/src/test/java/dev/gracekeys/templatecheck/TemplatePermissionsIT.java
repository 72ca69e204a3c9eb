package dev.gracekeys.templatecheck;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each function's IAM statements in the template against the AWS requests its code really makes
 * while it handles its sample events (recorded by an SDK interceptor, mapped to IAM actions and
 * resources by {@link AwsCallRecorder}): every request is allowed, and every action granted on every
 * resource is one the function was seen to use (the pepper's GetSecretValue apart: here the pepper
 * comes inline, and a test of its own checks that grant).
 */
@ExtendWith(DynamoDbLocalExtension.class)
class TemplatePermissionsIT {

    /** The bucket events/backfill/s3.json reads, passed as BackfillBucketName so the grant exists. */
    private static final String IMPORT_BUCKET = "gracekeys-import";

    /** A secret under the default DeliverySecretsPrefix, and one outside it, as real ARNs look. */
    private static final String DELIVERY_SECRET_ARN = AwsCallRecorder.secretArn(Template.REGION, Lambda.DELIVERY_SECRET);
    private static final String OTHER_SECRET_ARN = AwsCallRecorder.secretArn(Template.REGION, "another/secret");

    private static final Set<String> DELIVERY_ACTIONS = Set.of("secretsmanager:PutSecretValue",
            "secretsmanager:DescribeSecret", "secretsmanager:UpdateSecretVersionStage");

    /**
     * Grants a function may hold although its sample runs never use them, as
     * {@code "<LogicalId> <action>"} with the reason. None today: the samples in {@link Lambda} take
     * every path that reaches AWS, so each grant is seen in use.
     */
    static final Map<String, String> GRANTED_BUT_NOT_EXERCISED = Map.of();

    @ParameterizedTest
    @EnumSource(Lambda.class)
    void everyRequestIsGranted_andEveryGrantIsUsed(Lambda lambda, TestTable table) throws Exception {
        Deployment.Function function = Template.load()
                .deploy(table.name(), Map.of("BackfillBucketName", IMPORT_BUCKET, "LegacyKeyPattern", Lambda.SAMPLE_LEGACY_KEYS))
                .function(lambda.logicalId());
        List<AwsCallRecorder.Call> calls;
        try (FunctionRun run = FunctionRun.start(lambda, function, table)) {
            lambda.exercise(run);
            calls = run.calls();
            assertEquals(List.of(), run.aws().unknown(), "requests the loopback AWS does not serve");
        }
        assertTrue(calls.stream().anyMatch(c -> c.action().startsWith("dynamodb:")), "no DynamoDB request was seen");

        Set<String> denied = new TreeSet<>();
        for (AwsCallRecorder.Call call : calls) {
            if (!function.policy().allows(call)) {
                denied.add(call.toString());
            }
        }
        assertEquals(Set.of(), denied, function.logicalId() + " makes these requests, but its policy does not allow them");

        Set<String> unused = new TreeSet<>();
        for (IamPolicy.Statement statement : function.policy().statements()) {
            if (!statement.allow()) {
                continue; // a Deny grants nothing
            }
            for (String action : statement.actions()) {
                String service = IamPolicy.service(action);
                for (String resource : statement.resources()) {
                    if (service.equals("dynamodb") || service.equals("events")) {
                        assertFalse(IamPolicy.hasWildcard(action) || IamPolicy.hasWildcard(resource),
                                function.logicalId() + ": name " + service + " actions and resources exactly, not "
                                        + action + " on " + resource);
                    }
                    if (action.equals("secretsmanager:GetSecretValue") && resource.equals(Template.PEPPER_SECRET_ARN)) {
                        continue; // the pepper comes inline here: onlyFunctionsThatHash_mayReadThePepperSecret...
                    }
                    boolean used = calls.stream().anyMatch(c -> IamPolicy.glob(action, c.action(), true)
                            && IamPolicy.glob(resource, c.resource(), false)
                            && statement.conditions().stream().allMatch(k -> k.holds(c.context())));
                    if (!used && !GRANTED_BUT_NOT_EXERCISED.containsKey(function.logicalId() + " " + action)) {
                        unused.add(action + " on " + resource);
                    }
                }
            }
        }
        assertEquals(Set.of(), unused, function.logicalId() + " is granted these but never used them: remove them,"
                + " or list them in GRANTED_BUT_NOT_EXERCISED with the reason");
    }

    /**
     * The six functions that publish put their events, through the production EventBridge publisher,
     * on the stack's bus (EVENT_BUS_NAME is Ref EventBus), with source gracekeys and the event's name
     * as detail-type; they may PutEvents on that bus only. The authorizer and describe publish
     * nothing, get no EVENT_BUS_NAME and no events grant.
     */
    @ParameterizedTest
    @EnumSource(Lambda.class)
    void publishingFunctions_putTheirEventsOnTheStacksBusOnly(Lambda lambda, TestTable table) throws Exception {
        Deployment.Function function = Template.load()
                .deploy(table.name(), Map.of("BackfillBucketName", IMPORT_BUCKET, "LegacyKeyPattern", Lambda.SAMPLE_LEGACY_KEYS))
                .function(lambda.logicalId());
        List<ContractAws.Event> events;
        List<AwsCallRecorder.Call> calls;
        try (FunctionRun run = FunctionRun.start(lambda, function, table)) {
            lambda.exercise(run);
            events = run.aws().events();
            calls = run.calls();
        }
        Set<String> buses = calls.stream().filter(c -> c.action().equals("events:PutEvents"))
                .map(AwsCallRecorder.Call::resource).collect(Collectors.toSet());
        IamPolicy policy = function.policy();
        if (lambda.publishes.isEmpty()) {
            assertEquals(List.of(), events, lambda.logicalId() + " publishes nothing");
            assertFalse(function.environment().containsKey("EVENT_BUS_NAME"), lambda.logicalId());
            assertTrue(policy.statements().stream().flatMap(s -> s.actions().stream())
                    .noneMatch(a -> IamPolicy.service(a).equals("events")), lambda.logicalId() + " needs no events grant");
            return;
        }
        assertEquals(Template.EVENT_BUS_NAME, function.environment().get("EVENT_BUS_NAME"), lambda.logicalId());
        Set<String> types = events.stream().map(ContractAws.Event::detailType).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(types.containsAll(lambda.publishes), lambda.logicalId() + " published " + types
                + ", expected at least " + lambda.publishes);
        assertTrue(DOMAIN_EVENTS.containsAll(types), "not DESIGN.md's events: " + types);
        for (ContractAws.Event e : events) {
            assertEquals(Template.EVENT_BUS_NAME, e.eventBusName(), e.toString());
            assertEquals(DomainEvent.SOURCE, e.source(), e.toString());
            assertTrue(e.detail() != null && e.detail().isObject(), "detail is a JSON object: " + e);
            assertFalse(LONG_RUN.matcher(e.detail().toString()).find(), "a token or hash in an event: " + e);
        }
        assertEquals(Set.of(Template.EVENT_BUS_ARN), buses, lambda.logicalId() + " PutEvents");
        assertTrue(policy.allows("events:PutEvents", Template.EVENT_BUS_ARN));
        assertFalse(policy.allows("events:PutEvents", AwsCallRecorder.eventBusArn(Template.REGION, null)),
                "the default bus");
        assertFalse(policy.allows("events:PutEvents", AwsCallRecorder.eventBusArn(Template.REGION, "another-bus")));
    }

    /** DESIGN.md's seven events. */
    private static final Set<String> DOMAIN_EVENTS = Set.of(DomainEvent.CLIENT_CREATED, DomainEvent.TOKEN_ROTATED,
            DomainEvent.PREVIOUS_TOKEN_REVOKED, DomainEvent.PREVIOUS_TOKEN_EXPIRED,
            DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON, DomainEvent.CLIENT_STATUS_CHANGED, DomainEvent.BACKFILL_COMPLETED);

    /** A token (56 characters after its prefix) or a hash (43 of base64url) in an event's text. */
    private static final Pattern LONG_RUN = Pattern.compile("[A-Za-z0-9_-]{40,}");

    /**
     * rotate delivers with exactly three actions, PutSecretValue, DescribeSecret and
     * UpdateSecretVersionStage, on the secrets under DeliverySecretsPrefix and no others, never reads
     * them back, and may never write the pepper whatever the prefix. Its run delivers to
     * {@value Lambda#DELIVERY_SECRET}, and those are the Secrets Manager calls it makes.
     */
    @Test
    void rotate_writesDeliverySecretsUnderThePrefixOnly(TestTable table) throws Exception {
        Template template = Template.load();
        Deployment.Function rotate = template.deploy(table.name(), Map.of()).function(Lambda.ROTATE.logicalId());
        Set<String> secretsCalls;
        try (FunctionRun run = FunctionRun.start(Lambda.ROTATE, rotate, table)) {
            Lambda.ROTATE.exercise(run);
            secretsCalls = run.calls().stream().filter(c -> c.action().startsWith("secretsmanager:"))
                    .map(c -> c.action() + " on " + c.resource()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(DELIVERY_ACTIONS.stream().map(a -> a + " on " + DELIVERY_SECRET_ARN)
                .collect(Collectors.toCollection(TreeSet::new)), secretsCalls);

        IamPolicy policy = rotate.policy();
        for (String action : DELIVERY_ACTIONS) {
            assertTrue(policy.allows(action, DELIVERY_SECRET_ARN), action);
            assertFalse(policy.allows(action, OTHER_SECRET_ARN), action + " outside the prefix");
        }
        assertFalse(policy.allows("secretsmanager:GetSecretValue", DELIVERY_SECRET_ARN), "rotate must not read tokens back");
        assertFalse(policy.allows("secretsmanager:CreateSecret", DELIVERY_SECRET_ARN), "ops create delivery secrets");
        assertFalse(policy.allows("secretsmanager:PutSecretValue", Template.PEPPER_SECRET_ARN));

        // The grant follows the parameter, and even a prefix that covers the pepper's name cannot write it.
        IamPolicy acme = template.deploy(table.name(), Map.of("DeliverySecretsPrefix", "acme/"))
                .function(Lambda.ROTATE.logicalId()).policy();
        assertTrue(acme.allows("secretsmanager:PutSecretValue", AwsCallRecorder.secretArn(Template.REGION, "acme/fleet")));
        assertFalse(acme.allows("secretsmanager:PutSecretValue", DELIVERY_SECRET_ARN));
        IamPolicy careless = template.deploy(table.name(), Map.of("DeliverySecretsPrefix", "Pepper"))
                .function(Lambda.ROTATE.logicalId()).policy();
        assertFalse(careless.allows("secretsmanager:PutSecretValue", Template.PEPPER_SECRET_ARN));
        assertFalse(careless.allows("secretsmanager:UpdateSecretVersionStage", Template.PEPPER_SECRET_ARN));

        // The parameter rejects an empty prefix, which would cover every secret of the account.
        String pattern = (String) template.parameter("DeliverySecretsPrefix").get("AllowedPattern");
        assertFalse("".matches(pattern));
        assertTrue(((String) template.parameter("DeliverySecretsPrefix").get("Default")).matches(pattern));
        assertTrue(Lambda.DELIVERY_SECRET.startsWith((String) template.parameter("DeliverySecretsPrefix").get("Default")));
    }

    /**
     * The four functions that hash tokens (verify-authorizer, rotate, backfill, rotate-secret) read the pepper at
     * start-up and after each refresh (AWSCURRENT and AWSPREVIOUS): GetSecretValue on that one
     * secret and no other. The four that never hash (describe, set-status, revoke-old,
     * expire-sweep) get neither the secret's id nor the right to read it: a flaw in one of them
     * cannot leak the pepper. (Their permission runs above run them with no pepper at all.) The
     * only other Secrets Manager grants are rotate's delivery actions and rotate-secret's rotation
     * actions (which alone include GetSecretValue) on the delivery prefix.
     */
    @ParameterizedTest
    @EnumSource(Lambda.class)
    void onlyFunctionsThatHash_mayReadThePepperSecret_andNoneAnyOtherSecret(Lambda lambda) {
        Deployment.Function function = Template.load().deploy("gracekeys-table", Map.of()).function(lambda.logicalId());
        IamPolicy policy = function.policy();
        assertEquals(lambda.hashesTokens(), policy.allows("secretsmanager:GetSecretValue", Template.PEPPER_SECRET_ARN),
                lambda.logicalId());
        assertEquals(lambda.hashesTokens(), function.environment().containsKey("PEPPER_SECRET_ID"), lambda.logicalId());
        assertEquals(lambda.hashesTokens(), function.environment().containsKey("PEPPER_REFRESH_SECONDS"), lambda.logicalId());
        assertFalse(policy.allows("secretsmanager:GetSecretValue", OTHER_SECRET_ARN));
        assertEquals(lambda == Lambda.ROTATE_SECRET, policy.allows("secretsmanager:GetSecretValue", DELIVERY_SECRET_ARN),
                lambda.logicalId() + ": only the rotation function reads delivery secrets");
        Set<String> granted = new TreeSet<>();
        for (IamPolicy.Statement statement : policy.statements()) {
            if (!statement.allow()) {
                continue;
            }
            for (String action : statement.actions()) {
                if (IamPolicy.service(action).equals("secretsmanager")) {
                    statement.resources().forEach(r -> granted.add(action + " on " + r));
                }
            }
        }
        Set<String> expected = new TreeSet<>();
        if (lambda.hashesTokens()) {
            expected.add("secretsmanager:GetSecretValue on " + Template.PEPPER_SECRET_ARN);
        }
        if (lambda == Lambda.ROTATE) {
            String prefix = "arn:aws:secretsmanager:" + Template.REGION + ":" + Template.ACCOUNT + ":secret:"
                    + Template.load().parameter("DeliverySecretsPrefix").get("Default") + "*";
            DELIVERY_ACTIONS.forEach(a -> expected.add(a + " on " + prefix));
        }
        if (lambda == Lambda.ROTATE_SECRET) {
            String prefix = "arn:aws:secretsmanager:" + Template.REGION + ":" + Template.ACCOUNT + ":secret:"
                    + Template.load().parameter("DeliverySecretsPrefix").get("Default") + "*";
            ROTATION_ACTIONS.forEach(a -> expected.add(a + " on " + prefix));
        }
        assertEquals(expected, granted, lambda.logicalId());
    }

    private static final Set<String> ROTATION_ACTIONS = Set.of("secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage");

    /**
     * rotate-secret, Secrets Manager's rotation function, reads and changes the secrets under
     * DeliverySecretsPrefix (DescribeSecret, GetSecretValue, PutSecretValue,
     * UpdateSecretVersionStage) and no others, never creates or deletes one, and may never write the
     * pepper whatever the prefix. Its run (events/rotate-secret/, the four steps) makes exactly those
     * calls, on its secret.
     */
    @Test
    void rotateSecret_readsAndRotatesDeliverySecretsUnderThePrefixOnly() {
        Template template = Template.load();
        IamPolicy policy = template.deploy("gracekeys-table", Map.of()).function(Lambda.ROTATE_SECRET.logicalId()).policy();
        String secret = AwsCallRecorder.secretArn(Template.REGION, Lambda.ROTATION_SECRET);
        for (String action : ROTATION_ACTIONS) {
            assertTrue(policy.allows(action, secret), action);
            assertFalse(policy.allows(action, OTHER_SECRET_ARN), action + " outside the prefix");
        }
        for (String never : List.of("secretsmanager:CreateSecret", "secretsmanager:DeleteSecret",
                "secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret", "secretsmanager:PutResourcePolicy")) {
            assertFalse(policy.allows(never, secret), never);
        }
        assertFalse(policy.allows("secretsmanager:PutSecretValue", Template.PEPPER_SECRET_ARN));
        IamPolicy careless = template.deploy("gracekeys-table", Map.of("DeliverySecretsPrefix", "Pepper"))
                .function(Lambda.ROTATE_SECRET.logicalId()).policy();
        assertFalse(careless.allows("secretsmanager:PutSecretValue", Template.PEPPER_SECRET_ARN));
        assertFalse(careless.allows("secretsmanager:UpdateSecretVersionStage", Template.PEPPER_SECRET_ARN));
        assertTrue(Lambda.ROTATION_SECRET.startsWith((String) template.parameter("DeliverySecretsPrefix").get("Default")));
    }

    /** The calls of rotate-secret's run: the four rotation actions, on its secret only. */
    @Test
    void rotateSecret_run_callsTheRotationActions_onItsSecretOnly(TestTable table) throws Exception {
        Deployment.Function function = Template.load().deploy(table.name(), Map.of()).function(Lambda.ROTATE_SECRET.logicalId());
        Set<String> secretsCalls;
        try (FunctionRun run = FunctionRun.start(Lambda.ROTATE_SECRET, function, table)) {
            Lambda.ROTATE_SECRET.exercise(run);
            secretsCalls = run.calls().stream().filter(c -> c.action().startsWith("secretsmanager:"))
                    .map(c -> c.action() + " on " + c.resource().replaceAll("-[A-Za-z0-9]{6}$", ""))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        String secret = AwsCallRecorder.secretArn(Template.REGION, Lambda.ROTATION_SECRET).replaceAll("-[A-Za-z0-9]{6}$", "");
        assertEquals(ROTATION_ACTIONS.stream().map(a -> a + " on " + secret).collect(Collectors.toCollection(TreeSet::new)),
                secretsCalls);
    }

    /**
     * Issue 11, defect 3: the internet-facing authorizer reads, and writes only last use. It may not
     * put, delete or (thereby) transact items: it could otherwise mint a token for any client.
     */
    @Test
    void authorizer_cannotPutOrDeleteItems() {
        IamPolicy policy = Template.load().deploy("gracekeys-table", Map.of())
                .function(Lambda.VERIFY_AUTHORIZER.logicalId()).policy();
        for (String write : List.of("dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                "dynamodb:PartiQLInsert", "dynamodb:PartiQLDelete", "dynamodb:PartiQLUpdate", "dynamodb:Query",
                "dynamodb:Scan", "dynamodb:BatchGetItem")) {
            assertFalse(policy.allows(write, TABLE_ARN), write);
        }
    }

    /**
     * Issue 11, defect 3: what the authorizer may read and write is narrowed to the last use of a
     * token item by IAM conditions. Its real requests are allowed (the permission run above); these
     * requests, which a compromised authorizer might make, are denied: giving a token a new expiry,
     * reactivating it, moving it to another client, writing or reading a client item or a recorded
     * ops answer, reading values back from an update.
     */
    @Test
    void authorizer_mayOnlyReadTokenItems_andWriteTheirLastUse() {
        IamPolicy policy = Template.load().deploy("gracekeys-table", Map.of())
                .function(Lambda.VERIFY_AUTHORIZER.logicalId()).policy();
        String token = TableSchema.TOKEN_PREFIX + "x9Q";
        assertTrue(policy.allows(get(token, null)), "read a token item");
        assertTrue(policy.allows(update(token, "SET #lu = :now", "attribute_exists(#pk)", null)), "record last use");
        assertTrue(policy.allows(update(token, "SET #lu = :now", null, "NONE")), "record last use, ReturnValues NONE");

        assertFalse(policy.allows(get(TableSchema.CLIENT_PREFIX + "GRACE01", null)), "read a client");
        assertFalse(policy.allows(get(TableSchema.REQUEST_PREFIX + "r-1", null)), "read a recorded ops answer");
        assertFalse(policy.allows(update(TableSchema.CLIENT_PREFIX + "GRACE01", "SET #lu = :now", null, null)),
                "write a client item");
        for (String attribute : List.of(TableSchema.EXPIRES_AT, TableSchema.ACTIVE, TableSchema.CLIENT_ID,
                TableSchema.SLOT, TableSchema.TTL, TableSchema.EXPIRY_SHARD, TableSchema.TOKEN_ID)) {
            assertFalse(policy.allows(update(token, "SET #lu = :now, " + attribute + " = :v", null, null)),
                    "write " + attribute);
            assertFalse(policy.allows(update(token, "REMOVE " + attribute, null, null)), "remove " + attribute);
        }
        assertFalse(policy.allows(update(token, "SET #lu = :now", null, "ALL_OLD")), "read an item back");
        assertFalse(policy.allows(update(token, "SET #lu = :now", null, "ALL_NEW")), "read an item back");
    }

    private static final String TABLE_ARN = "arn:aws:dynamodb:" + Template.REGION + ":" + Template.ACCOUNT
            + ":table/gracekeys-table";

    private static AwsCallRecorder.Call get(String pk, String projection) {
        GetItemRequest r = GetItemRequest.builder().tableName("gracekeys-table").key(key(pk))
                .projectionExpression(projection).build();
        return AwsCallRecorder.permissions("DynamoDb.GetItem", r, Template.REGION).get(0);
    }

    private static AwsCallRecorder.Call update(String pk, String update, String condition, String returnValues) {
        UpdateItemRequest r = UpdateItemRequest.builder().tableName("gracekeys-table").key(key(pk))
                .updateExpression(update).conditionExpression(condition)
                .expressionAttributeNames(Map.of("#lu", TableSchema.LAST_USED_AT, "#pk", TableSchema.PK))
                .returnValues(returnValues).build();
        return AwsCallRecorder.permissions("DynamoDb.UpdateItem", r, Template.REGION).get(0);
    }

    private static Map<String, AttributeValue> key(String pk) {
        return Map.of(TableSchema.PK, AttributeValue.fromS(pk), TableSchema.SK, AttributeValue.fromS("TOKEN"));
    }

    /** The authorizer reads the token from the header the API caches by: one parameter feeds both. */
    @Test
    void authorizersIdentitySource_isTheApisIdentitySource() {
        for (String source : List.of("$request.header.Authorization", "$request.header.x-api-key")) {
            Deployment.Function f = Template.load().deploy("gracekeys-table", Map.of("AuthorizerIdentitySource", source))
                    .function(Lambda.VERIFY_AUTHORIZER.logicalId());
            assertEquals(source, f.environment().get("IDENTITY_SOURCE"));
        }
        assertTrue(java.util.regex.Pattern.compile("identitySource: !Ref AuthorizerIdentitySource").matcher(
                readTemplate()).find(), "the HTTP API's authorizer takes the same parameter");
    }

    private static String readTemplate() {
        try {
            return java.nio.file.Files.readString(dev.gracekeys.lambda.LambdaTestKit.repoRoot().resolve("template.yaml"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
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
