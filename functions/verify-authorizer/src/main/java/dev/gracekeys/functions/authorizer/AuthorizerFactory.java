package dev.gracekeys.functions.authorizer;

import dev.gracekeys.lambda.Settings;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** The authorizer's own setting, read once per container: a bad value fails the start-up. */
@Factory
class AuthorizerFactory {

    @Singleton
    IdentitySource identitySource(Settings settings) {
        return IdentitySource.fromSetting(settings.get(IdentitySource.SETTING));
    }
}
