// In-process emulator of the Gitea API endpoints the seed uses, written from the go-gitea/gitea v1.25.2
// sources (v1.25.4, the version gitea chart 12.5.0 runs, changes none of the behaviours cited here: of
// the files, only routers/api/v1/api.go — commit-status routes — and services/context/user.go differ) and
// checked against a real Gitea: test/seed/gitea{Api,Client,Providers}.test.ts run against both
// (test/support/giteaTargets.ts), and a difference is a bug here. Each behaviour names the file it
// follows; the unpleasant parts are modelled too:
// - auth (routers/api/v1/api.go apiAuth, services/auth/{basic,oauth2}.go): credentials, when sent, are
//   checked on EVERY route (/version included) and a bad one is 401; anonymous callers reach only what
//   Gitea leaves public (GET /version, GET of a public repository); the rest is reqToken's 401, a
//   private repository of someone else is 404 (repoAssignment), not 403;
// - request bodies (api.go bind()): the first binding error as a 422 APIError "[Field]: Rule";
// - tokens need the scope category of the route group (tokenRequiresScopes), token creation needs
//   basic auth (reqBasicOrRevProxyAuth) and a scope (routers/api/v1/user/app.go);
// - repositories (routers/api/v1/repo/repo.go CreateUserRepo, services/repository/create.go): 409 on
//   an existing name (case-insensitive), 422 for reserved names, auto-init writes the "Default"
//   README template (options/readme/Default) in one "Initial commit";
// - contents batch (routers/api/v1/repo/file.go ChangeFiles, services/repository/files/update.go):
//   one commit, atomic, a given sha must match — and a missing one is NOT an error (see changeFiles);
// - trees (routers/api/v1/repo/tree.go, services/repository/files/tree.go): a branch name resolves to
//   its head commit, recursive listings in git's order with git's ids, pages of at most 1000;
// - webhooks (routers/api/v1/repo/hook.go, routers/api/v1/utils/{hook,page}.go): ids are global
//   (one webhook table), a page is 30 by default and 50 at most with X-Total-Count and no Link
//   header — and without `page` the list is NOT paged at all (models/db/list.go FindAndCount);
//   create ignores http_method and defaults `active` to false, PATCH resets what it omits
//   (events → push, branch_filter and authorization_header → ""), except `active`;
// - users (routers/api/v1/admin/user.go, routers/api/v1/user/user.go GetInfo, services/convert/user.go):
//   the /admin group needs a site admin (reqSiteAdmin, and write:admin for a token); CreateUser 422s on a
//   taken name or e-mail and defaults must_change_password to true; EditUser requires login_name;
//   DeleteUser 422s while the user owns repositories and takes its tokens and collaborations along;
//   is_admin and the login flags are shown to a site admin or the user only;
// - tokens of another user may be minted, listed (paged, token_last_eight only) and deleted by a site
//   admin (routers/api/v1/api.go reqSelfOrAdmin);
// - collaborators (routers/api/v1/repo/collaborators.go) and what they may do
//   (models/perm/access/repo_permission.go GetUserRepoPermission, access.go accessLevel): a
//   collaborator sees a private repository with its mode, writes files only with write, manages
//   hooks and collaborators only with admin.
import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { basicAuth, Emulator, EmulatorRequest, json, Reply, startEmulator } from "./httpEmulator";

export const GITEA_USER = "gitea_admin";
export const GITEA_PASSWORD = "gitea-Adm1n-Pa55!";
/** What GET /version reports: the appVersion of the pinned chart (gitea 12.5.0 → 1.25.4). */
export const GITEA_VERSION = "1.25.4";

export interface GiteaFileState { content: Buffer; sha: string }
export interface GiteaCommitState {
    sha: string;
    branch: string;
    message: string;
    paths: string[];
    /** The branch's files as this commit left them (what a tree or contents read at this commit shows). */
    files: ReadonlyMap<string, GiteaFileState>;
    /** The commit before it on its branch ("" for the first). */
    parent: string;
    /** Author/committer date, RFC 3339 in whole seconds as Gitea renders it. */
    time: string;
    /** Author and committer: the repository's owner here. */
    author: string;
}
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
    /** lower-cased user name → mode (the `collaboration` table). */
    collaborators: Map<string, GiteaAccessMode>;
}
export interface GiteaTokenState { id: number; user: string; name: string; sha1: string; scopes: string[] }
export interface GiteaUserState {
    id: number;
    password: string;
    admin?: boolean;
    email?: string;
    /** false: deactivated (default true). */
    active?: boolean;
    restricted?: boolean;
    prohibitLogin?: boolean;
    mustChangePassword?: boolean;
    /** -1: the site default (models/user MaxRepoCreation). */
    maxRepoCreation?: number;
    allowCreateOrganization?: boolean;
}
/** A collaborator's access mode (models/perm/access_mode.go). */
export type GiteaAccessMode = "read" | "write" | "admin";

