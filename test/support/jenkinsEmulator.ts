// In-process emulator of the Jenkins 2.568 endpoints the seed uses (core + cloudbees-folder +
// credentials + plain-credentials), modelling what their sources do, the unpleasant parts included.
// Sources read (jenkinsci/jenkins at tag jenkins-2.568, cloudbees-folder-plugin and credentials-plugin
// at their 2026 heads); each behaviour below names its file.
// - CSRF: crumbs from GET /crumbIssuer/api/json are bound to the HTTP session (JSESSIONID.<node> cookie)
//   since 2.176.2 (SECURITY-626): a POST with no crumb, a crumb of another session, or after the session
//   expired answers 403 "No valid crumb was included in the request". Requests authenticated with an API
//   token are exempt (CrumbFilter skips them since 2.96).
// - auth: anonymous → 403 (X-You-Are-Authenticated-As: anonymous), wrong password/token → 401, on every route.
// - Items are kept as objects and served as Jenkins re-serializes them (XStream: version 1.1 declaration,
//   plugin="…" attributes, <actions/>), never as the bytes posted (core AbstractItem.writeConfigDotXml).
// - POST {item}/config.xml replaces the item with null-out semantics: every field the posted XML does not
//   mention is reset (core AbstractItem.updateByXml → XStream2.unmarshal(…, nullOut=true)). For a folder
//   that drops its properties — the folder credential store (FolderCredentialsProperty) with every
//   credential in it — and its views (cloudbees-folder AbstractFolder.init() makes a fresh "All" view).
//   A posted XML of another item type is refused: IOException "Expecting … but got …", a 500 "Oops!" page.
// - POST {item}/submitDescription: on a folder it sets the PRIMARY VIEW's description (cloudbees-folder
//   AbstractFolder.doSubmitDescription → View.doSubmitDescription), on a job the item's (AbstractItem);
//   then a 302 to ".".
// - POST {parent}/createItem?name=X (Content-Type application/xml): 200 with an empty body, or a Failure:
//   400 with `X-Error: A job already exists with the name ‘X’` (core ItemGroupMixIn.createTopLevelItem,
//   hudson/model/AbstractModelObject/error.jelly sets X-Error).
// - POST {item}/doDelete: deletes it with everything inside, then 302 to the parent's URL (AbstractItem.doDoDelete).
// - GET {item}/api/json: _class, description, and for folders jobs and primaryView, filtered by `tree`.
// - Folder credential stores (credentials plugin CredentialsStoreAction): createCredentials answers 200
//   (empty) or 409 when the id exists; a credential's config.xml comes back with secrets replaced by
//   <secret-redacted/>; doDelete answers, with `Accept: application/json`, 200 JSON whose
//   notificationType is SUCCESS or ERROR — 200 either way — and otherwise a redirect ("../.." or ".").
// - The build side — the Generic Webhook Trigger's invoke endpoint, queue items, runs and consoleText,
//   with a lifecycle each test scripts — is in jenkinsBuilds.ts (its sources are cited there).
import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { basicAuth, Emulator, EmulatorRequest, json, Reply, startEmulator } from "./httpEmulator";
import { BuildsState } from "./jenkinsBuilds";

export const JENKINS_USER = "admin";
export const JENKINS_PASSWORD = "jenkins-Adm1n-Pa55!";
export const FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder";
export const WORKFLOW_JOB_CLASS = "org.jenkinsci.plugins.workflow.job.WorkflowJob";
export const NO_VALID_CRUMB = "No valid crumb was included in the request";
const CREDENTIALS_PROPERTY = "com.cloudbees.hudson.plugins.folder.properties.FolderCredentialsProvider_-FolderCredentialsProperty";

/** XML root element → the item class Jenkins reports as `_class` (XStream aliases in core and plugins). */
const ITEM_CLASSES: Record<string, string> = {
    "flow-definition": WORKFLOW_JOB_CLASS,
    project: "hudson.model.FreeStyleProject",
    [FOLDER_CLASS]: FOLDER_CLASS,
};
/** Plugin that writes each class, for XStream's plugin="…" attributes. */
const PLUGINS: Record<string, string> = {
    "flow-definition": "workflow-job@1540.v295eccc9778f",
    [FOLDER_CLASS]: "cloudbees-folder@6.2122.v70b_7b_f659d72",
    "org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition": "workflow-cps@4106.v7a_8a_8176d450",
    "hudson.plugins.git.GitSCM": "git@5.7.0",
    [CREDENTIALS_PROPERTY]: "cloudbees-folder@6.2122.v70b_7b_f659d72",
};

