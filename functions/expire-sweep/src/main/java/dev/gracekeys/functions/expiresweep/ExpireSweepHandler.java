package dev.gracekeys.functions.expiresweep;

import dev.gracekeys.core.ops.ExpirySweeper;
import dev.gracekeys.lambda.OpsFunction;
import io.micronaut.context.ApplicationContextBuilder;
import jakarta.inject.Inject;

/**
 * {@code expire-sweep}: run daily by an EventBridge schedule (its event is accepted and otherwise
 * ignored), or by hand with {@code {}}. Removes expired previous tokens and reports
 * {@code {"expired","expiringSoon","checkedAt"}}.
 */
public class ExpireSweepHandler extends OpsFunction {

    @Inject
    ExpirySweeper sweeper;

    public ExpireSweepHandler() {
    }

    public ExpireSweepHandler(ApplicationContextBuilder builder) {
        super(builder);
    }

    @Override
    protected Object handle(Object input) {
        return sweeper.sweep();
    }
}
