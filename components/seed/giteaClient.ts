// Typed client of the Gitea 1.25 REST API (/api/v1) for the seed: repositories of the authenticated
// user, the batch contents endpoint (one commit for a set of files), recursive trees, webhooks and access
// tokens (schemas and git blob ids in giteaSchemas.ts); and a branch's head for the smoke run.
// Longer than 400 lines because it is the one client of one API, its schemas already apart.
// Every response is validated with zod. POSTs that may have been applied before a failure are never
// re-sent blindly: repository creation converges through 409 → adopt, the others read back first.
import { gitBlobSha, schemas, type GiteaHook, type GiteaPayloadCommit, type GiteaRepo, type GiteaTokenInfo, type GiteaTree, type GiteaTreeEntry } from "./giteaSchemas";
import { ConnectionTuning, connectionTuning, HttpClient, HttpError, HttpRequest, HttpResponse, retryPolicy, withRequestBudget } from "./http";

export interface GiteaConnection extends ConnectionTuning {
    /** Base URL, e.g. http://10.0.24.28:30300 (no /api/v1). */
    url: string;
    username: string;
    password: string;
    /** Entries per page of a tree read. Default (and Gitea's maximum): 1000. */
    treePageSize?: number;
}

export { gitBlobSha, giteaSchemas } from "./giteaSchemas";
export type { GiteaAccessToken, GiteaContents, GiteaHook, GiteaRepo, GiteaTokenInfo, GiteaTree, GiteaTreeEntry, GiteaUser } from "./giteaSchemas";

export interface HookSpec {
    url: string;
    contentType: "json";
    events: string[];
    branchFilter?: string;
    /** Sent by Gitea as the Authorization header of every delivery (e.g. "Bearer <token>"). */
    authorizationHeader?: string;
    active: boolean;
}

export interface FileChange {
    operation: "create" | "update" | "delete";
    path: string;
    /** UTF-8 text; required for create/update. */
    content?: string;
    /**
     * Blob sha of the file being replaced or deleted. Gitea 1.25 does not require it (without one the
     * change is applied to whatever the branch head holds: services/repository/files/update.go lets
     * LastCommitID default to the head), so it is what makes a concurrent edit a 422 "sha does not
     * match" instead of a silent overwrite: always send it.
     */
    sha?: string;
}

const seg = (s: string) => encodeURIComponent(s);
// Gitea's MAX_RESPONSE_ITEMS default (modules/setting/api.go); a bound on pages keeps a server that
// never reaches its own total from looping forever.
const HOOK_PAGE_SIZE = 50;
const HOOK_PAGES_MAX = 200;
const filePath = (p: string) => p.split("/").map(seg).join("/");
// setting.API.DefaultGitTreesPerPage (modules/setting/api.go): 1000, also the most a page may hold.
const TREE_PAGE_SIZE = 1000;
const TREE_PAGES_MAX = 1000;

export class GiteaClient {
    readonly stats: { requests: number; writes: number };
    protected readonly http: HttpClient;

    constructor(protected readonly conn: GiteaConnection) {
        // Assigned here, not by a field initializer: Pulumi's closure serialization drops those.
        this.stats = { requests: 0, writes: 0 };
        this.http = new HttpClient({
            service: "Gitea",
            baseUrl: conn.url,
            auth: { username: conn.username, secret: conn.password },
            ...connectionTuning(conn),
            stats: this.stats,
        });
    }

    /** Waits (bounded, default 5 min) until GET /api/v1/version answers; returns the version. */
    async waitReady(timeoutMs = 300_000): Promise<string> {
        const req: HttpRequest = { method: "GET", path: "/api/v1/version" };
        return this.http.waitUntil("GET /api/v1/version", timeoutMs, async (signal) => {
            const res = await this.http.send(req, signal);
            if (res.status !== 200) throw this.http.fail(req, res);
            return this.http.parse(schemas().version, req, res).version;
        });
    }

    /** The repository, or undefined when Gitea answers 404. */
    async getRepo(owner: string, name: string): Promise<GiteaRepo | undefined> {
        const req: HttpRequest = { method: "GET", path: `/api/v1/repos/${seg(owner)}/${seg(name)}` };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.http.fail(req, res);
        return this.http.parse(schemas().repo, req, res);
    }

