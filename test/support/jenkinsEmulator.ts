// In-process emulator of the Jenkins (2.5xx LTS + cloudbees-folder + credentials plugin) endpoints the
// seed uses, enforcing the behaviour our client depends on:
// - CSRF: crumbs from GET /crumbIssuer/api/json are bound to the HTTP session (JSESSIONID.<node> cookie)
//   since 2.176.2 (SECURITY-626): a POST with no crumb, a crumb of another session, or after the session
//   expired answers 403 "No valid crumb was included in the request". Requests authenticated with an API
//   token are exempt (CrumbFilter skips them since 2.96).
// - auth: anonymous → 403 (X-You-Are-Authenticated-As: anonymous), wrong password/token → 401.
// - POST {parent}/createItem?name=X (Content-Type application/xml): 200, or 400 with
//   `X-Error: A job already exists with the name ‘X’` when it exists; 404 for a missing parent folder.
// - GET/POST {item}/config.xml, POST {item}/doDelete (302 to the parent), 404 for missing items.
// - Folder credential stores: POST …/credentials/store/folder/domain/_/createCredentials answers 409 when
//   the id exists; a credential's config.xml comes back with secrets replaced by <secret-redacted/>.
import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { basicAuth, Emulator, EmulatorRequest, json, Reply, startEmulator } from "./httpEmulator";

export const JENKINS_USER = "admin";
export const JENKINS_PASSWORD = "jenkins-Adm1n-Pa55!";
export const FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder";
export const NO_VALID_CRUMB = "No valid crumb was included in the request";

export interface JenkinsSession { id: string; user: string; crumb: string }

export class JenkinsState {
    version = "2.528.1";
    /** false → every request answers 503 "Please wait while Jenkins is getting ready to work". */
    ready = true;
    /** CSRF protection (a crumb issuer) enabled. */
    csrf = true;
    readonly users = new Map<string, { password: string; apiTokens: string[] }>();
    /** Item full name ("ci/notes-app") → config.xml as last posted. */
    readonly items = new Map<string, string>();
    /** Folder full name → (credential id → credential XML, secrets in clear). */
    readonly credentials = new Map<string, Map<string, string>>();
    readonly sessions = new Map<string, JenkinsSession>();
    readonly cookieName = `JSESSIONID.${randomBytes(4).toString("hex")}`;
    private readonly salt = randomBytes(16).toString("hex");

    /** Drops every HTTP session (restart / session timeout): crumbs issued so far become stale. */
    expireSessions(): void {
        this.sessions.clear();
    }

    /** Mints an API token for `user` (Jenkins' format: "11" + 32 hex). */
    addApiToken(user = JENKINS_USER): string {
        const token = `11${randomBytes(16).toString("hex")}`;
        this.users.get(user)?.apiTokens.push(token);
        return token;
    }

    isFolder(path: string): boolean {
        const xml = this.items.get(path);
        return xml !== undefined && rootElement(xml) === FOLDER_CLASS;
    }

    /** Creates a folder (and its parents) directly. */
    addFolder(path: string): void {
        const parts = path.split("/");
        for (let i = 1; i <= parts.length; i++) {
            const p = parts.slice(0, i).join("/");
            if (!this.items.has(p)) this.items.set(p, `<?xml version='1.1' encoding='UTF-8'?>\n<${FOLDER_CLASS}><description/></${FOLDER_CLASS}>`);
        }
    }

    /** @internal */
    crumbFor(sessionId: string, user: string): string {
        return createHash("sha256").update(`${user};${sessionId};${this.salt}`).digest("hex");
    }
}

/** The root element name of an XML document. */
export function rootElement(xml: string): string | undefined {
    const body = xml.replace(/<\?[\s\S]*?\?>/g, "").replace(/<!--[\s\S]*?-->/g, "");
    return /<([A-Za-z_][\w.:-]*)/.exec(body)?.[1];
}

const SECRET_ELEMENTS = ["secret", "password", "passphrase", "privateKey", "secretBytes"];

/** What GET credential/…/config.xml shows: every secret field's value replaced by <secret-redacted/>. */
export function redactCredentialXml(xml: string): string {
    let out = xml;
    for (const el of SECRET_ELEMENTS) {
        out = out.replace(new RegExp(`<${el}>[\\s\\S]*?</${el}>`, "g"), `<${el}><secret-redacted/></${el}>`);
    }
    return out;
}

