/** Harnesses for the longer reliability runs (soak); the short ones are tests of this module. */
package dev.gracekeys.reliability;
