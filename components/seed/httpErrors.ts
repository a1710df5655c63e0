// The errors of the seed's REST layer. Kept apart from http.ts so the retry and budget helpers
// (limits.ts) can use HttpError without an import cycle; http.ts re-exports everything here.

/** Why a request failed: an HTTP status, or no usable response at all, or a limit of ours. */
export type FailureKind = "status" | "refused" | "reset" | "timeout" | "network" | "invalid-response" | "too-large" | "budget";

/**
 * A failed request. The message names service, method, path (query values other than item names
 * redacted), status or failure kind and a short body excerpt; it never holds a credential.
 */
// Fields are assigned in constructors, never by initializers: Pulumi's closure serialization of the
// dynamic providers (which carry these classes along) drops class field initializers.
export class HttpError extends Error {
    override readonly name: string;
    /** How many attempts were made before giving up (1 = no retry). */
    attempts: number;
    /** The server's Retry-After (429, 503), in ms from when the reply came; undefined when it sent none. */
    retryAfterMs: number | undefined;

    constructor(
        readonly service: string,
        readonly method: string,
        readonly path: string,
        readonly status: number | undefined,
        readonly kind: FailureKind,
        readonly excerpt: string,
    ) {
        // A limit of ours is said in full by the excerpt.
        const what = kind === "too-large" || kind === "budget" ? excerpt : `${status !== undefined ? `HTTP ${status}` : describeKind(kind)}${excerpt ? ` — ${excerpt}` : ""}`;
        super(`${service} ${method} ${path}: ${what}`);
        this.name = "HttpError";
        this.attempts = 1;
        this.retryAfterMs = undefined;
    }

    /** Worth retrying: no response, a timeout, a 5xx, or a 429 (too many requests). */
    get transient(): boolean {
        if (this.kind === "status") return (this.status ?? 0) >= 500 || this.status === 429;
        return this.kind === "refused" || this.kind === "reset" || this.kind === "timeout" || this.kind === "network";
    }

    /**
     * The server may have applied the request: everything transient except a refused connection
     * (nothing was sent) and a 429 (refused before any processing, RFC 6585). A POST that failed
     * this way must be reconciled, not blindly re-sent.
     */
    get mayHaveApplied(): boolean {
        return this.transient && this.kind !== "refused" && this.status !== 429;
    }

    /** @internal marks the number of attempts and refreshes the message. */
    withAttempts(n: number): this {
        this.attempts = n;
        if (n > 1 && !this.message.includes(" attempts)")) this.message = `${this.message} (after ${n} attempts)`;
        return this;
    }
}

export function describeKind(kind: FailureKind): string {
    switch (kind) {
        case "refused":
            return "connection refused";
        case "reset":
            return "connection reset";
        case "timeout":
            return "timed out";
        case "invalid-response":
            return "unexpected response";
        case "too-large":
            return "response too large";
        case "budget":
            return "request budget spent";
        default:
            return "network error";
    }
}

/** A bounded wait (readiness) that ran out. */
export class ReadinessTimeoutError extends Error {
    override readonly name: string;
    constructor(message: string) {
        super(message);
        this.name = "ReadinessTimeoutError";
    }
}