export class GiteaState {
    version = GITEA_VERSION;
    /** false → GET /version answers 503 (the Service has no ready endpoint yet). */
    ready = true;
    readonly users = new Map<string, GiteaUserState>();
    /** key: "owner/name" lower-cased */
    readonly repos = new Map<string, GiteaRepoState>();
    readonly tokens: GiteaTokenState[] = [];
    /** The admin Secret as the Pod's init container sees it (env from gitea.admin.existingSecret). */
    adminSecret: { username: string; password: string } | undefined;
    private seq = 100;
    // One `webhook` table for every repository (models/webhook/webhook.go, ID autoincrement).
    private hookSeq = 0;

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
        // configure_admin_user (gitea chart templates/gitea/secret_init.yaml) runs `gitea admin user create --admin …`.
        if (!u) this.users.set(s.username, { id: this.nextId(), password: s.password, admin: true });
        else if (passwordMode === "keepUpdated") u.password = s.password;
    }

    nextId(): number {
        return ++this.seq;
    }

    nextHookId(): number {
        return ++this.hookSeq;
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
            collaborators: new Map(),
        };
        this.repos.set(`${owner}/${name}`.toLowerCase(), r);
        if (o.autoInit ?? true) {
            // services/repository/create.go prepareRepoCommit: README.md from options/readme/Default,
            // "# {Name}\n\n{Description}" with no trailing newline, committed as "Initial commit".
            commit(r, branch, "Initial commit", [{ path: "README.md", content: Buffer.from(`# ${name}\n\n${r.description}`) }]);
        }
        return r;
    }

    /** Adds a user directly (one that "already exists"). */
    addUser(name: string, o: Partial<Omit<GiteaUserState, "id">> = {}): GiteaUserState {
        const u: GiteaUserState = { password: "Existing-Pa55", ...o, id: this.nextId() };
        this.users.set(name, u);
        return u;
    }

    /** The user's access mode on a repository, as GetUserRepoPermission computes it for a user-owned one. */
    accessMode(user: string | undefined, r: GiteaRepoState): "owner" | GiteaAccessMode | "none" {
        const u = user === undefined ? undefined : this.users.get(user);
        if (!u) return r.private ? "none" : "read";
        if (u.admin || user!.toLowerCase() === r.owner.toLowerCase()) return "owner";
        return r.collaborators.get(user!.toLowerCase()) ?? (r.private ? "none" : "read");
    }

    /** Repositories the user is a collaborator on, as "owner/name" → mode. */
    collaborations(user: string): Record<string, GiteaAccessMode> {
        const out: Record<string, GiteaAccessMode> = {};
        for (const r of this.repos.values()) {
            const m = r.collaborators.get(user.toLowerCase());
            if (m) out[`${r.owner}/${r.name}`] = m;
        }
        return out;
    }

    /** Adds a webhook directly, with the next global id. */
    addHook(r: GiteaRepoState, h: Partial<Omit<GiteaHookState, "id">> & { url: string }): GiteaHookState {
        const hook: GiteaHookState = { type: "gitea", contentType: "json", httpMethod: "POST", events: ["push"], branchFilter: "", authorizationHeader: "", active: true, ...h, id: this.nextHookId() };
        r.hooks.set(hook.id, hook);
        return hook;
    }

    /** Commits `changes` (content undefined = delete) to a branch, as any writer would: one commit. */
    commitFiles(r: GiteaRepoState, branch: string, message: string, changes: { path: string; content?: Buffer }[]): GiteaCommitState {
        return commit(r, branch, message, changes);
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

/** Go's time.Time JSON in UTC as Gitea's API renders it: whole seconds, "Z". */
function rfc3339(d: Date): string {
    return d.toISOString().replace(/\.\d{3}Z$/, "Z");
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
    const parent = r.heads.get(branch) ?? "";
    const sha = createHash("sha1").update(`${parent}${message}${randomBytes(8).toString("hex")}`).digest("hex");
    r.heads.set(branch, sha);
    const c = { sha, branch, message, paths: changes.map((x) => x.path), files: new Map(files), parent, time: rfc3339(new Date()), author: r.owner };
    r.commits.push(c);
    return c;
}

/**
 * What `{sha}` / `ref` names: a branch (its head) or a full commit id. Real Gitea hands the name to
 * git's own rev lookup (modules/git/repo_commit_nogogit.go GetRefCommitID: `cat-file --batch-check`),
 * which also knows tags and short ids; the seed only ever sends branch names and full ids.
 */
function resolveCommit(r: GiteaRepoState, ref: string): GiteaCommitState | undefined {
    const head = r.heads.get(ref);
    return r.commits.find((c) => c.sha === (head ?? ref));
}

interface TreeNode { mode: string; type: "blob" | "tree"; sha: string; size: number; path: string }

/**
 * `git ls-tree -t -r --long <commit>` (modules/git/tree_nogogit.go listEntriesRecursive): every tree
 * and blob, depth first, in git's tree order (names compared bytewise, a directory as "name/"); a
 * tree's id is git's real one (`tree <len>\0` + "<mode> <name>\0<20-byte id>" per entry).
 */
function lsTree(files: ReadonlyMap<string, GiteaFileState>, recursive: boolean): TreeNode[] & { id: string } {
    type Dir = Map<string, Dir | GiteaFileState>;
    const root: Dir = new Map();
    for (const [p, f] of files) {
        const parts = p.split("/");
        let d = root;
        for (const part of parts.slice(0, -1)) {
            let next = d.get(part);
            if (!(next instanceof Map)) d.set(part, (next = new Map()));
            d = next;
        }
        d.set(parts.at(-1)!, f);
    }
    const key = (name: string, v: Dir | GiteaFileState) => Buffer.from(v instanceof Map ? `${name}/` : name);
    const walk = (d: Dir, prefix: string, out: TreeNode[] | undefined): string => {
        const sorted = [...d.entries()].sort(([a, va], [b, vb]) => Buffer.compare(key(a, va), key(b, vb)));
        const raw: Buffer[] = [];
        for (const [name, v] of sorted) {
            const path = prefix + name;
            if (v instanceof Map) {
                const node: TreeNode = { mode: "040000", type: "tree", sha: "", size: 0, path };
                out?.push(node);
                node.sha = walk(v, `${path}/`, recursive ? out : undefined);
                raw.push(Buffer.from(`40000 ${name}\0`), Buffer.from(node.sha, "hex"));
            } else {
                out?.push({ mode: "100644", type: "blob", sha: v.sha, size: v.content.length, path });
                raw.push(Buffer.from(`100644 ${name}\0`), Buffer.from(v.sha, "hex"));
            }
        }
        const body = Buffer.concat(raw);
        return createHash("sha1").update(`tree ${body.length}\0`).update(body).digest("hex");
    };
    const out: TreeNode[] = [];
    const id = walk(root, "", out);
    return Object.assign(out, { id });
}

/** The root tree's git id. */
function lsTreeId(files: ReadonlyMap<string, GiteaFileState>): string {
    return lsTree(files, false).id;
}

const SCOPE_RE = /^(all|(read|write):(activitypub|admin|issue|misc|notification|organization|package|repository|user))$/;
// services/webhook/webhook.go IsValidHookTaskType: gitea, gogs and the registered requesters.
const HOOK_TYPES = ["dingtalk", "discord", "gitea", "gogs", "msteams", "slack", "telegram", "feishu", "matrix", "wechatwork", "packagist"];
// modules/webhook/type.go: the events updateHookEvents (routers/api/v1/utils/hook.go) knows; any
// other name is dropped, matching is case-insensitive, and none at all means push only.
const HOOK_EVENTS = [
    "create", "delete", "fork", "push", "issues", "issue_assign", "issue_label", "issue_milestone", "issue_comment",
    "pull_request", "pull_request_assign", "pull_request_label", "pull_request_milestone", "pull_request_comment",
    "pull_request_review_approved", "pull_request_review_rejected", "pull_request_review_comment", "pull_request_sync",
    "pull_request_review_request", "wiki", "repository", "release", "package", "status", "workflow_run", "workflow_job",
];
// modules/setting/api.go: DEFAULT_PAGING_NUM 30, MAX_RESPONSE_ITEMS 50.
const DEFAULT_PAGING_NUM = 30;
const MAX_RESPONSE_ITEMS = 50;
// modules/setting/api.go DefaultGitTreesPerPage: a tree page's default and largest size.
const DEFAULT_GIT_TREES_PER_PAGE = 1000;

export type GiteaEmulator = Emulator<GiteaState>;

/** Starts the emulator with one site admin (`GITEA_USER` / `GITEA_PASSWORD` unless overridden). */
export async function start(opts: { username?: string; password?: string } = {}): Promise<GiteaEmulator> {
    let base = "";
    const state = new GiteaState(() => base);
    state.users.set(opts.username ?? GITEA_USER, { id: 1, password: opts.password ?? GITEA_PASSWORD, admin: true });
    const emu = await startEmulator(state, (req) => handle(state, req), (status) => ({
        status,
        headers: { "Content-Type": "text/plain" },
        body: `${status} emulated fault`,
    }));
    base = emu.url;
    return emu;
}
export const startGiteaEmulator = start;

// services/context/api.go APIError: {message, url: setting.API.SwaggerURL (ROOT_URL + "api/swagger")}.
function errorReply(state: GiteaState, status: number, message: string): Reply {
    return json(status, { message, url: `${state.baseUrl()}/api/swagger` });
}
// services/context/api.go APIErrorNotFound: message defaults to "not found", `errors` is a list or null.
function notFound(state: GiteaState, message = "not found", errors: string[] | null = null): Reply {
    return json(404, { message, url: `${state.baseUrl()}/api/swagger`, errors });
}
// routers/api/v1/api.go bind(): the FIRST binding error only, as an APIError whose message is
// fmt.Sprintf("%s: %s", errs[0].FieldNames, errs[0].Error()) — e.g. "[Name]: AlphaDashDot".
function bindingError(state: GiteaState, field: string, message: string): Reply {
    return errorReply(state, 422, `[${field}]: ${message}`);
}

interface Caller {
    readonly user: string;
    readonly admin: boolean;
    /** ctx.IsBasicAuth: signed in with user + password (a token sent as the password does not count). */
    readonly basic: boolean;
    /** The token's scopes when signed in with a token. */
    readonly scopes?: readonly string[];
}

/**
 * routers/api/v1/api.go apiAuth over services/auth basic.go and oauth2.go: undefined for an anonymous
 * request, a Reply (401) for credentials that do not sign in.
 */
function authenticate(state: GiteaState, headers: IncomingHttpHeaders, query: URLSearchParams): Caller | Reply | undefined {
    const bad = () => errorReply(state, 401, "invalid username, password or token");
    const byToken = (sha: string): Caller | Reply => {
        const t = state.tokens.find((x) => x.sha1 === sha);
        if (!t) return bad();
        return { user: t.user, admin: state.users.get(t.user)?.admin === true, basic: false, scopes: t.scopes };
    };
    // oauth2.go parseToken: ?token= / ?access_token= first, then "Authorization: Bearer|token <t>".
    const q = query.get("token") || query.get("access_token");
    if (q) return byToken(q);
    const h = headers.authorization;
    const m = h ? /^(?:token|bearer)\s+(\S+)$/i.exec(h) : null;
    if (m) return byToken(m[1]!);
    const b = basicAuth(headers);
    if (!b) return undefined;
    // basic.go: an empty password (or "x-oauth-basic") means the user name is the token; otherwise the
    // password is tried as a token first — whatever the user name says — then as the password.
    if (b.password === "" || b.password === "x-oauth-basic") return byToken(b.user);
    if (state.tokens.some((t) => t.sha1 === b.password)) return byToken(b.password);
    const u = state.users.get(b.user);
    if (!u || u.password !== b.password) return bad();
    return { user: b.user, admin: u.admin === true, basic: true };
}

/** routers/api/v1/api.go tokenRequiresScopes: a token needs read:<category> (GET) or write:<category>. */
function scopeProblem(state: GiteaState, caller: Caller | undefined, method: string, category: string): Reply | undefined {
    if (!caller?.scopes) return undefined;
    const level = method === "GET" || method === "HEAD" ? "read" : "write";
    const ok = caller.scopes.some((s) => s === "all" || s === `write:${category}` || s === `${level}:${category}`);
    if (ok) return undefined;
    return errorReply(state, 403, `token does not have at least one of required scope(s), required=[${level}:${category}], token scope=${caller.scopes.join(",")}`);
}

/** routers/api/v1/api.go reqToken. */
const reqToken = (state: GiteaState, caller: Caller | undefined): Reply | undefined => (caller ? undefined : errorReply(state, 401, "token is required"));

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

/** The newest commit of `at`'s history on its branch that touched `path` (a file, or anything below a directory). */
function lastCommitTouching(r: GiteaRepoState, at: GiteaCommitState, path: string): GiteaCommitState {
    for (let i = r.commits.indexOf(at); i >= 0; i--) {
        const c = r.commits[i]!;
        if (c.branch === at.branch && c.paths.some((p) => p === path || p.startsWith(`${path}/`))) return c;
    }
    return at;
}

/**
 * services/repository/files/content.go GetContents (ContentsResponse, modules/structs/repo_file.go):
 * with the last commit touching the entry (IncludeCommitMetadata), urls carrying `?ref=<ref>`, and
 * for a directory type "dir", its tree id as sha (git_url still says "blobs", download_url null).
 */
function contentsJson(state: GiteaState, r: GiteaRepoState, at: GiteaCommitState, ref: string, path: string, entry: GiteaFileState | { tree: string }, withContent: boolean): unknown {
    const base = state.baseUrl();
    const api = `${base}/api/v1/repos/${r.owner}/${r.name}`;
    const isFile = "content" in entry;
    const sha = isFile ? entry.sha : entry.tree;
    const last = lastCommitTouching(r, at, path);
    const self = `${api}/contents/${path}?ref=${ref}`;
    const html = `${base}/${r.owner}/${r.name}/src/branch/${ref}/${path}`;
    const git = `${api}/git/blobs/${sha}`;
    return {
        name: path.split("/").pop(),
        path,
        sha,
        last_commit_sha: last.sha,
        last_committer_date: last.time,
        last_author_date: last.time,
        type: isFile ? "file" : "dir",
        size: isFile ? entry.content.length : 0,
        encoding: isFile && withContent ? "base64" : null,
        content: isFile && withContent ? entry.content.toString("base64") : null,
        target: null,
        url: self,
        html_url: html,
        git_url: git,
        download_url: isFile ? `${base}/${r.owner}/${r.name}/raw/branch/${ref}/${path}` : null,
        submodule_git_url: null,
        _links: { self, git, html },
    };
}

// services/webhook/general.go ToHook + modules/structs/hook.go Hook: config carries url and
// content_type only; the Authorization header comes back decrypted.
function hookJson(h: GiteaHookState): unknown {
    const now = rfc3339(new Date());
    return {
        id: h.id,
        type: h.type,
        branch_filter: h.branchFilter,
        config: { url: h.url, content_type: h.contentType },
        events: h.events,
        authorization_header: h.authorizationHeader,
        active: h.active,
        updated_at: now,
        created_at: now,
    };
}

class BadBody {
    constructor(readonly reply: Reply) {}
}
/**
 * The JSON body as bind() decodes it. A body Go's encoding/json refuses is bind()'s 422 with the
 * field list empty ("[]: <decoder error>"); the decoder's own wording is not reproduced.
 */
function parseBody(state: GiteaState, body: string): Record<string, any> | BadBody {
    if (body.trim() === "") return {};
    try {
        const v = JSON.parse(body);
        return v && typeof v === "object" && !Array.isArray(v) ? v : new BadBody(errorReply(state, 422, "[]: json: cannot unmarshal into a struct"));
    } catch (e) {
        return new BadBody(errorReply(state, 422, `[]: ${e instanceof Error ? e.message : String(e)}`));
    }
}

function handle(state: GiteaState, req: EmulatorRequest): Reply {
    const { method, path } = req;
    if (!path.startsWith("/api/v1/")) return notFound(state);
    if (!state.ready) return { status: 503, body: "Service Unavailable" };
    // apiAuth runs for every API route before routing: bad credentials are 401 even on /version.
    const auth = authenticate(state, req.headers, req.query);
    if (auth && "status" in auth) return auth;
    const caller = auth;
    const seg = path.slice("/api/v1/".length).split("/");

    if (method === "GET" && path === "/api/v1/version") return json(200, { version: state.version });

    // /user, /user/repos: the group's tokenRequiresScopes(user) and reqToken; the repos route adds
    // tokenRequiresScopes(repository), so a token needs both.
    if (seg[0] === "user") {
        const scope = scopeProblem(state, caller, method, "user") ?? (seg[1] === "repos" ? scopeProblem(state, caller, method, "repository") : undefined);
        if (scope) return scope;
        const anon = reqToken(state, caller);
        if (anon) return anon;
        if (seg.length === 1 && method === "GET") {
            const u = state.users.get(caller!.user);
            return json(200, { id: u?.id ?? 0, login: caller!.user, username: caller!.user, email: `${caller!.user}@noreply.localhost`, is_admin: caller!.admin });
        }
        if (seg[1] === "repos" && seg.length === 2 && method === "POST") return createRepo(state, caller!.user, req.body);
        return notFound(state);
    }

    // /admin/users[/{u}]: the /admin group's tokenRequiresScopes(admin), reqToken, reqSiteAdmin; then
    // UserAssignmentAPI (404) for /{u}.
    if (seg[0] === "admin" && seg[1] === "users") {
        const scope = scopeProblem(state, caller, method, "admin");
        if (scope) return scope;
        const anon = reqToken(state, caller);
        if (anon) return anon;
        if (!caller!.admin) return errorReply(state, 403, "user should be the site admin");
        if (seg.length === 2 && method === "POST") return createUser(state, req.body);
        if (seg.length === 3) {
            const name = seg[2] ?? "";
            if (!state.users.has(name)) return notFound(state, "GetUserByName", [`user does not exist [uid: 0, name: ${name}]`]);
            if (method === "PATCH") return editUser(state, name, req.body);
            if (method === "DELETE") return deleteUser(state, caller!, name);
            return errorReply(state, 405, "method not allowed");
        }
        return notFound(state);
    }

    // GET /users/{u}: tokenRequiresScopes(user), UserAssignmentAPI (404), user.GetInfo → convert.ToUser.
    if (seg[0] === "users" && seg.length === 2 && method === "GET") {
        const scope = scopeProblem(state, caller, method, "user");
        if (scope) return scope;
        const u = state.users.get(seg[1] ?? "");
        if (!u) return notFound(state, "GetUserByName", [`user does not exist [uid: 0, name: ${seg[1]}]`]);
        return json(200, userJson(seg[1]!, u, caller));
    }

    // /users/{u}/tokens[/{id|name}]: tokenRequiresScopes(user), UserAssignmentAPI (404),
    // reqSelfOrAdmin (403), reqBasicOrRevProxyAuth (401) — in that order.
    if (seg[0] === "users" && seg[2] === "tokens") {
        const scope = scopeProblem(state, caller, method, "user");
        if (scope) return scope;
        const target = seg[1] ?? "";
        // services/context/user.go UserAssignmentAPI: an unknown name (no redirect either) is APIError(404, err).
        if (!state.users.has(target)) return errorReply(state, 404, `user redirect does not exist [name: ${target}]`);
        if (!caller?.admin && caller?.user !== target) return errorReply(state, 403, "doer should be the site admin or be same as the contextUser");
        if (!caller.basic) return errorReply(state, 401, "auth required");
        if (seg.length === 3 && method === "POST") return createToken(state, target, req.body);
        if (seg.length === 3 && method === "GET") {
            // user/app.go ListAccessTokens: paged (utils.GetListOptions), the total in X-Total-Count,
            // never the token itself — its last eight characters only.
            const all = state.tokens.filter((t) => t.user === target).map((t) => ({ id: t.id, name: t.name, sha1: "", token_last_eight: t.sha1.slice(-8), scopes: t.scopes }));
            return paged(all, req.query);
        }
        if (seg.length === 4 && method === "DELETE") {
            const key = seg[3] ?? "";
            const mine = state.tokens.filter((t) => t.user === target);
            const byId = /^\d+$/.test(key) ? mine.filter((t) => t.id === Number(key)) : [];
            const hits = byId.length ? byId : mine.filter((t) => t.name === key);
            if (hits.length === 0) return notFound(state);
            if (hits.length > 1) return errorReply(state, 422, "multiple matches for token name");
            state.tokens.splice(state.tokens.indexOf(hits[0]!), 1);
            return { status: 204 };
        }
        return errorReply(state, 405, "method not allowed");
    }

    // /repos/{o}/{r}/...: tokenRequiresScopes(repository), then repoAssignment: an unknown owner or
    // repository, or a private one the caller cannot see, is 404 — never 403.
    if (seg[0] === "repos" && seg.length >= 3) {
        const scope = scopeProblem(state, caller, method, "repository");
        if (scope) return scope;
        const ownerName = seg[1] ?? "";
        if (!state.users.has(ownerName) && ![...state.repos.values()].some((x) => x.owner.toLowerCase() === ownerName.toLowerCase())) {
            // repoAssignment: GetUserByName fails, then LookupUserRedirect does (models/user/redirect.go).
            return notFound(state, "GetUserByName", [`user redirect does not exist [name: ${ownerName}]`]);
        }
        const r = state.repo(ownerName, seg[2] ?? "");
        const isOwner = !!caller && r?.owner.toLowerCase() === caller.user.toLowerCase();
        // The caller's access (GetUserRepoPermission): a collaborator sees a private repository too.
        const mode = r ? state.accessMode(caller?.user, r) : "none";
        if (!r || mode === "none") return notFound(state);
        const rest = seg.slice(3);
        if (rest.length === 0) {
            if (method === "GET") return json(200, repoJson(state, r));
            if (method === "DELETE") {
                // reqToken, reqOwner.
                const anon = reqToken(state, caller);
                if (anon) return anon;
                if (!isOwner && !caller!.admin) return errorReply(state, 403, "user should be the owner of the repo");
                state.repos.delete(`${r.owner}/${r.name}`.toLowerCase());
                return { status: 204 };
            }
            return errorReply(state, 405, "method not allowed");
        }
        // routers/api/v1/api.go: m.Get("/*", repo.GetBranch) — the rest of the path is the branch,
        // slashes included, whether they were sent as "/" or "%2F".
        if (rest[0] === "branches" && rest.length >= 2 && method === "GET") {
            const branchName = rest.slice(1).join("/");
            const head = r.heads.get(branchName);
            // routers/api/v1/repo/branch.go GetBranch: ctx.APIErrorNotFound(err) for a missing branch → "not found".
            if (!head) return notFound(state, "not found", null);
            // repo/branch.go GetBranch → convert.ToBranch: the head as a PayloadCommit
            // (services/convert/git_commit.go ToPayloadCommit: url = <html_url>/commit/<id>, the
            // author's When as timestamp, no added/removed/modified — null).
            const c = r.commits.find((x) => x.sha === head);
            const who = { name: c?.author ?? r.owner, email: `${c?.author ?? r.owner}@noreply.localhost`, username: c?.author ?? r.owner };
            const commit = {
                id: head,
                message: c?.message ?? "",
                url: `${state.baseUrl()}/${r.owner}/${r.name}/commit/${head}`,
                author: who,
                committer: who,
                verification: { verified: false, reason: "gpg.error.not_signed_commit", signature: "", signer: null, payload: "" },
                timestamp: c?.time ?? new Date(0).toISOString(),
                added: null,
                removed: null,
                modified: null,
            };
            return json(200, { name: branchName, commit, protected: false, required_approvals: 0, enable_status_check: false, user_can_push: mode !== "read", user_can_merge: mode !== "read" });
        }
        if (rest[0] === "contents") {
            if (rest.length === 1 && method === "POST") {
                // mustEnableEditor, reqToken, ReqChangeRepoFileOptionsAndCheck (write access).
                const anon = reqToken(state, caller);
                if (anon) return anon;
                if (mode !== "owner" && mode !== "admin" && mode !== "write") return errorReply(state, 403, "user should have a permission to write to a repo");
                return changeFiles(state, r, req.body);
            }
            if (method === "GET") {
                // routers/api/v1/repo/file.go GetContents / GetContentsList → getRepoContents: the ref
                // first (resolveRefCommit: APIErrorNotFound(err) → "not found" + the git error), then
                // GetContentsOrList (APIErrorNotFound("GetContentsOrList", err)). A directory (or the
                // root, with no path) is a list of its direct entries.
                const p = rest.slice(1).join("/");
                const ref = req.query.get("ref") || r.defaultBranch;
                const at = resolveCommit(r, ref);
                if (!at) return notFound(state, "not found", [`object does not exist [id: ${ref}, rel_path: ]`]);
                const f = at.files.get(p);
                if (f) return json(200, contentsJson(state, r, at, ref, p, f, true));
                const prefix = p ? `${p}/` : "";
                const trees = new Map(lsTree(at.files, true).filter((e) => e.type === "tree").map((e) => [e.path, e.sha]));
                const names = new Map<string, GiteaFileState | { tree: string }>();
                for (const [k, v] of at.files) {
                    if (!k.startsWith(prefix)) continue;
                    const [name, ...deeper] = k.slice(prefix.length).split("/");
                    names.set(name!, deeper.length ? { tree: trees.get(prefix + name!)! } : v);
                }
                if (names.size) {
                    // Git's tree order: bytewise by name (a directory as "name/").
                    const key = ([n, v]: [string, unknown]) => Buffer.from("tree" in (v as object) ? `${n}/` : n);
                    const sorted = [...names.entries()].sort((a, b) => Buffer.compare(key(a), key(b)));
                    return json(200, sorted.map(([k, v]) => contentsJson(state, r, at, ref, prefix + k, v, false)));
                }
                return notFound(state, "GetContentsOrList", [`object does not exist [id: , rel_path: ${p}]`]);
            }
            return errorReply(state, 405, "method not allowed");
        }
        if (rest[0] === "git" && rest[1] === "trees" && rest.length === 3 && method === "GET") return tree(state, r, rest[2]!, req.query);
        if (rest[0] === "hooks") {
            // reqToken, reqAdmin, reqWebhooksEnabled.
            const anon = reqToken(state, caller);
            if (anon) return anon;
            if (mode !== "owner" && mode !== "admin") return errorReply(state, 403, "user should be an owner or a collaborator with admin write of a repository");
            return hooks(state, r, method, rest.slice(1), req.query, req.body);
        }
        if (rest[0] === "collaborators") {
            // The group's reqToken; per route reqAnyRepoReader (passed: the caller sees the repo) or reqAdmin.
            const anon = reqToken(state, caller);
            if (anon) return anon;
            return collaborators(state, caller!, r, mode, method, rest.slice(1), req.query, req.body);
        }
    }
    return notFound(state);
}

/**
 * A list as utils.GetListOptions + models/db/list.go FindAndCount give it (as for hooks): limit <= 0
 * → 30, > 50 → 50, applied only when page >= 1 — without a page, everything; the total in X-Total-Count.
 */
function paged<T>(all: readonly T[], query: URLSearchParams): Reply {
    const page = formInt(query, "page");
    const limit = formInt(query, "limit");
    const size = limit <= 0 ? DEFAULT_PAGING_NUM : Math.min(limit, MAX_RESPONSE_ITEMS);
    const slice = page >= 1 ? all.slice((page - 1) * size, page * size) : all;
    return json(200, slice, { "X-Total-Count": String(all.length), "Access-Control-Expose-Headers": "X-Total-Count" });
}

// services/convert/user.go toUser: is_admin, login_name, active, prohibit_login only for a site admin
// or the user (`authed`) — anyone else gets their zero values (modules/structs/user.go has no
// omitempty on them); restricted and visibility for anyone.
function userJson(name: string, u: GiteaUserState, caller: Caller | undefined): unknown {
    const authed = !!caller && (caller.admin || caller.user === name);
    return {
        id: u.id,
        login: name,
        username: name,
        full_name: "",
        email: authed ? (u.email ?? `${name}@noreply.localhost`) : `${name}@noreply.localhost`,
        restricted: u.restricted === true,
        visibility: "public",
        ...(authed ? { is_admin: u.admin === true, active: u.active !== false, prohibit_login: u.prohibitLogin === true, login_name: "" } : { is_admin: false, active: false, prohibit_login: false, login_name: "" }),
    };
}

// routers/api/v1/admin/user.go CreateUser (binding: username Required;Username;MaxSize(40), email
// Required;Email); must_change_password defaults to true; a taken name or e-mail is 422.
function createUser(state: GiteaState, body: string): Reply {
    const b = parseBody(state, body);
    if (b instanceof BadBody) return b.reply;
    const name = typeof b.username === "string" ? b.username : "";
    if (!name) return bindingError(state, "Username", "Required");
    // modules/validation/helpers.go IsValidUsername.
    if (!/^[\da-zA-Z][-.\w]*$/.test(name) || /[-._]{2,}|[-._]$/.test(name)) return bindingError(state, "Username", "Username");
    if (name.length > 40) return bindingError(state, "Username", "MaxSize");
    const email = typeof b.email === "string" ? b.email : "";
    if (!email) return bindingError(state, "Email", "Required");
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) return bindingError(state, "Email", "Email");
    const password = typeof b.password === "string" ? b.password : "";
    // MIN_PASSWORD_LENGTH 8 (modules/setting/security.go); complexity off by default.
    if (password.length < 8) return errorReply(state, 400, "PasswordIsRequired");
    if ([...state.users.keys()].some((n) => n.toLowerCase() === name.toLowerCase())) return errorReply(state, 422, `user already exists [name: ${name}]`);
    if ([...state.users.values()].some((u) => u.email?.toLowerCase() === email.toLowerCase())) return errorReply(state, 422, `e-mail already in use [email: ${email}]`);
    const u = state.addUser(name, {
        password,
        email,
        admin: false,
        active: true,
        restricted: b.restricted === true,
        mustChangePassword: typeof b.must_change_password === "boolean" ? b.must_change_password : true,
        maxRepoCreation: -1,
        allowCreateOrganization: true,
    });
    return json(201, userJson(name, u, { user: "", admin: true, basic: true }));
}

