// Typed client of the Jenkins REST endpoints the seed uses: items (jobs and cloudbees folders) by
// config.xml and api/json, folder descriptions, and folder-scoped credentials. Every call checks the
// success signal Jenkins' own code sends for it (cited per method), not just "a 2xx or a 3xx": an SSO
// proxy's 302 to its login page, or its 200 login page, must never pass for a delete or a create.
//
// One JenkinsClient owns one HTTP session: a tough-cookie jar and the CSRF crumb from
// GET /crumbIssuer/api/json, fetched ONCE and sent on every POST. Since Jenkins 2.176.2
// (SECURITY-626) a crumb is only valid with the session it was issued for, so a 403 "No valid crumb"
// (session expired, controller restarted) drops the session, fetches one new crumb and retries once.
// With an API token (basic auth) Jenkins needs no crumb at all (CrumbFilter skips token-authenticated
// requests), so token mode never fetches one. Compare node-jenkins, which asks for a crumb before
// every POST: N writes cost it 2N requests, this client N + 1.
import { CookieJar } from "tough-cookie";
import { ConnectionTuning, connectionTuning, HttpClient, HttpError, HttpRequest, HttpResponse } from "./http";

export interface JenkinsConnection extends ConnectionTuning {
    /** Base URL, e.g. http://10.0.24.28:30808 (Jenkins' context path included if any). */
    url: string;
    username: string;
    /** Password: the client keeps a session and a crumb. */
    password?: string;
    /** API token instead of a password: no session, no crumb. Wins when both are given. */
    apiToken?: string;
}

// Built on use and never kept in module scope: a zod schema instance does not survive Pulumi's
// closure serialization of the dynamic providers (zod's internal modules are not in its package
// exports: "package.json export path for zod/v4/classic/schemas.cjs not found").
const crumbSchema = () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { z } = require("zod") as typeof import("zod");
    return z.object({ crumb: z.string().min(1), crumbRequestField: z.string().min(1) });
};
export const jenkinsCrumbSchema = crumbSchema;

const jsonSchemas = () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see crumbSchema
    const { z } = require("zod") as typeof import("zod");
    return {
        // Every api/json object names its class (Stapler's exporter); a login page does not parse.
        root: z.object({ _class: z.string() }).loose(),
        item: z.object({
            _class: z.string(),
            description: z.string().nullable().optional(),
            primaryView: z.object({ name: z.string(), description: z.string().nullable().optional() }).loose().optional(),
            jobs: z.array(z.object({ name: z.string() }).loose()).optional(),
        }),
        credentials: z.object({ credentials: z.array(z.object({ id: z.string() }).loose()) }).loose(),
        notification: z.object({ notificationType: z.string(), message: z.string().optional() }).loose(),
    };
};

/** What GET {item}/api/json tells about an item. */
export interface JenkinsItemInfo {
    /** The item's class, e.g. com.cloudbees.hudson.plugins.folder.Folder, org.jenkinsci.plugins.workflow.job.WorkflowJob. */
    readonly className: string;
    readonly description: string;
    /** Folders only: the primary view's description (what submitDescription on a folder sets). */
    readonly viewDescription?: string;
    /** Folders only: the names of the items directly inside. */
    readonly jobs?: string[];
}

const XML = { "Content-Type": "application/xml; charset=utf-8", Accept: "application/xml, text/xml, */*" };

/** "ci/notes-app" → "/job/ci/job/notes-app" (each name URL-encoded). */
export function itemUrl(path: string): string {
    const names = splitPath(path);
    return names.map((n) => `/job/${encodeURIComponent(n)}`).join("");
}

function splitPath(path: string): string[] {
    const names = path.split("/").filter((n) => n !== "");
    if (names.length === 0) throw new Error(`Jenkins item path "${path}" is empty`);
    return names;
}

export class JenkinsClient {
    readonly stats: { requests: number; writes: number; crumbs: number };
    private readonly http: HttpClient;
    private readonly tokenMode: boolean;
    /** undefined: not fetched in this session; null: Jenkins has no crumb issuer (CSRF protection off). */
    private crumb: Promise<{ field: string; value: string } | null> | undefined;