    /**
     * Creates a repository of the authenticated user. 409 (the name exists) adopts the existing one —
     * never a failure, never a duplicate. A retry after a failure that may have been applied ends in
     * the same 409 path, so the retry is safe; `adopted` is then false (it was most likely ours).
     */
    async createRepo(o: { name: string; private: boolean; description?: string; defaultBranch: string; autoInit: boolean }): Promise<{ repo: GiteaRepo; adopted: boolean }> {
        const req: HttpRequest = {
            method: "POST",
            path: "/api/v1/user/repos",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
                name: o.name,
                description: o.description ?? "",
                private: o.private,
                auto_init: o.autoInit,
                default_branch: o.defaultBranch,
            }),
            // Safe to re-send: Gitea refuses a second repository of that name with 409.
            retryOn: "transient",
        };
        const res = await this.http.request(req);
        if (res.status === 201) return { repo: this.http.parse(schemas().repo, req, res), adopted: false };
        if (res.status === 409) {
            const repo = await this.getRepo(this.conn.username, o.name);
            if (!repo) throw this.http.fail(req, res);
            return { repo, adopted: !res.ambiguous };
        }
        throw this.http.fail(req, res);
    }

    /** Deletes a repository; an absent one is fine. */
    async deleteRepo(owner: string, name: string): Promise<void> {
        const req: HttpRequest = { method: "DELETE", path: `/api/v1/repos/${seg(owner)}/${seg(name)}` };
        const res = await this.http.request(req);
        if (res.status !== 204 && res.status !== 404) throw this.http.fail(req, res);
    }

    /** A file's blob sha and UTF-8 content at `ref` (default branch when omitted); undefined on 404. */
    async getFile(owner: string, repo: string, path: string, ref?: string): Promise<{ sha: string; content: string } | undefined> {
        const req: HttpRequest = {
            method: "GET",
            path: `/api/v1/repos/${seg(owner)}/${seg(repo)}/contents/${filePath(path)}`,
            query: ref ? { ref } : undefined,
        };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.http.fail(req, res);
        const text = res.text.trimStart();
        if (text.startsWith("[")) throw new HttpError("Gitea", "GET", req.path, 200, "invalid-response", `${path} is a directory, not a file`);
        const c = this.http.parse(schemas().contents, req, res);
        if (c.type !== "file" || typeof c.content !== "string") {
            throw new HttpError("Gitea", "GET", req.path, 200, "invalid-response", `${path} is a ${c.type}, not a file`);
        }
        return { sha: c.sha, content: Buffer.from(c.content, "base64").toString("utf8") };
    }

    /**
     * Every entry of `ref`'s tree, recursively (GET /repos/{o}/{r}/git/trees/{ref}?recursive=true), or
     * undefined when the repository does not exist or `ref` names nothing in it (an empty repository,
     * a missing branch). Gitea resolves a branch name in `{sha}` (modules/git/repo_tree_nogogit.go
     * GetTree → GetRefCommitID, git's own rev lookup, so a tag of the same name would win) and answers
     * with the resolved COMMIT id as `sha` (services/repository/files/tree.go GetTreeBySHA). A tree
     * of more than `per_page` (at most 1000) entries comes in pages marked `truncated`; the later
     * pages are asked of that commit id, so every page describes the same snapshot.
     */
    async getTree(owner: string, repo: string, ref: string): Promise<GiteaTree | undefined> {
        const path = (r: string) => `/api/v1/repos/${seg(owner)}/${seg(repo)}/git/trees/${seg(r)}`;
        const entries: GiteaTreeEntry[] = [];
        let at = ref;
        let commit: string | undefined;
        for (let page = 1; page <= TREE_PAGES_MAX; page++) {
            const perPage = String(this.conn.treePageSize ?? TREE_PAGE_SIZE);
            const req: HttpRequest = { method: "GET", path: path(at), query: { recursive: "true", page: String(page), per_page: perPage } };
            const res = await this.http.request(req);
            if (res.status === 404 && page === 1) return undefined;
            // GetTree answers 400 "sha not found [<ref>]" for a name that resolves to nothing.
            if (res.status === 400 && page === 1 && /sha not found/i.test(res.text)) return undefined;
            if (res.status !== 200) throw this.http.fail(req, res);
            const t = this.http.parse(schemas().tree, req, res);
            commit ??= t.sha;
            at = commit;
            for (const e of t.tree ?? []) entries.push({ path: e.path, mode: e.mode, type: e.type, sha: e.sha });
            if (!t.truncated || (t.tree ?? []).length === 0) return { commit, entries };
        }
        throw new HttpError("Gitea", "GET", path(ref), 200, "invalid-response", `more than ${TREE_PAGES_MAX} pages of tree entries`);
    }

    /** A branch's head as Gitea's webhooks describe a commit (PayloadCommit), or undefined when the branch does not exist. */
    async getBranchCommit(owner: string, repo: string, branch: string): Promise<GiteaPayloadCommit | undefined> {
        const req: HttpRequest = { method: "GET", path: `/api/v1/repos/${seg(owner)}/${seg(repo)}/branches/${seg(branch)}` };
        const res = await this.http.request(req);
        if (res.status !== 200 && res.status !== 404) throw this.http.fail(req, res);
        return res.status === 404 ? undefined : this.http.parse(schemas().branchCommit, req, res).commit;
    }

    /**
     * Applies create/update/delete operations as ONE commit (POST /repos/{o}/{r}/contents, Gitea ≥1.20).
     * The batch is atomic, so after a failure that may have been applied the branch's tree is read
     * back (one request): every blob as desired → done (the commit the tree was read at is returned);
     * every blob as before → re-sent; anything else is a concurrent change and an error.
     */
    async changeFiles(
        owner: string,
        repo: string,
        c: { branch: string; message: string; files: FileChange[] },
    ): Promise<{ commitSha: string }> {
        const req: HttpRequest = {
            method: "POST",
            path: `/api/v1/repos/${seg(owner)}/${seg(repo)}/contents`,
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
                branch: c.branch,
                message: c.message,
                files: c.files.map((f) => ({
                    operation: f.operation,
                    path: f.path,
                    content: f.operation === "delete" ? undefined : Buffer.from(f.content ?? "", "utf8").toString("base64"),
                    sha: f.sha,
                })),
            }),
        };
        return this.reconciled<{ commitSha: string }>(req, async () => {
            // One tree read tells both: the blob ids there against the ones we sent and the ones we replaced.
            const tree = await this.getTree(owner, repo, c.branch);
            const blobs = new Map((tree?.entries ?? []).filter((e) => e.type === "blob").map((e) => [e.path, e.sha]));
            const applied = c.files.every((f) => (f.operation === "delete" ? !blobs.has(f.path) : blobs.get(f.path) === gitBlobSha(f.content ?? "")));
            if (applied && tree) return { done: { commitSha: tree.commit } };
            const untouched = c.files.every((f) => (f.operation === "create" ? !blobs.has(f.path) : blobs.get(f.path) === f.sha));
            return untouched ? { resend: true } : { conflict: `the files of ${owner}/${repo}@${c.branch} changed meanwhile` };
        }, (res) => {
            if (res.status !== 201) throw this.http.fail(req, res);
            return { commitSha: this.http.parse(schemas().files, req, res).commit.sha };
        });
    }

    /**
     * Every webhook of a repository. Gitea pages the list (routers/api/v1/repo/hook.go ListHooks with
     * utils.GetListOptions: 30 per page by default, MAX_RESPONSE_ITEMS 50 at most, the total in
     * X-Total-Count), so pages are read until the total is reached or a page comes back empty —
     * never "until a short page", since the server may cap the page size below what was asked.
     */
    async listHooks(owner: string, repo: string): Promise<GiteaHook[]> {
        const path = `/api/v1/repos/${seg(owner)}/${seg(repo)}/hooks`;
        const out: GiteaHook[] = [];
        for (let page = 1; page <= HOOK_PAGES_MAX; page++) {
            const req: HttpRequest = { method: "GET", path, query: { page: String(page), limit: String(HOOK_PAGE_SIZE) } };
            const res = await this.http.expect(req, 200);
            const hooks = this.http.parse(schemas().hooks, req, res);
            out.push(...hooks);
            const total = Number.parseInt(res.headers.get("x-total-count") ?? "", 10);
            if (hooks.length === 0 || (Number.isFinite(total) && out.length >= total)) return out;
        }
        throw new HttpError("Gitea", "GET", path, 200, "invalid-response", `more than ${HOOK_PAGES_MAX} pages of webhooks`);
    }

    /** One webhook of a repository by id, or undefined when Gitea answers 404 (gone, or another repository's). */
    async getHook(owner: string, repo: string, id: number): Promise<GiteaHook | undefined> {
        const req: HttpRequest = { method: "GET", path: `/api/v1/repos/${seg(owner)}/${seg(repo)}/hooks/${id}` };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.http.fail(req, res);
        return this.http.parse(schemas().hook, req, res);
    }

    /**
     * Creates a Gitea-type webhook. `active` is always sent: CreateHookOption.Active defaults to false.
     * After a failure that may have been applied, a hook with the same URL is looked up and reused.
     */
    async createHook(owner: string, repo: string, h: HookSpec): Promise<GiteaHook> {
        const req: HttpRequest = {
            method: "POST",
            path: `/api/v1/repos/${seg(owner)}/${seg(repo)}/hooks`,
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ type: "gitea", ...hookBody(h) }),
        };
        return this.reconciled<GiteaHook>(req, async () => {
            const existing = (await this.listHooks(owner, repo)).find((x) => x.config.url === h.url);
            return existing ? { done: await this.updateHook(owner, repo, existing.id, h) } : { resend: true };
        }, (res) => {
            if (res.status !== 201) throw this.http.fail(req, res);
            return this.http.parse(schemas().hook, req, res);
        });
    }

    async updateHook(owner: string, repo: string, id: number, h: HookSpec): Promise<GiteaHook> {
        const req: HttpRequest = {
            method: "PATCH",
            path: `/api/v1/repos/${seg(owner)}/${seg(repo)}/hooks/${id}`,
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(hookBody(h)),
        };
        const res = await this.http.request(req);
        if (res.status !== 200) throw this.http.fail(req, res);
        return this.http.parse(schemas().hook, req, res);
    }

    /** Deletes a webhook; an absent one is fine. */
    async deleteHook(owner: string, repo: string, id: number): Promise<void> {
        const req: HttpRequest = { method: "DELETE", path: `/api/v1/repos/${seg(owner)}/${seg(repo)}/hooks/${id}` };
        const res = await this.http.request(req);
        if (res.status !== 204 && res.status !== 404) throw this.http.fail(req, res);
    }

    /**
     * Mints an access token of `user` (default: the connection's user). POST /users/{u}/tokens needs
     * basic auth, and a site admin may mint one for another user (go-gitea/gitea v1.25.2
     * routers/api/v1/api.go: reqSelfOrAdmin + reqBasicOrRevProxyAuth on the /tokens group); since
     * Gitea 1.19 at least one scope. The returned `sha1` is the secret, shown only once — so after a
     * failure that may have been applied, a token of that name is deleted and re-created.
     */
    async createAccessToken(name: string, scopes: string[], user: string = this.conn.username): Promise<{ id: number; name: string; sha1: string }> {
        if (scopes.length === 0) throw new Error(`Gitea access token "${name}" needs at least one scope (Gitea rejects scope-less tokens)`);
        const req: HttpRequest = {
            method: "POST",
            path: `/api/v1/users/${seg(user)}/tokens`,
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ name, scopes }),
        };
        return this.reconciled<{ id: number; name: string; sha1: string }>(req, async () => {
            if ((await this.listAccessTokens(user)).some((t) => t.name === name)) await this.deleteAccessToken(name, user);
            return { resend: true };
        }, (res) => {
            if (res.status !== 201) throw this.http.fail(req, res);
            const t = this.http.parse(schemas().token, req, res);
            return { id: t.id, name: t.name, sha1: t.sha1 };
        });
    }

    /** Every token of `user` (default: the connection's user), all pages; values are never listed. */
    async listAccessTokens(user: string = this.conn.username): Promise<GiteaTokenInfo[]> {
        const list = await this.allPages(`/api/v1/users/${seg(user)}/tokens`, (req, res) => this.http.parse(schemas().tokenList, req, res));
        return list.map((t) => ({ id: t.id, name: t.name, scopes: t.scopes ?? [], lastEight: t.token_last_eight }));
    }

    /** Deletes a token by id or name; an absent one (or an absent user) is fine. */
    async deleteAccessToken(idOrName: number | string, user: string = this.conn.username): Promise<void> {
        const req: HttpRequest = { method: "DELETE", path: `/api/v1/users/${seg(user)}/tokens/${seg(String(idOrName))}` };
        const res = await this.http.request(req);
        if (res.status !== 204 && res.status !== 404) throw this.http.fail(req, res);
    }

    /**
     * GETs every page of a list (routers/api/v1/utils/page.go GetListOptions: `page`, `limit`, at most
     * MAX_RESPONSE_ITEMS = 50, the total in X-Total-Count) until the total or an empty page.
     */
    protected async allPages<T>(path: string, parse: (req: HttpRequest, res: HttpResponse) => T[]): Promise<T[]> {
        const out: T[] = [];
        for (let page = 1; page <= 200; page++) {
            const req: HttpRequest = { method: "GET", path, query: { page: String(page), limit: "50" } };
            const res = await this.http.expect(req, 200);
            const batch = parse(req, res);
            out.push(...batch);
            const total = Number(res.headers.get("x-total-count") ?? NaN);
            if (batch.length === 0 || !Number.isFinite(total) || out.length >= total) return out;
        }
        throw new HttpError("Gitea", "GET", path, 200, "invalid-response", "more than 200 pages: the listed total is never reached");
    }

    /**
     * Sends a non-idempotent POST with the retry budget: a refused connection (or a 429) is simply
     * retried; after a failure that may have been applied, `check` decides (read-back) whether it is
     * done, may be re-sent, or conflicts. A read-back that fails ends the operation (the POST's
     * outcome stays unknown, and the error says so) — it is never retried as if it were the POST.
     * The whole operation, read-backs included, makes at most maxRequestsPerOperation requests.
     */
    private reconciled<T>(
        req: HttpRequest,
        check: () => Promise<{ done: T } | { resend: true } | { conflict: string }>,
        finish: (res: HttpResponse) => T,
    ): Promise<T> {
        return withRequestBudget(this.conn.maxRequestsPerOperation ?? 100, `${req.method} ${req.path}`, async () => {
            let ambiguous: HttpError | undefined;
            let readBackFailed = false;
            let attempts = 0;
            const policy = retryPolicy(this.conn, (e) => e.mayHaveApplied && !readBackFailed);
            try {
                return await policy.execute(async (): Promise<T> => {
                    attempts++;
                    if (ambiguous) {
                        const failed = ambiguous;
                        const verdict = await check().catch((e: unknown) => {
                            readBackFailed = true;
                            const why = e instanceof Error ? e.message : String(e);
                            throw new HttpError(failed.service, failed.method, failed.path, failed.status, failed.kind, `${failed.excerpt}; it may have been applied, and reading back failed: ${why}`);
                        });
                        if ("done" in verdict) return verdict.done;
                        if ("conflict" in verdict) throw new Error(`${failed.message}; read back: ${verdict.conflict}`);
                    }
                    try {
                        return await finish(await this.http.request(req));
                    } catch (e) {
                        if (e instanceof HttpError && e.mayHaveApplied) ambiguous = e;
                        throw e;
                    }
                });
            } catch (e) {
                if (e instanceof HttpError) throw e.withAttempts(Math.max(attempts, e.attempts));
                throw e instanceof Error ? new Error(this.http.redact(e.message, this.http.secretsOf(req))) : e;
            }
        });
    }
}

function hookBody(h: HookSpec): Record<string, unknown> {
    return {
        config: { url: h.url, content_type: h.contentType, http_method: "post" },
        events: h.events,
        branch_filter: h.branchFilter ?? "",
        authorization_header: h.authorizationHeader ?? "",
        active: h.active,
    };
}
