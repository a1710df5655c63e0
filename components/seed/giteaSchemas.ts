// What the Gitea client reads from Gitea 1.25's API: the response schemas (zod, built on use), the
// types they give, and git's blob id, which the seed computes locally to compare files with a tree.
import { createHash } from "node:crypto";
import type { z } from "zod";

// The schemas are built on use rather than held by the methods: Pulumi serializes the dynamic
// providers' closures (and this client with them), and a captured zod schema instance drags zod's
// internal modules along, which its package.json "exports" do not expose ("export path … not found").
// So zod is required where the schemas are built; serialized, that stays a plain require("zod").
export const schemas = () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { z } = require("zod") as typeof import("zod");
    const contents = z.object({
        name: z.string(),
        path: z.string(),
        sha: z.string(),
        type: z.string(),
        encoding: z.string().nullable().optional(),
        content: z.string().nullable().optional(),
    });
    // modules/structs/repo_tree.go GitEntry / GitTreeResponse.
    const treeEntry = z.object({ path: z.string(), mode: z.string(), type: z.string(), size: z.number().default(0), sha: z.string() });
    const token = z.object({
        id: z.number(),
        name: z.string(),
        sha1: z.string(),
        scopes: z.array(z.string()).nullable().default([]),
    });
    const hook = z.object({
        id: z.number(),
        type: z.string(),
        active: z.boolean(),
        events: z.array(z.string()),
        config: z.object({ url: z.string(), content_type: z.string() }).loose(),
        branch_filter: z.string().default(""),
        /** Gitea returns the header in clear (webhook_model.HeaderAuthorization): treat as a secret. */
        authorization_header: z.string().default(""),
    });
    return {
        repo: z.object({
            id: z.number(),
            name: z.string(),
            full_name: z.string(),
            owner: z.object({ login: z.string() }),
            private: z.boolean(),
            description: z.string().default(""),
            default_branch: z.string(),
            empty: z.boolean().default(false),
            clone_url: z.string(),
            html_url: z.string(),
        }),
        hook,
        hooks: z.array(hook),
        contents,
        files: z.object({
            files: z.array(contents.nullable()).nullable().default([]),
            commit: z.object({ sha: z.string() }).loose(),
        }),
        branch: z.object({ name: z.string(), commit: z.object({ id: z.string() }).loose() }),
        // The branch head as a PayloadCommit (modules/structs/hook.go; services/convert/git_commit.go ToPayloadCommit).
        branchCommit: z.object({
            name: z.string(),
            commit: z.object({
                id: z.string(),
                message: z.string(),
                url: z.string(),
                author: z.object({ name: z.string(), email: z.string(), username: z.string().default("") }).nullable(),
                committer: z.object({ name: z.string(), email: z.string(), username: z.string().default("") }).nullable(),
                timestamp: z.string(),
            }),
        }),
        tree: z.object({
            sha: z.string(),
            // nil when the page starts past the last entry (services/repository/files/tree.go).
            tree: z.array(treeEntry).nullable().default([]),
            truncated: z.boolean().default(false),
            page: z.number().default(1),
            total_count: z.number().default(0),
        }),
        token,
        tokenList: z.array(token.omit({ sha1: true }).extend({ token_last_eight: z.string().default("") })),
        user: z.object({
            id: z.number(),
            login: z.string(),
            // Only a site admin (or the user) sees these (services/convert/user.go toUser, `authed`).
            is_admin: z.boolean().default(false),
            restricted: z.boolean().default(false),
            active: z.boolean().default(true),
            prohibit_login: z.boolean().default(false),
        }),
        collaboratorPermission: z.object({ permission: z.string(), role_name: z.string().optional() }),
        version: z.object({ version: z.string() }),
    };
};

/** The response schemas (a fresh set per call; see above why none is kept in module scope). */
export const giteaSchemas = schemas;
type Schemas = ReturnType<typeof schemas>;
export type GiteaRepo = z.infer<Schemas["repo"]>;
export type GiteaHook = z.infer<Schemas["hook"]>;
export type GiteaContents = z.infer<Schemas["contents"]>;
export type GiteaAccessToken = z.infer<Schemas["token"]>;
export type GiteaUser = z.infer<Schemas["user"]>;
export type GiteaPayloadCommit = z.infer<Schemas["branchCommit"]>["commit"];
/** An access token as listed: never its value, only the last eight characters. */
export interface GiteaTokenInfo {
    id: number;
    name: string;
    scopes: string[];
    lastEight: string;
}

/** One entry of a recursive tree listing: `type` is "blob" (files, symlinks), "tree" or "commit" (submodule). */
export interface GiteaTreeEntry {
    readonly path: string;
    readonly mode: string;
    readonly type: string;
    readonly sha: string;
}

/** A branch's whole tree: `commit` is the commit the name resolved to, `entries` every path below it. */
export interface GiteaTree {
    readonly commit: string;
    readonly entries: readonly GiteaTreeEntry[];
}

/** Git's blob id of a content: SHA-1 of `blob <byte length>\0<bytes>` — what a tree lists for the file. */
export function gitBlobSha(content: string | Buffer): string {
    const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
