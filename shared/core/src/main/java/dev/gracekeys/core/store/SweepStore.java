package dev.gracekeys.core.store;

import dev.gracekeys.core.token.TokenKey;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The store as the expiry sweep sees it: the {@link ClientStore}, plus the expiry index read page
 * by page and the once-per-token claim of the {@code PreviousTokenExpiringSoon} notice.
 *
 * <p>A port of its own (rather than more methods on {@code ClientStore}) so that stores and test
 * doubles that never run the sweep need not implement them.
 */
public interface SweepStore extends ClientStore {

    /**
     * Previous-token items with {@code after < expiresAt <= until} ({@code after} may be null for
     * no lower bound), read lazily from the sparse expiry index: a page is fetched only when the
     * iteration reaches it, so a caller that stops early (at its deadline) has read no more than
     * it worked through, and memory holds one page. Items written or removed while iterating may
     * or may not be seen; each iteration starts a fresh read.
     *
     * @throws dev.gracekeys.core.StoreUnavailableException from {@code hasNext} when DynamoDB fails
     */
    Iterable<ExpiringToken> previousTokensExpiring(Instant after, Instant until);

    /**
     * {@inheritDoc} Read through {@link #previousTokensExpiring}, to the end.
     *
     * @throws dev.gracekeys.core.StoreUnavailableException when the store fails
     */
    @Override
    default List<ExpiringToken> findPreviousTokensExpiring(Instant after, Instant until) {
        List<ExpiringToken> found = new ArrayList<>();
        previousTokensExpiring(after, until).forEach(found::add);
        return found;
    }

    /** The most tokens one {@link #expiringSoonNoticesSent} reads in one request. */
    int MAX_NOTICE_READ = 100;

    /**
     * Which of these tokens (at most {@link #MAX_NOTICE_READ}) have their expiring-soon notice
     * claimed already for the expiry they are given with. One cheap read (not necessarily the latest
     * state) that spares a claim, a write, for every notice already sent, so a re-run costs reads
     * only; {@link #claimExpiringSoonNotice} stays the check.
     *
     * @throws dev.gracekeys.core.StoreUnavailableException when DynamoDB fails
     */
    Set<TokenKey> expiringSoonNoticesSent(List<ExpiringToken> tokens);

    /**
     * Claims the right to announce this token's coming expiry, atomically: succeeds only if the
     * item is still this client's previous token with this very expiry, and no one has claimed the
     * notice for that expiry yet (another run, or a concurrent sweeper). So at most one caller ever
     * gets the claim for a token and expiry. Moving the token's expiry (revoke-old with
     * {@code graceSeconds}) makes the new expiry claimable once more.
     *
     * @return the claim, with the token's {@code lastUsedAt} as the claim read it; empty when
     *         someone else holds it or the token changed
     * @throws dev.gracekeys.core.StoreUnavailableException when DynamoDB fails
     */
    Optional<NoticeClaim> claimExpiringSoonNotice(ExpiringToken token);

    /**
     * Gives a claim back (the notice could not be published), so a later run claims and sends it.
     * Does nothing if the claim is no longer there (the token was removed or changed meanwhile).
     *
     * @throws dev.gracekeys.core.StoreUnavailableException when DynamoDB fails
     */
    void releaseExpiringSoonNotice(NoticeClaim claim);

    /**
     * A held claim on a token's expiring-soon notice.
     *
     * @param lastUsedAt the token's last use when claimed; null if it was never used
     */
    record NoticeClaim(ExpiringToken token, Instant lastUsedAt) {
    }
}
