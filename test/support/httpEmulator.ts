// Shared machinery of the in-process Gitea and Jenkins emulators: a node:http server on 127.0.0.1:0,
// a request log, a count of requests still being served, and fault injection (5xx or 429 bursts —
// optionally AFTER the request was applied, with a Retry-After, or echoing the request the way a
// debugging proxy or a stack-trace page does —, a 302 to a login page as an SSO proxy in front of
// the server answers, reset sockets, refused connections, slow responses, oversized bodies).
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the emulator saw it. `status` 0 = the socket was destroyed without a reply. */
export interface LoggedRequest {
    readonly method: string;
    /** Decoded pathname, without the query. */
    readonly path: string;
    /** The raw query string including "?", or "". */
    readonly query: string;
    readonly status: number;
    /** Request headers, lower-cased names. */
    readonly headers: Readonly<Record<string, string | undefined>>;
    /** True when a fault replaced or delayed the real reply. */
    readonly faulted: boolean;
}

export interface EmulatorRequest {
    readonly method: string;
    /** Decoded pathname. */
    readonly path: string;
    /** Pathname as sent (segments still percent-encoded) — split on "/" then decode each segment. */
    readonly rawPath: string;
    readonly query: URLSearchParams;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
}

export interface Reply {
    status: number;
    headers?: Record<string, string | string[]>;
    body?: string;
}

export type RequestMatcher = (req: { method: string; path: string }) => boolean;

export interface FailOptions {
    /** Status to answer (default 503). */
    readonly status?: number;
    /** Only requests this matches count against the burst (default: every request). */
    readonly match?: RequestMatcher;
    /** Run the real handler first (state changes), then answer the failure — the ambiguous case. */
    readonly afterApply?: boolean;
    /** A Retry-After header for the reply: seconds ("2") or an HTTP-date. */
    readonly retryAfter?: string;
    /**
     * The reply body repeats the request, as an error page that dumps it does: its body, and/or the
     * named request headers (lower case). Named, because a client shows only a short excerpt.
     */
    readonly echo?: { readonly body?: boolean; readonly headers?: readonly string[] };
}

export interface RedirectOptions {
    readonly match?: RequestMatcher;
    /** Location of the 302 (default: a login page that names the request, as SSO proxies do). */
    readonly location?: string;
}

export interface SlowOptions {
    readonly match?: RequestMatcher;
    /** "after" (default): apply, then hold the reply; "before": hold, then apply. */
    readonly phase?: "before" | "after";
}

interface Budget<T> { left: number; readonly opts: T }

/** Fault injection; every budget counts matching requests and then expires. */
export class Faults {
    private fails: Budget<FailOptions>[] = [];
    private resets: Budget<{ match?: RequestMatcher; afterApply?: boolean }>[] = [];
    private slows: (Budget<SlowOptions> & { ms: number })[] = [];
    private redirects: Budget<RedirectOptions>[] = [];
    private canned: Budget<{ match?: RequestMatcher; reply: Reply }>[] = [];
    private huge: Budget<{ match?: RequestMatcher; bytes: number }>[] = [];

    constructor(private readonly server: ServerControl) {}

    /** The next `n` matching requests answer a 5xx (a burst). */
    fail(n: number, opts: FailOptions = {}): this {
        this.fails.push({ left: n, opts });
        return this;
    }

    /** The next `n` matching requests have their socket destroyed without a reply (ECONNRESET / "other side closed"). */
    reset(n: number, opts: { match?: RequestMatcher; afterApply?: boolean } = {}): this {
        this.resets.push({ left: n, opts });
        return this;
    }

    /** The next `n` matching requests get a 302 to a login page instead of reaching the server (SSO proxy, expired session). */
    redirect(n: number, opts: RedirectOptions = {}): this {
        this.redirects.push({ left: n, opts });
        return this;
    }

    /** The next `n` matching requests get `reply` instead (something in front of the server answered: a login page with 200, …). */
    reply(n: number, reply: Reply, opts: { match?: RequestMatcher } = {}): this {
        this.canned.push({ left: n, opts: { ...opts, reply } });
        return this;
    }

    /** The next `n` matching requests get a 200 whose body is `bytes` long (a runaway or hostile server). */
    hugeBody(n: number, bytes: number, opts: { match?: RequestMatcher } = {}): this {
        this.huge.push({ left: n, opts: { ...opts, bytes } });
        return this;
    }

