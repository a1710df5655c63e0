// In-process emulator of the Gitea 1.25 API endpoints the seed uses, enforcing the behaviour our
// clients depend on (routers/api/v1/repo/{repo,file,hook}.go, routers/api/v1/user/app.go):
// - auth required (401) everywhere but GET /version; token creation only with basic auth (401 otherwise)
//   and at least one valid scope (400 "access token must have a scope"), 400 on a duplicate token name;
// - POST /user/repos → 201, or 409 when the name exists (names are case-insensitive);
// - POST /repos/{o}/{r}/contents (batch): one commit for every operation, atomic; create of an existing
//   path → 422, update/delete without `sha` → 422, with a stale `sha` → 422, of a missing path → 404;
// - webhooks: `active` defaults to false when omitted (CreateHookOption, "default: false").
import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { basicAuth, Emulator, EmulatorRequest, json, Reply, startEmulator } from "./httpEmulator";

export const GITEA_USER = "gitea_admin";
export const GITEA_PASSWORD = "gitea-Adm1n-Pa55!";

export interface GiteaFileState { content: Buffer; sha: string }
export interface GiteaCommitState { sha: string; branch: string; message: string; paths: string[] }
export interface GiteaHookState {
    id: number;
    type: string;
    url: string;
    contentType: string;
    httpMethod: string;
    events: string[];
    branchFilter: string;
    authorizationHeader: string;
    active: boolean;
}
export interface GiteaRepoState {
    id: number;
    owner: string;
    name: string;
    private: boolean;
    description: string;
    defaultBranch: string;
    /** branch → (path → file) */
    branches: Map<string, Map<string, GiteaFileState>>;
    heads: Map<string, string>;
    commits: GiteaCommitState[];
    hooks: Map<number, GiteaHookState>;
}
export interface GiteaTokenState { id: number; user: string; name: string; sha1: string; scopes: string[] }

export class GiteaState {
    version = "1.25.3";
    /** false → GET /version answers 503 (still starting). */
    ready = true;
    readonly users = new Map<string, { id: number; password: string }>();
    /** key: "owner/name" lower-cased */
    readonly repos = new Map<string, GiteaRepoState>();
    readonly tokens: GiteaTokenState[] = [];
    /** The admin Secret as the Pod's init container sees it (env from gitea.admin.existingSecret). */
    adminSecret: { username: string; password: string } | undefined;
    private seq = 100;

    constructor(readonly baseUrl: () => string) {}

    /**
     * The Pod started (again): the chart's init container runs configure_admin_user (gitea chart
     * templates/gitea/init.yaml): a missing admin is created; an existing one gets the Secret's
     * password only with passwordMode keepUpdated. Nothing reads the Secret while the Pod runs.
     */
    restart(passwordMode = "keepUpdated"): void {
        const s = this.adminSecret;
        if (!s) return;
        const u = this.users.get(s.username);
        if (!u) this.users.set(s.username, { id: this.nextId(), password: s.password });
        else if (passwordMode === "keepUpdated") u.password = s.password;
    }

    nextId(): number {
        return ++this.seq;
    }

    repo(owner: string, name: string): GiteaRepoState | undefined {
        return this.repos.get(`${owner}/${name}`.toLowerCase());
    }

    /** Adds a repository directly (e.g. one that "already exists" before the seed runs). */
    addRepo(owner: string, name: string, o: { private?: boolean; description?: string; defaultBranch?: string; autoInit?: boolean } = {}): GiteaRepoState {
        const branch = o.defaultBranch ?? "main";
        const r: GiteaRepoState = {
            id: this.nextId(),
            owner,
            name,
            private: o.private ?? false,
            description: o.description ?? "",
            defaultBranch: branch,
            branches: new Map(),
            heads: new Map(),
            commits: [],
            hooks: new Map(),
        };
        this.repos.set(`${owner}/${name}`.toLowerCase(), r);
        if (o.autoInit ?? true) {
            commit(r, branch, "Initial commit", [{ path: "README.md", content: Buffer.from(`# ${name}\n`) }]);
        }
        return r;
    }

    /** Files of a branch (default branch when omitted) as path → utf8 text. */
    files(owner: string, name: string, branch?: string): Record<string, string> {
        const r = this.repo(owner, name);
        const files = r?.branches.get(branch ?? r.defaultBranch);
        const out: Record<string, string> = {};
        for (const [p, f] of files ?? []) out[p] = f.content.toString("utf8");
        return out;
    }
}

