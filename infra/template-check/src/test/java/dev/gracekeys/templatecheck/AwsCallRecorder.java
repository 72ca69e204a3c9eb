package dev.gracekeys.templatecheck;

import software.amazon.awssdk.awscore.AwsExecutionAttribute;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.UpdateSecretVersionStageRequest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records what a function asks of AWS, as the IAM action and resource ARN each request needs.
 * Registered as a bean in the handler's context, it is attached to every client the code builds
 * ({@code AwsClients} takes all {@link ExecutionInterceptor} beans), and it sees each request once,
 * before the SDK's retries.
 *
 * <p>The mapping from an operation to IAM actions follows the service authorization reference:
 * <ul>
 *   <li>DynamoDB item and query operations are their own action on the table, or on
 *       {@code table/<name>/index/<index>} when they read an index.</li>
 *   <li>{@code TransactWriteItems} has no action of its own: each item in it is authorized as the
 *       operation it is, {@code dynamodb:PutItem}, {@code UpdateItem}, {@code DeleteItem} or
 *       {@code ConditionCheckItem}, on that item's table.</li>
 *   <li>{@code BatchGetItem} is {@code dynamodb:BatchGetItem} on each table it reads.</li>
 *   <li>S3 {@code GetObject} is {@code s3:GetObject} on {@code arn:aws:s3:::bucket/key}.</li>
 *   <li>Secrets Manager {@code GetSecretValue}, {@code PutSecretValue}, {@code DescribeSecret} and
 *       {@code UpdateSecretVersionStage} are the action of that name on the secret's ARN. A secret
 *       named by its name rather than its ARN stands in as
 *       {@code arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf}: a real secret's
 *       ARN ends in a dash and six random characters, which a policy must allow for.</li>
 *   <li>EventBridge {@code PutEvents} is {@code events:PutEvents} on each event bus its entries
 *       name ({@code arn:aws:events:<region>:<account>:event-bus/<name>}; an entry without a bus
 *       goes to the account's {@code default} bus).</li>
 * </ul>
 * A request this class cannot map fails the test rather than pass unchecked.
 */
final class AwsCallRecorder implements ExecutionInterceptor {

    private static final String PARTITION_KEY = dev.gracekeys.store.dynamodb.TableSchema.PK;

    /** The condition keys {@link #context} works out for DynamoDB item requests. */
    static final String LEADING_KEYS = "dynamodb:LeadingKeys";
    static final String ATTRIBUTES = "dynamodb:Attributes";
    static final String RETURN_VALUES = "dynamodb:ReturnValues";

    /**
     * One permission a request needed: {@code operation} is the SDK's, for messages; {@code context}
     * the values of the condition keys IAM evaluates for it (a key absent when it does not apply or
     * is not worked out).
     */
    record Call(String operation, String action, String resource, Map<String, List<String>> context) {

        Call(String operation, String action, String resource) {
            this(operation, action, resource, Map.of());
        }

        @Override
        public String toString() {
            return action + " on " + resource + " (" + operation + ")";
        }
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>(); // backfill calls from several threads

    List<Call> calls() {
        return List.copyOf(calls);
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + "."
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        Region region = attributes.getAttribute(AwsExecutionAttribute.AWS_REGION);
        calls.addAll(permissions(operation, context.request(), region == null ? Template.REGION : region.id()));
    }

    static List<Call> permissions(String operation, SdkRequest request, String region) {
        List<Call> needed = new ArrayList<>();
        if (request instanceof GetItemRequest r) {
            needed.add(new Call(operation, "dynamodb:GetItem", table(region, r.tableName()), context(r.key(),
                    r.expressionAttributeNames(), null, r.projectionExpression(), null)));
        } else if (request instanceof PutItemRequest r) {
            needed.add(new Call(operation, "dynamodb:PutItem", table(region, r.tableName()), context(r.item(),
                    r.expressionAttributeNames(), r.item().keySet(), r.conditionExpression(), r.returnValuesAsString())));
        } else if (request instanceof UpdateItemRequest r) {
            needed.add(new Call(operation, "dynamodb:UpdateItem", table(region, r.tableName()), context(r.key(),
                    r.expressionAttributeNames(), r.key().keySet(), both(r.updateExpression(), r.conditionExpression()),
                    r.returnValuesAsString())));
        } else if (request instanceof DeleteItemRequest r) {
            needed.add(new Call(operation, "dynamodb:DeleteItem", table(region, r.tableName()), context(r.key(),
                    r.expressionAttributeNames(), r.key().keySet(), r.conditionExpression(), r.returnValuesAsString())));
        } else if (request instanceof QueryRequest r) {
            needed.add(new Call(operation, "dynamodb:Query", index(region, r.tableName(), r.indexName())));
        } else if (request instanceof ScanRequest r) {
            needed.add(new Call(operation, "dynamodb:Scan", index(region, r.tableName(), r.indexName())));
        } else if (request instanceof BatchGetItemRequest r) {
            r.requestItems().keySet().forEach(t -> needed.add(new Call(operation, "dynamodb:BatchGetItem", table(region, t))));
        } else if (request instanceof TransactWriteItemsRequest r) {
            for (TransactWriteItem item : r.transactItems()) {
                needed.add(transactItem(operation, item, region));
            }
        } else if (request instanceof GetObjectRequest r) {
            needed.add(new Call(operation, "s3:GetObject", "arn:aws:s3:::" + r.bucket() + "/" + r.key()));
        } else if (request instanceof GetSecretValueRequest r) {
            needed.add(new Call(operation, "secretsmanager:GetSecretValue", secretArn(region, r.secretId())));
        } else if (request instanceof PutSecretValueRequest r) {
            needed.add(new Call(operation, "secretsmanager:PutSecretValue", secretArn(region, r.secretId())));
        } else if (request instanceof DescribeSecretRequest r) {
            needed.add(new Call(operation, "secretsmanager:DescribeSecret", secretArn(region, r.secretId())));
        } else if (request instanceof UpdateSecretVersionStageRequest r) {
            needed.add(new Call(operation, "secretsmanager:UpdateSecretVersionStage", secretArn(region, r.secretId())));
        } else if (request instanceof PutEventsRequest r) {
            Set<String> buses = new LinkedHashSet<>();
            for (PutEventsRequestEntry entry : r.entries()) {
                buses.add(eventBusArn(region, entry.eventBusName()));
            }
            buses.forEach(bus -> needed.add(new Call(operation, "events:PutEvents", bus)));
        } else {
            throw new AssertionError("the template check does not know which IAM action " + operation
                    + " needs: add it to AwsCallRecorder.permissions");
        }
        return needed;
    }

    private static Call transactItem(String operation, TransactWriteItem item, String region) {
        if (item.put() != null) {
            var p = item.put();
            return new Call(operation, "dynamodb:PutItem", table(region, p.tableName()),
                    context(p.item(), p.expressionAttributeNames(), p.item().keySet(), p.conditionExpression(), null));
        }
        if (item.update() != null) {
            var u = item.update();
            return new Call(operation, "dynamodb:UpdateItem", table(region, u.tableName()), context(u.key(),
                    u.expressionAttributeNames(), u.key().keySet(), both(u.updateExpression(), u.conditionExpression()),
                    null));
        }
        if (item.delete() != null) {
            var d = item.delete();
            return new Call(operation, "dynamodb:DeleteItem", table(region, d.tableName()),
                    context(d.key(), d.expressionAttributeNames(), d.key().keySet(), d.conditionExpression(), null));
        }
        var c = item.conditionCheck();
        return new Call(operation, "dynamodb:ConditionCheckItem", table(region, c.tableName()),
                context(c.key(), c.expressionAttributeNames(), c.key().keySet(), c.conditionExpression(), null));
    }

    /** Words of DynamoDB's expression grammar, never attribute names. */
    private static final Set<String> EXPRESSION_WORDS = Set.of("SET", "REMOVE", "ADD", "DELETE", "AND", "OR", "NOT",
            "BETWEEN", "IN", "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains",
            "size", "if_not_exists", "list_append", "null");
    private static final Pattern NAME = Pattern.compile("(?<![:#\\w])(#?[A-Za-z_][A-Za-z0-9_]*)");

    /**
     * The condition context of one item request, as DynamoDB gives it to IAM:
     * {@code dynamodb:LeadingKeys} the partition key's value; {@code dynamodb:Attributes} every
     * top-level attribute the request names (its key attributes, the item it puts, and the names in
     * its update, condition or projection expression, {@code #placeholders} resolved), or absent for
     * a read without a projection (it reads every attribute); {@code dynamodb:ReturnValues} when set.
     */
    static Map<String, List<String>> context(Map<String, AttributeValue> key, Map<String, String> names,
                                             Set<String> keyAttributes, String expressions, String returnValues) {
        Map<String, List<String>> context = new LinkedHashMap<>();
        AttributeValue pk = key.get(PARTITION_KEY);
        if (pk != null && pk.s() != null) {
            context.put(LEADING_KEYS, List.of(pk.s()));
        }
        if (keyAttributes != null || expressions != null) {
            Set<String> attributes = new TreeSet<>(keyAttributes == null ? Set.of() : keyAttributes);
            if (expressions != null) {
                Matcher m = NAME.matcher(expressions);
                while (m.find()) {
                    String word = m.group(1);
                    if (word.startsWith("#")) {
                        String name = names.get(word);
                        if (name == null) {
                            throw new AssertionError("expression placeholder " + word + " has no name in " + expressions);
                        }
                        attributes.add(name);
                    } else if (!EXPRESSION_WORDS.contains(word)) {
                        attributes.add(word);
                    }
                }
            }
            context.put(ATTRIBUTES, List.copyOf(attributes));
        }
        if (returnValues != null) {
            context.put(RETURN_VALUES, List.of(returnValues));
        }
        return context;
    }

    private static String both(String update, String condition) {
        return condition == null ? update : update + " " + condition;
    }

    /** A secret's ARN: as given, or the stand-in ARN of a secret given by name. */
    static String secretArn(String region, String secretId) {
        if (secretId.startsWith("arn:")) {
            return secretId;
        }
        return "arn:aws:secretsmanager:" + region + ":" + Template.ACCOUNT + ":secret:" + secretId + "-AbCdEf";
    }

    /** An event bus's ARN: as given, or that of the bus of this name ({@code default} when none). */
    static String eventBusArn(String region, String bus) {
        if (bus != null && bus.startsWith("arn:")) {
            return bus;
        }
        return "arn:aws:events:" + region + ":" + Template.ACCOUNT + ":event-bus/" + (bus == null ? "default" : bus);
    }

    private static String table(String region, String name) {
        return "arn:aws:dynamodb:" + region + ":" + Template.ACCOUNT + ":table/" + name;
    }

    private static String index(String region, String table, String index) {
        return index == null ? table(region, table) : table(region, table) + "/index/" + index;
    }
}
