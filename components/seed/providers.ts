// Pulumi dynamic providers for the seed: Gitea repositories, their initial files and webhooks, and
// Jenkins folders, folder-scoped credentials and jobs — each with create/read/diff/update/delete.
//
// Serialization: `pulumi.dynamic.Resource` stores each provider as JavaScript text (closure
// serialization of `() => provider`) in the resource's `__provider` input, and the engine runs that
// text in a separate process for every later operation (including `destroy` with an older program).
// So the provider objects below capture nothing but code: connection details (URLs, user names,
// passwords) arrive as (secret) inputs, clients are constructed inside each method, and the one piece
// of per-process state (which servers were already seen ready) lives on `globalThis`, never in a
// captured variable. Every seed resource ships the same provider object, `seedProvider` (at the end),
// which routes each call to its kind's provider. test/seed/providers.test.ts serializes it and
// evaluates the text.
//
// diff reads the remote object and compares it with the desired one (a job's config.xml edited by hand
// shows as a change), so a re-run after converge makes zero writes: updates write only what differs.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { GiteaClient, type GiteaHook } from "./giteaClient";
import { JenkinsClient } from "./jenkinsClient";
import { normalizeConfigXml, parseFolderConfigXml } from "./templates";

// ---------------------------------------------------------------------------------------------
// Connections (plain: what the provider receives once the engine has unwrapped the secrets)

export interface GiteaConn {
    /** Base URL reachable from where `pulumi up` runs (the external NodePort URL). */
    readonly url: string;
    readonly username: string;
    readonly password: string;
    /** Bound on the readiness wait before the first call (default 300 000 ms: charts take minutes). */
    readonly readyTimeoutMs?: number;
}
export type JenkinsConn = GiteaConn;

/** The Pulumi engine's placeholder for a value not known yet (preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const DEFAULT_READY_MS = 300_000;

function hasUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(hasUnknown);
    if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
    return false;
}

function sameConn(a: GiteaConn | undefined, b: GiteaConn): boolean {
    return !!a && a.url === b.url && a.username === b.username && a.password === b.password;
}

/**
 * One ready client per process, server and credentials: every resource of a run shares its session
 * (so Jenkins hands out one crumb, not one per resource) and the readiness wait happens once, before
 * the first call. The memo lives on globalThis, looked up at call time, because anything a provider
 * captures is frozen into its serialized text.
 */
function shared<T>(key: string, make: () => Promise<T>): Promise<T> {
    const g = globalThis as unknown as Record<symbol, Map<string, Promise<unknown>> | undefined>;
    const memo = (g[Symbol.for("cistack.seed.clients")] ??= new Map<string, Promise<unknown>>());
    let p = memo.get(key) as Promise<T> | undefined;
    if (!p) {
        p = make();
        memo.set(key, p);
        // A failed wait is not remembered: the next operation waits again.
        p.catch(() => memo.delete(key));
    }
    return p;
}

function giteaClient(c: GiteaConn): Promise<GiteaClient> {
    return shared(`gitea ${c.url} ${c.username} ${secretDigest(c.password)}`, async () => {
        const client = new GiteaClient({ url: c.url, username: c.username, password: c.password });
        await client.waitReady(c.readyTimeoutMs ?? DEFAULT_READY_MS);
        return client;
    });
}

function jenkinsClient(c: JenkinsConn): Promise<JenkinsClient> {
    return shared(`jenkins ${c.url} ${c.username} ${secretDigest(c.password)}`, async () => {
        const client = new JenkinsClient({ url: c.url, username: c.username, password: c.password });
        await client.waitReady(c.readyTimeoutMs ?? DEFAULT_READY_MS);
        return client;
    });
}

/** A salted digest of a secret, kept in state to notice a changed secret that cannot be read back. */
export function secretDigest(secret: string): string {
    return createHash("sha256").update("cistack-seed\0").update(secret).digest("hex");
}

function withSecretOutputs<T extends pulumi.CustomResourceOptions>(opts: T | undefined, names: string[]): T {
    return pulumi.mergeOptions(opts, { additionalSecretOutputs: names }) as T;
}

// Secret inputs reach the engine as secrets whatever the caller passed.
function giteaConnInput(c: GiteaConnectionArgs): pulumi.Inputs {
    return { url: c.url, username: c.username, password: pulumi.secret(c.password), ...(c.readyTimeoutMs !== undefined ? { readyTimeoutMs: c.readyTimeoutMs } : {}) };
}