    constructor(conn: JenkinsConnection) {
        // Assigned here, not by a field initializer: Pulumi's closure serialization drops those.
        this.stats = { requests: 0, writes: 0, crumbs: 0 };
        const secret = conn.apiToken ?? conn.password;
        if (!secret) throw new Error("JenkinsConnection needs a password or an apiToken");
        this.tokenMode = conn.apiToken !== undefined;
        this.http = new HttpClient({
            service: "Jenkins",
            baseUrl: conn.url,
            auth: { username: conn.username, secret },
            ...connectionTuning(conn),
            stats: this.stats,
        });
        this.http.cookieJar = new CookieJar();
    }

    /**
     * Waits (bounded, default 10 min) until GET /api/json answers 200 with Jenkins' JSON (a `_class`);
     * 503 "getting ready" is waited out, and a 200 that is not Jenkins' JSON (a proxy's page) fails.
     */
    async waitReady(timeoutMs = 600_000): Promise<void> {
        const req: HttpRequest = { method: "GET", path: "/api/json", query: { tree: "mode" } };
        await this.http.waitUntil("GET /api/json", timeoutMs, async (signal) => {
            const res = await this.http.send(req, signal);
            if (res.status !== 200) throw this.http.fail(req, res);
            this.http.parse(jsonSchemas().root, req, res);
        });
    }

    /** An item's config.xml, or undefined on 404. */
    async getItemConfig(path: string): Promise<string | undefined> {
        return this.getXml(`${itemUrl(path)}/config.xml`);
    }

    /** An item's class, description and (folders) primary view and items, from its api/json; undefined on 404. */
    async getItem(path: string): Promise<JenkinsItemInfo | undefined> {
        const req: HttpRequest = { method: "GET", path: `${itemUrl(path)}/api/json`, query: { tree: "description,primaryView[name,description],jobs[name]" } };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.http.fail(req, res);
        const v = this.http.parse(jsonSchemas().item, req, res);
        return {
            className: v._class,
            description: v.description ?? "",
            ...(v.primaryView ? { viewDescription: v.primaryView.description ?? "" } : {}),
            ...(v.jobs ? { jobs: v.jobs.map((j) => j.name) } : {}),
        };
    }

    /**
     * POST {parent}/createItem?name=X with the XML. Success is a 200 with an empty body (core
     * ItemGroupMixIn.createTopLevelItem: setStatus(200), nothing written). A 400 with X-Error "A job
     * already exists with the name ‘X’" → "exists", or "retried" when an earlier attempt of this call
     * failed in a way that may have been applied (the item is then most likely ours).
     */
    async createItem(path: string, xml: string): Promise<"created" | "exists" | "retried"> {
        const names = splitPath(path);
        const name = names[names.length - 1]!;
        const req: HttpRequest = {
            method: "POST",
            path: `${names.length > 1 ? itemUrl(names.slice(0, -1).join("/")) : ""}/createItem`,
            query: { name },
            headers: XML,
            body: xml,
            // Safe to re-send: a second create of the same name is refused with "already exists".
            retryOn: "transient",
        };
        const res = await this.post(req);
        if (res.status === 200) {
            this.expectEmpty(req, res);
            return "created";
        }
        const xError = decodeHeader(res.headers.get("x-error"));
        if (res.status === 400 && /already exists/i.test(xError ?? "")) return res.ambiguous ? "retried" : "exists";
        throw this.failWith(req, res, xError);
    }

    /**
     * POST {item}/config.xml: replaces the item's configuration with null-out semantics (core
     * AbstractItem.updateByXml): whatever the XML leaves out is gone — never use it on a folder, whose
     * credential store, views and properties live in its config.xml. Success: 200, empty body.
     */
    async updateItemConfig(path: string, xml: string): Promise<void> {
        const req: HttpRequest = { method: "POST", path: `${itemUrl(path)}/config.xml`, headers: XML, body: xml, retryOn: "transient" };
        const res = await this.post(req);
        if (res.status !== 200) throw this.failWith(req, res, decodeHeader(res.headers.get("x-error")));
        this.expectEmpty(req, res);
    }

