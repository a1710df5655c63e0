// HarborRobot: the project-level robot account the pipeline pushes with — exactly the given access
// (push and pull on repositories) on one project, nothing else. Harbor shows a robot's secret once,
// so the secret is kept as a secret output; a robot deleted, disabled, widened or given another
// secret by hand is converged on the next run, and a new `rotation` issues a new secret.
import * as pulumi from "@pulumi/pulumi";
import type { HarborAccess, HarborClient, HarborRobot as HarborRobotJson } from "../harborClient";
import { harborClient, hasUnknown, sameConn, type HarborConn } from "./runtime";
import { harborConnInput, withSecretOutputs, type HarborConnectionArgs } from "./inputs";
import { seedProvider } from "./dispatch";
import { SeedResource } from "./resource";

export interface HarborRobotInputs {
    readonly harbor: HarborConn;
    /** Project name (the permission's namespace). */
    readonly project: string;
    /** Project id (HarborProject.projectId): a re-created project is a new robot. */
    readonly projectId: number;
    /** Short name; Harbor names the robot `<prefix><project>+<name>`. */
    readonly name: string;
    readonly description: string;
    readonly access: readonly HarborAccess[];
    /** A counter: a new value issues the robot a new secret. */
    readonly rotation: number;
}
export interface HarborRobotOutputs extends HarborRobotInputs {
    readonly robotId: number;
    /** What the robot logs in as, e.g. `robot$bootcamp+ci-stack`. */
    readonly fullName: string;
    /** The robot's secret ("" after a refresh found that Harbor no longer accepts it). */
    readonly secret: string;
    readonly disabled: boolean;
    /** The robot existed before the stack made it: it is never deleted by the stack. */
    readonly adopted: boolean;
}

/** Robots never expire (-1): rotation is explicit (`rotation`), so builds never stop on a date. */
const NEVER = -1;

const accessKey = (xs: readonly { resource: string; action: string }[]) =>
    [...new Set(xs.map((a) => `${a.resource}:${a.action}`))].sort().join(",");

/** What differs between the live robot and the desired one (empty: nothing). */
export function robotDrift(r: HarborRobotJson, i: Pick<HarborRobotInputs, "project" | "description" | "access">): string[] {
    const out: string[] = [];
    if (r.disable) out.push("disabled");
    if (r.description !== i.description) out.push("description");
    const perms = r.permissions ?? [];
    // Exactly one permission, on this project, with exactly the desired access: a robot widened by
    // hand (another project, "*", more actions) is narrowed back.
    const exact = perms.length === 1 && perms[0]!.kind === "project" && perms[0]!.namespace === i.project && accessKey(perms[0]!.access ?? []) === accessKey(i.access);
    if (!exact) out.push("permissions");
    return out;
}

interface Live {
    robotId: number;
    fullName: string;
    secret: string;
    adopted: boolean;
}

/**
 * Makes Harbor hold the desired robot: the one at `prior.robotId` when it is still there, else a new
 * one (or one of that name made meanwhile, adopted). Narrows/enables it when it drifted, and issues a
 * new secret when none is known, the known one no longer works, or `rotate` is set.
 */
async function converge(harbor: HarborClient, i: HarborRobotInputs, prior: Live | undefined, rotate: boolean): Promise<Live & { disabled: false }> {
    const suffix = `${i.project}+${i.name}`;
    let live = prior ? await harbor.getRobot(prior.robotId) : undefined;
    if (live && !live.name.endsWith(suffix)) live = undefined;
    let secret = prior?.secret ?? "";
    let adopted = prior?.adopted ?? false;
    if (!live) {
        const created = await harbor.createProjectRobot({ project: i.project, name: i.name, description: i.description, duration: NEVER, access: i.access });
        if (!("exists" in created)) return { robotId: created.id, fullName: created.name, secret: created.secret, adopted: false, disabled: false };
        // 409: a robot of that name exists — made by hand (adopt it), or our own POST landed before a
        // failure. Either way its secret is unknown here: it gets a new one below.
        live = await harbor.findProjectRobot(i.projectId, i.project, i.name);
        if (!live) throw new Error(`Harbor answered 409 for robot ${suffix} but does not list it in project ${i.project}`);
        secret = "";
        adopted = !created.ambiguous;
    }
    if (robotDrift(live, i).length) await harbor.updateProjectRobot(live, { project: i.project, description: i.description, access: i.access });
    if (rotate || !secret || !(await harbor.robotCredentialsValid(live.name, secret))) secret = await harbor.refreshRobotSecret(live.id);
    return { robotId: live.id, fullName: live.name, secret, adopted, disabled: false };
}

