// Shared HTTP plumbing of the seed's REST clients: Node's global fetch with a per-attempt timeout,
// bounded retries with exponential backoff (cockatiel), errors that name method, path, status and a
// short body excerpt but never a credential, and request counters for the bench.
import { ExponentialBackoff, handleWhen, isTaskCancelledError, retry, RetryPolicy, timeout, TimeoutStrategy, wrap } from "cockatiel";
import type { CookieJar } from "tough-cookie";
import type { z } from "zod";

/** Why a request failed: an HTTP status, or no usable response at all. */
export type FailureKind = "status" | "refused" | "reset" | "timeout" | "network" | "invalid-response";

const EXCERPT_MAX = 200;

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

    constructor(
        readonly service: string,
        readonly method: string,
        readonly path: string,
        readonly status: number | undefined,
        readonly kind: FailureKind,
        readonly excerpt: string,
    ) {
        super(`${service} ${method} ${path}: ${status !== undefined ? `HTTP ${status}` : describeKind(kind)}${excerpt ? ` — ${excerpt}` : ""}`);
        this.name = "HttpError";
        this.attempts = 1;
    }

    /** Worth retrying: no response, a timeout, or a 5xx. */
    get transient(): boolean {
        return this.kind === "refused" || this.kind === "reset" || this.kind === "timeout" || this.kind === "network" || (this.kind === "status" && (this.status ?? 0) >= 500);
    }

    /**
     * The server may have applied the request: everything transient except a refused connection
     * (nothing was sent). A POST that failed this way must be reconciled, not blindly re-sent.
     */
    get mayHaveApplied(): boolean {
        return this.transient && this.kind !== "refused";
    }

    /** @internal marks the number of attempts and refreshes the message. */
    withAttempts(n: number): this {
        this.attempts = n;
        if (n > 1 && !this.message.includes(" attempts)")) this.message = `${this.message} (after ${n} attempts)`;
        return this;
    }
}

