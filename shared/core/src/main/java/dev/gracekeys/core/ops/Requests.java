package dev.gracekeys.core.ops;

/** The requests of the ops functions, field for field as DESIGN.md fixes them. */
public final class Requests {

    private Requests() {
    }

    /**
     * {@code create: true} issues the first token of a new client. {@code deliverToSecretId} writes
     * each new token to that Secrets Manager secret (remembered for later rotations). A resend with
     * the same {@code requestId} within 15 minutes gets the first call's answer and changes nothing.
     */
    public record RotateRequest(String clientId, Long graceSeconds, Boolean create, String name,
                                String deliverToSecretId, String requestId) {
        public RotateRequest(String clientId, Long graceSeconds, Boolean create, String name,
                             String deliverToSecretId) {
            this(clientId, graceSeconds, create, name, deliverToSecretId, null);
        }

        public RotateRequest(String clientId, Long graceSeconds, Boolean create, String name) {
            this(clientId, graceSeconds, create, name, null, null);
        }
    }

    /** {@code graceSeconds} 0 (default) revokes now; more reschedules the previous token's expiry. */
    public record RevokeRequest(String clientId, Long graceSeconds, String requestId) {
        public RevokeRequest(String clientId, Long graceSeconds) {
            this(clientId, graceSeconds, null);
        }
    }

    public record StatusRequest(String clientId, Boolean active, String requestId) {
        public StatusRequest(String clientId, Boolean active) {
            this(clientId, active, null);
        }
    }

    /** One client by id, or a page of the list ({@code limit}, {@code cursor}). */
    public record DescribeRequest(String clientId, Integer limit, String cursor) {
    }
}
