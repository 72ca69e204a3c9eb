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

    /**
     * {@code graceSeconds} 0 (default) revokes now; more reschedules the previous token's expiry.
     * {@code ifUnusedForSeconds} (optional) makes either conditional: refused with
     * {@code PreviousTokenInUseException}, changing nothing, while a live previous token may have been
     * used within that many seconds.
     */
    public record RevokeRequest(String clientId, Long graceSeconds, Long ifUnusedForSeconds, String requestId) {
        public RevokeRequest(String clientId, Long graceSeconds, String requestId) {
            this(clientId, graceSeconds, null, requestId);
        }

        public RevokeRequest(String clientId, Long graceSeconds) {
            this(clientId, graceSeconds, null, null);
        }
    }

    public record StatusRequest(String clientId, Boolean active, String requestId) {
        public StatusRequest(String clientId, Boolean active) {
            this(clientId, active, null);
        }
    }

    /**
     * One client by id, or a page of the list ({@code limit}, {@code cursor}), optionally filtered:
     * {@code inGrace} (has a live previous token, or with false has none), {@code expiringWithinSeconds}
     * (a live previous token expires within that many seconds from now), {@code usedWithinSeconds} (a
     * live previous token may have been used within that many seconds). The filters combine (AND,
     * on the same previous token); a filtered page may hold fewer than {@code limit} clients.
     */
    public record DescribeRequest(String clientId, Integer limit, String cursor, Boolean inGrace,
                                  Long expiringWithinSeconds, Long usedWithinSeconds) {
        public DescribeRequest(String clientId, Integer limit, String cursor) {
            this(clientId, limit, cursor, null, null, null);
        }

        /** Whether any list filter is given. */
        public boolean filtered() {
            return inGrace != null || expiringWithinSeconds != null || usedWithinSeconds != null;
        }
    }
}