export interface JenkinsSession { id: string; user: string; crumb: string }

export interface FolderView { name: string; description: string }
export interface FolderItem {
    readonly kind: "folder";
    description: string;
    /** Folder properties other than the credential store, as raw XML (a team's authorization matrix, …). */
    properties: string[];
    /** The folder's views; the first is the primary one ("All" by default). */
    views: FolderView[];
}
export interface JobItem {
    readonly kind: "job";
    /** Root element of its config.xml (flow-definition, project, …). */
    readonly root: string;
    /** config.xml as Jenkins last wrote it (re-serialized). */
    xml: string;
}
export type JenkinsItem = FolderItem | JobItem;

export class JenkinsState {
    version = "2.568.2";
    /** false → every request answers 503 "Please wait while Jenkins is getting ready to work". */
    ready = true;
    /** CSRF protection (a crumb issuer) enabled. */
    csrf = true;
    /** The store's removeCredentials() returns false (e.g. the credential went away concurrently). */
    credentialRemovalFails = false;
    readonly users = new Map<string, { password: string; apiTokens: string[] }>();
    /** Item full name ("ci/notes-app") → the item. */
    readonly items = new Map<string, JenkinsItem>();
    /** Folder full name → (credential id → credential XML, secrets in clear): the FolderCredentialsProperty. */
    readonly credentials = new Map<string, Map<string, string>>();
    /** The system credential store JCasC fills (id → fields), applied from the secret files on each configuration apply. */
    readonly systemCredentials = new Map<string, Record<string, string>>();
    /** Files of /run/secrets/additional as the kubelet keeps them in sync with their Secrets. */
    readonly secretFiles = new Map<string, string>();
    /** How often a configuration was applied (boot or restart). */
    configurationApplies = 0;
    readonly sessions = new Map<string, JenkinsSession>();
    readonly cookieName = `JSESSIONID.${randomBytes(4).toString("hex")}`;
    /** Jenkins' configured root URL (JCasC location.url), from which it builds every absolute URL it answers. */
    rootUrl = "http://jenkins.example/";
    /** The Generic Webhook Trigger endpoint, the queue and the runs (jenkinsBuilds.ts). */
    readonly builds = new BuildsState({
        jobs: () => [...this.items.entries()].flatMap(([path, item]): [string, string][] => (item.kind === "job" ? [[path, item.xml]] : [])),
        // CredentialsProvider.lookupCredentials(type, item): the folder stores from the item's parent
        // outwards (cloudbees-folder FolderCredentialsProvider), then the system store (no secret text in it here).
        credentialsFor: (job) => {
            const parts = job.split("/").slice(0, -1);
            const out: string[] = [];
            for (let i = parts.length; i > 0; i--) out.push(...(this.credentials.get(parts.slice(0, i).join("/"))?.values() ?? []));
            return out;
        },
        rootUrl: () => this.rootUrl,
    });
    private readonly salt = randomBytes(16).toString("hex");
    private readonly key = randomBytes(8).toString("hex");

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
        return this.items.get(path)?.kind === "folder";
    }

    folder(path: string): FolderItem | undefined {
        const i = this.items.get(path);
        return i?.kind === "folder" ? i : undefined;
    }

    /** Creates a folder (and its parents) directly, as Jenkins would on createItem. */
    addFolder(path: string, o: Partial<Omit<FolderItem, "kind">> = {}): FolderItem {
        const parts = path.split("/");
        for (let i = 1; i < parts.length; i++) {
            const p = parts.slice(0, i).join("/");
            if (!this.items.has(p)) this.items.set(p, newFolder());
        }
        const f: FolderItem = { ...newFolder(), ...o };
        this.items.set(path, f);
        return f;
    }

    /** The config.xml GET answers: the item re-serialized, folder credentials as encrypted blobs. */
    configXml(path: string): string | undefined {
        const item = this.items.get(path);
        if (!item) return undefined;
        return item.kind === "job" ? item.xml : serializeFolder(item, this.credentials.get(path), (s) => this.encrypt(s));
    }

    /** Replaces an item as if its config.xml had been written on disk and reloaded (no null-out checks). */
    setConfigXml(path: string, xml: string): void {
        const root = rootElement(xml) ?? "";
        if (root === FOLDER_CLASS) {
            const { folder, store } = parseFolder(xml, (s) => this.decrypt(s));
            this.items.set(path, folder);
            if (store) this.credentials.set(path, store);
            else this.credentials.delete(path);
        } else this.items.set(path, { kind: "job", root, xml: reserialize(xml) });
    }

    /**
     * Applies the configuration, as JCasC does at boot and on a reload (configuration-as-code-plugin
     * DockerSecretSource.reveal reads a file of $SECRETS only then): the chart's securityRealm sets the
     * admin from chart-admin-username/-password (jenkinsci/helm-charts charts/jenkins/values.yaml
     * controller.JCasC.securityRealm), and our credentials document fills the system store.
     */
    applyConfiguration(): void {
        this.configurationApplies++;
        const user = this.secretFiles.get("chart-admin-username");
        const password = this.secretFiles.get("chart-admin-password");
        if (user !== undefined && password !== undefined) {
            const tokens = this.users.get(user)?.apiTokens ?? [];
            this.users.clear();
            this.users.set(user, { password, apiTokens: tokens });
        }
        for (const [file, value] of this.secretFiles) {
            const m = /^(.+)-gitea-credentials-(username|password)$/.exec(file);
            if (!m) continue;
            const c = this.systemCredentials.get("gitea-credentials") ?? {};
            c[m[2]!] = value;
            this.systemCredentials.set("gitea-credentials", c);
        }
    }

    /** A controller restart (the Pod rolled): sessions are gone and the configuration is applied again. */
    restart(): void {
        this.expireSessions();
        this.applyConfiguration();
    }

    /** @internal */
    crumbFor(sessionId: string, user: string): string {
        return createHash("sha256").update(`${user};${sessionId};${this.salt}`).digest("hex");
    }

    // hudson.util.Secret: "{<base64>}" blobs, decrypted when posted back to the same controller.
    private encrypt(plain: string): string {
        return `{${Buffer.from(`${this.key}:${plain}`).toString("base64")}}`;
    }

    private decrypt(value: string): string {
        const m = /^\{([A-Za-z0-9+/=]+)\}$/.exec(value);
        if (!m) return value;
        const text = Buffer.from(m[1]!, "base64").toString("utf8");
        return text.startsWith(`${this.key}:`) ? text.slice(this.key.length + 1) : value;
    }
}

