package dev.gracekeys.core;

import dev.gracekeys.core.testing.Fixture;

import java.util.function.UnaryOperator;

/**
 * Scheduled rotation ({@link ScheduledRotationSemantics}) over the in-memory store: fast, and with
 * what needs the in-memory store's fault controls or many simulated minutes.
 */
class ScheduledRotationTest extends ScheduledRotationSemantics {

    @Override
    protected Fixture fixture(UnaryOperator<GraceKeysConfig> settings) {
        return Fixture.inMemory(settings.apply(Fixture.defaults(Fixture.IN_MEMORY_TABLE)));
    }
}