// routers/api/v1/admin/user.go EditUser: login_name is `binding:"Required"`; only given fields change.
function editUser(state: GiteaState, name: string, body: string): Reply {
    const b = parseBody(state, body);
    if (b instanceof BadBody) return b.reply;
    if (typeof b.login_name !== "string" || !b.login_name) return bindingError(state, "LoginName", "Required");
    const u = state.users.get(name)!;
    if (typeof b.admin === "boolean") {
        // services/user UpdateUser: the last site admin cannot lose the flag.
        if (!b.admin && u.admin && [...state.users.values()].filter((x) => x.admin).length === 1) return errorReply(state, 400, `user is the last admin [uid: ${u.id}]`);
        u.admin = b.admin;
    }
    if (typeof b.active === "boolean") u.active = b.active;
    if (typeof b.prohibit_login === "boolean") u.prohibitLogin = b.prohibit_login;
    if (typeof b.restricted === "boolean") u.restricted = b.restricted;
    if (typeof b.must_change_password === "boolean") u.mustChangePassword = b.must_change_password;
    if (typeof b.max_repo_creation === "number") u.maxRepoCreation = b.max_repo_creation;
    if (typeof b.allow_create_organization === "boolean") u.allowCreateOrganization = b.allow_create_organization;
    return json(200, userJson(name, u, { user: "", admin: true, basic: true }));
}

