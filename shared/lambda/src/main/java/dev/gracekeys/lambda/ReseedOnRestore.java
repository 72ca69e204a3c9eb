package dev.gracekeys.lambda;

import dev.gracekeys.core.token.SecureTokenGenerator;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * SnapStart's restore hook for the core's randomness. Lambda builds the core in the init phase,
 * snapshots the process, and restores many containers from that one snapshot: each starts with the
 * token generator's random state as it was at the snapshot, and two of them drawing from the same
 * state would issue the same token. After a restore this hook makes every token generator of the
 * process draw from a new {@code SecureRandom} before its next token
 * ({@link SecureTokenGenerator#reseedAll()}).
 *
 * <p>The hook is here, where the core is wired for Lambda, not in the core: the core offers the
 * reseed and stays free of runtime APIs; when to call it is the runtime's business. The core's other
 * random draws need no hook: the replay cipher makes a new {@code SecureRandom} for each nonce.
 *
 * <p>Registered by {@link CoreFactory} whenever a function's core is built. CRaC's global context
 * holds resources by weak reference, so the hook is a singleton bean: the function's application
 * context holds it, and Lambda keeps the handler that holds the context.
 */
public final class ReseedOnRestore implements Resource {

    /** Where the hook goes: CRaC's global context (Lambda runs its hooks); tests pass their own. */
    @FunctionalInterface
    public interface Registrar {

        void register(Resource resource);

        /** org.crac's global context, whose hooks Lambda runs; without a CRaC runtime they never run. */
        Registrar CRAC = resource -> Core.getGlobalContext().register(resource);
    }

    /** Nothing to do before the snapshot: the random state only becomes shared by the restores. */
    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        SecureTokenGenerator.reseedAll();
    }
}
