/**
 * Harnesses for the longer reliability runs (soak) and the {@code POST /push} benchmark
 * ({@link dev.gracekeys.reliability.PushBench}); the short ones are tests of this module.
 */
package dev.gracekeys.reliability;