function outs(i: HarborRobotInputs, l: Live & { disabled: boolean }): HarborRobotOutputs {
    return { ...i, robotId: l.robotId, fullName: l.fullName, secret: l.secret, disabled: l.disabled, adopted: l.adopted };
}

export const harborRobotProvider: pulumi.dynamic.ResourceProvider<HarborRobotInputs, HarborRobotOutputs> = {
    async create(i) {
        const harbor = await harborClient(i.harbor);
        const l = await converge(harbor, i, undefined, false);
        return { id: `${i.project}+${i.name}`, outs: outs(i, l) };
    },

    // Refresh: a robot deleted by hand reads as gone (the next `up` creates it again); one whose
    // secret Harbor no longer accepts keeps its state with an empty secret, which the next diff sees.
    async read(id, props) {
        if (!props) return { id, props };
        const harbor = await harborClient(props.harbor);
        const r = await harbor.getRobot(props.robotId);
        if (!r || !r.name.endsWith(`${props.project}+${props.name}`)) return {};
        const mine = (r.permissions ?? []).find((p) => p.kind === "project" && p.namespace === props.project);
        const valid = props.secret !== "" && (await harbor.robotCredentialsValid(r.name, props.secret));
        return {
            id,
            props: {
                ...props,
                description: r.description,
                disabled: r.disable,
                access: (r.permissions ?? []).length === 1 && mine ? (mine.access ?? []).map((a) => ({ resource: a.resource, action: a.action })) : [],
                secret: valid ? props.secret : "",
            },
        };
    },

    async diff(_id, olds, news) {
        const replaces = (["project", "name"] as const).filter((k) => olds[k] !== news[k]);
        if (replaces.length) return { changes: true, replaces: [...replaces] };
        if (hasUnknown(news) || !sameConn(olds.harbor, news.harbor)) return { changes: true };
        if (olds.rotation !== news.rotation || olds.projectId !== news.projectId || olds.description !== news.description || accessKey(olds.access) !== accessKey(news.access) || !olds.secret) {
            return { changes: true };
        }
        const harbor = await harborClient(news.harbor);
        const r = await harbor.getRobot(olds.robotId);
        if (!r || robotDrift(r, news).length) return { changes: true };
        return { changes: !(await harbor.robotCredentialsValid(olds.fullName, olds.secret)) };
    },

    async update(_id, olds, news) {
        const harbor = await harborClient(news.harbor);
        const prior: Live = { robotId: olds.robotId, fullName: olds.fullName, secret: olds.secret, adopted: olds.adopted };
        const l = await converge(harbor, news, prior, olds.rotation !== news.rotation);
        return { outs: outs(news, l) };
    },

    async delete(_id, props) {
        if (props.adopted) {
            console.log(`harbor: leaving robot account ${props.fullName} in place (it existed before the stack)`);
            return;
        }
        const harbor = await harborClient(props.harbor);
        await harbor.deleteRobot(props.robotId);
    },
};

export interface HarborRobotArgs {
    readonly harbor: HarborConnectionArgs;
    readonly project: pulumi.Input<string>;
    /** HarborProject.projectId. */
    readonly projectId: pulumi.Input<number>;
    readonly name: pulumi.Input<string>;
    /** Default: "". */
    readonly description?: pulumi.Input<string>;
    readonly access: pulumi.Input<readonly HarborAccess[]>;
    /** Bump to issue a new secret. Default: 0. */
    readonly rotation?: pulumi.Input<number>;
}

/** A project-level Harbor robot account; its secret is a secret output. */
export class HarborRobot extends SeedResource {
    declare public readonly robotId: pulumi.Output<number>;
    declare public readonly fullName: pulumi.Output<string>;
    declare public readonly secret: pulumi.Output<string>;

    constructor(name: string, args: HarborRobotArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            seedProvider,
            "HarborRobot",
            name,
            {
                harbor: harborConnInput(args.harbor),
                project: args.project,
                projectId: args.projectId,
                name: args.name,
                description: args.description ?? "",
                access: args.access,
                rotation: args.rotation ?? 0,
                robotId: undefined,
                fullName: undefined,
                secret: undefined,
                disabled: undefined,
                adopted: undefined,
            },
            withSecretOutputs(opts, ["harbor", "secret"]),
            "harbor",
        );
    }
}
