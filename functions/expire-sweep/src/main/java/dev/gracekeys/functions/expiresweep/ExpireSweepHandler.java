package dev.gracekeys.functions.expiresweep;

import dev.gracekeys.core.ops.ExpirySweeper;
import dev.gracekeys.lambda.CurrentInvocation;
import dev.gracekeys.lambda.OpsFunction;
import dev.gracekeys.lambda.Settings;
import io.micronaut.context.ApplicationContextBuilder;
import jakarta.inject.Inject;

import java.time.Duration;

/**
 * {@code expire-sweep}: run daily by an EventBridge schedule (its event is accepted and otherwise
 * ignored), or by hand with {@code {}}. Announces previous tokens expiring within
 * {@code EXPIRING_SOON_LEAD_SECONDS} (default 86400; once each, with their last use), removes
 * expired ones, and reports {@code {"expired","expiringSoon","checkedAt","complete"}}.
 *
 * <p>It sweeps for the Lambda's time left minus {@code SWEEP_DEADLINE_MARGIN_MILLIS} (default
 * 15000), so a run with more work than time stops cleanly with {@code "complete": false} instead
 * of being killed at the timeout; invoking it again continues where it stopped.
 */
public class ExpireSweepHandler extends OpsFunction {

    /** The setting: how long before the Lambda timeout the sweep stops starting work. */
    static final String DEADLINE_MARGIN = "SWEEP_DEADLINE_MARGIN_MILLIS";
    static final int DEFAULT_DEADLINE_MARGIN_MILLIS = 15_000;

    /** The setting: how long before its expiry a previous token is announced (PreviousTokenExpiringSoon). */
    static final String EXPIRING_SOON_LEAD = "EXPIRING_SOON_LEAD_SECONDS";

    ExpirySweeper sweeper;

    @Inject
    Settings settings;

    /**
     * The core's sweeper with the lead time EXPIRING_SOON_LEAD_SECONDS sets (default 86400, 1..a
     * year), read at start-up: a bad value fails the function's init naming the variable, not a run.
     */
    @Inject
    void sweeper(ExpirySweeper core, Settings settings) {
        int lead = settings.intOrDefault(EXPIRING_SOON_LEAD, (int) ExpirySweeper.DEFAULT_LEAD.toSeconds(), 1,
                (int) ExpirySweeper.MAX_LEAD.toSeconds());
        this.sweeper = core.withLead(Duration.ofSeconds(lead));
    }

    @Inject
    CurrentInvocation invocation;

    public ExpireSweepHandler() {
    }

    public ExpireSweepHandler(ApplicationContextBuilder builder) {
        super(builder);
    }

    @Override
    protected Object handle(Object input) {
        long margin = settings.intOrDefault(DEADLINE_MARGIN, DEFAULT_DEADLINE_MARGIN_MILLIS, 0, 900_000);
        // Without a Lambda context (a caller of the class itself) there is no timeout to stop before.
        return invocation.context()
                .map(lambda -> sweeper.sweep(Duration.ofMillis(lambda.getRemainingTimeInMillis() - margin)))
                .orElseGet(sweeper::sweep);
    }
}
