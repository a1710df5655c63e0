// JenkinsFolder: a cloudbees folder the seed's job and credential live in. Never written through its
// config.xml once it exists: Jenkins replaces an item from a posted config.xml with null-out semantics
// (core AbstractItem.updateByXml), and a folder's credential store, views and properties are in it.
//
// - The description is the folder's primary view description, set with POST …/submitDescription
//   (what a folder's submitDescription changes: cloudbees-folder AbstractFolder.doSubmitDescription
//   delegates to View.doSubmitDescription) — the "Edit description" text on the folder's page.
// - Adopted (it existed before the seed): kept as it is — its description is its owner's — and
//   never deleted on destroy.
// - Created by the seed: deleted on destroy only when it is empty then (the seed's job and
//   credential are deleted before it); anything else in it was put there by someone else, so the
//   folder is left in place and the log says what holds it.
// State keeps the description and `adopted`, never the folder's config.xml (since Jenkins 2.568 it
// carries the folder's credentials as encrypted blobs).
import * as pulumi from "@pulumi/pulumi";
import type { JenkinsClient } from "../jenkinsClient";
import { folderConfigXml } from "../templates";
import { hasUnknown, jenkinsClient, sameConn, type JenkinsConn } from "./runtime";
import { jenkinsConnInput, withSecretOutputs, type JenkinsConnectionArgs } from "./inputs";
import { seedProvider } from "./dispatch";
import { SeedResource } from "./resource";

export const FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder";

export interface FolderInputs {
    readonly jenkins: JenkinsConn;
    /** Slash-separated full name, e.g. "ci". */
    readonly path: string;
    /** Shown on the folder's page (its primary view's description). */
    readonly description: string;
}
export interface FolderOutputs extends FolderInputs {
    /** The folder existed before the seed: it is never changed or deleted by it. */
    readonly adopted: boolean;
}

/** The folder as Jenkins has it; an error when the name is taken by something that is not a folder. */
async function folderAt(jenkins: JenkinsClient, path: string) {
    const item = await jenkins.getItem(path);
    if (item && item.className !== FOLDER_CLASS) {
        throw new Error(`Jenkins item "${path}" is a ${item.className}, not a folder (${FOLDER_CLASS}); Jenkins cannot change an item's type in place — rename seed.folder or remove that item`);
    }
    return item;
}

/** Creates the folder; "adopted" when one of that name was there already. */
async function ensureFolder(jenkins: JenkinsClient, i: FolderInputs): Promise<{ adopted: boolean; description: string }> {
    const outcome = await jenkins.createItem(i.path, folderConfigXml(""));
    if (outcome === "created") {
        await jenkins.submitDescription(i.path, i.description);
        return { adopted: false, description: i.description };
    }
    const item = await folderAt(jenkins, i.path);
    if (!item) throw new Error(`Jenkins folder "${i.path}": createItem said it exists, but it cannot be read`);
    // "retried": our own earlier attempt most likely made it — converge it as ours.
    if (outcome === "retried") {
        if (item.viewDescription !== i.description) await jenkins.submitDescription(i.path, i.description);
        return { adopted: false, description: i.description };
    }
    return { adopted: true, description: item.viewDescription ?? "" };
}

export const jenkinsFolderProvider: pulumi.dynamic.ResourceProvider<FolderInputs, FolderOutputs> = {
    async create(i) {
        const jenkins = await jenkinsClient(i.jenkins);
        const { adopted } = await ensureFolder(jenkins, i);
        if (adopted) console.log(`seed: adopting the existing Jenkins folder ${i.path}: the seed adds its job and credential, changes nothing else in it and never deletes it`);
        return { id: i.path, outs: { ...i, adopted } };
    },

    async read(id, props) {
        if (!props) return { id, props };
        const jenkins = await jenkinsClient(props.jenkins);
        const item = await jenkins.getItem(props.path);
        if (!item || item.className !== FOLDER_CLASS) return {};
        return { id, props: { ...props, description: item.viewDescription ?? "" } };
    },

    async diff(_id, olds, news) {
        if (olds.path !== news.path) return { changes: true, replaces: ["path"] };
        if (hasUnknown(news) || !sameConn(olds.jenkins, news.jenkins)) return { changes: true };
        const jenkins = await jenkinsClient(news.jenkins);
        const item = await jenkins.getItem(news.path);
        if (!item || item.className !== FOLDER_CLASS) return { changes: true };
        // An adopted folder is its owner's: the seed converges its existence only.
        return { changes: !olds.adopted && item.viewDescription !== news.description };
    },

    async update(_id, olds, news) {
        const jenkins = await jenkinsClient(news.jenkins);
        const item = await folderAt(jenkins, news.path);
        if (!item) {
            // Deleted by hand since the last run: made again, by the seed.
            const { adopted } = await ensureFolder(jenkins, news);
            return { outs: { ...news, adopted } };
        }
        const adopted = olds.adopted ?? false;
        if (!adopted && item.viewDescription !== news.description) await jenkins.submitDescription(news.path, news.description);
        return { outs: { ...news, adopted } };
    },

    async delete(_id, props) {
        if (props.adopted) {
            console.log(`seed: leaving Jenkins folder ${props.path} in place: it existed before the seed (adopted)`);
            return;
        }
        const jenkins = await jenkinsClient(props.jenkins);
        const item = await jenkins.getItem(props.path);
        if (!item) return;
        if (item.className !== FOLDER_CLASS) {
            console.log(`seed: leaving Jenkins item ${props.path} in place: it is a ${item.className} now, not the seed's folder`);
            return;
        }
        // The seed's own job and credential are deleted before the folder (they depend on it).
        const jobs = item.jobs ?? [];
        const credentials = await jenkins.listCredentialIds(props.path);
        if (jobs.length > 0 || credentials.length > 0) {
            const held = [...(jobs.length ? [`items ${jobs.join(", ")}`] : []), ...(credentials.length ? [`credentials ${credentials.join(", ")}`] : [])].join(" and ");
            console.log(`seed: leaving Jenkins folder ${props.path} in place: it holds ${held}, which the seed did not create; delete the folder in Jenkins if they are no longer needed`);
            return;
        }
        await jenkins.deleteItem(props.path);
    },
};

export interface JenkinsFolderArgs {
    readonly jenkins: JenkinsConnectionArgs;
    /** Slash-separated full name; its parent folders must exist. */
    readonly path: pulumi.Input<string>;
    /** Shown on the folder's page. Default: "". */
    readonly description?: pulumi.Input<string>;
}

/** A Jenkins folder (cloudbees-folder); never rewritten by config.xml, never deleted with items the seed did not create. */
export class JenkinsFolder extends SeedResource {
    declare public readonly path: pulumi.Output<string>;
    declare public readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: JenkinsFolderArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            seedProvider,
            "JenkinsFolder",
            name,
            { jenkins: jenkinsConnInput(args.jenkins), path: args.path, description: args.description ?? "", adopted: undefined },
            withSecretOutputs(opts, ["jenkins"]),
        );
    }
}
