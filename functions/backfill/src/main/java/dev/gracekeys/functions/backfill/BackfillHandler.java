package dev.gracekeys.functions.backfill;

import com.amazonaws.services.lambda.runtime.Context;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.ops.ImportResult;
import dev.gracekeys.core.ops.LegacyImporter;
import dev.gracekeys.lambda.CurrentInvocation;
import dev.gracekeys.lambda.OpsFunction;
import dev.gracekeys.lambda.Payload;
import dev.gracekeys.lambda.Settings;
import io.micronaut.context.ApplicationContextBuilder;
import jakarta.inject.Inject;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code backfill}: imports legacy keys. {@code {"records":[...]}} or {@code {"s3":{"bucket","key"}}}
 * (JSON lines), {@code "dryRun"?}, {@code "cursor"?} to resume. Answers DESIGN.md's counts plus
 * exact totals of the problems (the lists hold the first {@value ImportResult#MAX_LISTED} of each),
 * {@code nextCursor}: null when the input is done, else where to resume (the function stopped
 * before its deadline, or at a failure), and {@code error}: why it stopped, if it failed.
 *
 * <p>Settings: {@code BACKFILL_CONCURRENCY} (default 4: transactions of up to
 * {@value LegacyImporter#CHUNK} records in flight at once; lower it if DynamoDB throttles the
 * table), {@code BACKFILL_PROGRESS_EVERY} (default 1000 records),
 * {@code BACKFILL_DEADLINE_MARGIN_MILLIS} (default 15000).
 */
public class BackfillHandler extends OpsFunction {

    @Inject
    LegacyImporter importer;

    @Inject
    Settings settings;

    @Inject
    io.micronaut.context.BeanProvider<S3Client> s3;

    @Inject
    CurrentInvocation invocation;

    public BackfillHandler() {
    }

    public BackfillHandler(ApplicationContextBuilder builder) {
        super(builder);
    }

    /**
     * DESIGN.md's response, plus the exact counts of the problems listed, where to resume, and why
     * the run stopped if it failed.
     *
     * <p>A run that fails midway (DynamoDB unavailable for a record, the S3 object breaking off)
     * answers this, not a function error: a function error carries one message, so the conflicts
     * and rejections found before the failure (what the operator must act on) would be lost, or
     * have to be found again by a re-run. It is the deadline's answer with {@code error} set: the
     * counts and problems of the records before {@code nextCursor}, every one of them done, so
     * resuming from {@code nextCursor} loses nothing and the answers add up to one clean run's
     * (as AWS's batch APIs report unprocessed items in a successful answer). Scripts must check
     * {@code error}, not only the invocation's status. Errors before any record is taken (an invalid
     * payload, a missing or unreadable S3 object) remain function errors: nothing was done.
     *
     * @param conflicts     the first {@value ImportResult#MAX_LISTED} conflicts in input order
     * @param rejected      the first {@value ImportResult#MAX_LISTED} rejections in input order
     * @param conflictCount every conflict
     * @param rejectedCount every rejection
     * @param truncated     whether a list holds fewer problems than its count
     * @param nextCursor    where to resume, or {@code null} when the input is done
     * @param error         why the run stopped at {@code nextCursor}, or {@code null} (done, or the deadline)
     */
    public record BackfillResponse(boolean dryRun, int read, int imported, int skipped,
                                   List<ImportResult.Problem> conflicts, List<ImportResult.Problem> rejected,
                                   int conflictCount, int rejectedCount, boolean truncated,
                                   String nextCursor, ImportResult.Stop error) {
    }

    @Override
    protected Object handle(Object input) {
        Payload p = Payload.of(input, "records", "s3", "dryRun", "cursor");
        boolean dryRun = Boolean.TRUE.equals(p.bool("dryRun"));
        int from = cursor(p.string("cursor"));
        List<?> records = p.list("records");
        Payload location = p.object("s3", "bucket", "key");
        if ((records == null) == (location == null)) {
            throw new ValidationException("give either records (an array of {clientId, key|sha256, name?, createdAt?})"
                    + " or s3 ({\"bucket\",\"key\"} of a JSON-lines file), not both and not neither");
        }
        BackfillJob job = new BackfillJob(importer,
                settings.intOrDefault("BACKFILL_CONCURRENCY", LegacyImporter.DEFAULT_CONCURRENCY, 1, 64),
                settings.intOrDefault("BACKFILL_PROGRESS_EVERY", 1000, 1, 10_000_000),
                settings.intOrDefault("BACKFILL_DEADLINE_MARGIN_MILLIS", 15_000, 0, 900_000));
        Context lambda = invocation.context().orElse(null);
        java.util.function.LongSupplier remaining = lambda == null
                ? () -> Long.MAX_VALUE
                : () -> lambda.getRemainingTimeInMillis();

        BackfillJob.Outcome outcome = null;
        if (records != null) {
            outcome = job.run(Sources.inline(records, from), dryRun, remaining);
        } else {
            String bucket = required(location.string("bucket"), "s3.bucket");
            String key = required(location.string("key"), "s3.key");
            ResponseInputStream<GetObjectResponse> object;
            try {
                object = s3.get().getObject(r -> r.bucket(bucket).key(key));
            } catch (NoSuchKeyException e) {
                throw new ValidationException("s3://" + bucket + "/" + key + " does not exist: check bucket and key");
            } catch (SdkException e) {
                throw new dev.gracekeys.core.StoreUnavailableException("cannot read s3://" + bucket + "/" + key + " ("
                        + e.getClass().getSimpleName() + "): check the object and the function's s3:GetObject permission", null);
            }
            Long length = object.response().contentLength();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                    length == null ? object : Sources.ofLength(object, length), StandardCharsets.UTF_8))) {
                outcome = job.run(Sources.jsonLines(reader, from), dryRun, remaining);
            } catch (IOException | UncheckedIOException | SdkException e) {
                if (outcome == null) { // skipping to the cursor broke off: nothing was done
                    throw new dev.gracekeys.core.StoreUnavailableException("reading s3://" + bucket + "/" + key
                            + " broke off before record " + from + "; run again with the same cursor", null);
                }
                // else closing the object failed after the run: its outcome stands
            }
        }
        ImportResult r = outcome.result();
        return new BackfillResponse(r.dryRun(), r.read(), r.imported(), r.skipped(), r.conflicts(), r.rejected(),
                r.conflictCount(), r.rejectedCount(), r.truncated(),
                outcome.nextCursor() == null ? null : outcome.nextCursor().toString(), r.stop());
    }

    private static int cursor(String cursor) {
        if (cursor == null) {
            return 0;
        }
        try {
            int n = Integer.parseInt(cursor);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new ValidationException("cursor must be the nextCursor a previous backfill returned (a record index)");
    }

    private static String required(String v, String name) {
        if (v == null || v.isBlank()) {
            throw new ValidationException(name + " is required");
        }
        return v;
    }
}