export interface GiteaConnectionArgs {
    /** Base URL reachable from where `pulumi up` runs (Gitea's external NodePort URL). */
    readonly url: pulumi.Input<string>;
    readonly username: pulumi.Input<string>;
    /** Made secret if it is not already. */
    readonly password: pulumi.Input<string>;
    /** Readiness wait bound in ms. Default: 300000. */
    readonly readyTimeoutMs?: pulumi.Input<number>;
}
export type JenkinsConnectionArgs = GiteaConnectionArgs;

/** Every seed resource: the shared `seedProvider`, the kind as both type name and `__kind` input. */
class SeedResource extends pulumi.dynamic.Resource {
    constructor(kind: SeedKind, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super(seedProvider, name, { [KIND]: kind, ...props }, opts, "seed", kind);
    }
}

// =============================================================================================
// GiteaRepository

export interface RepoInputs {
    readonly gitea: GiteaConn;
    readonly name: string;
    readonly private: boolean;
    readonly description: string;
    readonly defaultBranch: string;
    /** false (default): `delete` leaves the repository in Gitea. */
    readonly deleteOnDestroy: boolean;
}
export interface RepoOutputs extends RepoInputs {
    readonly owner: string;
    readonly fullName: string;
    readonly htmlUrl: string;
    /** The repository existed before the seed created it. */
    readonly adopted: boolean;
}

export const giteaRepositoryProvider: pulumi.dynamic.ResourceProvider<RepoInputs, RepoOutputs> = {
    async create(i) {
        const gitea = await giteaClient(i.gitea);
        // POST /user/repos; a 409 (it exists, or our own retried POST landed) is adopted by the client.
        const { repo, adopted } = await gitea.createRepo({ name: i.name, private: i.private, description: i.description, defaultBranch: i.defaultBranch, autoInit: true });
        const owner = repo.owner.login;
        return { id: `${owner}/${i.name}`, outs: { ...i, owner, fullName: `${owner}/${i.name}`, htmlUrl: repo.html_url, adopted } };
    },

    async read(id, props) {
        if (!props) return { id, props };
        const gitea = await giteaClient(props.gitea);
        const r = await gitea.getRepo(props.owner, props.name);
        if (!r) return {};
        return { id, props: { ...props, private: r.private, description: r.description, defaultBranch: r.default_branch, htmlUrl: r.html_url } };
    },

    // A repository's settings (private, description, default branch) are applied when the seed
    // creates it and are the owners' to change afterwards: the seed converges existence only, and
    // never writes to a repository that is there.
    async diff(_id, olds, news) {
        if (olds.name !== news.name) return { changes: true, replaces: ["name"] };
        if (hasUnknown(news)) return { changes: true };
        if (!sameConn(olds.gitea, news.gitea) || olds.deleteOnDestroy !== news.deleteOnDestroy) return { changes: true };
        const gitea = await giteaClient(news.gitea);
        return { changes: !(await gitea.getRepo(olds.owner, news.name)) };
    },

    async update(_id, olds, news) {
        const gitea = await giteaClient(news.gitea);
        const r = await gitea.getRepo(olds.owner, news.name);
        if (r) return { outs: { ...news, owner: olds.owner, fullName: olds.fullName, htmlUrl: r.html_url, adopted: olds.adopted } };
        // Deleted by hand since the last run: create it again (GiteaFiles, which uses this resource's
        // outputs, is diffed after this update and restores the files in the same run).
        const created = await gitea.createRepo({ name: news.name, private: news.private, description: news.description, defaultBranch: news.defaultBranch, autoInit: true });
        return { outs: { ...news, owner: olds.owner, fullName: olds.fullName, htmlUrl: created.repo.html_url, adopted: created.adopted } };
    },

    async delete(_id, props) {
        if (!props.deleteOnDestroy) {
            // Repositories hold the users' history: keeping them is the default (seed.deleteReposOnDestroy).
            console.log(`seed: leaving Gitea repository ${props.fullName} in place (seed.deleteReposOnDestroy is false); delete it in Gitea if it is no longer needed`);
            return;
        }
        const gitea = await giteaClient(props.gitea);
        await gitea.deleteRepo(props.owner, props.name);
    },
};