    /**
     * POST {item}/submitDescription: changes a description and nothing else. On a cloudbees folder it
     * is the primary view's description (AbstractFolder.doSubmitDescription delegates to
     * View.doSubmitDescription); on a job the job's (AbstractItem). Success: a redirect to the item ("."
     * resolved against the request).
     */
    async submitDescription(path: string, description: string): Promise<void> {
        const req: HttpRequest = {
            method: "POST",
            path: `${itemUrl(path)}/submitDescription`,
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ description }).toString(),
            retryOn: "transient",
        };
        const res = await this.post(req);
        this.expectRedirect(req, res, `${itemUrl(path)}/`);
    }

    /**
     * POST {item}/doDelete; an absent item is fine. A folder takes its items and credentials along.
     * Success: a redirect to the parent's URL (core AbstractItem.doDoDelete: sendRedirect2 to the
     * nearest ViewGroup ancestor); a redirect anywhere else (a login page) deleted nothing.
     */
    async deleteItem(path: string): Promise<void> {
        const names = splitPath(path);
        const req: HttpRequest = { method: "POST", path: `${itemUrl(path)}/doDelete`, retryOn: "transient" };
        const res = await this.post(req);
        if (res.status === 404) return;
        this.expectRedirect(req, res, names.length > 1 ? `${itemUrl(names.slice(0, -1).join("/"))}/` : "/");
    }

    /** A folder credential's config.xml (secrets come back as <secret-redacted/>), or undefined on 404. */
    async getCredentialConfig(folder: string, id: string): Promise<string | undefined> {
        return this.getXml(`${credentialStore(folder)}/credential/${encodeURIComponent(id)}/config.xml`);
    }

    /** Ids of the credentials in a folder's store (global domain); [] when the folder is gone. */
    async listCredentialIds(folder: string): Promise<string[]> {
        const req: HttpRequest = { method: "GET", path: `${credentialStore(folder)}/api/json`, query: { tree: "credentials[id]" } };
        const res = await this.http.request(req);
        if (res.status === 404) return [];
        if (res.status !== 200) throw this.http.fail(req, res);
        return this.http.parse(jsonSchemas().credentials, req, res).credentials.map((c) => c.id);
    }

    /**
     * Creates a credential in the folder's store from XML. Success: 200, empty body; 409 (the id
     * exists) → "exists" (credentials plugin CredentialsStoreAction.DomainWrapper.doCreateCredentials).
     */
    async createCredential(folder: string, xml: string): Promise<"created" | "exists"> {
        const req: HttpRequest = { method: "POST", path: `${credentialStore(folder)}/createCredentials`, headers: XML, body: xml, retryOn: "transient" };
        const res = await this.post(req);
        if (res.status === 409) return "exists";
        if (res.status !== 200) throw this.http.fail(req, res);
        this.expectEmpty(req, res);
        return "created";
    }

    /** POST …/credential/{id}/config.xml. Success: 200, empty body. */
    async updateCredential(folder: string, id: string, xml: string): Promise<void> {
        const req: HttpRequest = {
            method: "POST",
            path: `${credentialStore(folder)}/credential/${encodeURIComponent(id)}/config.xml`,
            headers: XML,
            body: xml,
            retryOn: "transient",
        };
        const res = await this.post(req);
        if (res.status !== 200) throw this.http.fail(req, res);
        this.expectEmpty(req, res);
    }

    /**
     * Deletes a folder credential; an absent one (or an absent folder) is fine. Asked for JSON,
     * CredentialsWrapper.doDoDelete answers 200 whether or not it deleted: its notificationType
     * (SUCCESS / ERROR) is the signal. An ERROR for a credential that is gone anyway (deleted
     * concurrently) is fine; one that is still there is an error.
     */
    async deleteCredential(folder: string, id: string): Promise<void> {
        const req: HttpRequest = {
            method: "POST",
            path: `${credentialStore(folder)}/credential/${encodeURIComponent(id)}/doDelete`,
            headers: { Accept: "application/json" },
            retryOn: "transient",
        };
        const res = await this.post(req);
        if (res.status === 404) return;
        if (res.status !== 200) throw this.http.fail(req, res);
        const n = this.http.parse(jsonSchemas().notification, req, res);
        if (n.notificationType === "SUCCESS") return;
        if ((await this.getCredentialConfig(folder, id)) === undefined) return;
        throw new HttpError("Jenkins", req.method, req.path, res.status, "status", `${n.notificationType}: ${n.message ?? "no message"} (the credential is still there)`);
    }

    private async getXml(path: string): Promise<string | undefined> {
        const req: HttpRequest = { method: "GET", path, headers: { Accept: "application/xml, text/xml, */*" } };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.http.fail(req, res);
        return res.text;
    }

    /**
     * Every POST goes through here: the session's crumb is attached (fetched once per session); a 403
     * "No valid crumb" means the session is gone — a fresh session + crumb, and exactly one retry.
     */
    private async post(req: HttpRequest): Promise<HttpResponse> {
        const send = async () => this.http.request({ ...req, headers: { ...req.headers, ...(await this.crumbHeader()) } });
        const res = await send();
        if (this.tokenMode || !isStaleCrumb(res)) return res;
        this.resetSession();
        const again = await send();
        if (isStaleCrumb(again)) {
            throw new HttpError("Jenkins", req.method, req.path, 403, "status", "No valid crumb even with a fresh session and crumb — is a proxy dropping the session cookie?");
        }
        return again;
    }

    private resetSession(): void {
        this.http.cookieJar = new CookieJar();
        this.crumb = undefined;
    }

    private async crumbHeader(): Promise<Record<string, string>> {
        if (this.tokenMode) return {};
        // Concurrent POSTs of one client share one crumb request.
        this.crumb ??= this.fetchCrumb().catch((e: unknown) => {
            this.crumb = undefined;
            throw e;
        });
        const c = await this.crumb;
        return c ? { [c.field]: c.value } : {};
    }

    private async fetchCrumb(): Promise<{ field: string; value: string } | null> {
        const req: HttpRequest = { method: "GET", path: "/crumbIssuer/api/json" };
        this.stats.crumbs++;
        const res = await this.http.request(req);
        // No crumb issuer: CSRF protection is disabled on this controller.
        if (res.status === 404) return null;
        if (res.status !== 200) throw this.http.fail(req, res);
        const c = this.http.parse(crumbSchema(), req, res);
        return { field: c.crumbRequestField, value: c.crumb };
    }

    /** A 200 where Jenkins writes no body: anything in it (a login page served with 200) is not Jenkins' answer. */
    private expectEmpty(req: HttpRequest, res: HttpResponse): void {
        if (res.text.trim() === "") return;
        const e = this.http.fail(req, res);
        throw new HttpError(e.service, e.method, e.path, res.status, "invalid-response", `a 200 with a body where Jenkins sends none, not Jenkins' answer (a login page or proxy?): ${e.excerpt}`);
    }

    /** A 302/303 whose Location (resolved against the request) is `expected` below the base URL; anything else is an error. */
    private expectRedirect(req: HttpRequest, res: HttpResponse, expected: string): void {
        const location = res.headers.get("location");
        if ((res.status === 302 || res.status === 303) && location !== null) {
            const to = new URL(location, this.http.resolve(req.path));
            if (to.pathname === this.http.resolve(expected).pathname) return;
            const shown = this.http.redact(`${to.pathname}${to.search}`, this.http.secretsOf(req, res));
            throw new HttpError("Jenkins", req.method, req.path, res.status, "invalid-response", `redirected to ${shown}, not ${expected}: not done (a login page or proxy answered?)`);
        }
        throw this.http.fail(req, res);
    }

    private failWith(req: HttpRequest, res: HttpResponse, xError: string | undefined): HttpError {
        const e = this.http.fail(req, res);
        if (!xError) return e;
        return new HttpError(e.service, e.method, e.path, e.status, e.kind, this.http.redact(xError, this.http.secretsOf(req, res)).slice(0, 200));
    }
}

function credentialStore(folder: string): string {
    return `${itemUrl(folder)}/credentials/store/folder/domain/_`;
}

function isStaleCrumb(res: HttpResponse): boolean {
    return res.status === 403 && (/no valid crumb/i.test(res.text) || /no valid crumb/i.test(res.headers.get("x-error") ?? ""));
}

/** Jetty sends X-Error's UTF-8 bytes (names quoted ‘…’); fetch exposes header bytes as latin1. */
function decodeHeader(v: string | null): string | undefined {
    if (v === null) return undefined;
    return /[\u0080-\u00ff]/.test(v) ? Buffer.from(v, "latin1").toString("utf8") : v;
}
