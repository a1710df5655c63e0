// The pipeline's Gitea identity: a dedicated, restricted, non-admin user and an access token with
// the narrowest scope git needs. Jenkins' `gitea-credentials` holds this token — never the site
// admin's password, which stays with Pulumi and the seed. The Seed grants the user access to the
// two seeded repositories only (GiteaCollaborator).
//
// Built before Jenkins (Jenkins takes the token), so it waits for Gitea's release itself, and whether
// or not the seed runs: it is what Jenkins clones with. Its resources ship the seed's one dynamic
// provider (REST calls from where `pulumi up` runs, at the NodePort URL).
import * as pulumi from "@pulumi/pulumi";
import { GiteaAccessToken, GiteaUser } from "./seed/providers";

/** Name of the token in Gitea (unique per user). */
export const BOT_TOKEN_NAME = "ci-stack-jenkins";

/**
 * The scopes of the bot's token: `write:repository` alone. Git over HTTP checks a token for the
 * repository category only, at read level for clone/fetch and write level for push
 * (go-gitea/gitea v1.25.2 routers/web/repo/githttp.go httpBase → services/context/permission.go
 * CheckRepoScopedToken), and a write scope implies its read scope (models/auth/access_token_scope.go:
 * "for all categories, write implies read"). Nothing on the git path asks for `read:user` or any
 * other category, so the token can do nothing through the API beyond repositories — and only on
 * the repositories its user is a collaborator on.
 */
export const BOT_TOKEN_SCOPES: readonly string[] = ["write:repository"];

export interface GiteaBotArgs {
    /** A Gitea site admin's connection (the admin API creates the user and mints its token). */
    readonly gitea: {
        /** Base URL reachable from where `pulumi up` runs (the external NodePort URL). */
        readonly url: pulumi.Input<string>;
        readonly username: pulumi.Input<string>;
        /** Made secret if it is not already. */
        readonly password: pulumi.Input<string>;
        /** Bound on the wait for Gitea, in ms. Default: 300000. */
        readonly readyTimeoutMs?: number;
    };
    /** The bot's user name (config gitea.botUsername). Default: none, required. */
    readonly username: pulumi.Input<string>;
    /** Bump to re-issue the token (config gitea.botTokenRotation). Default: 0. */
    readonly tokenRotation?: pulumi.Input<number>;
}

export class GiteaBot extends pulumi.ComponentResource {
    public readonly username: pulumi.Output<string>;
    /** The access token (secret): what Jenkins' gitea-credentials holds as its password. */
    public readonly token: pulumi.Output<string>;
    /** The token's id: changes whenever the token is re-issued (not secret). */
    public readonly tokenId: pulumi.Output<number>;

    constructor(name: string, args: GiteaBotArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cistack:platform:GiteaBot", name, {}, opts);
        const gitea = {
            url: args.gitea.url,
            username: args.gitea.username,
            password: pulumi.secret(args.gitea.password),
            ...(args.gitea.readyTimeoutMs !== undefined ? { readyTimeoutMs: args.gitea.readyTimeoutMs } : {}),
        };
        // `opts.dependsOn` is not inherited by children: the root waits for Gitea's release itself.
        const user = new GiteaUser(`${name}-user`, { gitea, username: args.username }, { parent: this, ...(opts?.dependsOn ? { dependsOn: opts.dependsOn } : {}) });
        const token = new GiteaAccessToken(
            `${name}-token`,
            { gitea, user: user.username, userId: user.userId, name: BOT_TOKEN_NAME, scopes: BOT_TOKEN_SCOPES, rotation: args.tokenRotation ?? 0 },
            { parent: this },
        );

        this.username = user.username;
        this.token = pulumi.secret(token.token);
        this.tokenId = token.tokenId;
        this.registerOutputs({ username: this.username, token: this.token, tokenId: this.tokenId });
    }
}