export interface GiteaRepositoryArgs {
    readonly gitea: GiteaConnectionArgs;
    readonly name: pulumi.Input<string>;
    /** Default: true. */
    readonly private?: pulumi.Input<boolean>;
    /** Default: "". */
    readonly description?: pulumi.Input<string>;
    /** Default: "main". */
    readonly defaultBranch?: pulumi.Input<string>;
    /** Delete the repository on destroy. Default: false (it is left in Gitea). */
    readonly deleteOnDestroy?: pulumi.Input<boolean>;
}

/** A Gitea repository of the authenticated user; an existing one of that name is adopted. */
export class GiteaRepository extends SeedResource {
    declare public readonly name: pulumi.Output<string>;
    declare public readonly owner: pulumi.Output<string>;
    declare public readonly fullName: pulumi.Output<string>;
    declare public readonly htmlUrl: pulumi.Output<string>;
    declare public readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: GiteaRepositoryArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "GiteaRepository",
            name,
            {
                gitea: giteaConnInput(args.gitea),
                name: args.name,
                private: args.private ?? true,
                description: args.description ?? "",
                defaultBranch: args.defaultBranch ?? "main",
                deleteOnDestroy: args.deleteOnDestroy ?? false,
                owner: undefined,
                fullName: undefined,
                htmlUrl: undefined,
                adopted: undefined,
            },
            withSecretOutputs(opts, ["gitea"]),
        );
    }
}

// =============================================================================================
// GiteaFiles

export interface FileSpec {
    readonly path: string;
    readonly content: string;
    /** Written only when missing: after the seed, the file belongs to someone else (the pipeline's tag bump). */
    readonly createOnly?: boolean;
}
export interface FilesInputs {
    readonly gitea: GiteaConn;
    readonly owner: string;
    readonly repo: string;
    readonly branch: string;
    /** Commit message of the seed's commits. */
    readonly message: string;
    readonly files: readonly FileSpec[];
}
export interface FilesOutputs extends FilesInputs {
    /** The last commit the seed made ("" when it found everything in place). */
    readonly commitSha: string;
}

type FileOp = { operation: "create" | "update" | "delete"; path: string; content?: string; sha?: string };

/** What has to change in the repository for it to hold `files` (and no longer hold `dropped`). */
async function planFiles(gitea: GiteaClient, i: FilesInputs, dropped: readonly string[]): Promise<FileOp[]> {
    const ops: FileOp[] = [];
    for (const f of i.files) {
        const cur = await gitea.getFile(i.owner, i.repo, f.path, i.branch);
        if (!cur) ops.push({ operation: "create", path: f.path, content: f.content });
        else if (!f.createOnly && cur.content !== f.content) ops.push({ operation: "update", path: f.path, content: f.content, sha: cur.sha });
    }
    for (const path of dropped) {
        const cur = await gitea.getFile(i.owner, i.repo, path, i.branch);
        if (cur) ops.push({ operation: "delete", path, sha: cur.sha });
    }
    return ops;
}

function droppedPaths(olds: FilesInputs | undefined, news: FilesInputs): string[] {
    const keep = new Set(news.files.map((f) => f.path));
    return (olds?.files ?? []).filter((f) => !keep.has(f.path) && !f.createOnly).map((f) => f.path);
}

/** Commits the plan as ONE commit; returns its sha, or undefined when nothing had to change. */
async function applyFiles(gitea: GiteaClient, i: FilesInputs, dropped: readonly string[]): Promise<string | undefined> {
    const ops = await planFiles(gitea, i, dropped);
    if (ops.length === 0) return undefined;
    try {
        const { commitSha } = await gitea.changeFiles(i.owner, i.repo, { branch: i.branch, message: i.message, files: ops });
        return commitSha;
    } catch (e) {
        // An attempt that failed AFTER Gitea committed (a 5xx or reset after apply, then the client's
        // retry answered 422 "already exists"/"sha does not match") leaves the repository converged:
        // look again rather than fail or commit twice.
        if ((await planFiles(gitea, i, dropped)).length === 0) return "";
        throw e;
    }
}

function fileSetDiffers(olds: FilesInputs, news: FilesInputs): string[] {
    const replaces: string[] = [];
    for (const k of ["owner", "repo", "branch"] as const) if (olds[k] !== news[k]) replaces.push(k);
    return replaces;
}

