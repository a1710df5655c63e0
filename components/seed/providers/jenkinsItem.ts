// JenkinsJob: a Jenkins job by config.xml, compared in canonical form. A job's config.xml is the whole
// job (posting it replaces everything, core AbstractItem.updateByXml), which is right for a job the
// seed defines — never for a folder (jenkinsFolder.ts). An existing job of that name is adopted and
// converged; being older than the seed, it keeps its build history on destroy: only a job the seed
// created is deleted.
import * as pulumi from "@pulumi/pulumi";
import { XMLParser } from "fast-xml-parser";
import type { JenkinsClient } from "../jenkinsClient";
import { normalizeConfigXml } from "../templates";
import { hasUnknown, jenkinsClient, sameConn, type JenkinsConn } from "./runtime";
import { jenkinsConnInput, withSecretOutputs, type JenkinsConnectionArgs } from "./inputs";
import { seedProvider } from "./dispatch";
import { SeedResource } from "./resource";

export interface ItemInputs {
    readonly jenkins: JenkinsConn;
    /** Slash-separated full name, e.g. "ci/notes-app". */
    readonly path: string;
    readonly configXml: string;
}
export interface ItemOutputs extends ItemInputs {
    /** The job existed before the seed: converged, but never deleted by it. */
    readonly adopted: boolean;
}

/** The description of an item or credential config.xml ("" when absent or unparsable). */
export function descriptionOf(xml: string): string {
    // Built per call: a module-level parser instance would be frozen into the serialized providers.
    const doc = new XMLParser({ ignoreAttributes: true, parseTagValue: false, ignoreDeclaration: true, trimValues: true }).parse(xml) as Record<string, unknown>;
    const root = Object.values(doc).find((v) => v !== null && typeof v === "object") as Record<string, unknown> | undefined;
    return typeof root?.description === "string" ? root.description : "";
}

// Jenkins re-serializes a job's config.xml when it saves the job (plugin="…@version" attributes,
// default fields, <actions>): compare canonical forms, never text. A hand edit (another branch,
// a disabled job, a different script path) still differs.
export function sameJobConfig(actual: string, desired: string): boolean {
    try {
        return normalizeConfigXml(actual) === normalizeConfigXml(desired);
    } catch {
        return false; // not parseable as a job config: converge it
    }
}

/** The root element of an XML document ("" when there is none). */
function rootOf(xml: string): string {
    return /<([A-Za-z_][\w.:-]*)/.exec(xml.replace(/<\?[\s\S]*?\?>/g, "").replace(/<!--[\s\S]*?-->/g, ""))?.[1] ?? "";
}

/**
 * Converges an existing item to `desired`; an item of another type is an error, because Jenkins
 * refuses to change an item's type through config.xml (AbstractItem.updateByXml: "Expecting … but got
 * … instead", a 500 whose page does not say so).
 */
async function converge(jenkins: JenkinsClient, path: string, actual: string, desired: string): Promise<void> {
    if (rootOf(actual) !== rootOf(desired)) {
        throw new Error(`Jenkins item "${path}" exists as <${rootOf(actual)}>, not <${rootOf(desired)}>: Jenkins cannot change an item's type in place; rename seed.jobName or remove that item`);
    }
    if (!sameJobConfig(actual, desired)) await jenkins.updateItemConfig(path, desired);
}

export const jenkinsJobProvider: pulumi.dynamic.ResourceProvider<ItemInputs, ItemOutputs> = {
    async create(i) {
        const jenkins = await jenkinsClient(i.jenkins);
        const outcome = await jenkins.createItem(i.path, i.configXml);
        if (outcome !== "created") {
            // An item of that name was there already ("exists"), or our retried POST had landed ("retried").
            const actual = await jenkins.getItemConfig(i.path);
            if (actual === undefined) await jenkins.createItem(i.path, i.configXml);
            else await converge(jenkins, i.path, actual, i.configXml);
        }
        return { id: i.path, outs: { ...i, adopted: outcome === "exists" } };
    },

    async read(id, props) {
        if (!props) return { id, props };
        const jenkins = await jenkinsClient(props.jenkins);
        const actual = await jenkins.getItemConfig(props.path);
        return actual === undefined ? {} : { id, props: { ...props, configXml: actual } };
    },

    async diff(_id, olds, news) {
        if (olds.path !== news.path) return { changes: true, replaces: ["path"] };
        if (hasUnknown(news) || !sameConn(olds.jenkins, news.jenkins)) return { changes: true };
        const jenkins = await jenkinsClient(news.jenkins);
        const actual = await jenkins.getItemConfig(news.path);
        return { changes: actual === undefined || !sameJobConfig(actual, news.configXml) };
    },

    async update(_id, olds, news) {
        const jenkins = await jenkinsClient(news.jenkins);
        const actual = await jenkins.getItemConfig(news.path);
        if (actual === undefined) await jenkins.createItem(news.path, news.configXml);
        else await converge(jenkins, news.path, actual, news.configXml);
        return { outs: { ...news, adopted: olds.adopted ?? false } };
    },

    async delete(_id, props) {
        if (props.adopted) {
            console.log(`seed: leaving Jenkins job ${props.path} in place: it existed before the seed (adopted), with its build history`);
            return;
        }
        const jenkins = await jenkinsClient(props.jenkins);
        await jenkins.deleteItem(props.path);
    },
};

export interface JenkinsItemArgs {
    readonly jenkins: JenkinsConnectionArgs;
    /** Slash-separated full name; its parent folders must exist. */
    readonly path: pulumi.Input<string>;
    readonly configXml: pulumi.Input<string>;
}

/** A Jenkins job from a config.xml; compared with the live job through parseJobConfigXml. */
export class JenkinsJob extends SeedResource {
    declare public readonly path: pulumi.Output<string>;

    constructor(name: string, args: JenkinsItemArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            seedProvider,
            "JenkinsJob",
            name,
            { jenkins: jenkinsConnInput(args.jenkins), path: args.path, configXml: args.configXml, adopted: undefined },
            withSecretOutputs(opts, ["jenkins"]),
        );
    }
}
