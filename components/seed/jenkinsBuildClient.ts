// Typed client of the Jenkins endpoints a smoke run drives and follows: the Generic Webhook Trigger's
// invoke endpoint, a queue item, a run and its console. Separate from JenkinsClient (the seed's item
// and credential writes): everything here is a GET — no session, no crumb — except the invoke, which
// Jenkins serves without any login (GWT GenericWebHookRequestReceiver is an UnprotectedRootAction and
// a CrumbExclusion), so it is sent with the webhook token as its only credential, as Gitea sends it.
//
// URLs are always built from the base URL this client was given, never taken from Jenkins' answers:
// Jenkins writes absolute URLs from its configured root URL (JCasC location.url), which is not
// necessarily the address the caller reaches it by.
import { ConnectionTuning, connectionTuning, HttpClient, HttpError, HttpRequest } from "./http";
import { itemUrl, type JenkinsConnection } from "./jenkinsClient";

/** Path of the endpoint the Generic Webhook Trigger plugin serves: where seed.ts points Gitea's webhook (GWT_INVOKE_PATH; a test keeps them equal). */
export const INVOKE_PATH = "/generic-webhook-trigger/invoke";

// Built on use, like the other clients' schemas (a zod instance does not survive Pulumi's closure
// serialization; see jenkinsClient.ts).
const schemas = () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { z } = require("zod") as typeof import("zod");
    // GWT GenericTriggerResults as json-lib writes it: a null url becomes "" (not triggered: id 0).
    const triggerResult = z.object({
        triggered: z.boolean(),
        id: z.number(),
        url: z.string().nullable().default(""),
        regexpFilterText: z.string().nullable().default(""),
        regexpFilterExpression: z.string().nullable().default(""),
        resolvedVariables: z.record(z.string(), z.string()).nullable().default({}),
    });
    return {
        // GenericWebhookResponse: a message and, per job full name, its results — or the message of an
        // exception thrown while triggering that job.
        invoke: z.object({ message: z.string().default(""), jobs: z.record(z.string(), z.union([triggerResult, z.string()])).nullable().default(null) }),
        queueItem: z.object({
            _class: z.string(),
            id: z.number(),
            why: z.string().nullable().optional(),
            cancelled: z.boolean().optional(),
            executable: z.object({ number: z.number() }).loose().nullable().optional(),
        }),
        run: z.object({
            _class: z.string(),
            number: z.number(),
            building: z.boolean(),
            result: z.string().nullable(),
            duration: z.number().optional(),
            timestamp: z.number().optional(),
            queueId: z.number().optional(),
        }),
    };
};

export interface GwtJobResult {
    readonly triggered: boolean;
    /** The queue item's id (0 when not triggered). */
    readonly queueId: number;
    readonly regexpFilterText: string;
    readonly regexpFilterExpression: string;
    readonly resolvedVariables: Readonly<Record<string, string>>;
}

/** What the invoke endpoint answered: per job full name, its result or the error GWT caught; or no job at all. */
export type GwtInvocation =
    | { readonly kind: "jobs"; readonly message: string; readonly jobs: Readonly<Record<string, GwtJobResult | string>> }
    | { readonly kind: "no-job"; readonly message: string };

export interface QueueItemInfo {
    readonly id: number;
    /** hudson.model.Queue$WaitingItem, $BlockedItem, $BuildableItem or $LeftItem. */
    readonly className: string;
    /** Why it still waits (null once left). */
    readonly why: string | null;
    readonly cancelled: boolean;
    /** The run's number once the executor has created it. */
    readonly runNumber?: number;
}

export interface RunInfo {
    readonly number: number;
    /** Run.isBuilding: only `false` says it ended — the result may be set while it still builds. */
    readonly building: boolean;
    /** SUCCESS, UNSTABLE, FAILURE, ABORTED, NOT_BUILT; null while unset. */
    readonly result: string | null;
    readonly durationMs?: number;
    readonly startedAt?: number;
}

export class JenkinsBuildClient {
    readonly stats: { requests: number; writes: number };
    private readonly http: HttpClient;
    private readonly hook: HttpClient;

