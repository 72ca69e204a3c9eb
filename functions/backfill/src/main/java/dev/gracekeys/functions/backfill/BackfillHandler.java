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
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
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
 * {@code nextCursor}: null when the input is done, else where to resume (the function stopped
 * before its deadline).
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

    /** DESIGN.md's response, plus where to resume. */
    public record BackfillResponse(boolean dryRun, int read, int imported, int skipped,
                                   List<ImportResult.Problem> conflicts, List<ImportResult.Problem> rejected,
                                   String nextCursor) {
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

        BackfillJob.Outcome outcome;
        if (records != null) {
            outcome = job.run(Sources.inline(records, from), dryRun, remaining);
        } else {
            String bucket = required(location.string("bucket"), "s3.bucket");
            String key = required(location.string("key"), "s3.key");
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                    s3.get().getObject(r -> r.bucket(bucket).key(key)), StandardCharsets.UTF_8))) {
                outcome = job.run(Sources.jsonLines(reader, from), dryRun, remaining);
            } catch (NoSuchKeyException e) {
                throw new ValidationException("s3://" + bucket + "/" + key + " does not exist: check bucket and key");
            } catch (SdkException e) {
                throw new dev.gracekeys.core.StoreUnavailableException("cannot read s3://" + bucket + "/" + key + " ("
                        + e.getClass().getSimpleName() + "): check the object and the function's s3:GetObject permission", null);
            } catch (IOException | UncheckedIOException e) {
                throw new dev.gracekeys.core.StoreUnavailableException("reading s3://" + bucket + "/" + key
                        + " broke off; run again with the same cursor", null);
            }
        }
        ImportResult r = outcome.result();
        return new BackfillResponse(r.dryRun(), r.read(), r.imported(), r.skipped(), r.conflicts(), r.rejected(),
                outcome.nextCursor() == null ? null : outcome.nextCursor().toString());
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
