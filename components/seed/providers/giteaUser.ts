// GiteaUser: the pipeline's own Gitea account — a plain, restricted user that can never be a site
// admin, create repositories or organizations, and whose password nobody knows (it authenticates
// with a scoped access token only, GiteaAccessToken). An existing user of that name is adopted
// (never deleted) unless it is a site admin, which the stack refuses to demote.
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { GiteaAdminClient } from "../giteaAdminClient";
import type { GiteaUser as GiteaUserJson } from "../giteaSchemas";
import { giteaClient, hasUnknown, sameConn, type GiteaConn } from "./runtime";
import { giteaConnInput, withSecretOutputs, type GiteaConnectionArgs } from "./inputs";
import { seedProvider } from "./dispatch";
import { SeedResource } from "./resource";

export interface GiteaUserInputs {
    /** A site admin's connection (the admin API creates and edits users). */
    readonly gitea: GiteaConn;
    readonly username: string;
    readonly email: string;
    readonly fullName: string;
}
export interface GiteaUserOutputs extends GiteaUserInputs {
    readonly userId: number;
    /** The user existed before the stack: it is never deleted by the stack. */
    readonly adopted: boolean;
}

/** What differs between a live user and a least-privilege pipeline account (empty: nothing). */
export function userDrift(u: GiteaUserJson): string[] {
    const out: string[] = [];
    if (u.is_admin) out.push("site admin");
    if (!u.restricted) out.push("not restricted");
    if (!u.active) out.push("inactive");
    // Gitea refuses git over HTTP to a user who may not log in ("Your account is disabled",
    // routers/web/repo/githttp.go httpBase), token or not.
    if (u.prohibit_login) out.push("login prohibited");
    return out;
}

/**
 * The account flags of a pipeline user: restricted (sees only what it is a collaborator on,
 * models/perm/access), no repositories or organizations of its own. Only settable through the
 * admin edit (CreateUserOption has no max_repo_creation / allow_create_organization).
 */
const LEAST = { admin: false, active: true, prohibitLogin: false, restricted: true, maxRepoCreation: 0, allowCreateOrganization: false } as const;

// A password nobody needs: never returned, stored or logged. Letters of every class and a digit, so
// Gitea's PASSWORD_COMPLEXITY (off by default) accepts it whatever it is set to.
function throwawayPassword(): string {
    return `${randomBytes(30).toString("base64url")}aA1!`;
}

/**
 * Makes Gitea hold the pipeline user with least-privilege flags. `known` is the user this resource
 * already holds: that one is converged whatever happened to it; any other user of that name is
 * adopted — unless it is a site admin, which is refused (the name was probably chosen by mistake,
 * and demoting someone else's admin is not the stack's call).
 */
async function ensure(gitea: GiteaAdminClient, i: GiteaUserInputs, known?: { userId: number; adopted: boolean }): Promise<{ user: GiteaUserJson; adopted: boolean }> {
    const existing = await gitea.getUser(i.username);
    if (existing) {
        const mine = known !== undefined && known.userId === existing.id;
        if (!mine && existing.is_admin) {
            throw new Error(`Gitea user "${i.username}" already exists and is a site admin; the pipeline's account must not be one — set gitea.botUsername to another name`);
        }
        const user = userDrift(existing).length ? await gitea.editUser(i.username, LEAST) : existing;
        return { user, adopted: mine ? known.adopted : true };
    }
    const created = await gitea.createUser({ username: i.username, email: i.email, password: throwawayPassword(), fullName: i.fullName, restricted: true });
    // "exists": our own POST landed before a failure (or a user was made meanwhile): read it back.
    const user = created === "exists" ? await gitea.getUser(i.username) : created;
    if (!user) throw new Error(`Gitea user "${i.username}" was reported to exist but cannot be read`);
    if (created === "exists" && user.is_admin) throw new Error(`Gitea user "${i.username}" appeared meanwhile as a site admin; refusing to use it for the pipeline`);
    return { user: await gitea.editUser(i.username, LEAST), adopted: false };
}

export const giteaUserProvider: pulumi.dynamic.ResourceProvider<GiteaUserInputs, GiteaUserOutputs> = {
    async create(i) {
        const gitea = await giteaClient(i.gitea);
        const { user, adopted } = await ensure(gitea, i);
        return { id: i.username, outs: { ...i, userId: user.id, adopted } };
    },

    async read(id, props) {
        if (!props) return { id, props };
        const gitea = await giteaClient(props.gitea);
        const u = await gitea.getUser(props.username);
        return u ? { id, props: { ...props, userId: u.id } } : {};
    },

    async diff(_id, olds, news) {
        if (olds.username !== news.username) return { changes: true, replaces: ["username"] };
        if (hasUnknown(news) || !sameConn(olds.gitea, news.gitea)) return { changes: true };
        const gitea = await giteaClient(news.gitea);
        const u = await gitea.getUser(news.username);
        return { changes: !u || u.id !== olds.userId || userDrift(u).length > 0 };
    },

    // E-mail and full name are applied when the user is created; afterwards the stack converges
    // existence and the least-privilege flags only.
    async update(_id, olds, news) {
        const gitea = await giteaClient(news.gitea);
        // Deleted by hand since: created again, it is the stack's (its old tokens and collaborations
        // are gone with it: the token's and collaborators' diffs follow the new userId).
        const { user, adopted } = await ensure(gitea, news, { userId: olds.userId, adopted: olds.adopted });
        return { outs: { ...news, userId: user.id, adopted } };
    },

    async delete(_id, props) {
        if (props.adopted) {
            console.log(`gitea: leaving user ${props.username} in place (it existed before the stack)`);
            return;
        }
        const gitea = await giteaClient(props.gitea);
        // Its tokens and collaborations go with it (services/user/delete.go).
        if ((await gitea.deleteUser(props.username)) === "owns-data") {
            console.log(`gitea: leaving user ${props.username} in place: it owns repositories or organizations now`);
        }
    },
};

export interface GiteaUserArgs {
    readonly gitea: GiteaConnectionArgs;
    readonly username: pulumi.Input<string>;
    /** Default: `<username>@ci-stack.invalid` (a reserved TLD: nothing is ever mailed). */
    readonly email?: pulumi.Input<string>;
    /** Default: "ci-stack pipeline". */
    readonly fullName?: pulumi.Input<string>;
}

/** A restricted, non-admin Gitea user for the pipeline. */
export class GiteaUser extends SeedResource {
    declare public readonly username: pulumi.Output<string>;
    declare public readonly userId: pulumi.Output<number>;

    constructor(name: string, args: GiteaUserArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            seedProvider,
            "GiteaUser",
            name,
            {
                gitea: giteaConnInput(args.gitea),
                username: args.username,
                email: args.email ?? pulumi.interpolate`${args.username}@ci-stack.invalid`,
                fullName: args.fullName ?? "ci-stack pipeline",
                userId: undefined,
                adopted: undefined,
            },
            withSecretOutputs(opts, ["gitea"]),
            "gitea",
        );
    }
}
