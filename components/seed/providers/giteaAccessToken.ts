// GiteaAccessToken: an access token of another user (the pipeline's), minted by a site admin.
// Gitea shows a token's value once (POST answer `sha1`), so it is kept as a secret output; listing
// shows only its last eight characters, which is how a token deleted or revoked by hand — or a
// token of that name re-made by someone else — is told apart from ours. A new `rotation`, new
// scopes or a re-created user re-issues it.
import * as pulumi from "@pulumi/pulumi";
import type { GiteaClient, GiteaTokenInfo } from "../giteaClient";
import { giteaClient, hasUnknown, sameConn, type GiteaConn } from "./runtime";
import { giteaConnInput, withSecretOutputs, type GiteaConnectionArgs } from "./inputs";
import { seedProvider } from "./dispatch";
import { SeedResource } from "./resource";

export interface GiteaAccessTokenInputs {
    /** A site admin's connection: it mints tokens for other users (reqSelfOrAdmin). */
    readonly gitea: GiteaConn;
    /** The token's owner. */
    readonly user: string;
    /** The owner's id (GiteaUser.userId): a user deleted and made again has none of its old tokens. */
    readonly userId: number;
    /** Token name, unique per user. */
    readonly name: string;
    readonly scopes: readonly string[];
    /** A counter: a new value re-issues the token. */
    readonly rotation: number;
}
export interface GiteaAccessTokenOutputs extends GiteaAccessTokenInputs {
    readonly tokenId: number;
    /** The token ("" after a refresh found it gone or replaced). */
    readonly token: string;
}

const scopeKey = (xs: readonly string[]) => [...new Set(xs)].sort().join(",");

/** Ours is still there: same id, same last eight characters. */
function stillValid(list: readonly GiteaTokenInfo[], o: Pick<GiteaAccessTokenOutputs, "tokenId" | "token">): boolean {
    return o.token !== "" && list.some((t) => t.id === o.tokenId && t.lastEight === o.token.slice(-8));
}

/** Deletes every token of that name (ours or not: its value is unknown), then mints a new one. */
async function issue(gitea: GiteaClient, i: GiteaAccessTokenInputs): Promise<{ tokenId: number; token: string }> {
    for (const t of await gitea.listAccessTokens(i.user)) if (t.name === i.name) await gitea.deleteAccessToken(t.id, i.user);
    const t = await gitea.createAccessToken(i.name, [...i.scopes], i.user);
    return { tokenId: t.id, token: t.sha1 };
}

export const giteaAccessTokenProvider: pulumi.dynamic.ResourceProvider<GiteaAccessTokenInputs, GiteaAccessTokenOutputs> = {
    async create(i) {
        const gitea = await giteaClient(i.gitea);
        const t = await issue(gitea, i);
        return { id: `${i.user}/${i.name}`, outs: { ...i, ...t } };
    },

    // Refresh: a token deleted, revoked or replaced by hand keeps its state with an empty token,
    // which the next diff sees; a user gone takes the token with it.
    async read(id, props) {
        if (!props) return { id, props };
        const gitea = await giteaClient(props.gitea);
        const user = await gitea.getUser(props.user);
        if (!user || user.id !== props.userId) return {};
        return { id, props: { ...props, token: stillValid(await gitea.listAccessTokens(props.user), props) ? props.token : "" } };
    },

    async diff(_id, olds, news) {
        const replaces = (["user", "name"] as const).filter((k) => olds[k] !== news[k]);
        if (replaces.length) return { changes: true, replaces: [...replaces] };
        if (hasUnknown(news) || !sameConn(olds.gitea, news.gitea)) return { changes: true };
        if (olds.rotation !== news.rotation || olds.userId !== news.userId || scopeKey(olds.scopes) !== scopeKey(news.scopes)) return { changes: true };
        const gitea = await giteaClient(news.gitea);
        return { changes: !stillValid(await gitea.listAccessTokens(news.user), olds) };
    },

    async update(_id, olds, news) {
        const gitea = await giteaClient(news.gitea);
        // Only the connection changed (e.g. the admin's password was rotated) and ours still works: keep it.
        const same = olds.rotation === news.rotation && olds.userId === news.userId && scopeKey(olds.scopes) === scopeKey(news.scopes);
        if (same && stillValid(await gitea.listAccessTokens(news.user), olds)) return { outs: { ...news, tokenId: olds.tokenId, token: olds.token } };
        // Scopes cannot be changed on a token, and its value cannot be read back: a new one.
        await gitea.deleteAccessToken(olds.tokenId, olds.user);
        const t = await issue(gitea, news);
        return { outs: { ...news, ...t } };
    },

    async delete(_id, props) {
        const gitea = await giteaClient(props.gitea);
        await gitea.deleteAccessToken(props.tokenId, props.user);
    },
};

export interface GiteaAccessTokenArgs {
    readonly gitea: GiteaConnectionArgs;
    readonly user: pulumi.Input<string>;
    readonly userId: pulumi.Input<number>;
    readonly name: pulumi.Input<string>;
    readonly scopes: pulumi.Input<readonly string[]>;
    /** Bump to re-issue the token. Default: 0. */
    readonly rotation?: pulumi.Input<number>;
}

/** A Gitea access token of `user`; the token is a secret output. */
export class GiteaAccessToken extends SeedResource {
    declare public readonly tokenId: pulumi.Output<number>;
    declare public readonly token: pulumi.Output<string>;

    constructor(name: string, args: GiteaAccessTokenArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            seedProvider,
            "GiteaAccessToken",
            name,
            {
                gitea: giteaConnInput(args.gitea),
                user: args.user,
                userId: args.userId,
                name: args.name,
                scopes: args.scopes,
                rotation: args.rotation ?? 0,
                tokenId: undefined,
                token: undefined,
            },
            withSecretOutputs(opts, ["gitea", "token"]),
            "gitea",
        );
    }
}
