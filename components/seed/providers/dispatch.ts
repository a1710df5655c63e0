// seedProvider: the one provider object every seed resource ships, routing each call to its kind.
import type * as pulumi from "@pulumi/pulumi";
import { withRequestBudget } from "../http";
import { giteaFilesProvider } from "./giteaFiles";
import { giteaRepositoryProvider } from "./giteaRepository";
import { giteaWebhookProvider } from "./giteaWebhook";
import { giteaUserProvider } from "./giteaUser";
import { giteaAccessTokenProvider } from "./giteaAccessToken";
import { giteaCollaboratorProvider } from "./giteaCollaborator";
import { harborProjectProvider } from "./harborProject";
import { harborRobotProvider } from "./harborRobot";
import { jenkinsCredentialProvider } from "./jenkinsCredential";
import { jenkinsFolderProvider } from "./jenkinsFolder";
import { jenkinsJobProvider } from "./jenkinsItem";
import { KIND } from "./resource";

// pulumi.dynamic.Resource serializes its provider once per provider OBJECT (serializeProvider in
// sdk/nodejs/dynamic/index.ts: a WeakMap keyed by the object, cacheDynamicProviders, on by default
// since 3.0), and each serialization walks the whole closure — the REST clients and templates,
// ~115 KB of text — for a few hundred ms. Six provider objects cost six walks on every program
// evaluation; one object costs one (and the provider host, which caches by text, loads it once).
// The kind travels as the constant `__kind` input (`__` keys are not displayed in diffs, like
// `__provider`) and is put back into every result, so state, refreshed or not, names its kind.

// A function, not a constant: every kind module imports this one (for seedProvider), so a kind
// module loaded first would find its own export still undefined here at load time.
function seedKinds() {
    return {
        GiteaRepository: giteaRepositoryProvider,
        GiteaFiles: giteaFilesProvider,
        GiteaWebhook: giteaWebhookProvider,
        JenkinsFolder: jenkinsFolderProvider,
        JenkinsJob: jenkinsJobProvider,
        JenkinsCredential: jenkinsCredentialProvider,
        GiteaUser: giteaUserProvider,
        GiteaAccessToken: giteaAccessTokenProvider,
        GiteaCollaborator: giteaCollaboratorProvider,
        HarborProject: harborProjectProvider,
        HarborRobot: harborRobotProvider,
    };
}
export type SeedKind = keyof ReturnType<typeof seedKinds>;

type Props = Record<string, unknown>;

// The most requests one engine call (a create, a diff, …) may make, retries and read-backs included:
// far above what converging the seed takes (a few dozen), low enough that a loop ends.
const REQUESTS_PER_OPERATION = 500;
const bounded = <T>(kind: string, op: string, fn: () => Promise<T>) => withRequestBudget(REQUESTS_PER_OPERATION, `${kind} ${op}`, fn);

// Routed on the new inputs where there are some: they always carry `__kind`, while state written
// before it existed does not (that state's read and delete run the per-kind text stored with it).
function route(b: Props | undefined): { kind: SeedKind; provider: pulumi.dynamic.ResourceProvider } {
    const k = b?.[KIND];
    const kinds = seedKinds();
    if (typeof k === "string" && Object.hasOwn(kinds, k)) return { kind: k as SeedKind, provider: kinds[k as SeedKind] };
    throw new Error(`seed provider: no known ${KIND} in the resource's properties`);
}

/** The per-kind providers see exactly their own inputs. */
function strip(b: Props): Props {
    const rest = { ...b };
    delete rest[KIND];
    return rest;
}

function tag(b: Props | undefined, kind: SeedKind): Props | undefined {
    return b && { ...b, [KIND]: kind };
}

export const seedProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
    async check(olds, news) {
        const { kind, provider } = route(news);
        if (!provider.check) return { inputs: news };
        const r = await bounded(kind, "check", () => provider.check!(strip(olds), strip(news)));
        return { ...r, inputs: tag((r.inputs as Props | undefined) ?? strip(news), kind) };
    },

    async diff(id, olds, news) {
        const { kind, provider } = route(news);
        return provider.diff ? bounded(kind, "diff", () => provider.diff!(id, strip(olds), strip(news))) : {};
    },

    async create(inputs) {
        const { kind, provider } = route(inputs);
        const r = await bounded(kind, "create", () => provider.create(strip(inputs)));
        return { id: r.id, outs: tag(r.outs as Props | undefined, kind) };
    },

    async read(id, props) {
        const { kind, provider } = route(props);
        if (!provider.read) return { id, props };
        const r = await bounded(kind, "read", () => provider.read!(id, strip(props!)));
        // A refresh must keep `__kind` in state; `{}` (gone) stays `{}`.
        return {
            ...r,
            ...(r.props ? { props: tag(r.props as Props, kind) } : {}),
            ...(r.inputs ? { inputs: tag(r.inputs as Props, kind) } : {}),
        };
    },

    async update(id, olds, news) {
        const { kind, provider } = route(news);
        const r = provider.update ? await bounded(kind, "update", () => provider.update!(id, strip(olds), strip(news))) : {};
        return { outs: tag(r.outs as Props | undefined, kind) };
    },

    async delete(id, props) {
        const { kind, provider } = route(props);
        if (provider.delete) await bounded(kind, "delete", () => provider.delete!(id, strip(props)));
    },
};