    /** The next `n` matching requests are answered `ms` late. */
    slow(n: number, ms: number, opts: SlowOptions = {}): this {
        this.slows.push({ left: n, ms, opts });
        return this;
    }

    /**
     * Closes the listener and every open connection: new connections are refused (ECONNREFUSED).
     * With `ms`, listens again on the same port after that long; otherwise call `accept()`.
     */
    refuse(ms?: number): Promise<void> {
        return this.server.refuse(ms);
    }

    /** Listens again after `refuse()`. */
    accept(): Promise<void> {
        return this.server.accept();
    }

    /** Drops every pending fault. */
    clear(): void {
        this.fails = [];
        this.resets = [];
        this.slows = [];
        this.redirects = [];
        this.huge = [];
        this.canned = [];
    }

    /** @internal */
    take(req: { method: string; path: string }): {
        fail?: FailOptions;
        reset?: { afterApply?: boolean };
        slow?: { ms: number; phase: "before" | "after" };
        redirect?: RedirectOptions;
        hugeBody?: number;
        canned?: Reply;
    } {
        const pick = <T extends { match?: RequestMatcher }, B extends Budget<T>>(list: B[]): B | undefined => {
            const b = list.find((x) => x.left > 0 && (x.opts.match ? x.opts.match(req) : true));
            if (b) b.left--;
            return b;
        };
        const canned = pick(this.canned);
        const redirect = canned ? undefined : pick(this.redirects);
        const fail = redirect || canned ? undefined : pick(this.fails);
        const reset = fail || redirect || canned ? undefined : pick(this.resets);
        const huge = fail || redirect || reset || canned ? undefined : pick(this.huge);
        const slow = pick(this.slows);
        return {
            fail: fail?.opts,
            reset: reset?.opts,
            slow: slow ? { ms: slow.ms, phase: slow.opts.phase ?? "after" } : undefined,
            redirect: redirect?.opts,
            hugeBody: huge?.opts.bytes,
            canned: canned?.opts.reply,
        };
    }
}

interface ServerControl {
    refuse(ms?: number): Promise<void>;
    accept(): Promise<void>;
}

export interface Emulator<S> {
    /** Base URL, e.g. http://127.0.0.1:43121 (no trailing slash). */
    readonly url: string;
    readonly state: S;
    readonly faults: Faults;
    /** Every request, in arrival order. */
    readonly log: LoggedRequest[];
    /** Requests received and not yet answered (or dropped). */
    readonly inFlight: number;
    /** Called (and awaited) for every request before faults and the handler run (e.g. to change state mid-operation). */
    onRequest: ((req: { method: string; path: string }) => void | Promise<void>) | undefined;
    /** Requests matching method (or "*") and a path test. */
    requests(method?: string, path?: string | RegExp): LoggedRequest[];
    close(): Promise<void>;
}

