// GiteaRepository: a repository of the seed's Gitea user; an existing one of that name is adopted.
import * as pulumi from "@pulumi/pulumi";
import { giteaClient, hasUnknown, sameConn, type GiteaConn } from "./runtime";
import { giteaConnInput, withSecretOutputs, type GiteaConnectionArgs } from "./inputs";
import { seedProvider } from "./dispatch";
import { SeedResource } from "./resource";

export interface RepoInputs {
    readonly gitea: GiteaConn;
    readonly name: string;
    readonly private: boolean;
    readonly description: string;
    readonly defaultBranch: string;
    /** false (default): `delete` leaves the repository in Gitea; true deletes it only if the seed created it. */
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
        if (props.adopted) {
            // The stack never deletes what it did not create: an adopted repository was someone's before.
            console.log(`seed: leaving Gitea repository ${props.fullName} in place: it existed before the seed adopted it (seed.deleteReposOnDestroy deletes only repositories the seed created)`);
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
    /** Delete the repository on destroy, unless it was adopted. Default: false (it is left in Gitea). */
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
            seedProvider,
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