// routers/api/v1/admin/user.go DeleteUser + services/user/user.go DeleteUser: not yourself (422),
// not while owning repositories (422); the user's tokens and collaborations are deleted with it.
function deleteUser(state: GiteaState, caller: Caller, name: string): Reply {
    if (name === caller.user) return errorReply(state, 422, "you cannot delete yourself");
    const u = state.users.get(name)!;
    if ([...state.repos.values()].some((r) => r.owner.toLowerCase() === name.toLowerCase())) return errorReply(state, 422, `user still has ownership of repositories [uid: ${u.id}]`);
    state.users.delete(name);
    for (let i = state.tokens.length - 1; i >= 0; i--) if (state.tokens[i]!.user === name) state.tokens.splice(i, 1);
    for (const r of state.repos.values()) r.collaborators.delete(name.toLowerCase());
    return { status: 204 };
}

// routers/api/v1/repo/collaborators.go.
function collaborators(state: GiteaState, caller: Caller, r: GiteaRepoState, mode: string, method: string, rest: string[], query: URLSearchParams, body: string): Reply {
    const canAdmin = mode === "owner" || mode === "admin";
    if (rest.length === 0 && method === "GET") {
        const all = [...r.collaborators.keys()].map((n) => [...state.users.entries()].find(([k]) => k.toLowerCase() === n)).filter((x) => x !== undefined).map(([k, u]) => userJson(k, u, caller));
        return paged(all, query);
    }
    const who = rest[0] ?? "";
    const user = [...state.users.entries()].find(([k]) => k.toLowerCase() === who.toLowerCase());
    if (rest.length === 2 && rest[1] === "permission" && method === "GET") {
        // GetRepoPermissions: a site admin, the collaborator about themself, or a repository admin.
        if (!caller.admin && caller.user.toLowerCase() !== who.toLowerCase() && !canAdmin) {
            return errorReply(state, 403, "Only admins can query all permissions, repo admins can query all repo permissions, collaborators can query only their own");
        }
        if (!user) return notFound(state, "GetUserByName", [`user does not exist [uid: 0, name: ${who}]`]);
        // ToUserAndPermission: the effective access mode (a site admin or the owner: "owner").
        const m = state.accessMode(user[0], r);
        return json(200, { permission: m, role_name: m, user: userJson(user[0], user[1], caller) });
    }
    if (rest.length !== 1) return notFound(state);
    // IsCollaborator / AddOrUpdateCollaborator / DeleteCollaborator: an unknown user is 422.
    if (!user) return errorReply(state, 422, `user does not exist [uid: 0, name: ${who}]`);
    const key = user[0].toLowerCase();
    if (method === "GET") return r.collaborators.has(key) ? { status: 204 } : notFound(state);
    if (!canAdmin) return errorReply(state, 403, "user should be an owner or a collaborator with admin write of a repository");
    if (method === "PUT") {
        const b = parseBody(state, body);
        if (b instanceof BadBody) return b.reply;
        if (user[1].active === false) return errorReply(state, 500, "collaborator's account is inactive");
        // No permission means write; ParseAccessMode(…, read, write, admin).
        const p = b.permission === undefined || b.permission === null ? "write" : b.permission;
        if (p !== "read" && p !== "write" && p !== "admin") throw new Error(`gitea emulator: permission ${JSON.stringify(p)} (AccessModeNone) is not modelled`);
        r.collaborators.set(key, p);
        return { status: 204 };
    }
    if (method === "DELETE") {
        r.collaborators.delete(key);
        return { status: 204 };
    }
    return errorReply(state, 405, "method not allowed");
}