export const giteaFilesProvider: pulumi.dynamic.ResourceProvider<FilesInputs, FilesOutputs> = {
    async create(i) {
        const gitea = await giteaClient(i.gitea);
        const commitSha = (await applyFiles(gitea, i, [])) ?? "";
        return { id: `${i.owner}/${i.repo}#${i.branch}`, outs: { ...i, commitSha } };
    },

    async read(id, props) {
        if (!props) return { id, props };
        const gitea = await giteaClient(props.gitea);
        if (!(await gitea.getRepo(props.owner, props.repo))) return {};
        const files: FileSpec[] = [];
        for (const f of props.files) {
            const cur = await gitea.getFile(props.owner, props.repo, f.path, props.branch);
            if (cur) files.push({ ...f, content: cur.content });
        }
        return { id, props: { ...props, files } };
    },

    async diff(_id, olds, news) {
        const replaces = fileSetDiffers(olds, news);
        if (replaces.length) return { changes: true, replaces };
        if (hasUnknown(news) || !sameConn(olds.gitea, news.gitea)) return { changes: true };
        const gitea = await giteaClient(news.gitea);
        return { changes: (await planFiles(gitea, news, droppedPaths(olds, news))).length > 0 };
    },

    async update(_id, olds, news) {
        const gitea = await giteaClient(news.gitea);
        const commitSha = (await applyFiles(gitea, news, droppedPaths(olds, news))) ?? olds.commitSha;
        return { outs: { ...news, commitSha } };
    },

    // Nothing to undo: the files are part of the repository's history, which is retained (or deleted
    // with the repository when seed.deleteReposOnDestroy is set).
    async delete() {},
};

export interface GiteaFilesArgs {
    readonly gitea: GiteaConnectionArgs;
    readonly owner: pulumi.Input<string>;
    readonly repo: pulumi.Input<string>;
    /** Default: "main". */
    readonly branch?: pulumi.Input<string>;
    /** Default: "Seed repository content". */
    readonly message?: pulumi.Input<string>;
    readonly files: pulumi.Input<readonly FileSpec[]>;
}

/** A set of files in one branch of a repository, written as one commit per change set. */
export class GiteaFiles extends SeedResource {
    declare public readonly commitSha: pulumi.Output<string>;
    declare public readonly files: pulumi.Output<FileSpec[]>;

    constructor(name: string, args: GiteaFilesArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "GiteaFiles",
            name,
            {
                gitea: giteaConnInput(args.gitea),
                owner: args.owner,
                repo: args.repo,
                branch: args.branch ?? "main",
                message: args.message ?? "Seed repository content",
                files: args.files,
                commitSha: undefined,
            },
            withSecretOutputs(opts, ["gitea"]),
        );
    }
}

// =============================================================================================
// GiteaWebhook

export interface HookInputs {
    readonly gitea: GiteaConn;
    readonly owner: string;
    readonly repo: string;
    readonly url: string;
    readonly events: readonly string[];
    /** Gitea's branch glob ("" = every branch). */
    readonly branchFilter: string;
    /** Sent by Gitea as the Authorization header of every delivery (secret). */
    readonly authorizationHeader: string;
}
export interface HookOutputs extends Omit<HookInputs, "authorizationHeader"> {
    readonly hookId: number;
    /** Digest of the authorization header: the header itself is never stored in state. */
    readonly authorizationDigest: string;
}

function hookSpec(i: HookInputs) {
    return { url: i.url, contentType: "json" as const, events: [...i.events], branchFilter: i.branchFilter, authorizationHeader: i.authorizationHeader, active: true };
}

function hookDiffers(h: GiteaHook, i: HookInputs, storedDigest: string | undefined): boolean {
    const sorted = (xs: readonly string[]) => [...xs].sort().join(",");
    // Gitea >= 1.20 returns the header (decrypted) on GET; when a server hides it, the digest of what
    // we last sent is all there is to compare.
    const header = h.authorization_header ? h.authorization_header !== i.authorizationHeader : storedDigest !== secretDigest(i.authorizationHeader);
    return h.config.url !== i.url || h.config.content_type !== "json" || sorted(h.events) !== sorted(i.events) || h.branch_filter !== i.branchFilter || !h.active || header;
}