/** Git's blob id: sha1("blob <len>\0<content>"), what Gitea reports as a file's `sha`. */
export function gitBlobSha(content: Buffer): string {
    return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

function commit(r: GiteaRepoState, branch: string, message: string, changes: { path: string; content?: Buffer }[]): GiteaCommitState {
    const files = r.branches.get(branch) ?? new Map<string, GiteaFileState>();
    for (const c of changes) {
        if (c.content === undefined) files.delete(c.path);
        else files.set(c.path, { content: c.content, sha: gitBlobSha(c.content) });
    }
    r.branches.set(branch, files);
    const sha = createHash("sha1").update(`${r.heads.get(branch) ?? ""}${message}${randomBytes(8).toString("hex")}`).digest("hex");
    r.heads.set(branch, sha);
    const c = { sha, branch, message, paths: changes.map((x) => x.path) };
    r.commits.push(c);
    return c;
}

const SCOPE_RE = /^(all|(read|write):(activitypub|admin|issue|misc|notification|organization|package|repository|user))$/;
const HOOK_TYPES = ["dingtalk", "discord", "gitea", "gogs", "msteams", "slack", "telegram", "feishu", "wechatwork", "packagist"];

const err = (status: number, message: string): Reply => json(status, { message, url: "https://gitea.com/api/swagger" });

type Caller = { user: string; via: "basic" | "token" } | { error: Reply } | undefined;

export type GiteaEmulator = Emulator<GiteaState>;

/** Starts the emulator with one admin user (`GITEA_USER` / `GITEA_PASSWORD` unless overridden). */
export async function start(opts: { username?: string; password?: string } = {}): Promise<GiteaEmulator> {
    let base = "";
    const state = new GiteaState(() => base);
    state.users.set(opts.username ?? GITEA_USER, { id: 1, password: opts.password ?? GITEA_PASSWORD });
    const emu = await startEmulator(state, (req) => handle(state, req), (status) => ({
        status,
        headers: { "Content-Type": "text/plain" },
        body: `${status} emulated fault`,
    }));
    base = emu.url;
    return emu;
}
export const startGiteaEmulator = start;

function authenticate(state: GiteaState, headers: IncomingHttpHeaders, query: URLSearchParams): Caller {
    const basic = basicAuth(headers);
    if (basic) {
        const u = state.users.get(basic.user);
        if (u && u.password === basic.password) return { user: basic.user, via: "basic" };
        // Gitea also accepts a token as the basic-auth password; such a request counts as token auth.
        const t = state.tokens.find((x) => x.sha1 === basic.password && x.user === basic.user);
        if (t) return { user: t.user, via: "token" };
        return { error: err(401, `user's password is invalid [uid: 0, name: ${basic.user}]`) };
    }
    const h = headers.authorization;
    const m = h ? /^(?:token|bearer)\s+(\S+)$/i.exec(h) : null;
    const tok = m?.[1] ?? query.get("token") ?? undefined;
    if (tok !== undefined) {
        const t = state.tokens.find((x) => x.sha1 === tok);
        return t ? { user: t.user, via: "token" } : { error: err(401, "user does not exist") };
    }
    return undefined;
}

function repoJson(state: GiteaState, r: GiteaRepoState): unknown {
    const base = state.baseUrl();
    const user = state.users.get(r.owner);
    return {
        id: r.id,
        owner: { id: user?.id ?? 0, login: r.owner, username: r.owner, full_name: "", email: `${r.owner}@noreply.localhost` },
        name: r.name,
        full_name: `${r.owner}/${r.name}`,
        description: r.description,
        empty: r.branches.size === 0,
        private: r.private,
        fork: false,
        template: false,
        mirror: false,
        archived: false,
        size: 0,
        html_url: `${base}/${r.owner}/${r.name}`,
        ssh_url: `git@127.0.0.1:${r.owner}/${r.name}.git`,
        clone_url: `${base}/${r.owner}/${r.name}.git`,
        default_branch: r.defaultBranch,
        permissions: { admin: true, push: true, pull: true },
    };
}

function contentsJson(state: GiteaState, r: GiteaRepoState, path: string, f: GiteaFileState, withContent: boolean): unknown {
    const base = state.baseUrl();
    return {
        name: path.split("/").pop(),
        path,
        sha: f.sha,
        type: "file",
        size: f.content.length,
        encoding: withContent ? "base64" : null,
        content: withContent ? f.content.toString("base64") : null,
        target: null,
        url: `${base}/api/v1/repos/${r.owner}/${r.name}/contents/${path}`,
        html_url: `${base}/${r.owner}/${r.name}/src/branch/${r.defaultBranch}/${path}`,
        git_url: `${base}/api/v1/repos/${r.owner}/${r.name}/git/blobs/${f.sha}`,
        download_url: `${base}/${r.owner}/${r.name}/raw/branch/${r.defaultBranch}/${path}`,
        submodule_git_url: null,
    };
}

function hookJson(h: GiteaHookState): unknown {
    const now = new Date().toISOString();
    return {
        id: h.id,
        type: h.type,
        branch_filter: h.branchFilter,
        config: { url: h.url, content_type: h.contentType, http_method: h.httpMethod },
        events: h.events,
        authorization_header: h.authorizationHeader,
        active: h.active,
        is_system_webhook: false,
        updated_at: now,
        created_at: now,
    };
}

class BadBody {
    constructor(readonly reply: Reply) {}
}
function parseBody(body: string): Record<string, any> | BadBody {
    if (body.trim() === "") return {};
    try {
        const v = JSON.parse(body);
        return v && typeof v === "object" && !Array.isArray(v) ? v : new BadBody(err(422, "expected a JSON object"));
    } catch {
        return new BadBody(err(422, "invalid JSON body"));
    }
}

function handle(state: GiteaState, req: EmulatorRequest): Reply {
    const { method, path } = req;
    if (method === "GET" && path === "/api/v1/version") {
        return state.ready ? json(200, { version: state.version }) : { status: 503, body: "Service Unavailable" };
    }
    if (!path.startsWith("/api/v1/")) return err(404, "not found");
    if (!state.ready) return { status: 503, body: "Service Unavailable" };

    const caller = authenticate(state, req.headers, req.query);
    if (caller && "error" in caller) return caller.error;
    if (!caller) return err(401, "token is required");
    const seg = path.slice("/api/v1/".length).split("/");

    // /user, /user/repos
    if (seg[0] === "user") {
        if (seg.length === 1 && method === "GET") {
            const u = state.users.get(caller.user);
            return json(200, { id: u?.id ?? 0, login: caller.user, username: caller.user, email: `${caller.user}@noreply.localhost`, is_admin: true });
        }
        if (seg[1] === "repos" && seg.length === 2 && method === "POST") return createRepo(state, caller.user, req.body);
        return err(404, "not found");
    }

    // /users/{u}/tokens[/{id|name}]
    if (seg[0] === "users" && seg[2] === "tokens") {
        const target = seg[1] ?? "";
        // reqBasicOrRevProxyAuth: a token cannot mint or list tokens.
        if (caller.via !== "basic") return err(401, "auth required");
        if (target !== caller.user) return err(403, "user should be the site admin or the owner of the token");
        if (seg.length === 3 && method === "POST") return createToken(state, caller.user, req.body);
        if (seg.length === 3 && method === "GET") {
            return json(200, state.tokens.filter((t) => t.user === caller.user).map((t) => ({ id: t.id, name: t.name, sha1: "", token_last_eight: t.sha1.slice(-8), scopes: t.scopes })));
        }
        if (seg.length === 4 && method === "DELETE") {
            const key = seg[3] ?? "";
            const mine = state.tokens.filter((t) => t.user === caller.user);
            const byId = /^\d+$/.test(key) ? mine.filter((t) => t.id === Number(key)) : [];
            const hits = byId.length ? byId : mine.filter((t) => t.name === key);
            if (hits.length === 0) return err(404, "access token does not exist");
            if (hits.length > 1) return err(422, "multiple matches for token name");
            state.tokens.splice(state.tokens.indexOf(hits[0]!), 1);
            return { status: 204 };
        }
        return err(405, "method not allowed");
    }

    // /repos/{o}/{r}/...
    if (seg[0] === "repos" && seg.length >= 3) {
        const r = state.repo(seg[1] ?? "", seg[2] ?? "");
        if (!r || (r.private && r.owner !== caller.user)) return err(404, "The target couldn't be found.");
        const rest = seg.slice(3);
        if (rest.length === 0) {
            if (method === "GET") return json(200, repoJson(state, r));
            if (method === "DELETE") {
                state.repos.delete(`${r.owner}/${r.name}`.toLowerCase());
                return { status: 204 };
            }
            return err(405, "method not allowed");
        }
        if (rest[0] === "branches" && rest.length === 2 && method === "GET") {
            const head = r.heads.get(rest[1] ?? "");
            if (!head) return err(404, "branch does not exist");
            const c = r.commits.find((x) => x.sha === head);
            return json(200, { name: rest[1], commit: { id: head, message: c?.message ?? "" }, protected: false });
        }
        if (rest[0] === "contents") {
            if (rest.length === 1 && method === "POST") return changeFiles(state, r, req.body);
            if (rest.length > 1 && method === "GET") {
                const p = rest.slice(1).join("/");
                const branch = req.query.get("ref") || r.defaultBranch;
                const files = r.branches.get(branch);
                if (!files) return err(404, `object does not exist [id: , rel_path: ${branch}]`);
                const f = files.get(p);
                if (f) return json(200, contentsJson(state, r, p, f, true));
                const prefix = `${p}/`;
                const entries = [...files.entries()].filter(([k]) => k.startsWith(prefix) && !k.slice(prefix.length).includes("/"));
                if (entries.length) return json(200, entries.map(([k, v]) => contentsJson(state, r, k, v, false)));
                return err(404, `object does not exist [id: , rel_path: ${p}]`);
            }
            return err(405, "method not allowed");
        }
        if (rest[0] === "hooks") return hooks(r, method, rest.slice(1), req.body);
    }
    return err(404, "not found");
}

function createRepo(state: GiteaState, owner: string, body: string): Reply {
    const b = parseBody(body);
    if (b instanceof BadBody) return b.reply;
    const name = typeof b.name === "string" ? b.name : "";
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(name) || name === "." || name === "..") {
        return json(422, [{ fieldNames: ["Name"], classification: "AlphaDashDotError", message: "AlphaDashDot" }]);
    }
    if (state.repo(owner, name)) return err(409, "The repository with the same name already exists.");
    const r = state.addRepo(owner, name, {
        private: b.private === true,
        description: typeof b.description === "string" ? b.description : "",
        // Gitea falls back to its DEFAULT_BRANCH setting ("main" since 1.19) when omitted.
        defaultBranch: typeof b.default_branch === "string" && b.default_branch ? b.default_branch : "main",
        autoInit: b.auto_init === true,
    });
    return json(201, repoJson(state, r));
}

