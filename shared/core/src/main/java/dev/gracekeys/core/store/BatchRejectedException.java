package dev.gracekeys.core.store;

import java.util.Map;

/**
 * The store refused a {@link ClientStore#applyAll} because a condition of one or more of its
 * changes did not hold; nothing was written. It says which changes were refused and why; the
 * others' own conditions held. Internal, like {@link ChangeRejectedException}.
 */
public final class BatchRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Map<Integer, ChangeRejectedException.Reason> refused;

    /** @param refused the refused changes by their position in the request, with the reason */
    public BatchRejectedException(Map<Integer, ChangeRejectedException.Reason> refused) {
        super(refused.size() + " change(s) refused", null, false, false);
        this.refused = Map.copyOf(refused);
    }

    /** Why the change at {@code position} was refused, or {@code null} if its own conditions held. */
    public ChangeRejectedException.Reason reason(int position) {
        return refused.get(position);
    }

    /** The refused changes, by their index in the batch, with the reason of each. */
    public Map<Integer, ChangeRejectedException.Reason> refused() {
        return refused;
    }
}
