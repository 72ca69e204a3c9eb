package dev.gracekeys.lambda;

import org.crac.Resource;

import java.util.ArrayList;
import java.util.List;

/**
 * Stands in for CRaC's global context, which on a JVM without CRaC accepts hooks and never runs
 * them: registered as a bean, it receives the runtime hooks a function's wiring registers, so a
 * test can check them and run them as Lambda would after a restore.
 */
public final class CapturingRegistrar implements ReseedOnRestore.Registrar {

    private final List<Resource> registered = new ArrayList<>();

    @Override
    public synchronized void register(Resource resource) {
        registered.add(resource);
    }

    public synchronized List<Resource> registered() {
        return List.copyOf(registered);
    }

    /** Lambda's side of a restore: every registered hook's {@code afterRestore}. */
    public void restore() throws Exception {
        for (Resource r : registered()) {
            r.afterRestore(null);
        }
    }
}