export type Handler = (req: EmulatorRequest) => Reply | Promise<Reply>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts a server that routes every request through `handler`, with logging and faults. */
export async function startEmulator<S>(state: S, handler: Handler, failBody: (status: number) => Reply): Promise<Emulator<S>> {
    const log: LoggedRequest[] = [];
    let inFlight = 0;
    const sockets = new Set<import("node:net").Socket>();
    let port = 0;
    let listening = false;
    let reopenTimer: NodeJS.Timeout | undefined;

    const server = http.createServer((req, res) => {
        void serve(req, res);
    });
    // Node's default keepAliveTimeout (5 s) closes an idle socket the client may be about to reuse:
    // after a CPU-heavy step (a program run serializing its providers) both timers are overdue and
    // the request can land on a socket the server just closed (ECONNRESET). Let the client — fetch's
    // pool, which drops idle sockets after the server's advertised timeout — always close first.
    server.keepAliveTimeout = 120_000;
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });

    const control: ServerControl = {
        refuse: async (ms) => {
            if (listening) {
                listening = false;
                const closed = new Promise<void>((r) => server.close(() => r()));
                for (const s of sockets) s.destroy();
                server.closeAllConnections();
                await closed;
                // Let clients see their pooled keep-alive sockets close, so the next request dials anew.
                await sleep(20);
            }
            if (ms !== undefined) {
                reopenTimer = setTimeout(() => void control.accept(), ms);
            }
        },
        accept: async () => {
            if (reopenTimer) clearTimeout(reopenTimer);
            reopenTimer = undefined;
            if (listening) return;
            await new Promise<void>((resolve, reject) => {
                server.once("error", reject);
                server.listen(port, "127.0.0.1", () => {
                    server.off("error", reject);
                    resolve();
                });
            });
            listening = true;
        },
    };
    const faults = new Faults(control);

    async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        inFlight++;
        try {
            await serveOne(req, res);
        } finally {
            inFlight--;
        }
    }

    async function serveOne(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const u = new URL(req.url ?? "/", "http://emulator");
        const method = req.method ?? "GET";
        const path = decodePath(u.pathname);
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        await emulator.onRequest?.({ method, path });
        const fault = faults.take({ method, path });
        const record = (status: number) =>
            log.push({ method, path, query: u.search, status, headers, faulted: Boolean(fault.fail || fault.reset || fault.slow || fault.redirect || fault.hugeBody || fault.canned) });
        const body = Buffer.concat(chunks).toString("utf8");

        const apply = () => handler({ method, path, rawPath: u.pathname, query: u.searchParams, headers: req.headers, body });

        try {
            if (fault.slow?.phase === "before") await sleep(fault.slow.ms);
            let reply: Reply;
            if (fault.reset) {
                if (fault.reset.afterApply) await apply();
                record(0);
                req.socket.destroy();
                return;
            }
            if (fault.canned) {
                reply = fault.canned;
            } else if (fault.redirect) {
                const from = encodeURIComponent(`${u.pathname}${u.search}`);
                reply = { status: 302, headers: { Location: fault.redirect.location ?? `/login?from=${from}`, "Content-Type": "text/html" }, body: "" };
            } else if (fault.fail) {
                if (fault.fail.afterApply) await apply();
                reply = failBody(fault.fail.status ?? 503);
                const echo = fault.fail.echo;
                if (echo) {
                    const dump = (echo.headers ?? []).map((h) => `${h}: ${String(req.headers[h] ?? "")}`);
                    const parts = [...(echo.body ? [`request body: ${body}`] : []), ...dump];
                    reply = { ...reply, headers: { "Content-Type": "text/plain" }, body: parts.join("\n") };
                }
                if (fault.fail.retryAfter !== undefined) reply = { ...reply, headers: { ...reply.headers, "Retry-After": fault.fail.retryAfter } };
            } else if (fault.hugeBody !== undefined) {
                reply = { status: 200, headers: { "Content-Type": "application/json" }, body: `"${"x".repeat(fault.hugeBody)}"` };
            } else {
                reply = await apply();
            }
            if (fault.slow?.phase === "after") await sleep(fault.slow.ms);
            if (res.destroyed) {
                record(reply.status);
                return;
            }
            res.writeHead(reply.status, reply.headers);
            record(reply.status);
            res.end(reply.body ?? "");
        } catch (e) {
            record(500);
            if (!res.destroyed) {
                res.writeHead(500, { "Content-Type": "text/plain" });
                res.end(`emulator error: ${String(e)}`);
            }
        }
    }

    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    listening = true;
    port = (server.address() as AddressInfo).port;

    const emulator: Emulator<S> = {
        onRequest: undefined,
        url: `http://127.0.0.1:${port}`,
        state,
        faults,
        log,
        get inFlight() {
            return inFlight;
        },
        requests: (method = "*", p?: string | RegExp) =>
            log.filter((e) => (method === "*" || e.method === method) && (p === undefined || (typeof p === "string" ? e.path === p : p.test(e.path)))),
        close: async () => {
            if (reopenTimer) clearTimeout(reopenTimer);
            for (const s of sockets) s.destroy();
            server.closeAllConnections();
            if (listening) {
                listening = false;
                await new Promise<void>((r) => server.close(() => r()));
            }
        },
    };
    return emulator;
}

function decodePath(p: string): string {
    try {
        return decodeURIComponent(p);
    } catch {
        return p;
    }
}

/** Parses `Authorization: Basic …`; undefined when absent or not basic. */
export function basicAuth(headers: http.IncomingHttpHeaders): { user: string; password: string } | undefined {
    const h = headers.authorization;
    if (!h || !/^basic /i.test(h)) return undefined;
    const decoded = Buffer.from(h.slice(6).trim(), "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i < 0) return undefined;
    return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

export function json(status: number, body: unknown, headers: Record<string, string | string[]> = {}): Reply {
    return { status, headers: { "Content-Type": "application/json;charset=utf-8", ...headers }, body: body === undefined ? "" : JSON.stringify(body) };
}
