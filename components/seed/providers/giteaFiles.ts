// GiteaFiles: a set of files in one branch of a repository, written as one commit per change set.
import * as pulumi from "@pulumi/pulumi";
import { gitBlobSha, type GiteaClient } from "../giteaClient";
import { HttpError } from "../http";
import { giteaClient, hasUnknown, sameConn, type GiteaConn } from "./runtime";
import { giteaConnInput, withSecretOutputs, type GiteaConnectionArgs } from "./inputs";
import { seedProvider } from "./dispatch";
import { SeedResource } from "./resource";

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

/**
 * The branch's files as path → blob id from ONE recursive tree read, and what else the tree holds
 * (directories, submodules) by path; undefined when the repository or the branch is not there.
 */
async function branchBlobs(gitea: GiteaClient, i: FilesInputs): Promise<{ commit: string; blobs: Map<string, string>; others: Map<string, string> } | undefined> {
    const tree = await gitea.getTree(i.owner, i.repo, i.branch);
    if (!tree) return undefined;
    const blobs = new Map<string, string>();
    const others = new Map<string, string>();
    for (const e of tree.entries) {
        if (e.type === "blob") blobs.set(e.path, e.sha);
        else others.set(e.path, e.type);
    }
    return { commit: tree.commit, blobs, others };
}

/**
 * What has to change in the repository for it to hold `files` (and no longer hold `dropped`): each
 * desired file's git blob id, computed here, against the ids of one tree read — no file is fetched.
 */
async function planFiles(gitea: GiteaClient, i: FilesInputs, dropped: readonly string[]): Promise<FileOp[]> {
    const head = await branchBlobs(gitea, i);
    const blobs = head?.blobs ?? new Map<string, string>();
    const ops: FileOp[] = [];
    for (const f of i.files) {
        // The contents API cannot put a file where a directory or submodule is: say so before it refuses.
        const other = head?.others.get(f.path);
        if (other) throw new Error(`${i.owner}/${i.repo}@${i.branch}: ${f.path} is a ${other === "tree" ? "directory" : other}, not a file`);
        const sha = blobs.get(f.path);
        if (sha === undefined) ops.push({ operation: "create", path: f.path, content: f.content });
        else if (!f.createOnly && sha !== gitBlobSha(f.content)) ops.push({ operation: "update", path: f.path, content: f.content, sha });
    }
    for (const path of dropped) {
        const sha = blobs.get(path);
        if (sha !== undefined) ops.push({ operation: "delete", path, sha });
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
        // look again rather than fail or commit twice. Only after such a refusal: when Gitea is down
        // (or a limit of ours stopped the call), looking again only adds requests to a failed operation.
        const refused = e instanceof HttpError && e.kind === "status" && !e.transient;
        if (refused && (await planFiles(gitea, i, dropped)).length === 0) return "";
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
        const head = await branchBlobs(gitea, props);
        const files: FileSpec[] = [];
        for (const f of props.files) {
            const sha = head?.blobs.get(f.path);
            if (sha === undefined) continue;
            // Unchanged blob id → unchanged content: only a file that differs is fetched (at the commit read).
            const cur = sha === gitBlobSha(f.content) ? f : await gitea.getFile(props.owner, props.repo, f.path, head!.commit);
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
            seedProvider,
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
