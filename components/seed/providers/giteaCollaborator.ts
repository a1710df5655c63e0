// GiteaCollaborator: one user's permission on one repository (PUT/DELETE
// /repos/{o}/{r}/collaborators/{u}, go-gitea/gitea v1.25.2 routers/api/v1/repo/collaborators.go).
// A permission changed by hand, or a collaboration removed by hand, is put back on the next run.
import * as pulumi from "@pulumi/pulumi";
import { giteaClient, hasUnknown, sameConn, type GiteaConn } from "./runtime";
import { giteaConnInput, withSecretOutputs, type GiteaConnectionArgs } from "./inputs";
import { seedProvider } from "./dispatch";
import { SeedResource } from "./resource";

export type CollaboratorPermission = "read" | "write" | "admin";

export interface GiteaCollaboratorInputs {
    /** A connection allowed to manage collaborators (the repository's owner or a site admin: reqAdmin). */
    readonly gitea: GiteaConn;
    readonly owner: string;
    readonly repo: string;
    readonly user: string;
    readonly permission: CollaboratorPermission;
}
export type GiteaCollaboratorOutputs = GiteaCollaboratorInputs;

export const giteaCollaboratorProvider: pulumi.dynamic.ResourceProvider<GiteaCollaboratorInputs, GiteaCollaboratorOutputs> = {
    async create(i) {
        const gitea = await giteaClient(i.gitea);
        // An existing collaboration (any permission) is taken over and set to the desired one.
        if ((await gitea.getCollaboratorPermission(i.owner, i.repo, i.user)) !== i.permission) await gitea.setCollaborator(i.owner, i.repo, i.user, i.permission);
        return { id: `${i.owner}/${i.repo}/${i.user}`, outs: { ...i } };
    },

    async read(id, props) {
        if (!props) return { id, props };
        const gitea = await giteaClient(props.gitea);
        const p = await gitea.getCollaboratorPermission(props.owner, props.repo, props.user);
        return p === undefined ? {} : { id, props: { ...props, permission: p as CollaboratorPermission } };
    },

    async diff(_id, olds, news) {
        const replaces = (["owner", "repo", "user"] as const).filter((k) => olds[k] !== news[k]);
        if (replaces.length) return { changes: true, replaces: [...replaces] };
        if (hasUnknown(news) || !sameConn(olds.gitea, news.gitea)) return { changes: true };
        const gitea = await giteaClient(news.gitea);
        return { changes: (await gitea.getCollaboratorPermission(news.owner, news.repo, news.user)) !== news.permission };
    },

    async update(_id, _olds, news) {
        const gitea = await giteaClient(news.gitea);
        if ((await gitea.getCollaboratorPermission(news.owner, news.repo, news.user)) !== news.permission) await gitea.setCollaborator(news.owner, news.repo, news.user, news.permission);
        return { outs: { ...news } };
    },

    async delete(_id, props) {
        const gitea = await giteaClient(props.gitea);
        await gitea.removeCollaborator(props.owner, props.repo, props.user);
    },
};

export interface GiteaCollaboratorArgs {
    readonly gitea: GiteaConnectionArgs;
    readonly owner: pulumi.Input<string>;
    readonly repo: pulumi.Input<string>;
    readonly user: pulumi.Input<string>;
    readonly permission: pulumi.Input<CollaboratorPermission>;
}

/** A user's collaborator permission on a repository. */
export class GiteaCollaborator extends SeedResource {
    declare public readonly permission: pulumi.Output<CollaboratorPermission>;

    constructor(name: string, args: GiteaCollaboratorArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            seedProvider,
            "GiteaCollaborator",
            name,
            { gitea: giteaConnInput(args.gitea), owner: args.owner, repo: args.repo, user: args.user, permission: args.permission },
            withSecretOutputs(opts, ["gitea"]),
        );
    }
}
