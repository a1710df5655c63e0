// Shared HTTP plumbing of the seed's REST clients: Node's global fetch with a per-attempt timeout,
// bounded retries with exponential backoff (cockatiel) that honour a server's Retry-After, bodies read
// up to a cap, a hard bound on the requests of one operation, errors that name method, path, status
// and a short body excerpt but never a secret the request carried, and request counters for the bench.
import { handleWhen, isTaskCancelledError, retry, timeout, TimeoutStrategy, wrap } from "cockatiel";
import type { CookieJar } from "tough-cookie";
import type { z } from "zod";
import { describeKind, HttpError, ReadinessTimeoutError, type FailureKind } from "./httpErrors";
import { backoff, budgetScope, parseRetryAfter, readCapped, retryPolicy, type RetryOptions } from "./limits";
import { bodyExcerpt, describePath, redact, requestSecrets } from "./redaction";

export * from "./httpErrors";
export * from "./limits";
export * from "./redaction";

/** The tuning a client's connection may carry (timeouts, retries, limits, logging). */
export type ConnectionTuning = Pick<
    HttpClientOptions,
    "timeoutMs" | "retries" | "retryDelayMs" | "maxRetryDelayMs" | "maxRetryAfterMs" | "maxResponseBytes" | "maxRequestsPerOperation" | "log"
>;

/** Only the tuning fields of a connection (never its URL or credentials). */
export function connectionTuning(c: ConnectionTuning): ConnectionTuning {
    return {
        timeoutMs: c.timeoutMs,
        retries: c.retries,
        retryDelayMs: c.retryDelayMs,
        maxRetryDelayMs: c.maxRetryDelayMs,
        maxRetryAfterMs: c.maxRetryAfterMs,
        maxResponseBytes: c.maxResponseBytes,
        maxRequestsPerOperation: c.maxRequestsPerOperation,
        log: c.log,
    };
}

export interface HttpClientOptions extends RetryOptions {
    /** Name used in messages: "Gitea", "Jenkins". */
    readonly service: string;
    readonly baseUrl: string;
    /** Basic auth sent on every request; `secret` (password or token) is redacted from every message. */
    readonly auth?: { readonly username: string; readonly secret: string };
    /** Per-attempt timeout in ms (default 30000). */
    readonly timeoutMs?: number;
    /** Largest response body read into memory, in bytes (default 16 MiB); a larger one is an error. */
    readonly maxResponseBytes?: number;
    /** Most requests one client operation (with its retries and read-backs) may make (default 100). */
    readonly maxRequestsPerOperation?: number;
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
     * Secrets the request carries that `requestSecrets` cannot find by itself; redacted from every
     * message and log line about this request, like the ones it finds (credentials, tokens, cookies).
     */
    readonly secrets?: readonly string[];
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
    /** What this request carried that must never be shown (see requestSecrets), cookies included. */
    readonly secrets?: readonly string[];
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

    /** The absolute URL of a path below the base URL. */
    resolve(path: string): URL {
        return new URL(this.baseUrl + path);
    }

    /** Redacts this client's credentials (and `extra` secrets) from a string. */
    redact(s: string, extra: readonly string[] = []): string {
        return redact(s, [...this.secrets, ...extra]);
    }

    private log(line: string, extra: readonly string[] = []): void {
        this.options.log?.(this.redact(line, extra));
    }

