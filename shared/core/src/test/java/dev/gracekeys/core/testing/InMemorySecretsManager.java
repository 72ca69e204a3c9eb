package dev.gracekeys.core.testing;

import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.ops.RotationSecret;
import dev.gracekeys.core.ops.TokenDelivery;
import dev.gracekeys.core.ops.TokenDeliveryException;
import dev.gracekeys.core.token.IssuedToken;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Secrets Manager's versions and stages in memory, as the core's rotation steps see them
 * ({@link RotationSecret}) and as token delivery writes them ({@link #delivery()}), behaving as AWS
 * does where the steps could notice:
 * <ul>
 *   <li>a stage is on at most one version: labelling a version takes the stage from the one before;
 *       moving AWSCURRENT labels the version it left AWSPREVIOUS;</li>
 *   <li>{@link #startRotation} makes the stub version T with AWSPENDING and no value (as RotateSecret
 *       does before it calls createSecret), and is refused while AWSPENDING is on a version that is
 *       not AWSCURRENT ("a previous rotation is still in progress");</li>
 *   <li>{@link #value} is null when the version lacks the stage or has no value;</li>
 *   <li>a version's value, once put, cannot be replaced by another (ResourceExistsException); the
 *       same value again is fine;</li>
 *   <li>UpdateSecretVersionStage refuses a RemoveFromVersionId that does not carry the stage.</li>
 * </ul>
 * Faults: {@link #failNext} makes the next call of one operation (delivery's stage, versionWith and discard
 * included) fail as the SDK adapter fails
 * ({@link TokenDeliveryException}); {@link #afterMoveCurrent} runs after a successful stage move (to
 * fail what follows it); {@link #beforeEach} runs another request's action at the start of a call. For tests only: a hand-written stand-in, never a substitute for the
 * emulator tests of the AWS adapter.
 */
public final class InMemorySecretsManager implements RotationSecret {

    private static final String ARN_PREFIX = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";

    private record Version(String value, Set<String> stages) {
    }

    private final Map<String, Map<String, Version>> secrets = new LinkedHashMap<>();
    private final Map<String, Integer> failures = new HashMap<>();
    private final Map<String, Integer> calls = new HashMap<>();
    private Runnable afterMoveCurrent = () -> { };
    private final Map<String, Runnable> beforeEach = new HashMap<>();

    // ---- what tests do as an operator, or as Secrets Manager itself --------------------------------

    /** Creates a secret with {@code value} as its AWSCURRENT version (null: an empty secret); returns its ARN. */
    public synchronized String createSecret(String name, String value) {
        Map<String, Version> versions = new LinkedHashMap<>();
        if (value != null) {
            versions.put(UUID.randomUUID().toString(), new Version(value, new LinkedHashSet<>(Set.of(CURRENT))));
        }
        secrets.put(name, versions);
        return arn(name);
    }

    public static String arn(String name) {
        return ARN_PREFIX + name + "-AbCdEf";
    }

    /**
     * As RotateSecret: the stub version T (AWSPENDING, no value); returns T.
     *
     * @throws IllegalStateException while a previous rotation is still in progress
     */
    public synchronized String startRotation(String secretId) {
        Map<String, Version> versions = versions(secretId);
        String pending = holder(versions, PENDING);
        if (pending != null && !versions.get(pending).stages().contains(CURRENT)) {
            throw new IllegalStateException("InvalidRequestException: a previous rotation isn't complete");
        }
        String t = UUID.randomUUID().toString();
        label(versions, t, PENDING); // takes AWSPENDING from any other version
        versions.put(t, new Version(null, new LinkedHashSet<>(Set.of(PENDING))));
        return t;
    }

    /** What a consumer reading AWSCURRENT gets (null if none). */
    public synchronized String currentValue(String secretId) {
        Map<String, Version> versions = versions(secretId);
        String v = holder(versions, CURRENT);
        return v == null ? null : versions.get(v).value();
    }

    /** The version carrying {@code stage}, or null. */
    public synchronized String versionWith(String secretId, String stage) {
        return holder(versions(secretId), stage);
    }

    /** The stages of version {@code versionId}. */
    public synchronized Set<String> stagesOf(String secretId, String versionId) {
        Version v = versions(secretId).get(versionId);
        return v == null ? Set.of() : Set.copyOf(v.stages());
    }

    /** As delete-secret (forced, no recovery window): the secret and its versions are gone. */
    public synchronized void deleteSecret(String name) {
        secrets.remove(name);
    }

    /** As an operator's update-secret-version-stage: moves (or, with {@code to} null, removes) a stage. */
    public synchronized void moveStageByHand(String secretId, String stage, String to) {
        Map<String, Version> versions = versions(secretId);
        if (to == null) {
            String from = holder(versions, stage);
            if (from != null) {
                versions.get(from).stages().remove(stage);
            }
            return;
        }
        String from = holder(versions, stage);
        label(versions, to, stage);
        if (CURRENT.equals(stage) && from != null && !from.equals(to)) {
            label(versions, from, PREVIOUS);
        }
    }

    /** The next {@code times} calls of {@code operation} (describe, value, putPending, moveCurrent) fail. */
    public synchronized void failNext(String operation, int times) {
        failures.put(operation, times);
    }

    /** Runs {@code action} after each successful {@link #moveCurrent}. */
    public synchronized void afterMoveCurrent(Runnable action) {
        this.afterMoveCurrent = action;
    }

    /**
     * Runs {@code action} at the start of each call of {@code operation} (describe, value, putPending,
     * moveCurrent), before it reads or changes anything: what another request does at that moment.
     * {@code null} stops it.
     */
    public synchronized void beforeEach(String operation, Runnable action) {
        if (action == null) {
            beforeEach.remove(operation);
        } else {
            beforeEach.put(operation, action);
        }
    }

    /** Runs {@code action} at the start of the next call of {@code operation} only (see {@link #beforeEach}). */
    public synchronized void onceBefore(String operation, Runnable action) {
        beforeEach(operation, () -> {
            beforeEach(operation, null);
            action.run();
        });
    }

    /** Calls of {@code operation} so far. */
    public synchronized int calls(String operation) {
        return calls.getOrDefault(operation, 0);
    }

    /** Every version's value and stages, as a value: compare two to prove nothing changed. */
    public synchronized Map<String, Map<String, List<Object>>> snapshot() {
        Map<String, Map<String, List<Object>>> out = new LinkedHashMap<>();
        secrets.forEach((name, versions) -> {
            Map<String, List<Object>> vs = new LinkedHashMap<>();
            versions.forEach((id, v) -> vs.put(id, java.util.Arrays.asList(v.value(), new HashSet<>(v.stages()))));
            out.put(name, vs);
        });
        return out;
    }

    // ---- RotationSecret ----------------------------------------------------------------------------

    @Override
    public synchronized Description describe(String secretId) {
        called("describe");
        String name = nameOf(secretId);
        if (name == null) {
            throw new ValidationException("no secret " + secretId + " (ResourceNotFoundException)");
        }
        Map<String, List<String>> stages = new LinkedHashMap<>();
        secrets.get(name).forEach((id, v) -> {
            if (!v.stages().isEmpty()) {
                stages.put(id, new ArrayList<>(v.stages()));
            }
        });
        return new Description(arn(name), name, stages);
    }

    @Override
    public synchronized String value(String secretId, String versionId, String stage) {
        called("value");
        Version v = versions(secretId).get(versionId);
        return v == null || !v.stages().contains(stage) ? null : v.value();
    }

    @Override
    public synchronized void putPending(String secretId, String versionId, String value) {
        called("putPending");
        put(versions(secretId), versionId, value);
    }

    @Override
    public synchronized void moveCurrent(String secretId, String versionId, String fromVersionId) {
        called("moveCurrent");
        Map<String, Version> versions = versions(secretId);
        if (!versions.containsKey(versionId)) {
            throw new TokenDeliveryException("ResourceNotFoundException", null);
        }
        String holder = holder(versions, CURRENT);
        if (holder != null && !holder.equals(fromVersionId)) {
            throw new TokenDeliveryException("InvalidParameterException", null); // the version to remove it from lacks it
        }
        moveStageByHand(secretId, CURRENT, versionId);
        afterMoveCurrent.run();
    }

    // ---- TokenDelivery, as SecretsManagerTokenDelivery writes ---------------------------------------

    /** rotate's delivery into these secrets: stage a new version with AWSPENDING, then move AWSCURRENT to it. */
    public TokenDelivery delivery() {
        return new TokenDelivery() {
            @Override
            public String stage(String secretId, String clientId, IssuedToken token) {
                synchronized (InMemorySecretsManager.this) {
                    called("stage");
                    if (nameOf(secretId) == null) {
                        throw new TokenDeliveryException("could not write the new token to secret " + secretId
                                + " (ResourceNotFoundException); nothing was rotated", null);
                    }
                    String id = UUID.randomUUID().toString();
                    put(versions(secretId), id, "{\"clientId\":\"" + clientId + "\",\"tokenId\":\"" + token.tokenId()
                            + "\",\"token\":\"" + token.value() + "\"}");
                    return id;
                }
            }

            @Override
            public void promote(String secretId, String versionId) {
                synchronized (InMemorySecretsManager.this) {
                    called("promote");
                    moveStageByHand(secretId, CURRENT, versionId);
                    versions(secretId).get(versionId).stages().remove(PENDING);
                }
            }

            @Override
            public String versionWith(String secretId, String stage) {
                synchronized (InMemorySecretsManager.this) {
                    called("versionWith");
                    return nameOf(secretId) == null ? null : InMemorySecretsManager.this.versionWith(secretId, stage);
                }
            }

            @Override
            public void discard(String secretId, String versionId, String pendingBefore) {
                synchronized (InMemorySecretsManager.this) {
                    try {
                        called("discard");
                    } catch (TokenDeliveryException e) {
                        return; // best effort, as the adapter
                    }
                    Version v = versions(secretId).get(versionId);
                    if (v != null) {
                        v.stages().remove(PENDING);
                    }
                    if (pendingBefore != null && versions(secretId).containsKey(pendingBefore)) {
                        label(versions(secretId), pendingBefore, PENDING);
                    }
                }
            }
        };
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private void put(Map<String, Version> versions, String versionId, String value) {
        Version v = versions.get(versionId);
        if (v != null && v.value() != null) {
            if (!v.value().equals(value)) {
                throw new TokenDeliveryException("ResourceExistsException", null);
            }
        } else {
            versions.put(versionId, new Version(value, v == null ? new LinkedHashSet<>() : v.stages()));
        }
        label(versions, versionId, PENDING);
    }

    private void called(String operation) {
        calls.merge(operation, 1, Integer::sum);
        Runnable before = beforeEach.get(operation);
        if (before != null) {
            before.run();
        }
        Integer left = failures.get(operation);
        if (left != null && left > 0) {
            failures.put(operation, left - 1);
            throw new TokenDeliveryException("could not reach Secrets Manager (injected " + operation + " failure)", null);
        }
    }

    /** Puts {@code stage} on {@code versionId} only, taking it from any other version. */
    private static void label(Map<String, Version> versions, String versionId, String stage) {
        versions.forEach((id, v) -> {
            if (!id.equals(versionId)) {
                v.stages().remove(stage);
            }
        });
        Version v = versions.get(versionId);
        if (v != null) {
            v.stages().add(stage);
        }
    }

    private static String holder(Map<String, Version> versions, String stage) {
        for (Map.Entry<String, Version> v : versions.entrySet()) {
            if (v.getValue().stages().contains(stage)) {
                return v.getKey();
            }
        }
        return null;
    }

    private String nameOf(String secretId) {
        if (secrets.containsKey(secretId)) {
            return secretId;
        }
        for (String name : secrets.keySet()) {
            if (arn(name).equals(secretId)) {
                return name;
            }
        }
        return null;
    }

    private Map<String, Version> versions(String secretId) {
        String name = nameOf(secretId);
        if (name == null) {
            throw new ValidationException("no secret " + secretId + " (ResourceNotFoundException)");
        }
        return secrets.get(name);
    }
}
