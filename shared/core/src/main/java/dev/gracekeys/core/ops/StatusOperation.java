package dev.gracekeys.core.ops;

import dev.gracekeys.core.ConcurrentModificationException;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.core.ops.Results.StatusResult;
import dev.gracekeys.core.store.Replay;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** set-status: deactivates a client (all its tokens are rejected) or reactivates it. */
final class StatusOperation {

    private final OpsContext ctx;

    StatusOperation(OpsContext ctx) {
        this.ctx = ctx;
    }

    StatusResult setStatus(StatusRequest request) {
        if (request == null) {
            throw new ValidationException("the request is empty: send {\"clientId\":\"...\",\"active\":true|false}");
        }
        String clientId = Validation.clientId(request.clientId());
        boolean active = Validation.required(request.active(), "active");
        String requestId = ctx.requestId(request.requestId());
        String fingerprint = OpsContext.fingerprint("set-status", clientId, active);
        Instant now = ctx.now();
        if (ctx.replay(requestId, fingerprint, now) != null) {
            return new StatusResult(clientId, active); // a resend: the first call did it
        }
        ClientRecord before = ctx.existing(clientId);
        if (before.active() == active) {
            return new StatusResult(clientId, active); // already so: no write, no event
        }
        try {
            ctx.changes.apply(RotationRules.setActive(before, active, now), "set-status", now, List.of(
                    DomainEvent.of(DomainEvent.CLIENT_STATUS_CHANGED, now)
                            .with("clientId", clientId).with("active", active).with("changedAt", now).build()),
                    requestId == null ? null : new Replay(requestId, fingerprint, now,
                            Map.of("clientId", clientId, "active", Boolean.toString(active))));
        } catch (ConcurrentModificationException e) {
            if (ctx.replay(requestId, fingerprint, now) != null) {
                return new StatusResult(clientId, active);
            }
            throw e;
        }
        return new StatusResult(clientId, active);
    }
}