function createToken(state: GiteaState, user: string, body: string): Reply {
    const b = parseBody(body);
    if (b instanceof BadBody) return b.reply;
    const name = typeof b.name === "string" ? b.name : "";
    if (!name) return json(422, [{ fieldNames: ["Name"], classification: "RequiredError", message: "Required" }]);
    if (state.tokens.some((t) => t.user === user && t.name === name)) return err(400, "access token name has been used already");
    const scopes: unknown[] = Array.isArray(b.scopes) ? b.scopes : [];
    const bad = scopes.find((s) => typeof s !== "string" || !SCOPE_RE.test(s));
    if (bad !== undefined) return err(400, `invalid access token scope provided: access token scope \`${JSON.stringify(bad)}\` is invalid`);
    if (scopes.length === 0) return err(400, "access token must have a scope");
    const sha1 = randomBytes(20).toString("hex");
    const t: GiteaTokenState = { id: state.nextId(), user, name, sha1, scopes: scopes as string[] };
    state.tokens.push(t);
    return json(201, { id: t.id, name: t.name, sha1, token_last_eight: sha1.slice(-8), scopes: t.scopes });
}

function changeFiles(state: GiteaState, r: GiteaRepoState, body: string): Reply {
    const b = parseBody(body);
    if (b instanceof BadBody) return b.reply;
    const ops: unknown[] = Array.isArray(b.files) ? b.files : [];
    if (ops.length === 0) return json(422, [{ fieldNames: ["Files"], classification: "RequiredError", message: "Required" }]);
    const branch = typeof b.branch === "string" && b.branch ? b.branch : r.defaultBranch;
    const empty = r.branches.size === 0;
    const current = r.branches.get(branch);
    if (!current && !empty) return err(404, `branch does not exist [name: ${branch}]`);
    const files = current ?? new Map<string, GiteaFileState>();
    const changes: { path: string; content?: Buffer }[] = [];
    // Validate every operation first: Gitea applies the batch as one commit or not at all.
    for (const raw of ops) {
        const o = (raw ?? {}) as Record<string, unknown>;
        const op = o.operation;
        const p = typeof o.path === "string" ? o.path : "";
        if (!p) return json(422, [{ fieldNames: ["Path"], classification: "RequiredError", message: "Required" }]);
        const sha = typeof o.sha === "string" ? o.sha : "";
        let content: Buffer | undefined;
        if (op !== "delete") {
            const c = typeof o.content === "string" ? o.content : "";
            if (!/^[A-Za-z0-9+/]*={0,2}$/.test(c) || c.length % 4 !== 0) return err(422, "illegal base64 data");
            content = Buffer.from(c, "base64");
        }
        const existing = files.get(p);
        switch (op) {
            case "create":
                if (existing) return err(422, `repository file already exists [path: ${p}]`);
                break;
            case "upload":
                break;
            case "update":
            case "delete":
                if (!sha) return err(422, "a SHA or commit ID must be provided when updating a file");
                if (!existing) return err(404, `repository file does not exist [path: ${p}]`);
                if (existing.sha !== sha) return err(422, `sha does not match [given: ${sha}, expected: ${existing.sha}]`);
                break;
            default:
                return json(422, [{ fieldNames: ["Operation"], classification: "InError", message: "In" }]);
        }
        changes.push({ path: p, content });
    }
    const message = typeof b.message === "string" && b.message ? b.message : `Update ${changes.map((c) => c.path).join(", ")}`;
    const c = commit(r, branch, message, changes);
    const after = r.branches.get(branch)!;
    const base = state.baseUrl();
    return json(201, {
        files: changes.map((x) => {
            const f = after.get(x.path);
            return f ? contentsJson(state, r, x.path, f, false) : null;
        }),
        commit: {
            sha: c.sha,
            url: `${base}/api/v1/repos/${r.owner}/${r.name}/git/commits/${c.sha}`,
            html_url: `${base}/${r.owner}/${r.name}/commit/${c.sha}`,
            message,
            parents: [],
            created: new Date().toISOString(),
        },
        verification: { verified: false, reason: "gpg.error.not_signed_commit", signature: "", signer: null, payload: "" },
    });
}

