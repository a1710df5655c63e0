// The bounds of the seed's REST layer: how long to wait before a retry (exponential backoff, or the
// server's own Retry-After, capped), how many requests one operation may make in all (retries,
// read-backs and nested calls counted together), and how much of a response body is read.
import type { AsyncLocalStorage } from "node:async_hooks";
import { DelegateBackoff, ExponentialBackoff, handleWhen, retry, RetryPolicy } from "cockatiel";
import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from "cockatiel";
import { HttpError } from "./httpErrors";

export interface RetryOptions {
    /** Retries after the first attempt (default 4). */
    readonly retries?: number;
    /** First backoff delay in ms (default 500); grows exponentially with jitter. */
    readonly retryDelayMs?: number;
    /** Cap of one backoff delay in ms (default 8000). */
    readonly maxRetryDelayMs?: number;
    /** Cap of a server's Retry-After in ms (default 60000): a longer one is waited this long. */
    readonly maxRetryAfterMs?: number;
}

/** A Retry-After value (delay-seconds or an HTTP-date, RFC 9110 §10.2.3) in ms from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
    const v = value?.trim();
    if (!v) return undefined;
    if (/^\d+$/.test(v)) return Number(v) * 1000;
    const at = Date.parse(v);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Backoff shared by every retry in the seed: exponential with decorrelated jitter, except after an
 * HttpError carrying the server's Retry-After, which is waited instead (at most maxRetryAfterMs).
 */
export function backoff(o: RetryOptions): IBackoffFactory<IRetryBackoffContext<unknown>> {
    const initialDelay = Math.max(1, o.retryDelayMs ?? 500);
    const exponential = new ExponentialBackoff({ initialDelay, maxDelay: Math.max(initialDelay, o.maxRetryDelayMs ?? 8000) });
    const cap = Math.max(0, o.maxRetryAfterMs ?? 60_000);
    return new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown>>((context, previous) => {
        const step = previous ? previous.next(context) : exponential.next();
        const error = "error" in context.result ? context.result.error : undefined;
        const asked = error instanceof HttpError ? error.retryAfterMs : undefined;
        return { delay: asked !== undefined ? Math.min(asked, cap) : step.duration, state: step };
    });
}

// ---------------------------------------------------------------------------------------------
// The request budget of one operation. An AsyncLocalStorage, so every request an operation makes —
// retries, read-backs, nested client calls — counts against one bound, whoever makes it. Kept on
// globalThis and built on first use: the dynamic providers' serialized closures capture this module,
// and an AsyncLocalStorage instance cannot be serialized.

export interface OperationBudget {
    left: number;
    readonly max: number;
    readonly what: string;
}

export function budgetScope(): AsyncLocalStorage<OperationBudget> {
    const g = globalThis as unknown as Record<symbol, AsyncLocalStorage<OperationBudget> | undefined>;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { AsyncLocalStorage: Scope } = require("node:async_hooks") as typeof import("node:async_hooks");
    return (g[Symbol.for("cistack.seed.requestBudget")] ??= new Scope<OperationBudget>());
}

/**
 * Runs `fn` as one operation that may make at most `max` requests; the next one fails with an
 * HttpError of kind "budget". Inside an operation already bounded, the outer bound applies.
 */
export function withRequestBudget<T>(max: number, what: string, fn: () => Promise<T>): Promise<T> {
    const scope = budgetScope();
    if (scope.getStore()) return fn();
    return scope.run({ left: max, max, what }, fn);
}

/** Reads a body up to `max` bytes; undefined (the stream cancelled) when it is larger. */
export async function readCapped(res: Response, max: number): Promise<string | undefined> {
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (declared > max) {
        await res.body?.cancel();
        return undefined;
    }
    if (!res.body) return "";
    const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
    const decoder = new TextDecoder();
    let size = 0;
    let text = "";
    for (;;) {
        const { done, value } = await reader.read();
        if (done) return text + decoder.decode();
        size += value.byteLength;
        if (size > max) {
            await reader.cancel();
            return undefined;
        }
        text += decoder.decode(value, { stream: true });
    }
}

/** A cockatiel retry policy over HttpErrors that `filter` accepts, with the client's budget. */
export function retryPolicy(o: RetryOptions, filter: (e: HttpError) => boolean): RetryPolicy {
    return retry(handleWhen((e) => e instanceof HttpError && filter(e)), { maxAttempts: Math.max(0, o.retries ?? 4), backoff: backoff(o) });
}