    /**
     * One attempt. Returns any response but a 5xx or 429; throws HttpError on those (with the
     * server's Retry-After), when no response came, when the body is over the cap, or when the
     * operation's request budget is spent.
     */
    async send(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
        const shown = describePath(req.path, req.query);
        const budget = budgetScope().getStore();
        if (budget) {
            if (budget.left <= 0) throw new HttpError(this.service, req.method, shown, undefined, "budget", `more than ${budget.max} requests in one operation (${budget.what}); stopped`);
            budget.left--;
        }
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
        const secrets = [...this.secrets, ...requestSecrets({ ...req, headers })];
        const started = Date.now();
        let res: Response;
        let text: string | undefined;
        try {
            res = await fetch(url, { method: req.method, headers, body: req.body, redirect: "manual", signal: AbortSignal.any(signals) });
            if (jar) for (const c of res.headers.getSetCookie()) await jar.setCookie(c, url.href, { ignoreError: true });
            text = await readCapped(res, this.options.maxResponseBytes ?? 16 * 1024 * 1024);
        } catch (e) {
            const kind = failureKind(e);
            this.log(`${this.service} ${req.method} ${shown} → ${describeKind(kind)} (${Date.now() - started} ms)`, secrets);
            throw new HttpError(this.service, req.method, shown, undefined, kind, kind === "timeout" ? `no response within ${timeoutMs} ms` : "");
        }
        this.log(`${this.service} ${req.method} ${shown} → ${res.status} (${Date.now() - started} ms)`, secrets);
        if (text === undefined) {
            throw new HttpError(this.service, req.method, shown, undefined, "too-large", `response body larger than ${this.options.maxResponseBytes ?? 16 * 1024 * 1024} bytes; stopped reading`);
        }
        if (res.status >= 500 || res.status === 429) {
            const e = new HttpError(this.service, req.method, shown, res.status, "status", bodyExcerpt(text, secrets));
            e.retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
            throw e;
        }
        return { status: res.status, headers: res.headers, text, secrets };
    }

    /** `send` with bounded retries (see HttpRequest.retryOn). */
    async request(req: HttpRequest): Promise<HttpResponse> {
        const retryOn = req.retryOn ?? (req.method === "POST" ? "refused" : "transient");
        // A 429 was refused before any processing: safe to re-send even when a 5xx would not be.
        const policy = retryPolicy(this.options, (e) => (retryOn === "transient" ? e.transient : e.kind === "refused" || e.status === 429));
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

    /** Every secret to keep out of messages about `req` (and its response, which knows the cookies sent). */
    secretsOf(req: HttpRequest, res?: HttpResponse, extra: readonly string[] = []): string[] {
        return [...this.secrets, ...(res?.secrets ?? requestSecrets(req)), ...extra];
    }

    /** The error for an unexpected response status. */
    fail(req: HttpRequest, res: HttpResponse, extraSecrets: readonly string[] = []): HttpError {
        return new HttpError(this.service, req.method, describePath(req.path, req.query), res.status, "status", bodyExcerpt(res.text, this.secretsOf(req, res, extraSecrets)));
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
            throw new HttpError(this.service, req.method, describePath(req.path, req.query), res.status, "invalid-response", `not JSON: ${bodyExcerpt(res.text, this.secretsOf(req, res))}`);
        }
        const r = schema.safeParse(value);
        if (!r.success) {
            const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
            throw new HttpError(this.service, req.method, describePath(req.path, req.query), res.status, "invalid-response", redact(issues, this.secretsOf(req, res)));
        }
        return r.data;
    }

    /**
     * Polls `probe` until it resolves, for at most `timeoutMs` in total. Transient failures
     * (refused, 5xx, 429, timeouts) are retried with backoff; anything else (401, a wrong URL) fails
     * at once. Bounded by time, so outside any operation's request budget.
     */
    waitUntil<T>(what: string, timeoutMs: number, probe: (signal: AbortSignal) => Promise<T>): Promise<T> {
        return budgetScope().exit(() => this.poll(what, timeoutMs, probe));
    }

    private async poll<T>(what: string, timeoutMs: number, probe: (signal: AbortSignal) => Promise<T>): Promise<T> {
        let last: HttpError | undefined;
        const poll = retry(handleWhen((e) => e instanceof HttpError && e.transient), {
            maxAttempts: Number.MAX_SAFE_INTEGER,
            backoff: backoff({
                retryDelayMs: this.options.retryDelayMs,
                maxRetryDelayMs: Math.min(this.options.maxRetryDelayMs ?? 5000, 5000),
                maxRetryAfterMs: this.options.maxRetryAfterMs,
            }),
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
