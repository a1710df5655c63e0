// One suite, two targets (tracker issue #12): the Gitea client and providers' tests run against the
// in-process emulator (test/support/giteaEmulator.ts) and against a real Gitea (giteaServer.ts). Where
// the two differ, the emulator is wrong.
//
//   describeTargets("GiteaClient", (target) => {
//       let t: GiteaTarget;
//       beforeEach(() => (t = target()));
//       it("…", async () => { … t.url … t.hand.files("notes-app") … t.faults.fail(1) … });
//   });
//
// A target is what the code under test talks to — `url` — plus a request log and fault injection
// (test/support/httpEmulator.ts) and a `hand`: out-of-band reads and edits ("someone changed it in
// the UI"), not logged, with the same meaning on both targets. The emulator is the server itself; a
// real Gitea sits behind a recording proxy built from the same emulator machinery, so request counts
// and faults (5xx after apply, resets, refused connections, slow replies) mean the same on both.
//
// Targets: $GITEA_TARGETS (comma-separated; default "emulator", so `npm test` stays fast and offline;
// `npm run test:gitea` selects "gitea", and "emulator,gitea" runs both). The real Gitea is started once
// per process and each test gets an owner (a fresh site admin) of its own; when its binary is absent
// its tests are skipped with the reason printed — unless $CI_STACK_REQUIRE_GITEA is set (`npm run
// test:gitea`), then they fail. More in docs/gitea-peer.md.
import { Emulator, EmulatorRequest, Reply, startEmulator } from "./httpEmulator";
import { GITEA_PASSWORD, GITEA_USER, GiteaEmulator, start as startEmulatorGitea } from "./giteaEmulator";
import { findGitea, GiteaServer, startGiteaServer } from "./giteaServer";

export type GiteaTargetName = "emulator" | "gitea";

export interface HookView {
    id: number;
    type: string;
    url: string;
    contentType: string;
    events: string[];
    branchFilter: string;
    authorizationHeader: string;
    active: boolean;
}
export interface CommitView {
    sha: string;
    message: string;
    /** Paths the commit added, changed or removed. */
    paths: string[];
}
export interface RepoView {
    id: number;
    private: boolean;
    description: string;
    defaultBranch: string;
    empty: boolean;
}

/** Out-of-band access to the target, owner = the admin user: setup, inspection and edits "by hand". */
export interface GiteaHand {
    /** Creates a user (name made unique on a shared server); resolves to the name it got. */
    addUser(name: string, password: string): Promise<string>;
    addRepo(name: string, o?: { private?: boolean; description?: string; autoInit?: boolean; defaultBranch?: string }): Promise<RepoView>;
    repo(name: string): Promise<RepoView | undefined>;
    repoNames(): Promise<string[]>;
    deleteRepo(name: string): Promise<void>;
    /** path → UTF-8 content of every file of the branch (default branch when omitted). */
    files(repo: string, branch?: string): Promise<Record<string, string>>;
    /** The branch's history, oldest first. */
    commits(repo: string, branch?: string): Promise<CommitView[]>;
    /** One commit that writes the file (created or replaced). */
    putFile(repo: string, path: string, content: string, branch?: string): Promise<void>;
    hooks(repo: string): Promise<HookView[]>;
    addHook(repo: string, h: Partial<Omit<HookView, "id">> & { url: string }): Promise<HookView>;
    /** Changes the given fields of a hook and keeps the others. */
    editHook(repo: string, id: number, change: Partial<Omit<HookView, "id" | "type">>): Promise<void>;
    deleteHooks(repo: string): Promise<void>;
    tokens(): Promise<{ id: number; name: string; scopes: string[] }[]>;
}