/**
 * routers/api/v1/repo/tree.go GetTree over services/repository/files/tree.go GetTreeBySHA: `sha` is
 * the commit the name resolved to; `per_page` <= 0 or > 1000 is 1000, `page` <= 0 is 1; `truncated`
 * when entries remain after this page; a page past the end has `tree: null`; the total goes in
 * X-Total-Count too. A name that resolves to nothing (an empty repository's branch) is 400.
 */
function tree(state: GiteaState, r: GiteaRepoState, sha: string, query: URLSearchParams): Reply {
    const c = resolveCommit(r, sha);
    if (!c) return errorReply(state, 400, `sha not found [${sha}]`);
    // ctx.FormBool: strconv.ParseBool, so "1", "t", "TRUE"… count; anything else is false.
    const recursive = ["1", "t", "T", "TRUE", "true", "True"].includes(query.get("recursive") ?? "");
    const entries = lsTree(c.files, recursive);
    let perPage = formInt(query, "per_page");
    if (perPage <= 0 || perPage > DEFAULT_GIT_TREES_PER_PAGE) perPage = DEFAULT_GIT_TREES_PER_PAGE;
    const page = Math.max(1, formInt(query, "page"));
    const api = `${state.baseUrl()}/api/v1/repos/${r.owner}/${r.name}`;
    const start = perPage * (page - 1);
    const body: Record<string, unknown> = { sha: c.sha, url: `${api}/git/trees/${c.sha}`, tree: null, truncated: false, page, total_count: entries.length };
    if (start < entries.length) {
        const end = Math.min(start + perPage, entries.length);
        body.truncated = end < entries.length;
        body.tree = entries.slice(start, end).map((e) => ({ path: e.path, mode: e.mode, type: e.type, size: e.size, sha: e.sha, url: `${api}/git/${e.type === "tree" ? "trees" : "blobs"}/${e.sha}` }));
    }
    return json(200, body, { "X-Total-Count": String(entries.length), "Access-Control-Expose-Headers": "X-Total-Count" });
}

