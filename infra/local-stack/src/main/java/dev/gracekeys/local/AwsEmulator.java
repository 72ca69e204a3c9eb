package dev.gracekeys.local;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.lambda.AwsClients;
import dev.gracekeys.lambda.CoreFactory;
import dev.gracekeys.aws.eventbridge.EventBridgePublisher;
import dev.gracekeys.lambda.PepperSettings;
import dev.gracekeys.aws.secretsmanager.SecretsManagerPepperSource;
import dev.gracekeys.lambda.Settings;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code --aws-endpoint}: the functions' Secrets Manager, EventBridge and S3 clients pointed at an
 * AWS emulator on this machine (moto's server, LocalSystem), so the AWS adapters run locally: the
 * pepper from {@code PEPPER_SECRET_ID}, token delivery into {@code deliverToSecretId}, backfill from
 * S3, and events on {@code EVENT_BUS_NAME} through the real {@link EventBridgePublisher}.
 *
 * <p>Nothing reaches AWS: every one of those clients has the endpoint override, and with an
 * override {@link AwsClients} gives dummy static credentials (it would use the role's only where
 * Lambda's variables are set, and the local stack removes those), in {@code us-east-1}, so no
 * credentials chain and no instance metadata is ever asked.
 *
 * <p>At start it checks what a function would otherwise fail on later, each with the command that
 * fixes it: that the emulator answers, that the pepper secret and the bus exist.
 */
final class AwsEmulator implements AutoCloseable {

    /** The settings that point each client at the emulator ({@code S3_ENDPOINT}: backfill's S3Factory). */
    static final List<String> ENDPOINT_SETTINGS = List.of(AwsClients.SECRETSMANAGER_ENDPOINT,
            AwsClients.EVENTBRIDGE_ENDPOINT, "S3_ENDPOINT");

    private final URI endpoint;
    private final String pepperSecretId;
    private final String bus;
    private final SdkHttpClient http;
    private final EventBridgeClient eventBridge;

    private AwsEmulator(URI endpoint, String pepperSecretId, String bus, SdkHttpClient http,
                        EventBridgeClient eventBridge) {
        this.endpoint = endpoint;
        this.pepperSecretId = pepperSecretId;
        this.bus = bus;
        this.http = http;
        this.eventBridge = eventBridge;
    }

    /**
     * Points {@code settings} (what every function reads) at the emulator, checks it, and keeps an
     * EventBridge client when {@code EVENT_BUS_NAME} is set.
     *
     * @throws LocalSystem.AwsEndpointException when the emulator does not answer, or lacks the
     *                                         pepper secret or the bus the settings name
     */
    static AwsEmulator connect(URI endpoint, Map<String, String> settings) {
        for (String name : ENDPOINT_SETTINGS) {
            settings.put(name, endpoint.toString());
        }
        String secretId = blankToNull(settings.get(PepperSettings.PEPPER_SECRET_ID));
        String bus = blankToNull(settings.get(CoreFactory.EVENT_BUS_NAME));
        checkAnswers(endpoint);
        AwsClients clients = new AwsClients(Settings.of(settings), List.of());
        SdkHttpClient http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(10)).build();
        EventBridgeClient eventBridge = null;
        try {
            if (secretId != null) {
                try (SecretsManagerClient secrets = clients.secretsManager(http)) {
                    secrets.describeSecret(r -> r.secretId(secretId));
                } catch (software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException e) {
                    throw new LocalSystem.AwsEndpointException("the pepper secret " + secretId + " (PEPPER_SECRET_ID)"
                            + " does not exist at " + endpoint + ": create it with\n  aws --endpoint-url " + endpoint
                            + " --region us-east-1 secretsmanager create-secret --name " + secretId
                            + " --secret-string \"$(openssl rand -base64 48)\"\nor unset PEPPER_SECRET_ID to use the"
                            + " generated pepper");
                } catch (SdkException e) {
                    throw unreadable(endpoint, "the pepper secret " + secretId, e);
                }
                try (SecretsManagerClient secrets = clients.secretsManager(http)) {
                    new SecretsManagerPepperSource(secrets, secretId).load(); // its messages never show the value
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw new LocalSystem.AwsEndpointException(e.getMessage() + " (the secret string must be a base64"
                            + " pepper of at least 32 bytes, e.g. from openssl rand -base64 48)");
                }
            }
            if (bus != null) {
                eventBridge = clients.eventBridge(http);
                try {
                    eventBridge.describeEventBus(r -> r.name(bus));
                } catch (software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException e) {
                    throw new LocalSystem.AwsEndpointException("the event bus " + bus + " (EVENT_BUS_NAME) does not"
                            + " exist at " + endpoint + ": create it with\n  aws --endpoint-url " + endpoint
                            + " --region us-east-1 events create-event-bus --name " + bus
                            + "\nor unset EVENT_BUS_NAME to write events to events.jsonl");
                } catch (SdkException e) {
                    throw unreadable(endpoint, "the event bus " + bus, e);
                }
            }
            return new AwsEmulator(endpoint, secretId, bus, http, eventBridge);
        } catch (RuntimeException e) {
            if (eventBridge != null) {
                eventBridge.close();
            }
            http.close();
            throw e;
        }
    }

    URI endpoint() {
        return endpoint;
    }

    /** The emulator's secret the pepper is read from, or null (then PEPPER or the generated file). */
    String pepperSecretId() {
        return pepperSecretId;
    }

    /** The emulator's bus the events go to, or null (then events.jsonl). */
    String bus() {
        return bus;
    }

    /**
     * With a bus: the real EventBridge publisher, as on AWS, each event printed as the JSON-lines
     * publisher prints it. events.jsonl is not written then: the bus is where events go, as on AWS,
     * and one place to read them is less confusing than two that could disagree.
     */
    EventPublisher events(EventPublisher withoutBus, PrintStream out) {
        if (bus == null) {
            return withoutBus;
        }
        EventBridgePublisher publisher = new EventBridgePublisher(eventBridge, bus, EventBridgePublisher.Backoff.EXPONENTIAL);
        return events -> {
            publisher.publish(events);
            for (DomainEvent e : events) {
                out.println("[event] " + e.type() + " " + e.detail() + " -> bus " + bus);
            }
        };
    }

    @Override
    public void close() {
        if (eventBridge != null) {
            eventBridge.close();
        }
        http.close();
    }

    /** A plain TCP connect first: "nothing listens there" is the likeliest mistake, and says so. */
    private static void checkAnswers(URI endpoint) {
        int port = endpoint.getPort() != -1 ? endpoint.getPort() : endpoint.getScheme().equals("https") ? 443 : 80;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(endpoint.getHost().replace("[", "").replace("]", ""), port), 2000);
        } catch (IOException e) {
            throw new LocalSystem.AwsEndpointException("nothing answers at " + endpoint + " (--aws-endpoint): start the"
                    + " emulator first, e.g.\n  moto_server -H 127.0.0.1 -p " + port);
        }
    }

    private static LocalSystem.AwsEndpointException unreadable(URI endpoint, String what, SdkException e) {
        return new LocalSystem.AwsEndpointException("cannot read " + what + " at " + endpoint + " ("
                + e.getClass().getSimpleName() + "): is it an AWS emulator (moto's server, LocalSystem)?");
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }
}