    constructor(private readonly conn: JenkinsConnection) {
        // Assigned here, not by a field initializer: Pulumi's closure serialization drops those.
        this.stats = { requests: 0, writes: 0 };
        const secret = conn.apiToken ?? conn.password;
        if (!secret) throw new Error("JenkinsConnection needs a password or an apiToken");
        const tuning: ConnectionTuning = connectionTuning(conn);
        this.http = new HttpClient({ service: "Jenkins", baseUrl: conn.url, auth: { username: conn.username, secret }, ...tuning, stats: this.stats });
        this.hook = new HttpClient({ service: "Jenkins", baseUrl: conn.url, ...tuning, stats: this.stats });
    }

    /** The external URL of a run: `<base>/job/<folder>/job/<job>/<n>/`. */
    runUrl(job: string, n: number): string {
        return `${this.conn.url.replace(/\/+$/, "")}${itemUrl(job)}/${n}/`;
    }

    /**
     * POSTs a payload to the Generic Webhook Trigger with `Authorization: Bearer <token>`. Never
     * re-sent after a failure that may have been applied: that could start a second build (a refused
     * connection, which sent nothing, is retried).
     */
    async invokeGenericWebhook(o: { token: string; body: string; headers?: Readonly<Record<string, string>> }): Promise<GwtInvocation> {
        const req: HttpRequest = {
            method: "POST",
            path: INVOKE_PATH,
            headers: { "Content-Type": "application/json", ...o.headers, Authorization: `Bearer ${o.token}` },
            body: o.body,
            secrets: [o.token],
            retryOn: "refused",
        };
        const res = await this.hook.request(req);
        if (res.status === 404 || res.status === 200) {
            const v = this.hook.parse(schemas().invoke, req, res);
            if (res.status === 404 || v.jobs === null) return { kind: "no-job", message: v.message };
            const jobs: Record<string, GwtJobResult | string> = {};
            for (const [name, r] of Object.entries(v.jobs)) {
                jobs[name] =
                    typeof r === "string"
                        ? this.hook.redact(r, [o.token])
                        : { triggered: r.triggered, queueId: r.id, regexpFilterText: r.regexpFilterText ?? "", regexpFilterExpression: r.regexpFilterExpression ?? "", resolvedVariables: r.resolvedVariables ?? {} };
            }
            return { kind: "jobs", message: v.message, jobs };
        }
        throw this.hook.fail(req, res, [o.token]);
    }

    /** GET queue/item/<id>/api/json; undefined on 404 (unknown, or left more than 5 minutes ago). */
    async getQueueItem(id: number): Promise<QueueItemInfo | undefined> {
        const req: HttpRequest = { method: "GET", path: `/queue/item/${id}/api/json`, query: { tree: "id,why,cancelled,executable[number]" } };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.http.fail(req, res);
        const v = this.http.parse(schemas().queueItem, req, res);
        return { id: v.id, className: v._class, why: v.why ?? null, cancelled: v.cancelled ?? false, ...(v.executable ? { runNumber: v.executable.number } : {}) };
    }

    /** GET job/…/<n>/api/json; undefined on 404. */
    async getRun(job: string, n: number): Promise<RunInfo | undefined> {
        const req: HttpRequest = { method: "GET", path: `${itemUrl(job)}/${n}/api/json`, query: { tree: "number,building,result,duration,timestamp,queueId" } };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.http.fail(req, res);
        const v = this.http.parse(schemas().run, req, res);
        return {
            number: v.number,
            building: v.building,
            result: v.result,
            ...(v.duration !== undefined ? { durationMs: v.duration } : {}),
            ...(v.timestamp !== undefined ? { startedAt: v.timestamp } : {}),
        };
    }

    /** GET job/…/<n>/consoleText: the whole log so far (Run.doConsoleText); undefined on 404. */
    async getConsoleText(job: string, n: number): Promise<string | undefined> {
        const req: HttpRequest = { method: "GET", path: `${itemUrl(job)}/${n}/consoleText`, headers: { Accept: "text/plain, */*" } };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.http.fail(req, res);
        const type = res.headers.get("content-type") ?? "";
        // A login page in front of Jenkins answers 200 text/html: not a console.
        if (!type.startsWith("text/plain")) throw new HttpError("Jenkins", req.method, req.path, res.status, "invalid-response", `expected text/plain, got ${type || "no content type"}`);
        return res.text;
    }
}
