// GiteaWebhook: an active JSON webhook of a repository; its Authorization header never lands in state.
import * as pulumi from "@pulumi/pulumi";
import type { GiteaClient, GiteaHook } from "../giteaClient";
import { giteaClient, hasUnknown, sameConn, secretDigest, type GiteaConn } from "./runtime";
import { giteaConnInput, withSecretOutputs, type GiteaConnectionArgs } from "./inputs";
import { seedProvider } from "./dispatch";
import { SeedResource } from "./resource";

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
    const mine = hooks.find((h) => h.config.url === i.url);
    // No hook to this URL: create one. createHook reconciles an ambiguous failure by listing before
    // it re-sends, so it never leaves a second one and the list need not be read again.
    if (!mine) return (await gitea.createHook(i.owner, i.repo, hookSpec(i))).id;
    if (hookDiffers(mine, i, undefined)) await gitea.updateHook(i.owner, i.repo, mine.id, hookSpec(i));
    // Duplicates to the same URL (made by hand, or by an older run) would each deliver every push.
    for (const d of hooks) {
        if (d.id !== mine.id && d.config.url === i.url) await gitea.deleteHook(i.owner, i.repo, d.id);
    }
    return mine.id;
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
        const h = await gitea.getHook(props.owner, props.repo, props.hookId);
        if (!h) return {};
        return { id, props: { ...props, url: h.config.url, events: h.events, branchFilter: h.branch_filter } };
    },

    async diff(_id, olds, news) {
        const replaces = (["owner", "repo"] as const).filter((k) => olds[k] !== news[k]);
        if (replaces.length) return { changes: true, replaces: [...replaces] };
        if (hasUnknown(news) || !sameConn(olds.gitea, news.gitea)) return { changes: true };
        const gitea = await giteaClient(news.gitea);
        const h = await gitea.getHook(news.owner, news.repo, olds.hookId);
        return { changes: !h || hookDiffers(h, news, olds.authorizationDigest) };
    },

    async update(_id, olds, news) {
        const gitea = await giteaClient(news.gitea);
        const h = await gitea.getHook(news.owner, news.repo, olds.hookId);
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
            seedProvider,
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
