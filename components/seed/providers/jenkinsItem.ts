// JenkinsFolder and JenkinsJob: Jenkins items by config.xml, compared in canonical form.
import * as pulumi from "@pulumi/pulumi";
import { XMLParser } from "fast-xml-parser";
import { normalizeConfigXml, parseFolderConfigXml } from "../templates";
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
export type ItemOutputs = ItemInputs;

/** The description of an item or credential config.xml ("" when absent or unparsable). */
export function descriptionOf(xml: string): string {
    // Built per call: a module-level parser instance would be frozen into the serialized providers.
    const doc = new XMLParser({ ignoreAttributes: true, parseTagValue: false, ignoreDeclaration: true, trimValues: true }).parse(xml) as Record<string, unknown>;
    const root = Object.values(doc).find((v) => v !== null && typeof v === "object") as Record<string, unknown> | undefined;
    return typeof root?.description === "string" ? root.description : "";
}

// A folder's config.xml also holds Jenkins' own state (views, health metrics, and the folder
// credential store with every credential in it), so only what the seed sets is compared.
export function sameFolderConfig(actual: string, desired: string): boolean {
    try {
        return parseFolderConfigXml(actual).description === parseFolderConfigXml(desired).description;
    } catch {
        return false; // not a folder any more
    }
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

function itemProvider(same: (actual: string, desired: string) => boolean): pulumi.dynamic.ResourceProvider<ItemInputs, ItemOutputs> {
    return {
        async create(i) {
            const jenkins = await jenkinsClient(i.jenkins);
            if ((await jenkins.createItem(i.path, i.configXml)) === "exists") {
                // Adopt: an item of that name was there already (or our retried POST had landed).
                const actual = await jenkins.getItemConfig(i.path);
                if (actual === undefined || !same(actual, i.configXml)) await jenkins.updateItemConfig(i.path, i.configXml);
            }
            return { id: i.path, outs: { ...i } };
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
            return { changes: actual === undefined || !same(actual, news.configXml) };
        },

        async update(_id, _olds, news) {
            const jenkins = await jenkinsClient(news.jenkins);
            const actual = await jenkins.getItemConfig(news.path);
            if (actual === undefined) await jenkins.createItem(news.path, news.configXml);
            else if (!same(actual, news.configXml)) await jenkins.updateItemConfig(news.path, news.configXml);
            return { outs: { ...news } };
        },

        async delete(_id, props) {
            const jenkins = await jenkinsClient(props.jenkins);
            await jenkins.deleteItem(props.path);
        },
    };
}

export const jenkinsFolderProvider = itemProvider(sameFolderConfig);
export const jenkinsJobProvider = itemProvider(sameJobConfig);

export interface JenkinsItemArgs {
    readonly jenkins: JenkinsConnectionArgs;
    /** Slash-separated full name; its parent folders must exist. */
    readonly path: pulumi.Input<string>;
    readonly configXml: pulumi.Input<string>;
}

/** A Jenkins folder (cloudbees-folder); deleting it deletes what it holds. */
export class JenkinsFolder extends SeedResource {
    declare public readonly path: pulumi.Output<string>;

    constructor(name: string, args: JenkinsItemArgs, opts?: pulumi.CustomResourceOptions) {
        super(seedProvider, "JenkinsFolder", name, { jenkins: jenkinsConnInput(args.jenkins), path: args.path, configXml: args.configXml }, withSecretOutputs(opts, ["jenkins"]));
    }
}

/** A Jenkins job from a config.xml; compared with the live job through parseJobConfigXml. */
export class JenkinsJob extends SeedResource {
    declare public readonly path: pulumi.Output<string>;

    constructor(name: string, args: JenkinsItemArgs, opts?: pulumi.CustomResourceOptions) {
        super(seedProvider, "JenkinsJob", name, { jenkins: jenkinsConnInput(args.jenkins), path: args.path, configXml: args.configXml }, withSecretOutputs(opts, ["jenkins"]));
    }
}