function createRepo(state: GiteaState, owner: string, body: string): Reply {
    const b = parseBody(state, body);
    if (b instanceof BadBody) return b.reply;
    // modules/structs/repo.go CreateRepoOption: `binding:"Required;AlphaDashDot;MaxSize(100)"`.
    const name = typeof b.name === "string" ? b.name : "";
    if (!name) return bindingError(state, "Name", "Required");
    if (!/^[A-Za-z0-9._-]+$/.test(name)) return bindingError(state, "Name", "AlphaDashDot");
    if (name.length > 100) return bindingError(state, "Name", "MaxSize");
    // models/repo/repo.go IsUsableRepoName: reserved names and patterns (models/db/name.go messages).
    if ([".", "..", "-"].includes(name.toLowerCase())) return errorReply(state, 422, `name is reserved [name: ${name}]`);
    const pattern = ["wiki", "git", "rss", "atom"].find((x) => name.toLowerCase().endsWith(`.${x}`));
    if (pattern) return errorReply(state, 422, `name pattern is not allowed [pattern: *.${pattern}]`);
    if (state.repo(owner, name)) return errorReply(state, 409, "The repository with the same name already exists.");
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
    const b = parseBody(state, body);
    if (b instanceof BadBody) return b.reply;
    const name = typeof b.name === "string" ? b.name : "";
    if (!name) return bindingError(state, "Name", "Required");
    if (state.tokens.some((t) => t.user === user && t.name === name)) return errorReply(state, 400, "access token name has been used already");
    const scopes: unknown[] = Array.isArray(b.scopes) ? b.scopes : [];
    const bad = scopes.find((s) => typeof s !== "string" || !SCOPE_RE.test(s));
    // models/auth/access_token_scope.go: fmt.Errorf("invalid access token scope: %s", scope), wrapped by user/app.go.
    if (bad !== undefined) return errorReply(state, 400, `invalid access token scope provided: invalid access token scope: ${typeof bad === "string" ? bad : JSON.stringify(bad)}`);
    if (scopes.length === 0) return errorReply(state, 400, "access token must have a scope");
    const sha1 = randomBytes(20).toString("hex");
    const t: GiteaTokenState = { id: state.nextId(), user, name, sha1, scopes: scopes as string[] };
    state.tokens.push(t);
    return json(201, { id: t.id, name: t.name, sha1, token_last_eight: sha1.slice(-8), scopes: t.scopes });
}