function hooks(r: GiteaRepoState, method: string, rest: string[], body: string): Reply {
    if (rest.length === 0 && method === "GET") return json(200, [...r.hooks.values()].map(hookJson));
    if (rest.length === 0 && method === "POST") {
        const b = parseBody(body);
        if (b instanceof BadBody) return b.reply;
        if (typeof b.type !== "string" || !HOOK_TYPES.includes(b.type)) {
            return json(422, [{ fieldNames: ["Type"], classification: "RequiredError", message: "Required" }]);
        }
        const cfg = (b.config ?? {}) as Record<string, unknown>;
        if (typeof cfg.url !== "string" || !cfg.url) return err(422, "Missing config option: url");
        if (cfg.content_type !== "json" && cfg.content_type !== "form") return err(422, "Invalid content type");
        const h: GiteaHookState = {
            id: r.hooks.size ? Math.max(...r.hooks.keys()) + 1 : 1,
            type: b.type,
            url: cfg.url,
            contentType: cfg.content_type,
            httpMethod: typeof cfg.http_method === "string" ? cfg.http_method : "post",
            events: Array.isArray(b.events) && b.events.length ? (b.events as string[]) : ["push"],
            branchFilter: typeof b.branch_filter === "string" ? b.branch_filter : "",
            authorizationHeader: typeof b.authorization_header === "string" ? b.authorization_header : "",
            // CreateHookOption.Active is a plain bool: omitted means false.
            active: b.active === true,
        };
        r.hooks.set(h.id, h);
        return json(201, hookJson(h));
    }
    const h = r.hooks.get(Number(rest[0]));
    if (rest.length !== 1 || !h) return err(404, "hook does not exist");
    if (method === "GET") return json(200, hookJson(h));
    if (method === "DELETE") {
        r.hooks.delete(h.id);
        return { status: 204 };
    }
    if (method === "PATCH") {
        const b = parseBody(body);
        if (b instanceof BadBody) return b.reply;
        const cfg = (b.config ?? {}) as Record<string, unknown>;
        if (typeof cfg.url === "string") h.url = cfg.url;
        if (cfg.content_type !== undefined) {
            if (cfg.content_type !== "json" && cfg.content_type !== "form") return err(422, "Invalid content type");
            h.contentType = cfg.content_type;
        }
        if (typeof cfg.http_method === "string") h.httpMethod = cfg.http_method;
        if (Array.isArray(b.events)) h.events = b.events as string[];
        if (typeof b.branch_filter === "string") h.branchFilter = b.branch_filter;
        if (typeof b.authorization_header === "string") h.authorizationHeader = b.authorization_header;
        // EditHookOption.Active is *bool: only an explicit value changes it.
        if (typeof b.active === "boolean") h.active = b.active;
        return json(200, hookJson(h));
    }
    return err(405, "method not allowed");
}
