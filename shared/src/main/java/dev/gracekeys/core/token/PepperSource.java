package dev.gracekeys.core.token;

/**
 * Where peppers come from: Secrets Manager on AWS ({@code AWSCURRENT} and {@code AWSPREVIOUS}), an
 * environment variable or a generated file locally. Called again after each refresh interval.
 */
@FunctionalInterface
public interface PepperSource {

    Peppers load();

    /** The pepper in use and, during a pepper rotation, the one before it (else {@code null}). */
    record Peppers(Pepper current, Pepper previous) {
        public Peppers {
            java.util.Objects.requireNonNull(current, "current");
            if (current.equals(previous)) {
                previous = null; // a secret with one version lists it under both stages
            }
        }

        public static Peppers of(Pepper current) {
            return new Peppers(current, null);
        }

        @Override
        public String toString() {
            return "Peppers[<redacted>]";
        }
    }

    static PepperSource fixed(Pepper pepper) {
        Peppers p = Peppers.of(pepper);
        return () -> p;
    }
}