/** Creates the hook unless one for the same URL exists; removes duplicates a retried POST may have made. */
async function ensureHook(gitea: GiteaClient, i: HookInputs): Promise<number> {
    const hooks = await gitea.listHooks(i.owner, i.repo);
    let mine = hooks.find((h) => h.config.url === i.url);
    let created = false;
    if (!mine) {
        mine = await gitea.createHook(i.owner, i.repo, hookSpec(i));
        created = true;
    } else if (hookDiffers(mine, i, undefined)) {
        await gitea.updateHook(i.owner, i.repo, mine.id, hookSpec(i));
    }
    const keep = mine.id;
    for (const d of created ? (await gitea.listHooks(i.owner, i.repo)) : hooks) {
        if (d.id !== keep && d.config.url === i.url) await gitea.deleteHook(i.owner, i.repo, d.id);
    }
    return keep;
}

function hookOuts(i: HookInputs, hookId: number): HookOutputs {
    const { authorizationHeader, ...rest } = i;
    return { ...rest, hookId, authorizationDigest: secretDigest(authorizationHeader) };
}

export const giteaWebhookProvider: pulumi.dynamic.ResourceProvider<HookInputs, HookOutputs> = {
    async create(i) {
        const gitea = await giteaClient(i.gitea);
        const hookId = await ensureHook(gitea, i);
        return { id: String(hookId), outs: hookOuts(i, hookId) };
    },

    async read(id, props) {
        if (!props) return { id, props };
        const gitea = await giteaClient(props.gitea);
        const h = (await gitea.listHooks(props.owner, props.repo)).find((x) => x.id === props.hookId);
        if (!h) return {};
        return { id, props: { ...props, url: h.config.url, events: h.events, branchFilter: h.branch_filter } };
    },

    async diff(_id, olds, news) {
        const replaces = (["owner", "repo"] as const).filter((k) => olds[k] !== news[k]);
        if (replaces.length) return { changes: true, replaces: [...replaces] };
        if (hasUnknown(news) || !sameConn(olds.gitea, news.gitea)) return { changes: true };
        const gitea = await giteaClient(news.gitea);
        const h = (await gitea.listHooks(news.owner, news.repo)).find((x) => x.id === olds.hookId);
        return { changes: !h || hookDiffers(h, news, olds.authorizationDigest) };
    },

    async update(_id, olds, news) {
        const gitea = await giteaClient(news.gitea);
        const h = (await gitea.listHooks(news.owner, news.repo)).find((x) => x.id === olds.hookId);
        if (h && !hookDiffers(h, news, olds.authorizationDigest)) return { outs: hookOuts(news, h.id) };
        // Missing (deleted by hand) or different: converge; the id may change when it had to be recreated.
        // An id change is not a replacement for the engine; the state simply records the new id.
        const hookId = h ? (await gitea.updateHook(news.owner, news.repo, h.id, hookSpec(news))).id : await ensureHook(gitea, news);
        return { outs: hookOuts(news, hookId) };
    },

    async delete(_id, props) {
        const gitea = await giteaClient(props.gitea);
        await gitea.deleteHook(props.owner, props.repo, props.hookId);
    },
};

export interface GiteaWebhookArgs {
    readonly gitea: GiteaConnectionArgs;
    readonly owner: pulumi.Input<string>;
    readonly repo: pulumi.Input<string>;
    /** Delivery URL (as seen from Gitea: in-cluster). */
    readonly url: pulumi.Input<string>;
    /** Default: ["push"]. */
    readonly events?: pulumi.Input<readonly string[]>;
    /** Default: "" (every branch). */
    readonly branchFilter?: pulumi.Input<string>;
    /** Authorization header value Gitea sends with each delivery; made secret. */
    readonly authorizationHeader: pulumi.Input<string>;
}

/** An active JSON webhook of a repository. */
export class GiteaWebhook extends SeedResource {
    declare public readonly hookId: pulumi.Output<number>;

    constructor(name: string, args: GiteaWebhookArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "GiteaWebhook",
            name,
            {
                gitea: giteaConnInput(args.gitea),
                owner: args.owner,
                repo: args.repo,
                url: args.url,
                events: args.events ?? ["push"],
                branchFilter: args.branchFilter ?? "",
                authorizationHeader: pulumi.secret(args.authorizationHeader),
                hookId: undefined,
                authorizationDigest: undefined,
            },
            withSecretOutputs(opts, ["gitea", "authorizationDigest"]),
        );
    }
}

// =============================================================================================
// Jenkins items: JenkinsFolder and JenkinsJob