function describeKind(kind: FailureKind): string {
    switch (kind) {
        case "refused":
            return "connection refused";
        case "reset":
            return "connection reset";
        case "timeout":
            return "timed out";
        case "invalid-response":
            return "unexpected response";
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

export interface RetryOptions {
    /** Retries after the first attempt (default 4). */
    readonly retries?: number;
    /** First backoff delay in ms (default 500); grows exponentially with jitter. */
    readonly retryDelayMs?: number;
    /** Cap of one backoff delay in ms (default 8000). */
    readonly maxRetryDelayMs?: number;
}

/** The tuning a client's connection may carry (timeouts, retries, logging). */
export type ConnectionTuning = Pick<HttpClientOptions, "timeoutMs" | "retries" | "retryDelayMs" | "maxRetryDelayMs" | "log">;

/** Only the tuning fields of a connection (never its URL or credentials). */
export function connectionTuning(c: ConnectionTuning): ConnectionTuning {
    return { timeoutMs: c.timeoutMs, retries: c.retries, retryDelayMs: c.retryDelayMs, maxRetryDelayMs: c.maxRetryDelayMs, log: c.log };
}

export interface HttpClientOptions extends RetryOptions {
    /** Name used in messages: "Gitea", "Jenkins". */
    readonly service: string;
    readonly baseUrl: string;
    /** Basic auth sent on every request; `secret` (password or token) is redacted from every message. */
    readonly auth?: { readonly username: string; readonly secret: string };
    /** Per-attempt timeout in ms (default 30000). */
    readonly timeoutMs?: number;
    /** Counters to bump (shared with the owning client). */
    readonly stats?: { requests: number; writes: number };
    /** Receives one line per request and per retry; lines never contain credentials. */
    readonly log?: (line: string) => void;
}

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface HttpRequest {
    readonly method: Method;
    /** Path below the base URL, starting with "/", segments already encoded. */
    readonly path: string;
    readonly query?: Readonly<Record<string, string>>;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    /**
     * What to retry. "transient" (default except for POST): refused, reset, timeouts and 5xx.
     * "refused" (default for POST): only a refused connection, which cannot have been applied —
     * callers reconcile a POST that may have been applied (409/exists/read-back) instead.
     */
    readonly retryOn?: "transient" | "refused";
}

export interface HttpResponse {
    readonly status: number;
    readonly headers: Headers;
    readonly text: string;
    /** Attempts it took (1 = first try). */
    readonly attempts?: number;
    /** An earlier attempt failed in a way that may have been applied (reset, timeout, 5xx). */
    readonly ambiguous?: boolean;
}

/**
 * Query keys whose values are shown in messages (item names, refs); every other value is redacted.
 * A plain array, not a Set: Pulumi's closure serialization turns a captured Set into a plain object.
 */
const SHOWN_QUERY_KEYS = ["name", "ref", "tree", "depth"];

export function describePath(path: string, query?: Readonly<Record<string, string>>): string {
    const q = Object.entries(query ?? {});
    if (q.length === 0) return path;
    return `${path}?${q.map(([k, v]) => `${k}=${SHOWN_QUERY_KEYS.includes(k) ? v : "***"}`).join("&")}`;
}

/** Turns a response body into a one-line excerpt: JSON `message`, or HTML stripped of tags. */
export function bodyExcerpt(text: string, secrets: readonly string[] = []): string {
    let s = text;
    try {
        const v: unknown = JSON.parse(text);
        if (v && typeof v === "object" && "message" in v && typeof v.message === "string") s = v.message;
    } catch {
        // not JSON
    }
    s = s
        .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
        .replace(/<[^>]*>/g, " ")
        .replace(/&nbsp;/g, " ")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, "&")
        .replace(/\s+/g, " ")
        .trim();
    s = redact(s, secrets);
    return s.length > EXCERPT_MAX ? `${s.slice(0, EXCERPT_MAX - 1)}…` : s;
}

export function redact(s: string, secrets: readonly string[]): string {
    let out = s;
    for (const secret of secrets) {
        if (secret.length >= 4) out = out.split(secret).join("***");
    }
    return out;
}

/** Backoff shared by every retry in the seed: exponential with decorrelated jitter. */
export function backoff(o: RetryOptions): ExponentialBackoff<unknown> {
    const initialDelay = Math.max(1, o.retryDelayMs ?? 500);
    return new ExponentialBackoff({ initialDelay, maxDelay: Math.max(initialDelay, o.maxRetryDelayMs ?? 8000) });
}

/** A cockatiel retry policy over HttpErrors that `filter` accepts, with the client's budget. */
export function retryPolicy(o: RetryOptions, filter: (e: HttpError) => boolean): RetryPolicy {
    return retry(handleWhen((e) => e instanceof HttpError && filter(e)), { maxAttempts: Math.max(0, o.retries ?? 4), backoff: backoff(o) });
}

export class HttpClient {
    readonly stats: { requests: number; writes: number };
    /** When set, cookies are sent from and stored into this jar on every attempt (Jenkins' session). */
    cookieJar?: CookieJar;
    private readonly baseUrl: string;
    private readonly secrets: string[];
    private readonly authHeader?: string;

    constructor(readonly options: HttpClientOptions) {
        this.baseUrl = options.baseUrl.replace(/\/+$/, "");
        this.stats = options.stats ?? { requests: 0, writes: 0 };
        if (options.auth) {
            this.authHeader = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.secret}`).toString("base64")}`;
            this.secrets = [options.auth.secret, this.authHeader, this.authHeader.slice(6)];
        } else {
            this.secrets = [];
        }
    }

    get service(): string {
        return this.options.service;
    }

    /** Redacts this client's credentials (and `extra` secrets) from a string. */
    redact(s: string, extra: readonly string[] = []): string {
        return redact(s, [...this.secrets, ...extra]);
    }

    private log(line: string): void {
        this.options.log?.(this.redact(line));
    }

    /** One attempt. Returns any non-5xx response; throws HttpError on 5xx or when no response came. */
    async send(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
        const shown = describePath(req.path, req.query);
        const url = new URL(this.baseUrl + req.path);
        for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
        const headers: Record<string, string> = { Accept: "application/json", ...req.headers };
        if (this.authHeader) headers.Authorization = this.authHeader;
        const timeoutMs = this.options.timeoutMs ?? 30_000;
        const signals = [AbortSignal.timeout(timeoutMs)];
        if (signal) signals.push(signal);
        this.stats.requests++;
        if (req.method !== "GET") this.stats.writes++;
        const jar = this.cookieJar;
        if (jar) {
            const cookie = await jar.getCookieString(url.href);
            if (cookie) headers.Cookie = cookie;
        }
        const started = Date.now();
        let res: Response;
        let text: string;
        try {
            res = await fetch(url, { method: req.method, headers, body: req.body, redirect: "manual", signal: AbortSignal.any(signals) });
            if (jar) for (const c of res.headers.getSetCookie()) await jar.setCookie(c, url.href, { ignoreError: true });
            text = await res.text();
        } catch (e) {
            const kind = failureKind(e);
            this.log(`${this.service} ${req.method} ${shown} → ${describeKind(kind)} (${Date.now() - started} ms)`);
            throw new HttpError(this.service, req.method, shown, undefined, kind, kind === "timeout" ? `no response within ${timeoutMs} ms` : "");
        }
        this.log(`${this.service} ${req.method} ${shown} → ${res.status} (${Date.now() - started} ms)`);
        if (res.status >= 500) throw new HttpError(this.service, req.method, shown, res.status, "status", bodyExcerpt(text, this.secrets));
        return { status: res.status, headers: res.headers, text };
    }

    /** `send` with bounded retries (see HttpRequest.retryOn). */
    async request(req: HttpRequest): Promise<HttpResponse> {
        const retryOn = req.retryOn ?? (req.method === "POST" ? "refused" : "transient");
        const policy = retryPolicy(this.options, (e) => (retryOn === "transient" ? e.transient : e.kind === "refused"));
        policy.onRetry((r) => {
            const why = "error" in r && r.error instanceof Error ? r.error.message : "failure";
            this.log(`${this.service}: retry ${r.attempt} in ${Math.round(r.delay)} ms after ${why}`);
        });
        let attempts = 0;
        let ambiguous = false;
        try {
            const res = await policy.execute(async ({ signal }) => {
                attempts++;
                try {
                    return await this.send(req, signal);
                } catch (e) {
                    if (e instanceof HttpError && e.mayHaveApplied) ambiguous = true;
                    throw e;
                }
            });
            return { ...res, attempts, ambiguous };
        } catch (e) {
            throw e instanceof HttpError ? e.withAttempts(attempts) : e;
        }
    }

    /** The error for an unexpected response status. */
    fail(req: HttpRequest, res: HttpResponse, extraSecrets: readonly string[] = []): HttpError {
        return new HttpError(this.service, req.method, describePath(req.path, req.query), res.status, "status", bodyExcerpt(res.text, [...this.secrets, ...extraSecrets]));
    }

    /** Requests and insists on one of `ok` statuses. */
    async expect(req: HttpRequest, ...ok: number[]): Promise<HttpResponse> {
        const res = await this.request(req);
        if (!ok.includes(res.status)) throw this.fail(req, res);
        return res;
    }

    /** Parses a JSON response with a zod schema; a mismatch is an HttpError of kind "invalid-response". */
    parse<S extends z.ZodType>(schema: S, req: HttpRequest, res: HttpResponse): z.output<S> {
        let value: unknown;
        try {
            value = JSON.parse(res.text);
        } catch {
            throw new HttpError(this.service, req.method, describePath(req.path, req.query), res.status, "invalid-response", `not JSON: ${bodyExcerpt(res.text, this.secrets)}`);
        }
        const r = schema.safeParse(value);
        if (!r.success) {
            const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
            throw new HttpError(this.service, req.method, describePath(req.path, req.query), res.status, "invalid-response", this.redact(issues));
        }
        return r.data;
    }

    /**
     * Polls `probe` until it resolves, for at most `timeoutMs` in total. Transient failures
     * (refused, 5xx, timeouts) are retried with backoff; anything else (401, a wrong URL) fails at once.
     */
    async waitUntil<T>(what: string, timeoutMs: number, probe: (signal: AbortSignal) => Promise<T>): Promise<T> {
        let last: HttpError | undefined;
        const poll = retry(handleWhen((e) => e instanceof HttpError && e.transient), {
            maxAttempts: Number.MAX_SAFE_INTEGER,
            backoff: backoff({ retryDelayMs: this.options.retryDelayMs, maxRetryDelayMs: Math.min(this.options.maxRetryDelayMs ?? 5000, 5000) }),
        });
        const policy = wrap(timeout(timeoutMs, TimeoutStrategy.Aggressive), poll);
        try {
            return await policy.execute(async ({ signal }) => {
                try {
                    return await probe(signal);
                } catch (e) {
                    // A probe cut short by the overall bound says nothing about the service.
                    if (e instanceof HttpError && !signal.aborted) last = e;
                    throw e;
                }
            });
        } catch (e) {
            if (isTaskCancelledError(e)) {
                throw new ReadinessTimeoutError(
                    `${this.service} at ${this.baseUrl} not ready after ${Math.round(timeoutMs / 100) / 10} s (${what})${last ? `; last failure: ${last.message}` : ""}`,
                );
            }
            throw e;
        }
    }
}

function failureKind(e: unknown): FailureKind {
    if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) return e.name === "TimeoutError" ? "timeout" : "network";
    const codes: string[] = [];
    const collect = (x: unknown, depth: number): void => {
        if (!x || typeof x !== "object" || depth > 3) return;
        const code = (x as { code?: unknown }).code;
        if (typeof code === "string") codes.push(code);
        if (x instanceof AggregateError) for (const inner of x.errors) collect(inner, depth + 1);
        collect((x as { cause?: unknown }).cause, depth + 1);
    };
    collect(e, 0);
    if (codes.includes("ECONNREFUSED")) return "refused";
    if (codes.some((c) => ["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"].includes(c))) return "reset";
    if (codes.some((c) => ["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"].includes(c))) return "timeout";
    return "network";
}
