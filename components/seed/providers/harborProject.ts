// HarborProject: the Harbor project images are pushed to — created when absent, adopted when it
// exists, and never deleted unless the stack created it and it holds no repository.
import * as pulumi from "@pulumi/pulumi";
import type { HarborClient, HarborProject as HarborProjectJson } from "../harborClient";
import { HttpError } from "../http";
import { harborClient, hasUnknown, sameConn, type HarborConn } from "./runtime";
import { harborConnInput, withSecretOutputs, type HarborConnectionArgs } from "./inputs";
import { seedProvider } from "./dispatch";
import { SeedResource } from "./resource";

export interface HarborProjectInputs {
    readonly harbor: HarborConn;
    readonly name: string;
    /** Visibility when the stack creates it (an adopted project keeps its own). */
    readonly public: boolean;
}
export interface HarborProjectOutputs extends HarborProjectInputs {
    readonly projectId: number;
    /** The project existed before the stack: it is never deleted by the stack. */
    readonly adopted: boolean;
}

/** A 403 from Harbor on the project, turned into what to do about it. */
function explain(e: unknown, i: HarborProjectInputs): unknown {
    if (!(e instanceof HttpError) || e.status !== 403) return e;
    return new Error(
        `Harbor user "${i.harbor.username}" may not read or create project "${i.name}" (${e.message}). ` +
            `Create the project in Harbor and make that user its Project Admin, or give the stack a pre-made robot account (registry.robotName + registry.robotSecret).`,
    );
}

async function ensure(harbor: HarborClient, i: HarborProjectInputs): Promise<{ project: HarborProjectJson; adopted: boolean }> {
    try {
        const existing = await harbor.getProject(i.name);
        if (existing) return { project: existing, adopted: true };
        return await harbor.createProject(i.name, { public: i.public });
    } catch (e) {
        throw explain(e, i);
    }
}

export const harborProjectProvider: pulumi.dynamic.ResourceProvider<HarborProjectInputs, HarborProjectOutputs> = {
    async create(i) {
        const harbor = await harborClient(i.harbor);
        const { project, adopted } = await ensure(harbor, i);
        return { id: i.name, outs: { ...i, projectId: project.project_id, adopted } };
    },

    async read(id, props) {
        if (!props) return { id, props };
        const harbor = await harborClient(props.harbor);
        const p = await harbor.getProject(props.name);
        return p ? { id, props: { ...props, projectId: p.project_id } } : {};
    },

    // A project's settings are applied when the stack creates it and are the owners' afterwards:
    // the stack converges existence only.
    async diff(_id, olds, news) {
        if (olds.name !== news.name) return { changes: true, replaces: ["name"] };
        if (hasUnknown(news) || !sameConn(olds.harbor, news.harbor)) return { changes: true };
        const harbor = await harborClient(news.harbor);
        const p = await harbor.getProject(news.name);
        return { changes: !p || p.project_id !== olds.projectId };
    },

    async update(_id, olds, news) {
        const harbor = await harborClient(news.harbor);
        const p = await harbor.getProject(news.name);
        if (p) return { outs: { ...news, projectId: p.project_id, adopted: olds.adopted } };
        // Deleted by hand since the last run (Harbor deleted its robots with it; the robot resource's
        // own diff re-creates the robot in this same run). Re-created, it is the stack's.
        const { project, adopted } = await ensure(harbor, news);
        return { outs: { ...news, projectId: project.project_id, adopted } };
    },

    async delete(_id, props) {
        if (props.adopted) {
            console.log(`harbor: leaving project ${props.name} in place (it existed before the stack)`);
            return;
        }
        const harbor = await harborClient(props.harbor);
        if ((await harbor.deleteProject(props.name)) === "not-empty") {
            // Harbor refuses (412) while the project holds repositories: images are data, kept.
            console.log(`harbor: leaving project ${props.name} in place: it holds images (delete them in Harbor first if it is no longer needed)`);
        }
    },
};

export interface HarborProjectArgs {
    readonly harbor: HarborConnectionArgs;
    readonly name: pulumi.Input<string>;
    /** Visibility if the stack creates it. Default: false (private). */
    readonly public?: pulumi.Input<boolean>;
}

/** A Harbor project, ensured to exist; an existing one is adopted and never deleted. */
export class HarborProject extends SeedResource {
    declare public readonly projectId: pulumi.Output<number>;
    declare public readonly name: pulumi.Output<string>;
    declare public readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: HarborProjectArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            seedProvider,
            "HarborProject",
            name,
            { harbor: harborConnInput(args.harbor), name: args.name, public: args.public ?? false, projectId: undefined, adopted: undefined },
            withSecretOutputs(opts, ["harbor"]),
            "harbor",
        );
    }
}
