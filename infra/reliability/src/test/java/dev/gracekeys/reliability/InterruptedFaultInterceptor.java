package dev.gracekeys.reliability;

import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An SDK interceptor, registered as a bean so the production {@code AwsClients} attaches it to the
 * handler's own DynamoDB client, that breaks {@code TransactWriteItems} calls at a chosen point of
 * their way, as a network failure would (an {@link SdkClientException} caused by an
 * {@link IOException}, which the SDK treats as retryable):
 * <ul>
 *   <li>{@link Point#BEFORE_TRANSMISSION}: the request never leaves;</li>
 *   <li>{@link Point#AFTER_TRANSMISSION}: DynamoDB received and executed it; the answer is lost;</li>
 *   <li>{@link Point#MODIFY_RESPONSE}: the answer arrived and was read, then the connection broke.</li>
 * </ul>
 * It breaks the next {@code failures} attempts (the SDK's retries included), then lets them through;
 * it records every attempt's {@code ClientRequestToken}, to show that a retry repeats it.
 */
final class InterruptedFaultInterceptor implements ExecutionInterceptor {

    enum Point { BEFORE_TRANSMISSION, AFTER_TRANSMISSION, MODIFY_RESPONSE }

    private volatile Point point;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile Predicate<TransactWriteItemsRequest> which = r -> true;
    private final List<String> attemptTokens = new CopyOnWriteArrayList<>();
    private final AtomicInteger injected = new AtomicInteger();

    /** Breaks the next {@code failures} matching attempts at {@code at} ({@link Integer#MAX_VALUE}: all). */
    void arm(Point at, int failures) {
        arm(at, failures, r -> true);
    }

    void arm(Point at, int failures, Predicate<TransactWriteItemsRequest> matching) {
        which = matching;
        point = at;
        failuresLeft.set(failures);
        attemptTokens.clear();
        injected.set(0);
    }

    void disarm() {
        point = null;
        failuresLeft.set(0);
    }

    /** The ClientRequestToken of every TransactWriteItems attempt since {@link #arm}. */
    List<String> attemptTokens() {
        return List.copyOf(attemptTokens);
    }

    int injected() {
        return injected.get();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (context.request() instanceof TransactWriteItemsRequest r && point != null && which.test(r)) {
            attemptTokens.add(r.clientRequestToken());
        }
        maybeFail(Point.BEFORE_TRANSMISSION, context.request(), attributes);
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        maybeFail(Point.AFTER_TRANSMISSION, context.request(), attributes);
    }

    @Override
    public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
        maybeFail(Point.MODIFY_RESPONSE, context.request(), attributes);
        return context.response();
    }

    private void maybeFail(Point here, Object request, ExecutionAttributes attributes) {
        if (here != point || !(request instanceof TransactWriteItemsRequest r) || !which.test(r)
                || !"TransactWriteItems".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
            return;
        }
        if (failuresLeft.getAndUpdate(n -> n == Integer.MAX_VALUE ? n : Math.max(0, n - 1)) > 0) {
            injected.incrementAndGet();
            throw SdkClientException.create("injected network failure " + here,
                    new IOException("injected: connection reset (" + here + ")"));
        }
    }
}
