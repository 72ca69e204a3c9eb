package dev.gracekeys.core.token;

import java.time.Instant;

/**
 * Where peppers come from: Secrets Manager on AWS ({@code AWSCURRENT} and {@code AWSPREVIOUS}), an
 * environment variable or a generated file locally. Called again after each refresh interval.
 */
@FunctionalInterface
public interface PepperSource {

    /**
     * The peppers as the secret holds them now.
     *
     * @throws RuntimeException when the secret cannot be read (the ring keeps the peppers it has)
     */
    Peppers load();

    /**
     * The pepper in use and, during a pepper rotation, the one before it (else {@code null}).
     *
     * @param currentSince when the current pepper was created (Secrets Manager's version date), or
     *                     {@code null} where the source cannot tell (a fixed local pepper)
     */
    record Peppers(Pepper current, Pepper previous, Instant currentSince) {
        public Peppers {
            java.util.Objects.requireNonNull(current, "current");
            if (current.equals(previous)) {
                previous = null; // a secret with one version lists it under both stages
            }
        }

        public Peppers(Pepper current, Pepper previous) {
            this(current, previous, null);
        }

        /** Just a current pepper, with no previous one. */
        public static Peppers of(Pepper current) {
            return new Peppers(current, null, null);
        }

        /** The same peppers in the same stages (the dates aside). */
        public boolean sameAs(Peppers other) {
            return current.equals(other.current) && java.util.Objects.equals(previous, other.previous);
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