export interface ItemInputs {
    readonly jenkins: JenkinsConn;
    /** Slash-separated full name, e.g. "ci/notes-app". */
    readonly path: string;
    readonly configXml: string;
}
export type ItemOutputs = ItemInputs;

/** The description of an item or credential config.xml ("" when absent or unparsable). */
export function descriptionOf(xml: string): string {
    // Built per call: a module-level parser instance would be frozen into the serialized providers.
    const doc = new XMLParser({ ignoreAttributes: true, parseTagValue: false, ignoreDeclaration: true, trimValues: true }).parse(xml) as Record<string, unknown>;
    const root = Object.values(doc).find((v) => v !== null && typeof v === "object") as Record<string, unknown> | undefined;
    return typeof root?.description === "string" ? root.description : "";
}

// A folder's config.xml also holds Jenkins' own state (views, health metrics, and the folder
// credential store with every credential in it), so only what the seed sets is compared.
export function sameFolderConfig(actual: string, desired: string): boolean {
    try {
        return parseFolderConfigXml(actual).description === parseFolderConfigXml(desired).description;
    } catch {
        return false; // not a folder any more
    }
}

// Jenkins re-serializes a job's config.xml when it saves the job (plugin="…@version" attributes,
// default fields, <actions>): compare canonical forms, never text. A hand edit (another branch,
// a disabled job, a different script path) still differs.
export function sameJobConfig(actual: string, desired: string): boolean {
    try {
        return normalizeConfigXml(actual) === normalizeConfigXml(desired);
    } catch {
        return false; // not parseable as a job config: converge it
    }
}

function itemProvider(same: (actual: string, desired: string) => boolean): pulumi.dynamic.ResourceProvider<ItemInputs, ItemOutputs> {
    return {
        async create(i) {
            const jenkins = await jenkinsClient(i.jenkins);
            if ((await jenkins.createItem(i.path, i.configXml)) === "exists") {
                // Adopt: an item of that name was there already (or our retried POST had landed).
                const actual = await jenkins.getItemConfig(i.path);
                if (actual === undefined || !same(actual, i.configXml)) await jenkins.updateItemConfig(i.path, i.configXml);
            }
            return { id: i.path, outs: { ...i } };
        },

        async read(id, props) {
            if (!props) return { id, props };
            const jenkins = await jenkinsClient(props.jenkins);
            const actual = await jenkins.getItemConfig(props.path);
            return actual === undefined ? {} : { id, props: { ...props, configXml: actual } };
        },

        async diff(_id, olds, news) {
            if (olds.path !== news.path) return { changes: true, replaces: ["path"] };
            if (hasUnknown(news) || !sameConn(olds.jenkins, news.jenkins)) return { changes: true };
            const jenkins = await jenkinsClient(news.jenkins);
            const actual = await jenkins.getItemConfig(news.path);
            return { changes: actual === undefined || !same(actual, news.configXml) };
        },

        async update(_id, _olds, news) {
            const jenkins = await jenkinsClient(news.jenkins);
            const actual = await jenkins.getItemConfig(news.path);
            if (actual === undefined) await jenkins.createItem(news.path, news.configXml);
            else if (!same(actual, news.configXml)) await jenkins.updateItemConfig(news.path, news.configXml);
            return { outs: { ...news } };
        },

        async delete(_id, props) {
            const jenkins = await jenkinsClient(props.jenkins);
            await jenkins.deleteItem(props.path);
        },
    };
}

export const jenkinsFolderProvider = itemProvider(sameFolderConfig);
export const jenkinsJobProvider = itemProvider(sameJobConfig);

function jenkinsConnInput(c: JenkinsConnectionArgs): pulumi.Inputs {
    return giteaConnInput(c);
}

export interface JenkinsItemArgs {
    readonly jenkins: JenkinsConnectionArgs;
    /** Slash-separated full name; its parent folders must exist. */
    readonly path: pulumi.Input<string>;
    readonly configXml: pulumi.Input<string>;
}

/** A Jenkins folder (cloudbees-folder); deleting it deletes what it holds. */
export class JenkinsFolder extends SeedResource {
    declare public readonly path: pulumi.Output<string>;

    constructor(name: string, args: JenkinsItemArgs, opts?: pulumi.CustomResourceOptions) {
        super("JenkinsFolder", name, { jenkins: jenkinsConnInput(args.jenkins), path: args.path, configXml: args.configXml }, withSecretOutputs(opts, ["jenkins"]));
    }
}