/** Go's base64.StdEncoding.DecodeString error position: the first byte that is not in the alphabet / padding. */
function base64Problem(c: string): number | undefined {
    const bad = /[^A-Za-z0-9+/=]/.exec(c);
    if (bad) return bad.index;
    const pad = c.indexOf("=");
    if (pad >= 0 && (!/^=*$/.test(c.slice(pad)) || c.length - pad > 2)) return pad;
    if (c.length % 4 !== 0) return c.length - (c.length % 4);
    return undefined;
}

/**
 * routers/api/v1/repo/file.go ChangeFiles over services/repository/files/update.go ChangeRepoFiles,
 * errors mapped by handleChangeRepoFilesError. In Gitea's order, all or nothing (a temporary clone):
 * - bind: `files` and each `operation`/`path` Required ("[Path]: Required"); an empty list passes and
 *   makes an empty commit; each `content` must be base64 (422 "illegal base64 data at input byte N");
 * - the branch must exist (404 "branch does not exist [repo_id: R name: B]") unless the repository is empty;
 * - every delete's path must be in the tree (404 "repository file does not exist [path: P]");
 * - per file, handleCheckErrors: update/upload/delete read the old entry (update/delete of a missing
 *   path: git's 404 "object does not exist [id: , rel_path: P]"), a given `sha` must match (422 "sha
 *   does not match [given: G, expected: E]"), and a MISSING sha is fine: LastCommitID defaults to the
 *   branch head, so the "SHA or commit ID must be provided" error cannot happen here — an update
 *   without sha overwrites whatever is there; create/update/upload must not put a file under a file
 *   (422 "a file exists where you’re trying to create a subdirectory [path: …]") nor on a directory
 *   (422 "a directory exists where you’re trying to create a file [path: …]"), and create must not
 *   find the path (422 "repository file already exists [path: P]");
 * - an unknown operation fails only when applied: 500 "invalid file operation: …".
 */
function changeFiles(state: GiteaState, r: GiteaRepoState, body: string): Reply {
    const b = parseBody(state, body);
    if (b instanceof BadBody) return b.reply;
    if (!Array.isArray(b.files)) return bindingError(state, "Files", "Required");
    const ops = (b.files as unknown[]).map((raw) => (raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {}));
    for (const o of ops) {
        if (typeof o.operation !== "string" || !o.operation) return bindingError(state, "Operation", "Required");
        if (typeof o.path !== "string" || !o.path) return bindingError(state, "Path", "Required");
    }
    const contents: (Buffer | undefined)[] = [];
    for (const o of ops) {
        const c = typeof o.content === "string" ? o.content : "";
        const bad = base64Problem(c);
        if (bad !== undefined) return errorReply(state, 422, `illegal base64 data at input byte ${bad}`);
        contents.push(o.operation === "delete" ? undefined : Buffer.from(c, "base64"));
    }
    const branch = typeof b.branch === "string" && b.branch ? b.branch : r.defaultBranch;
    const head = r.heads.get(branch);
    if (!head && r.branches.size > 0) return errorReply(state, 404, `branch does not exist [repo_id: ${r.id} name: ${branch}]`);
    const files = r.branches.get(branch) ?? new Map<string, GiteaFileState>();
    const isDir = (p: string) => [...files.keys()].some((k) => k.startsWith(`${p}/`));
    for (const o of ops) {
        if (o.operation === "delete" && !files.has(o.path as string)) return errorReply(state, 404, `repository file does not exist [path: ${o.path as string}]`);
    }
    if (head) {
        for (const o of ops) {
            const p = o.path as string;
            const op = o.operation as string;
            const sha = typeof o.sha === "string" ? o.sha : "";
            if (op === "update" || op === "upload" || op === "delete") {
                const from = files.get(p);
                if (!from && op !== "upload") return errorReply(state, 404, `object does not exist [id: , rel_path: ${p}]`);
                if (sha && sha !== (from?.sha ?? "")) return errorReply(state, 422, `sha does not match [given: ${sha}, expected: ${from?.sha ?? ""}]`);
            }
            if (op === "create" || op === "update" || op === "upload") {
                const parts = p.split("/");
                for (let k = 1; k < parts.length; k++) {
                    const sub = parts.slice(0, k).join("/");
                    if (files.has(sub)) return errorReply(state, 422, `a file exists where you’re trying to create a subdirectory [path: ${sub}]`);
                    if (!isDir(sub)) break;
                }
                if (isDir(p)) return errorReply(state, 422, `a directory exists where you’re trying to create a file [path: ${p}]`);
                if (op === "create" && files.has(p)) return errorReply(state, 422, `repository file already exists [path: ${p}]`);
            }
        }
    }
    const changes: { path: string; content?: Buffer }[] = [];
    for (const [k, o] of ops.entries()) {
        const op = o.operation as string;
        if (!["create", "update", "upload", "delete"].includes(op)) {
            return errorReply(state, 500, `invalid file operation: ${op} ${o.path as string}, supported operations are create, update, delete`);
        }
        changes.push({ path: o.path as string, content: contents[k] });
    }
    // changeFilesCommitMessage when none is given: "Add …", "Update …", "Delete …".
    const message = typeof b.message === "string" && b.message ? b.message : `Update ${changes.map((c) => c.path).join(", ")}`;
    const c = commit(r, branch, message, changes);
    const base = state.baseUrl();
    const api = `${base}/api/v1/repos/${r.owner}/${r.name}`;
    const zero = "0001-01-01T00:00:00Z";
    const who = { name: r.owner, email: `${r.owner}@noreply.localhost`, date: c.time };
    const root = lsTreeId(c.files);
    return json(201, {
        // The written files as a contents read at the new commit shows them (content included); a deleted one is null.
        files: changes.length ? changes.map((x) => {
            const f = c.files.get(x.path);
            return f ? contentsJson(state, r, c, branch, x.path, f, true) : null;
        }) : null,
        commit: {
            url: `${api}/git/commits/${c.sha}`,
            sha: c.sha,
            created: zero,
            html_url: `${base}/${r.owner}/${r.name}/commit/${c.sha}`,
            author: who,
            committer: who,
            parents: c.parent ? [{ url: `${api}/git/commits/${c.parent}`, sha: c.parent, created: zero }] : [],
            // git stores the message with a trailing newline.
            message: message.endsWith("\n") ? message : `${message}\n`,
            tree: { url: `${api}/git/trees/${root}`, sha: root, created: zero },
        },
        verification: { verified: false, reason: "gpg.error.not_signed_commit", signature: "", signer: null, payload: "" },
    });
}

