package dev.gracekeys.aws.emulators;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.aws.eventbridge.EventBridgePublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EventBridgePublisher} against an emulated EventBridge, through the real SDK client: events
 * the core really emits (so the check that none carries a token means something) are published in
 * one call, which the publisher splits into PutEvents batches of at most ten, to a custom bus; a
 * rule on {@code source = gracekeys} delivers them to an SQS queue, where the test reads every one
 * back. One contract, run against each emulator DESIGN.md names: {@link EventBridgeMotoIT} (moto's
 * server) and {@link EventBridgeLocalStackIT} (LocalStackContainers in Docker), each skipped where its
 * emulator is missing. Emulator tests: they show the batching too (moto, like AWS, refuses a
 * PutEvents of more than ten entries); entries refused on demand are injected faults, in
 * {@code EventBridgeWireTest}.
 */
@ExtendWith(DynamoDbLocalExtension.class)
abstract class EventBridgeAdapters {

    /** More than two PutEvents batches, the last one partial. */
    private static final int EVENTS = 23;
    /** A token (56 characters after its prefix) or a token hash (43 of base64url). */
    private static final Pattern TOKEN_OR_HASH = Pattern.compile("[A-Za-z0-9_-]{40,}");

    private EventBridgeClient eventBridge;
    private SqsClient sqs;

    /** An SDK client builder pointed at the emulator, with its region and credentials. */
    abstract <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder);

    @BeforeEach
    void clients() {
        eventBridge = configure(EventBridgeClient.builder()).build();
        sqs = configure(SqsClient.builder()).build();
    }

    @AfterEach
    void close() {
        if (eventBridge != null) {
            eventBridge.close();
        }
        if (sqs != null) {
            sqs.close();
        }
    }

    @Test
    void publishedEvents_reachARuleOnTheBus_withTypeSourceAndDetail_andNoToken(TestTable table) throws Exception {
        // 23 events from the core: 10 ClientCreated, 10 TokenRotated, 3 ClientStatusChanged.
        Fixture fixture = new Fixture(table);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            tokens.add(fixture.create(String.format("EVENTS%02d", i)));
        }
        for (int i = 0; i < 10; i++) {
            tokens.add(fixture.rotate(String.format("EVENTS%02d", i), Duration.ofHours(24)));
        }
        for (int i = 0; i < 3; i++) {
            fixture.core.tokens().setStatus(new StatusRequest(String.format("EVENTS%02d", i), false));
        }
        List<DomainEvent> events = fixture.events.events();
        assertEquals(EVENTS, events.size(), "events emitted: " + events.stream().map(DomainEvent::type).toList());

        String bus = "gracekeys-test-" + UUID.randomUUID();
        eventBridge.createEventBus(r -> r.name(bus));
        String queueUrl = sqs.createQueue(r -> r.queueName("gracekeys-events-" + UUID.randomUUID())).queueUrl();
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        String ruleArn = eventBridge.putRule(r -> r.name("gracekeys-all").eventBusName(bus)
                .eventPattern("{\"source\":[\"" + DomainEvent.SOURCE + "\"]}")).ruleArn();
        // What AWS requires for a queue target (the emulators do not enforce it): the rule may send.
        sqs.setQueueAttributes(r -> r.queueUrl(queueUrl).attributes(Map.of(QueueAttributeName.POLICY, """
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},
                 "Action":"sqs:SendMessage","Resource":"%s","Condition":{"ArnEquals":{"aws:SourceArn":"%s"}}}]}"""
                .formatted(queueArn, ruleArn))));
        eventBridge.putTargets(r -> r.rule("gracekeys-all").eventBusName(bus)
                .targets(Target.builder().id("queue").arn(queueArn).build()));

        new EventBridgePublisher(eventBridge, bus, attempt -> { }).publish(events);

        List<String> received = receive(queueUrl, EVENTS, Duration.ofSeconds(60));
        assertEquals(EVENTS, received.size());

        Map<String, DomainEvent> sent = new HashMap<>(); // by type and detail, which are unique here
        for (DomainEvent e : events) {
            Map<String, String> detail = new TreeMap<>();
            e.detail().forEach((k, v) -> detail.put(k, String.valueOf(v)));
            sent.put(e.type() + " " + detail, e);
        }
        for (String body : received) {
            Map<String, JsonNode> envelope = JsonNode.parser().parse(body).asObject();
            assertEquals(DomainEvent.SOURCE, envelope.get("source").text());
            String type = envelope.get("detail-type").text();
            Map<String, String> detail = new TreeMap<>();
            envelope.get("detail").asObject().forEach((k, v) -> detail.put(k, v.text()));
            DomainEvent original = sent.remove(type + " " + detail);
            assertTrue(original != null, "received an event that was not sent, or twice: " + type + " " + detail);
            Instant.parse(envelope.get("time").text()); // an ISO-8601 time (an emulator may stamp its own)

            assertFalse(TOKEN_OR_HASH.matcher(detail.toString()).find(), "something like a token or a hash in " + detail);
            for (String token : tokens) {
                assertFalse(body.contains(token), "a token in " + body);
            }
        }
        assertEquals(Map.of(), sent, "sent but not received");
    }

    /** Reads (and deletes) messages until {@code count} arrived or the time is up. */
    private List<String> receive(String queueUrl, int count, Duration patience) {
        List<String> out = new ArrayList<>();
        Instant deadline = Instant.now().plus(patience);
        while (out.size() < count && Instant.now().isBefore(deadline)) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(2))
                    .messages();
            for (Message m : batch) {
                out.add(m.body());
                sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        }
        return out;
    }
}