/** A Jenkins job from a config.xml; compared with the live job through parseJobConfigXml. */
export class JenkinsJob extends SeedResource {
    declare public readonly path: pulumi.Output<string>;

    constructor(name: string, args: JenkinsItemArgs, opts?: pulumi.CustomResourceOptions) {
        super("JenkinsJob", name, { jenkins: jenkinsConnInput(args.jenkins), path: args.path, configXml: args.configXml }, withSecretOutputs(opts, ["jenkins"]));
    }
}

// =============================================================================================
// JenkinsCredential (secret text, in a folder's credential store)

export interface CredentialInputs {
    readonly jenkins: JenkinsConn;
    /** Full name of the folder whose store holds the credential. */
    readonly folder: string;
    readonly credentialId: string;
    readonly description: string;
    readonly secret: string;
}
export interface CredentialOutputs extends Omit<CredentialInputs, "secret"> {
    /** Jenkins never returns a secret (it answers <secret-redacted/>): state keeps a digest instead. */
    readonly secretDigest: string;
}

const STRING_CREDENTIALS = "org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl";

/** The plain-credentials plugin's secret-text credential; escaping is the XML library's job. */
export function stringCredentialXml(c: { credentialId: string; description: string; secret: string }): string {
    const builder = new XMLBuilder({ format: true, indentBy: "  ", suppressEmptyNode: false });
    return builder.build({ [STRING_CREDENTIALS]: { scope: "GLOBAL", id: c.credentialId, description: c.description, secret: c.secret } });
}

function credentialOuts(i: CredentialInputs): CredentialOutputs {
    const { secret, ...rest } = i;
    return { ...rest, secretDigest: secretDigest(secret) };
}

export const jenkinsCredentialProvider: pulumi.dynamic.ResourceProvider<CredentialInputs, CredentialOutputs> = {
    async create(i) {
        const jenkins = await jenkinsClient(i.jenkins);
        const xml = stringCredentialXml(i);
        // 409: the id exists (adopted, or our retried POST landed). Its secret cannot be read back,
        // so overwrite it with the desired one.
        if ((await jenkins.createCredential(i.folder, xml)) === "exists") await jenkins.updateCredential(i.folder, i.credentialId, xml);
        return { id: `${i.folder}/${i.credentialId}`, outs: credentialOuts(i) };
    },

    async read(id, props) {
        if (!props) return { id, props };
        const jenkins = await jenkinsClient(props.jenkins);
        const actual = await jenkins.getCredentialConfig(props.folder, props.credentialId);
        return actual === undefined ? {} : { id, props: { ...props, description: descriptionOf(actual) } };
    },

    async diff(_id, olds, news) {
        const replaces = (["folder", "credentialId"] as const).filter((k) => olds[k] !== news[k]);
        if (replaces.length) return { changes: true, replaces: [...replaces] };
        if (hasUnknown(news) || !sameConn(olds.jenkins, news.jenkins) || olds.secretDigest !== secretDigest(news.secret)) return { changes: true };
        const jenkins = await jenkinsClient(news.jenkins);
        const actual = await jenkins.getCredentialConfig(news.folder, news.credentialId);
        return { changes: actual === undefined || descriptionOf(actual) !== news.description };
    },

    async update(_id, olds, news) {
        const jenkins = await jenkinsClient(news.jenkins);
        const xml = stringCredentialXml(news);
        const actual = await jenkins.getCredentialConfig(news.folder, news.credentialId);
        if (actual === undefined) {
            if ((await jenkins.createCredential(news.folder, xml)) === "exists") await jenkins.updateCredential(news.folder, news.credentialId, xml);
        } else if (olds.secretDigest !== secretDigest(news.secret) || descriptionOf(actual) !== news.description) {
            await jenkins.updateCredential(news.folder, news.credentialId, xml);
        }
        return { outs: credentialOuts(news) };
    },

    async delete(_id, props) {
        const jenkins = await jenkinsClient(props.jenkins);
        await jenkins.deleteCredential(props.folder, props.credentialId);
    },
};