const html = (status: number, title: string, headers: Record<string, string> = {}): Reply => ({
    status,
    headers: { "Content-Type": "text/html;charset=utf-8", ...headers },
    body: `<html><head><title>Error ${status} ${title}</title></head><body><h2>HTTP ERROR ${status} ${title}</h2></body></html>`,
});
// Jetty writes the header's UTF-8 bytes (the message quotes names with ‘’); Node only sends latin1
// strings, so hand it the UTF-8 bytes as latin1 characters — clients see what Jenkins sends.
const xErr = (status: number, message: string): Reply => html(status, message, { "X-Error": Buffer.from(message, "utf8").toString("latin1") });

export type JenkinsEmulator = Emulator<JenkinsState> & { expireSessions(): void };

/** Starts the emulator with one admin user (`JENKINS_USER` / `JENKINS_PASSWORD` unless overridden). */
export async function start(opts: { username?: string; password?: string; csrf?: boolean } = {}): Promise<JenkinsEmulator> {
    const state = new JenkinsState();
    state.users.set(opts.username ?? JENKINS_USER, { password: opts.password ?? JENKINS_PASSWORD, apiTokens: [] });
    if (opts.csrf === false) state.csrf = false;
    const emu = await startEmulator(state, (req) => handle(state, req), (status) => html(status, "emulated fault"));
    return Object.assign(emu, { expireSessions: () => state.expireSessions() });
}
export const startJenkinsEmulator = start;

type Caller = { user: string; via: "password" | "token" };

function authenticate(state: JenkinsState, headers: IncomingHttpHeaders): Caller | Reply {
    const b = basicAuth(headers);
    if (!b) return html(403, "Authentication required", { "X-You-Are-Authenticated-As": "anonymous" });
    const u = state.users.get(b.user);
    if (u?.apiTokens.includes(b.password)) return { user: b.user, via: "token" };
    if (u && u.password === b.password) return { user: b.user, via: "password" };
    return html(401, `Invalid password/token for user: ${b.user}`);
}

function cookieSession(state: JenkinsState, headers: IncomingHttpHeaders): JenkinsSession | undefined {
    const raw = headers.cookie ?? "";
    for (const part of raw.split(";")) {
        const [k, v] = part.trim().split("=", 2);
        if (k === state.cookieName && v) return state.sessions.get(v);
    }
    return undefined;
}

const xmlParser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