function newFolder(): FolderItem {
    return { kind: "folder", description: "", properties: [], views: [{ name: "All", description: "" }] };
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

// ---------------------------------------------------------------------------------------------
// XStream-like (re-)serialization

type Ordered = Record<string, unknown>;
const ORDERED = { preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false, trimValues: true, ignoreDeclaration: true } as const;
const parseOrdered = (xml: string) => new XMLParser(ORDERED).parse(xml) as Ordered[];
const buildOrdered = (nodes: Ordered[]) => new XMLBuilder({ ...ORDERED, format: true, indentBy: "  ", suppressEmptyNode: true }).build(nodes);
const nameOf = (n: Ordered) => Object.keys(n).find((k) => k !== ":@") ?? "";
const childrenOf = (n: Ordered | undefined) => (n ? ((n[nameOf(n)] ?? []) as Ordered[]) : []);
const textOf = (n: Ordered | undefined) => childrenOf(n).map((c) => ("#text" in c ? String(c["#text"]) : "")).join("");
const child = (n: Ordered | undefined, name: string) => childrenOf(n).find((c) => nameOf(c) === name);
const decl = "<?xml version='1.1' encoding='UTF-8'?>\n";

/** Adds the plugin="…" attributes XStream writes and a leading <actions/> to an item's root. */
function withPlugins(n: Ordered): Ordered {
    const name = nameOf(n);
    if ("#text" in n) return n;
    const attrs = { ...((n[":@"] ?? {}) as Record<string, string>) };
    const plugin = PLUGINS[attrs["@_class"] ?? name];
    if (plugin) attrs["@_plugin"] = plugin;
    const out: Ordered = { [name]: childrenOf(n).map(withPlugins) };
    if (Object.keys(attrs).length) out[":@"] = attrs;
    return out;
}

/** A job's config.xml as Jenkins writes it back after createItem / updateByXml. */
function reserialize(xml: string): string {
    const roots = parseOrdered(xml).filter((n) => !("#text" in n));
    const root = withPlugins(roots[0]!);
    const kids = childrenOf(root);
    if (!kids.some((k) => nameOf(k) === "actions")) kids.unshift({ actions: [] });
    return decl + buildOrdered([root]).trim();
}

function serializeFolder(f: FolderItem, store: Map<string, string> | undefined, encrypt: (s: string) => string): string {
    const props = f.properties.join("\n");
    const creds = store
        ? `<${CREDENTIALS_PROPERTY} plugin="${PLUGINS[CREDENTIALS_PROPERTY]}"><domainCredentialsMap class="hudson.util.CopyOnWriteMap$Hash"><entry><com.cloudbees.plugins.credentials.domains.Domain><specifications/></com.cloudbees.plugins.credentials.domains.Domain><java.util.concurrent.CopyOnWriteArrayList>${[
              ...store.values(),
          ]
              .map((x) => x.replace(new RegExp(`<(${SECRET_ELEMENTS.join("|")})>([^<]*)</\\1>`, "g"), (_, el: string, v: string) => `<${el}>${encrypt(v)}</${el}>`))
              .join("")}</java.util.concurrent.CopyOnWriteArrayList></entry></domainCredentialsMap></${CREDENTIALS_PROPERTY}>`
        : "";
    const views = f.views
        .map(
            (v) =>
                `<hudson.model.AllView><owner class="${FOLDER_CLASS}" reference="../../../.."/><name>${esc(v.name)}</name>${v.description ? `<description>${esc(v.description)}</description>` : ""}<filterExecutors>false</filterExecutors><filterQueue>false</filterQueue><properties class="hudson.model.View$PropertyList"/></hudson.model.AllView>`,
        )
        .join("");
    const xml = `<${FOLDER_CLASS} plugin="${PLUGINS[FOLDER_CLASS]}"><actions/><description>${esc(f.description)}</description><properties>${props}${creds}</properties><folderViews class="com.cloudbees.hudson.plugins.folder.views.DefaultFolderViewHolder"><views>${views}</views><tabBar class="hudson.views.DefaultViewsTabBar"/></folderViews><healthMetrics/><icon class="com.cloudbees.hudson.plugins.folder.icons.StockFolderIcon"/></${FOLDER_CLASS}>`;
    return decl + buildOrdered(parseOrdered(xml)).trim();
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const unesc = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

/** A posted folder config.xml, with null-out: what it does not mention is the default (AbstractFolder.init()). */
function parseFolder(xml: string, decrypt: (s: string) => string): { folder: FolderItem; store?: Map<string, string> } {
    const root = parseOrdered(xml).find((n) => nameOf(n) === FOLDER_CLASS);
    const folder = newFolder();
    folder.description = unesc(textOf(child(root, "description")));
    let store: Map<string, string> | undefined;
    for (const p of childrenOf(child(root, "properties"))) {
        if (nameOf(p) !== CREDENTIALS_PROPERTY) {
            folder.properties.push(buildOrdered([p]).trim());
            continue;
        }
        store = new Map();
        const list = child(child(child(p, "domainCredentialsMap"), "entry"), "java.util.concurrent.CopyOnWriteArrayList");
        for (const c of childrenOf(list)) {
            const x = buildOrdered([c]).trim().replace(new RegExp(`<(${SECRET_ELEMENTS.join("|")})>([^<]*)</\\1>`, "g"), (_, el: string, v: string) => `<${el}>${esc(decrypt(v))}</${el}>`);
            const id = textOf(child(c, "id"));
            store.set(id, x);
        }
    }
    const views = childrenOf(child(child(root, "folderViews"), "views"))
        .filter((v) => nameOf(v) === "hudson.model.AllView")
        .map((v) => ({ name: textOf(child(v, "name")) || "All", description: unesc(textOf(child(v, "description"))) }));
    if (views.length) folder.views = views;
    return { folder, store };
}

// ---------------------------------------------------------------------------------------------

const html = (status: number, title: string, headers: Record<string, string> = {}): Reply => ({
    status,
    headers: { "Content-Type": "text/html;charset=utf-8", ...headers },
    body: `<html><head><title>Error ${status} ${title}</title></head><body><h2>HTTP ERROR ${status} ${title}</h2></body></html>`,
});
// Jetty writes the header's UTF-8 bytes (the message quotes names with ‘’); Node only sends latin1
// strings, so hand it the UTF-8 bytes as latin1 characters — clients see what Jenkins sends.
const xErr = (status: number, message: string): Reply => html(status, message, { "X-Error": Buffer.from(message, "utf8").toString("latin1") });
// An exception out of a web method: jenkins/model/Jenkins/oops.jelly, no stack trace unless
// shouldShowStackTrace (off by default).
const oops = (): Reply => ({
    status: 500,
    headers: { "Content-Type": "text/html;charset=utf-8" },
    body: `<html><body><h1>Oops!</h1><div id="error-description"><h2>A problem occurred while processing the request</h2><p>Logging ID=${randomBytes(16).toString("hex")}</p></div></body></html>`,
});

export type JenkinsEmulator = Emulator<JenkinsState> & { expireSessions(): void };

/** Starts the emulator with one admin user (`JENKINS_USER` / `JENKINS_PASSWORD` unless overridden). */
export async function start(opts: { username?: string; password?: string; csrf?: boolean } = {}): Promise<JenkinsEmulator> {
    const state = new JenkinsState();
    state.users.set(opts.username ?? JENKINS_USER, { password: opts.password ?? JENKINS_PASSWORD, apiTokens: [] });
    if (opts.csrf === false) state.csrf = false;
    const emu = await startEmulator(state, (req) => handle(state, req), (status) => html(status, "emulated fault"));
    state.rootUrl = `${emu.url}/`;
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

/** Stapler's `tree` filter: "a,b[c,d]" keeps a, and b with only c and d (per element of a list). */
export function applyTree(value: unknown, tree: string | null): unknown {
    if (tree === null) return value;
    const spec = parseTree(tree);
    const prune = (v: unknown, s: Map<string, Map<string, unknown> | null>): unknown => {
        if (Array.isArray(v)) return v.map((x) => prune(x, s));
        if (!v || typeof v !== "object") return v;
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
            if (k === "_class") out[k] = x;
            else if (s.has(k)) {
                const sub = s.get(k);
                out[k] = sub ? prune(x, sub as Map<string, Map<string, unknown> | null>) : x;
            }
        }
        return out;
    };
    return prune(value, spec);
}

function parseTree(tree: string): Map<string, Map<string, unknown> | null> {
    const out = new Map<string, Map<string, unknown> | null>();
    let i = 0;
    const read = (): Map<string, Map<string, unknown> | null> => {
        const m = new Map<string, Map<string, unknown> | null>();
        let name = "";
        while (i < tree.length) {
            const c = tree[i++]!;
            if (c === "[") {
                m.set(name.trim(), read());
                name = "";
            } else if (c === "]") break;
            else if (c === ",") {
                if (name.trim()) m.set(name.trim(), null);
                name = "";
            } else name += c;
        }
        if (name.trim()) m.set(name.trim(), null);
        return m;
    };
    for (const [k, v] of read()) out.set(k, v);
    return out;
}

function itemJson(state: JenkinsState, path: string, item: JenkinsItem): Record<string, unknown> {
    if (item.kind === "job") {
        return { _class: ITEM_CLASSES[item.root] ?? "hudson.model.FreeStyleProject", name: path.split("/").pop(), fullName: path, description: jobDescription(item.xml) };
    }
    const jobs = [...state.items.entries()].filter(([k]) => k.startsWith(`${path}/`) && !k.slice(path.length + 1).includes("/"));
    const primary = item.views[0]!;
    return {
        _class: FOLDER_CLASS,
        name: path.split("/").pop(),
        fullName: path,
        description: item.description,
        jobs: jobs.map(([k, v]) => ({ _class: v.kind === "folder" ? FOLDER_CLASS : (ITEM_CLASSES[v.root] ?? "hudson.model.FreeStyleProject"), name: k.split("/").pop() })),
        primaryView: { _class: "hudson.model.AllView", name: primary.name, description: primary.description || null },
    };
}

function jobDescription(xml: string): string {
    return unesc(/<description>([\s\S]*?)<\/description>/.exec(xml)?.[1] ?? "");
}

function handle(state: JenkinsState, req: EmulatorRequest): Reply {
    const version = { "X-Jenkins": state.version };
    // hudson/util/HudsonIsLoading/index.jelly: 503 and a spinner page, no Retry-After.
    if (!state.ready) return html(503, "Please wait while Jenkins is getting ready to work");
    // generic-webhook-trigger GenericWebHookRequestReceiver: an UnprotectedRootAction and a
    // CrumbExclusion — no login, no crumb; the token is the only credential (jenkinsBuilds.ts).
    if (req.path === "/generic-webhook-trigger/invoke") {
        if (req.method === "OPTIONS") return { status: 200, headers: version };
        return state.builds.invoke(req.headers, req.query, req.body);
    }
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

    const item = names.length > 0 ? state.items.get(itemPath) : undefined;
    if (names.length > 0 && !item) return html(404, "Not Found");

    // core Queue.getItem(long) via queue/item/<id>: live items, then left items (kept 5 minutes).
    if (req.method === "GET" && names.length === 0 && action[0] === "queue" && action[1] === "item" && /^\d+$/.test(action[2] ?? "") && action.slice(3).join("/") === "api/json") {
        const q = state.builds.queueItemJson(Number(action[2]));
        return q ? json(200, applyTree(q, req.query.get("tree")), version) : html(404, "Not Found");
    }
    // A run of a job: job/…/<number>/api/json and consoleText (core Run.java, Run.doConsoleText).
    if (item?.kind === "job" && /^\d+$/.test(action[0] ?? "")) {
        const n = Number(action[0]);
        const rest = action.slice(1).join("/");
        if (req.method === "GET" && rest === "api/json") {
            const r = state.builds.runJson(itemPath, n);
            return r ? json(200, applyTree(r, req.query.get("tree")), version) : html(404, "Not Found");
        }
        if (req.method === "GET" && rest === "consoleText") {
            const t = state.builds.console(itemPath, n);
            return t !== undefined ? { status: 200, headers: { "Content-Type": "text/plain;charset=UTF-8", ...version }, body: t } : html(404, "Not Found");
        }
        return html(404, "Not Found");
    }

    if (req.method === "GET" && a === "api/json") {
        if (!item) {
            const top = [...state.items.keys()].filter((k) => !k.includes("/"));
            return json(200, applyTree({ _class: "hudson.model.Hudson", mode: "NORMAL", jobs: top.map((k) => ({ name: k })), useCrumbs: state.csrf }, req.query.get("tree")), version);
        }
        return json(200, applyTree(itemJson(state, itemPath, item), req.query.get("tree")), version);
    }

    if (req.method === "POST" && a === "createItem") {
        if (names.length > 0 && item?.kind !== "folder") return html(404, "Not Found");
        const name = req.query.get("name") ?? "";
        if (!/xml/.test(req.headers["content-type"] ?? "")) return xErr(400, "No mode given");
        if (!name) return xErr(400, "Query parameter 'name' is required");
        const bad = /[/\\:?*"<>|!@#$%^&;[\]]/.exec(name);
        if (bad) return xErr(400, `‘${bad[0]}’ is an unsafe character`);
        const full = names.length ? `${itemPath}/${name}` : name;
        if (state.items.has(full)) return xErr(400, `A job already exists with the name ‘${name}’`);
        // createProjectFromXML: unparsable XML is an IOException ("Failed to persist config.xml"), a 500.
        if (XMLValidator.validate(req.body) !== true || !rootElement(req.body)) return oops();
        state.setConfigXml(full, req.body);
        return { status: 200, headers: version };
    }

    if (item && a === "config.xml") {
        if (req.method === "GET") return { status: 200, headers: { "Content-Type": "application/xml", ...version }, body: state.configXml(itemPath) };
        if (req.method === "POST") {
            if (XMLValidator.validate(req.body) !== true || !rootElement(req.body)) return oops();
            const currentRoot = item.kind === "folder" ? FOLDER_CLASS : item.root;
            // AbstractItem.updateByXml: "Expecting class … but got class … instead".
            if (rootElement(req.body) !== currentRoot) return oops();
            state.setConfigXml(itemPath, req.body);
            return { status: 200, headers: version };
        }
    }

    if (item && a === "submitDescription" && req.method === "POST") {
        const description = new URLSearchParams(req.body).get("description") ?? "";
        if (item.kind === "folder") item.views[0]!.description = description;
        else {
            const d = `<description>${esc(description)}</description>`;
            item.xml = /<description>[\s\S]*?<\/description>|<description\/>/.test(item.xml) ? item.xml.replace(/<description>[\s\S]*?<\/description>|<description\/>/, d) : item.xml;
        }
        return { status: 302, headers: { Location: ".", ...version } };
    }

    if (item && a === "doDelete" && req.method === "POST") {
        for (const k of [...state.items.keys()]) if (k === itemPath || k.startsWith(`${itemPath}/`)) state.items.delete(k);
        for (const k of [...state.credentials.keys()]) if (k === itemPath || k.startsWith(`${itemPath}/`)) state.credentials.delete(k);
        const parent = names.slice(0, -1).map((n) => `job/${encodeURIComponent(n)}/`).join("");
        return { status: 302, headers: { Location: `/${parent}`, ...version } };
    }

    // Folder credential store (cloudbees-folder FolderCredentialsProvider): domain "_" is the global domain.
    if (item && action[0] === "credentials") {
        if (item.kind !== "folder" || action.slice(0, 5).join("/") !== "credentials/store/folder/domain/_") return html(404, "Not Found");
        const store = state.credentials.get(itemPath) ?? new Map<string, string>();
        const rest = action.slice(5);
        const wantsJson = (req.headers.accept ?? "").includes("application/json");
        if (req.method === "GET" && rest.join("/") === "api/json") {
            const list = [...store.keys()].map((id) => ({ id, typeName: "Secret text", displayName: id }));
            return json(200, applyTree({ _class: "com.cloudbees.plugins.credentials.CredentialsStoreAction$DomainWrapper", credentials: list }, req.query.get("tree")), version);
        }
        if (req.method === "POST" && rest.length === 1 && rest[0] === "createCredentials") {
            if (XMLValidator.validate(req.body) !== true || !rootElement(req.body)) return oops();
            const id = credentialId(req.body) || randomBytes(16).toString("hex");
            if (store.has(id)) return { status: 409, headers: version };
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
                if (XMLValidator.validate(req.body) !== true) return oops();
                store.set(id, req.body);
                return { status: 200, headers: version };
            }
            if (rest[2] === "doDelete" && req.method === "POST") {
                const removed = !state.credentialRemovalFails && store.delete(id);
                if (wantsJson) {
                    return json(200, removed ? { message: "Credentials deleted", notificationType: "SUCCESS" } : { message: "Failed to delete credentials", notificationType: "ERROR" }, version);
                }
                return { status: 302, headers: { Location: removed ? "../.." : ".", ...version } };
            }
        }
        return html(404, "Not Found");
    }

    return html(404, "Not Found");
}

function credentialId(xml: string): string | undefined {
    const doc = new XMLParser({ ignoreAttributes: true, parseTagValue: false }).parse(xml) as Record<string, unknown>;
    const root = Object.entries(doc).find(([k]) => !k.startsWith("?"))?.[1];
    const id = root && typeof root === "object" ? (root as Record<string, unknown>).id : undefined;
    return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}