export interface JenkinsCredentialArgs {
    readonly jenkins: JenkinsConnectionArgs;
    /** Folder whose credential store holds it (never the system store: JCasC replaces that on reload). */
    readonly folder: pulumi.Input<string>;
    readonly credentialId: pulumi.Input<string>;
    /** Default: "". */
    readonly description?: pulumi.Input<string>;
    /** The secret text; made secret. */
    readonly secret: pulumi.Input<string>;
}

/** A secret-text credential in a folder's credential store. */
export class JenkinsCredential extends SeedResource {
    declare public readonly credentialId: pulumi.Output<string>;
    declare public readonly folder: pulumi.Output<string>;

    constructor(name: string, args: JenkinsCredentialArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "JenkinsCredential",
            name,
            {
                jenkins: jenkinsConnInput(args.jenkins),
                folder: args.folder,
                credentialId: args.credentialId,
                description: args.description ?? "",
                secret: pulumi.secret(args.secret),
                secretDigest: undefined,
            },
            withSecretOutputs(opts, ["jenkins", "secretDigest"]),
        );
    }
}

// =============================================================================================
// seedProvider: the one provider object every seed resource ships

// pulumi.dynamic.Resource serializes its provider once per provider OBJECT (serializeProvider in
// sdk/nodejs/dynamic/index.ts: a WeakMap keyed by the object, cacheDynamicProviders, on by default
// since 3.0), and each serialization walks the whole closure — the REST clients and templates,
// ~115 KB of text — for a few hundred ms. Six provider objects cost six walks on every program
// evaluation; one object costs one (and the provider host, which caches by text, loads it once).
// The kind travels as the constant `__kind` input (`__` keys are not displayed in diffs, like
// `__provider`) and is put back into every result, so state, refreshed or not, names its kind.
const KIND = "__kind";

const seedKinds = {
    GiteaRepository: giteaRepositoryProvider,
    GiteaFiles: giteaFilesProvider,
    GiteaWebhook: giteaWebhookProvider,
    JenkinsFolder: jenkinsFolderProvider,
    JenkinsJob: jenkinsJobProvider,
    JenkinsCredential: jenkinsCredentialProvider,
};
type SeedKind = keyof typeof seedKinds;

type Props = Record<string, unknown>;

// Routed on the new inputs where there are some: they always carry `__kind`, while state written
// before it existed does not (that state's read and delete run the per-kind text stored with it).
function route(b: Props | undefined): { kind: SeedKind; provider: pulumi.dynamic.ResourceProvider } {
    const k = b?.[KIND];
    if (typeof k === "string" && Object.hasOwn(seedKinds, k)) return { kind: k as SeedKind, provider: seedKinds[k as SeedKind] };
    throw new Error(`seed provider: no known ${KIND} in the resource's properties`);
}

/** The per-kind providers see exactly their own inputs. */
function strip(b: Props): Props {
    const rest = { ...b };
    delete rest[KIND];
    return rest;
}

function tag(b: Props | undefined, kind: SeedKind): Props | undefined {
    return b && { ...b, [KIND]: kind };
}

export const seedProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
    async check(olds, news) {
        const { kind, provider } = route(news);
        if (!provider.check) return { inputs: news };
        const r = await provider.check(strip(olds), strip(news));
        return { ...r, inputs: tag((r.inputs as Props | undefined) ?? strip(news), kind) };
    },

    async diff(id, olds, news) {
        const { provider } = route(news);
        return provider.diff ? provider.diff(id, strip(olds), strip(news)) : {};
    },

    async create(inputs) {
        const { kind, provider } = route(inputs);
        const r = await provider.create(strip(inputs));
        return { id: r.id, outs: tag(r.outs as Props | undefined, kind) };
    },

    async read(id, props) {
        const { kind, provider } = route(props);
        if (!provider.read) return { id, props };
        const r = await provider.read(id, strip(props!));
        // A refresh must keep `__kind` in state; `{}` (gone) stays `{}`.
        return {
            ...r,
            ...(r.props ? { props: tag(r.props as Props, kind) } : {}),
            ...(r.inputs ? { inputs: tag(r.inputs as Props, kind) } : {}),
        };
    },

    async update(id, olds, news) {
        const { kind, provider } = route(news);
        const r = provider.update ? await provider.update(id, strip(olds), strip(news)) : {};
        return { outs: tag(r.outs as Props | undefined, kind) };
    },

    async delete(id, props) {
        const { provider } = route(props);
        await provider.delete?.(id, strip(props));
    },
};