function handle(state: JenkinsState, req: EmulatorRequest): Reply {
    const version = { "X-Jenkins": state.version };
    // hudson/util/HudsonIsLoading/index.jelly: 503 and a spinner page, no Retry-After.
    if (!state.ready) return html(503, "Please wait while Jenkins is getting ready to work");
    const caller = authenticate(state, req.headers);
    if ("status" in caller) return caller;

    const segs = req.rawPath.split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
    // Leading job/<name> pairs address an item; the rest is the action.
    const names: string[] = [];
    let i = 0;
    while (segs[i] === "job" && segs[i + 1] !== undefined) {
        names.push(segs[i + 1]!);
        i += 2;
    }
    const action = segs.slice(i);
    const itemPath = names.join("/");
    const a = action.join("/");

    if (req.method === "GET" && names.length === 0 && a === "crumbIssuer/api/json") {
        if (!state.csrf) return html(404, "Not Found");
        let session = cookieSession(state, req.headers);
        const headers: Record<string, string> = { ...version };
        if (!session || session.user !== caller.user) {
            const id = randomBytes(12).toString("hex");
            session = { id, user: caller.user, crumb: state.crumbFor(id, caller.user) };
            state.sessions.set(id, session);
            headers["Set-Cookie"] = `${state.cookieName}=${id}; Path=/; HttpOnly`;
        }
        return json(200, { _class: "hudson.security.csrf.DefaultCrumbIssuer", crumb: session.crumb, crumbRequestField: "Jenkins-Crumb" }, headers);
    }

    if (req.method === "POST" && state.csrf && caller.via === "password") {
        const session = cookieSession(state, req.headers);
        const sent = req.headers["jenkins-crumb"];
        if (!session || session.user !== caller.user || sent !== session.crumb) return html(403, NO_VALID_CRUMB);
    }

    if (names.length > 0 && !state.items.has(itemPath)) return html(404, "Not Found");

    if (req.method === "GET" && a === "api/json") {
        const children = [...state.items.keys()].filter((k) => (names.length ? k.startsWith(`${itemPath}/`) : true) && k.split("/").length === names.length + 1);
        return json(200, {
            _class: names.length ? (state.isFolder(itemPath) ? FOLDER_CLASS : "org.jenkinsci.plugins.workflow.job.WorkflowJob") : "hudson.model.Hudson",
            jobs: children.map((k) => ({ name: k.split("/").pop(), fullName: k })),
            useCrumbs: state.csrf,
        }, version);
    }

    if (req.method === "POST" && a === "createItem") {
        if (names.length > 0 && !state.isFolder(itemPath)) return html(404, "Not Found");
        const name = req.query.get("name") ?? "";
        if (!name) return xErr(400, "Query parameter 'name' is required");
        const bad = /[/\\:?*"<>|!@#$%^&;[\]]/.exec(name);
        if (bad) return xErr(400, `‘${bad[0]}’ is an unsafe character`);
        const full = names.length ? `${itemPath}/${name}` : name;
        if (state.items.has(full)) return xErr(400, `A job already exists with the name ‘${name}’`);
        if (!/xml/.test(req.headers["content-type"] ?? "")) return xErr(400, "No mode given");
        if (XMLValidator.validate(req.body) !== true || !rootElement(req.body)) return xErr(400, "Failed to parse the submitted config.xml");
        state.items.set(full, req.body);
        return { status: 200, headers: version };
    }

    if (names.length > 0 && a === "config.xml") {
        if (req.method === "GET") return { status: 200, headers: { "Content-Type": "application/xml", ...version }, body: state.items.get(itemPath) };
        if (req.method === "POST") {
            if (XMLValidator.validate(req.body) !== true || !rootElement(req.body)) return xErr(400, "Failed to parse the submitted config.xml");
            state.items.set(itemPath, req.body);
            return { status: 200, headers: version };
        }
    }

    if (names.length > 0 && a === "doDelete" && req.method === "POST") {
        for (const k of [...state.items.keys()]) if (k === itemPath || k.startsWith(`${itemPath}/`)) state.items.delete(k);
        for (const k of [...state.credentials.keys()]) if (k === itemPath || k.startsWith(`${itemPath}/`)) state.credentials.delete(k);
        const parent = names.slice(0, -1).map((n) => `job/${encodeURIComponent(n)}/`).join("");
        return { status: 302, headers: { Location: `/${parent}`, ...version } };
    }

    // Folder credential store (credentials plugin's FolderCredentialsProvider): domain "_" is the global domain.
    if (names.length > 0 && action[0] === "credentials") {
        if (!state.isFolder(itemPath) || action.slice(0, 5).join("/") !== "credentials/store/folder/domain/_") return html(404, "Not Found");
        const store = state.credentials.get(itemPath) ?? new Map<string, string>();
        const rest = action.slice(5);
        if (req.method === "POST" && rest.length === 1 && rest[0] === "createCredentials") {
            if (XMLValidator.validate(req.body) !== true || !rootElement(req.body)) return html(400, "Failed to parse the submitted credential");
            const id = credentialId(req.body) || randomBytes(16).toString("hex");
            if (store.has(id)) return html(409, `A credential with id ${id} already exists`);
            store.set(id, req.body);
            state.credentials.set(itemPath, store);
            return { status: 200, headers: version };
        }
        if (rest[0] === "credential" && rest[1] !== undefined && rest.length === 3) {
            const id = rest[1];
            const current = store.get(id);
            if (current === undefined) return html(404, "Not Found");
            if (rest[2] === "config.xml" && req.method === "GET") {
                return { status: 200, headers: { "Content-Type": "application/xml", ...version }, body: redactCredentialXml(current) };
            }
            if (rest[2] === "config.xml" && req.method === "POST") {
                if (XMLValidator.validate(req.body) !== true) return html(400, "Failed to parse the submitted credential");
                store.set(id, req.body);
                return { status: 200, headers: version };
            }
            if (rest[2] === "doDelete" && req.method === "POST") {
                store.delete(id);
                return { status: 302, headers: { Location: "../../", ...version } };
            }
        }
        return html(404, "Not Found");
    }

    return html(404, "Not Found");
}

function credentialId(xml: string): string | undefined {
    const doc = xmlParser.parse(xml) as Record<string, unknown>;
    const root = Object.entries(doc).find(([k]) => !k.startsWith("?"))?.[1];
    const id = root && typeof root === "object" ? (root as Record<string, unknown>).id : undefined;
    return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}