/** Hook events as updateHookEvents + EventsArray make them: known names only, default push. */
function hookEvents(events: unknown): string[] {
    const given = Array.isArray(events) ? events.filter((e): e is string => typeof e === "string").map((e) => e.toLowerCase()) : [];
    const wanted = given.length === 0 ? ["push"] : given;
    return HOOK_EVENTS.filter((e) => wanted.includes(e));
}

/** validation.IsValidURL: an http(s) URL with a host. */
function isValidUrl(u: unknown): u is string {
    if (typeof u !== "string") return false;
    try {
        const x = new URL(u);
        return (x.protocol === "http:" || x.protocol === "https:") && x.host !== "";
    } catch {
        return false;
    }
}

/** routers/api/v1/utils/page.go GetListOptions: ctx.FormInt (0 when absent or not a number). */
function formInt(q: URLSearchParams, key: string): number {
    const v = q.get(key);
    return v !== null && /^-?\d+$/.test(v) ? Number(v) : 0;
}

function hooks(state: GiteaState, r: GiteaRepoState, method: string, rest: string[], query: URLSearchParams, body: string): Reply {
    if (rest.length === 0 && method === "GET") {
        // ListHooks: utils.GetListOptions (limit through convert.ToCorrectPageSize: <= 0 → 30, > 50
        // → 50), then models/db/list.go FindAndCount, which applies the limit only when page >= 1:
        // without a page (or page <= 0) EVERY hook comes back, whatever the limit. Total in
        // X-Total-Count (SetTotalCountHeader); ListHooks sends no Link header.
        const page = formInt(query, "page");
        const limit = formInt(query, "limit");
        const size = limit <= 0 ? DEFAULT_PAGING_NUM : Math.min(limit, MAX_RESPONSE_ITEMS);
        const all = [...r.hooks.values()].sort((a, b) => a.id - b.id);
        const slice = page >= 1 ? all.slice((page - 1) * size, page * size) : all;
        return json(200, slice.map(hookJson), { "X-Total-Count": String(all.length), "Access-Control-Expose-Headers": "X-Total-Count" });
    }
    if (rest.length === 0 && method === "POST") {
        const b = parseBody(state, body);
        if (b instanceof BadBody) return b.reply;
        // binding: Type and Config are Required; then utils/hook.go checkCreateHookOption.
        if (typeof b.type !== "string" || !b.type) return bindingError(state, "Type", "Required");
        if (!b.config || typeof b.config !== "object") return bindingError(state, "Config", "Required");
        if (!HOOK_TYPES.includes(b.type)) return errorReply(state, 422, `Invalid hook type: ${b.type}`);
        const cfg = b.config as Record<string, unknown>;
        for (const k of ["url", "content_type"]) if (!(k in cfg)) return errorReply(state, 422, `Missing config option: ${k}`);
        if (cfg.content_type !== "json" && cfg.content_type !== "form") return errorReply(state, 422, "Invalid content type");
        if (!isValidUrl(cfg.url)) return errorReply(state, 422, "Invalid url");
        const h = state.addHook(r, {
            type: b.type,
            url: cfg.url,
            contentType: cfg.content_type,
            // addHook always stores POST; config.http_method is not read.
            httpMethod: "POST",
            events: hookEvents(b.events),
            branchFilter: typeof b.branch_filter === "string" ? b.branch_filter : "",
            authorizationHeader: typeof b.authorization_header === "string" ? b.authorization_header : "",
            // CreateHookOption.Active is a plain bool: omitted means false.
            active: b.active === true,
        });
        return json(201, hookJson(h));
    }
    // GetRepoHook: the id must be one of THIS repository's hooks (ids are global).
    const h = /^\d+$/.test(rest[0] ?? "") ? r.hooks.get(Number(rest[0])) : undefined;
    if (rest.length !== 1 || !h) return notFound(state);
    if (method === "GET") return json(200, hookJson(h));
    if (method === "DELETE") {
        r.hooks.delete(h.id);
        return { status: 204 };
    }
    if (method === "PATCH") {
        const b = parseBody(state, body);
        if (b instanceof BadBody) return b.reply;
        // utils/hook.go editHook: config keys only when present; everything else is assigned from the
        // form, so an omitted events list becomes push only and an omitted branch_filter or
        // authorization_header becomes "" — only `active` (*bool) is left alone when omitted.
        const cfg = b.config && typeof b.config === "object" ? (b.config as Record<string, unknown>) : undefined;
        if (cfg && "url" in cfg && !isValidUrl(cfg.url)) return errorReply(state, 422, "Invalid url");
        if (cfg && "content_type" in cfg && cfg.content_type !== "json" && cfg.content_type !== "form") return errorReply(state, 422, "Invalid content type");
        if (cfg && typeof cfg.url === "string") h.url = cfg.url;
        if (cfg && typeof cfg.content_type === "string") h.contentType = cfg.content_type;
        h.events = hookEvents(b.events);
        h.branchFilter = typeof b.branch_filter === "string" ? b.branch_filter : "";
        h.authorizationHeader = typeof b.authorization_header === "string" ? b.authorization_header : "";
        if (typeof b.active === "boolean") h.active = b.active;
        return json(200, hookJson(h));
    }
    return errorReply(state, 405, "method not allowed");
}