export interface GiteaTarget extends Pick<Emulator<unknown>, "url" | "log" | "faults" | "requests"> {
    readonly name: GiteaTargetName;
    /** What GET /api/v1/version reports. */
    readonly version: string;
    /** Gitea's ROOT_URL without the trailing slash: the base of clone_url / html_url in its answers. */
    readonly rootUrl: string;
    /** The API error bodies' `url` (setting.API.SwaggerURL). */
    readonly swaggerUrl: string;
    readonly username: string;
    readonly password: string;
    readonly hand: GiteaHand;
    /** Called (and awaited) for every request before faults and the server see it. */
    onRequest: ((req: { method: string; path: string }) => void | Promise<void>) | undefined;
    /** The emulator's state, when the target is the emulator (for what only a model can show). */
    readonly emulator?: GiteaEmulator;
    /** The real server, when the target is Gitea. */
    readonly server?: GiteaServer;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

// ---------------------------------------------------------------------------------------------------
// The emulator: the server is the target; the hand works on its state.

/** The same interface, answered synchronously (the emulator's state is at hand). */
type Sync<T> = { [K in keyof T]: T[K] extends (...a: infer A) => Promise<infer R> ? (...a: A) => R : never };
function promised<T extends object>(o: Sync<T>): T {
    return Object.fromEntries(Object.entries(o).map(([k, f]) => [k, (...a: unknown[]) => Promise.resolve().then(() => (f as (...x: unknown[]) => unknown)(...a))])) as T;
}

function emulatorHand(emu: GiteaEmulator): GiteaHand {
    const st = emu.state;
    const repo = (name: string) => {
        const r = st.repo(GITEA_USER, name);
        if (!r) throw new Error(`emulator: no repository ${GITEA_USER}/${name}`);
        return r;
    };
    const view = (r: ReturnType<typeof repo>): RepoView => ({ id: r.id, private: r.private, description: r.description, defaultBranch: r.defaultBranch, empty: r.branches.size === 0 });
    const hookView = (h: HookView) => ({ ...h, events: [...h.events] });
    return promised<GiteaHand>({
        addUser: (name, password) => {
            st.users.set(name, { id: st.nextId(), password });
            return name;
        },
        addRepo: (name, o = {}) => view(st.addRepo(GITEA_USER, name, o)),
        repo: (name) => {
            const r = st.repo(GITEA_USER, name);
            return r && view(r);
        },
        repoNames: () => [...st.repos.values()].filter((r) => r.owner === GITEA_USER).map((r) => r.name),
        deleteRepo: (name) => void st.repos.delete(`${GITEA_USER}/${name}`.toLowerCase()),
        files: (name, branch) => st.files(GITEA_USER, name, branch),
        commits: (name, branch) => {
            const r = repo(name);
            const b = branch ?? r.defaultBranch;
            return r.commits.filter((c) => c.branch === b).map((c) => ({ sha: c.sha, message: c.message, paths: [...c.paths] }));
        },
        putFile: (name, path, content, branch) => {
            const r = repo(name);
            st.commitFiles(r, branch ?? r.defaultBranch, `Update ${path}`, [{ path, content: Buffer.from(content) }]);
        },
        hooks: (name) => [...repo(name).hooks.values()].sort((a, b) => a.id - b.id).map(({ httpMethod: _m, ...h }) => hookView(h)),
        addHook: (name, h) => {
            const { httpMethod: _m, ...added } = st.addHook(repo(name), h);
            return hookView(added);
        },
        editHook: (name, id, change) => {
            const h = repo(name).hooks.get(id);
            if (!h) throw new Error(`emulator: no hook ${id} in ${name}`);
            Object.assign(h, change);
        },
        deleteHooks: (name) => repo(name).hooks.clear(),
        tokens: () => st.tokens.filter((t) => t.user === GITEA_USER).map((t) => ({ id: t.id, name: t.name, scopes: [...t.scopes] })),
    });
}

// ---------------------------------------------------------------------------------------------------
// A real Gitea: the hand is a plain API client that talks to Gitea directly (not through the proxy).

interface Login {
    readonly user: string;
    readonly password: string;
}

let users = 0;
/** A user name no earlier test of this process (nor an earlier process's server) used. */
const uniqueName = (prefix: string) => `${prefix}-${process.pid.toString(36)}${(++users).toString(36)}`;

/** Creates a (site admin) user with the root admin's credentials. */
async function createUser(base: string, root: Login, name: string, password: string, admin: boolean): Promise<void> {
    const auth = `Basic ${Buffer.from(`${root.user}:${root.password}`).toString("base64")}`;
    const headers = { Authorization: auth, "Content-Type": "application/json" };
    const made = await fetch(`${base}/api/v1/admin/users`, { method: "POST", headers, body: JSON.stringify({ username: name, password, email: `${name}@127.0.0.1.invalid`, must_change_password: false }) });
    if (made.status !== 201) throw new Error(`hand: creating user ${name} → ${made.status} ${await made.text()}`);
    if (!admin) return;
    // CreateUserOption has no admin flag; EditUserOption does (routers/api/v1/admin/user.go EditUser).
    const edited = await fetch(`${base}/api/v1/admin/users/${name}`, { method: "PATCH", headers, body: JSON.stringify({ login_name: name, source_id: 0, admin: true }) });
    if (edited.status !== 200) throw new Error(`hand: making ${name} an admin → ${edited.status} ${await edited.text()}`);
}

function apiHand(base: string, owner: Login, root: Login): GiteaHand {
    const { user, password } = owner;
    const auth = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    const call = async (method: string, path: string, body?: unknown, ok: number[] = [200, 201, 204]): Promise<{ status: number; json: any; headers: Headers }> => {
        const res = await fetch(`${base}/api/v1${path}`, {
            method,
            headers: { Authorization: auth, Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (!ok.includes(res.status)) throw new Error(`hand: ${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
        return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
    };
    const r = (name: string) => `/repos/${encodeURIComponent(user)}/${encodeURIComponent(name)}`;
    const repoView = (j: any): RepoView => ({ id: j.id, private: j.private, description: j.description, defaultBranch: j.default_branch, empty: j.empty });
    const hookView = (j: any): HookView => ({
        id: j.id,
        type: j.type,
        url: j.config.url,
        contentType: j.config.content_type,
        events: j.events,
        branchFilter: j.branch_filter,
        authorizationHeader: j.authorization_header,
        active: j.active,
    });
    const paged = async (path: string): Promise<any[]> => {
        const out: any[] = [];
        for (let page = 1; ; page++) {
            const { json } = await call("GET", `${path}${path.includes("?") ? "&" : "?"}page=${page}&limit=50`);
            out.push(...(json ?? []));
            if (!json || json.length < 50) return out;
        }
    };
    const hooks = async (name: string) => (await paged(`${r(name)}/hooks`)).map(hookView).sort((a, b) => a.id - b.id);
    return {
        addUser: async (name, pw) => {
            const unique = uniqueName(name);
            await createUser(base, root, unique, pw, false);
            return unique;
        },
        addRepo: async (name, o = {}) =>
            repoView((await call("POST", "/user/repos", { name, private: o.private ?? false, description: o.description ?? "", auto_init: o.autoInit ?? true, default_branch: o.defaultBranch ?? "main" })).json),
        repo: async (name) => {
            const res = await call("GET", r(name), undefined, [200, 404]);
            return res.status === 200 ? repoView(res.json) : undefined;
        },
        repoNames: async () => (await paged("/user/repos")).filter((x) => x.owner.login === user).map((x) => x.name),
        deleteRepo: async (name) => void (await call("DELETE", r(name), undefined, [204, 404])),
        files: async (name, branch) => {
            const ref = branch ?? (await call("GET", r(name))).json.default_branch;
            const tree = await call("GET", `${r(name)}/git/trees/${encodeURIComponent(ref)}?recursive=true&per_page=1000`, undefined, [200, 400]);
            const out: Record<string, string> = {};
            if (tree.status !== 200) return out;
            for (const e of tree.json.tree ?? []) {
                if (e.type !== "blob") continue;
                const blob = await call("GET", `${r(name)}/git/blobs/${e.sha}`);
                out[e.path] = Buffer.from(blob.json.content, "base64").toString("utf8");
            }
            return out;
        },
        commits: async (name, branch) => {
            const ref = branch ?? (await call("GET", r(name))).json.default_branch;
            const res = await call("GET", `${r(name)}/commits?sha=${encodeURIComponent(ref)}&stat=false&verification=false&files=true&limit=50`, undefined, [200, 409]);
            if (res.status !== 200) return []; // 409: the repository is empty
            return (res.json as any[]).reverse().map((c) => ({ sha: c.sha, message: String(c.commit.message).replace(/\n+$/, ""), paths: (c.files ?? []).map((f: any) => f.filename) }));
        },
        putFile: async (name, path, content, branch) => {
            await call("POST", `${r(name)}/contents`, { branch, message: `Update ${path}`, files: [{ operation: "upload", path, content: b64(content) }] });
        },
        hooks,
        addHook: async (name, h) =>
            hookView(
                (
                    await call("POST", `${r(name)}/hooks`, {
                        type: h.type ?? "gitea",
                        config: { url: h.url, content_type: h.contentType ?? "json" },
                        events: h.events ?? ["push"],
                        branch_filter: h.branchFilter ?? "",
                        authorization_header: h.authorizationHeader ?? "",
                        active: h.active ?? true,
                    })
                ).json,
            ),
        editHook: async (name, id, change) => {
            // PATCH resets what it omits (routers/api/v1/utils/hook.go editHook): send the whole hook.
            const cur = { ...hookView((await call("GET", `${r(name)}/hooks/${id}`)).json), ...change };
            await call("PATCH", `${r(name)}/hooks/${id}`, {
                config: { url: cur.url, content_type: cur.contentType },
                events: cur.events,
                branch_filter: cur.branchFilter,
                authorization_header: cur.authorizationHeader,
                active: cur.active,
            });
        },
        deleteHooks: async (name) => {
            for (const h of await hooks(name)) await call("DELETE", `${r(name)}/hooks/${h.id}`, undefined, [204, 404]);
        },
        tokens: async () => ((await call("GET", `/users/${encodeURIComponent(user)}/tokens`)).json as any[]).map((t) => ({ id: t.id, name: t.name, scopes: t.scopes ?? [] })),
    };
}

// Hop-by-hop headers and what fetch re-encodes are not forwarded.
const DROP_REQ = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive", "accept-encoding"]);
const DROP_RES = new Set(["connection", "content-length", "transfer-encoding", "keep-alive", "content-encoding"]);

/** A recording, fault-injecting proxy (the emulators' machinery) in front of `upstream`. */
function startProxy(upstream: string): Promise<Emulator<undefined>> {
    const forward = async (req: EmulatorRequest): Promise<Reply> => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !DROP_REQ.has(k)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        const q = req.query.toString();
        const res = await fetch(`${upstream}${req.rawPath}${q ? `?${q}` : ""}`, {
            method: req.method,
            headers,
            body: req.method === "GET" || req.method === "HEAD" ? undefined : req.body,
            redirect: "manual",
        });
        const out: Record<string, string> = {};
        res.headers.forEach((v, k) => {
            if (!DROP_RES.has(k)) out[k] = v;
        });
        return { status: res.status, headers: out, body: await res.text() };
    };
    return startEmulator(undefined, forward, (status) => ({ status, headers: { "Content-Type": "text/plain" }, body: `${status} emulated fault` }));
}

// ---------------------------------------------------------------------------------------------------
// The real Gitea, once per process.

let shared: Promise<GiteaServer> | undefined;
let announced = false;

function sharedGitea() {
    return (shared ??= (async () => {
        const server = await startGiteaServer({ adminUser: GITEA_USER, adminPassword: GITEA_PASSWORD });
        console.log(`    (real Gitea ${server.version} at ${server.url}: ${server.binary})`);
        return server;
    })());
}

/** Whether the real target can run here; the reason when not. */
export function giteaAvailability(): { ok: true } | { ok: false; reason: string } {
    const found = findGitea();
    return "missing" in found ? { ok: false, reason: found.missing } : { ok: true };
}

export function selectedTargets(): GiteaTargetName[] {
    const raw = process.env.GITEA_TARGETS?.trim();
    const names = raw ? raw.split(",").map((x) => x.trim()) : ["emulator"];
    for (const n of names) if (n !== "emulator" && n !== "gitea") throw new Error(`GITEA_TARGETS: unknown target ${JSON.stringify(n)} (emulator, gitea)`);
    return names as GiteaTargetName[];
}

/** Whether the real target must run (a missing binary fails instead of skipping). */
export const giteaRequired = () => Boolean(process.env.CI_STACK_REQUIRE_GITEA);

function targetOf(name: GiteaTargetName, server: Emulator<unknown>, parts: { version: string; rootUrl: string; username: string; hand: GiteaHand; emulator?: GiteaEmulator; giteaServer?: GiteaServer }): GiteaTarget {
    return {
        name,
        version: parts.version,
        get url() {
            return server.url;
        },
        log: server.log,
        faults: server.faults,
        requests: (m, p) => server.requests(m, p),
        rootUrl: parts.rootUrl,
        swaggerUrl: `${parts.rootUrl}/api/swagger`,
        username: parts.username,
        password: GITEA_PASSWORD,
        hand: parts.hand,
        get onRequest() {
            return server.onRequest;
        },
        set onRequest(f) {
            server.onRequest = f;
        },
        emulator: parts.emulator,
        server: parts.giteaServer,
    };
}

/**
 * A fresh target: a new emulator, or the shared real Gitea (started on first use) with a new owner,
 * behind a new recording proxy. `close()` stops the emulator or the proxy (the real Gitea stays).
 */
export async function openTarget(name: GiteaTargetName): Promise<GiteaTarget & { close(): Promise<void> }> {
    if (name === "emulator") {
        const emu = await startEmulatorGitea();
        // Object.assign, not a spread: the target's onRequest is a setter on the server.
        return Object.assign(targetOf(name, emu, { version: emu.state.version, rootUrl: emu.url, username: GITEA_USER, hand: emulatorHand(emu), emulator: emu }), { close: () => emu.close() });
    }
    // Each test gets an owner of its own: Gitea works through pushes in a queue keyed by owner/name
    // (services/repository/push.go), so a repository deleted and made again under the same name would
    // receive the updates of the one before it; a fresh owner never sees another test's leftovers.
    const server = await sharedGitea();
    const root = { user: GITEA_USER, password: GITEA_PASSWORD };
    const owner = { user: uniqueName("seed"), password: GITEA_PASSWORD };
    await createUser(server.url, root, owner.user, owner.password, true);
    const proxy = await startProxy(server.url);
    const t = targetOf(name, proxy, { version: server.version, rootUrl: server.url, username: owner.user, hand: apiHand(server.url, owner, root), giteaServer: server });
    return Object.assign(t, { close: () => proxy.close() });
}

/** Stops the shared real Gitea, if one was started (the exit hook does it otherwise). */
export async function stopSharedGitea(): Promise<void> {
    const s = shared;
    shared = undefined;
    if (s) await (await s).stop();
}

/**
 * Registers `suite` once per selected target, as `<title> [emulator]` and `<title> [gitea]`. `target()`
 * is the current test's target (see openTarget).
 */
export function describeTargets(title: string, suite: (target: () => GiteaTarget, name: GiteaTargetName) => void, only: GiteaTargetName[] = ["emulator", "gitea"]): void {
    for (const name of selectedTargets().filter((n) => only.includes(n))) {
        describe(`${title} [${name}]`, function () {
            let current: GiteaTarget | undefined;
            let close: (() => Promise<void>) | undefined;
            if (name === "gitea") {
                const avail = giteaAvailability();
                if (!avail.ok) {
                    if (giteaRequired()) {
                        before(() => {
                            throw new Error(`the real Gitea target is required ($CI_STACK_REQUIRE_GITEA) but ${avail.reason}`);
                        });
                    } else {
                        before(function () {
                            if (!announced) console.log(`    (real Gitea target skipped: ${avail.reason})`);
                            announced = true;
                            this.skip();
                        });
                    }
                }
                this.timeout(120_000);
                before(async function () {
                    this.timeout(180_000);
                    await sharedGitea();
                });
            }
            beforeEach(async () => {
                const opened = await openTarget(name);
                current = opened;
                close = () => opened.close();
            });
            afterEach(async () => {
                await close?.();
                current = undefined;
                close = undefined;
            });
            suite(() => {
                if (!current) throw new Error("no target outside a test");
                return current;
            }, name);
        });
    }
}
