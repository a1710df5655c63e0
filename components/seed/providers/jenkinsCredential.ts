// JenkinsCredential: a secret-text credential in a folder's credential store; state keeps a digest.
import * as pulumi from "@pulumi/pulumi";
import { XMLBuilder } from "fast-xml-parser";
import { hasUnknown, jenkinsClient, sameConn, secretDigest, type JenkinsConn } from "./runtime";
import { jenkinsConnInput, withSecretOutputs, type JenkinsConnectionArgs } from "./inputs";
import { descriptionOf } from "./jenkinsItem";
import { seedProvider } from "./dispatch";
import { SeedResource } from "./resource";

export interface CredentialInputs {
    readonly jenkins: JenkinsConn;
    /** Full name of the folder whose store holds the credential. */
    readonly folder: string;
    readonly credentialId: string;
    readonly description: string;
    readonly secret: string;
}
export interface CredentialOutputs extends Omit<CredentialInputs, "secret"> {
    /** Jenkins never returns a secret (it answers <secret-redacted/>): state keeps a digest instead. */
    readonly secretDigest: string;
}

const STRING_CREDENTIALS = "org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl";

/** The plain-credentials plugin's secret-text credential; escaping is the XML library's job. */
export function stringCredentialXml(c: { credentialId: string; description: string; secret: string }): string {
    const builder = new XMLBuilder({ format: true, indentBy: "  ", suppressEmptyNode: false });
    return builder.build({ [STRING_CREDENTIALS]: { scope: "GLOBAL", id: c.credentialId, description: c.description, secret: c.secret } });
}

function credentialOuts(i: CredentialInputs): CredentialOutputs {
    const { secret, ...rest } = i;
    return { ...rest, secretDigest: secretDigest(secret) };
}

export const jenkinsCredentialProvider: pulumi.dynamic.ResourceProvider<CredentialInputs, CredentialOutputs> = {
    async create(i) {
        const jenkins = await jenkinsClient(i.jenkins);
        const xml = stringCredentialXml(i);
        // 409: the id exists (adopted, or our retried POST landed). Its secret cannot be read back,
        // so overwrite it with the desired one.
        if ((await jenkins.createCredential(i.folder, xml)) === "exists") await jenkins.updateCredential(i.folder, i.credentialId, xml);
        return { id: `${i.folder}/${i.credentialId}`, outs: credentialOuts(i) };
    },

    async read(id, props) {
        if (!props) return { id, props };
        const jenkins = await jenkinsClient(props.jenkins);
        const actual = await jenkins.getCredentialConfig(props.folder, props.credentialId);
        return actual === undefined ? {} : { id, props: { ...props, description: descriptionOf(actual) } };
    },

    async diff(_id, olds, news) {
        const replaces = (["folder", "credentialId"] as const).filter((k) => olds[k] !== news[k]);
        if (replaces.length) return { changes: true, replaces: [...replaces] };
        if (hasUnknown(news) || !sameConn(olds.jenkins, news.jenkins) || olds.secretDigest !== secretDigest(news.secret)) return { changes: true };
        const jenkins = await jenkinsClient(news.jenkins);
        const actual = await jenkins.getCredentialConfig(news.folder, news.credentialId);
        return { changes: actual === undefined || descriptionOf(actual) !== news.description };
    },

    async update(_id, olds, news) {
        const jenkins = await jenkinsClient(news.jenkins);
        const xml = stringCredentialXml(news);
        const actual = await jenkins.getCredentialConfig(news.folder, news.credentialId);
        if (actual === undefined) {
            if ((await jenkins.createCredential(news.folder, xml)) === "exists") await jenkins.updateCredential(news.folder, news.credentialId, xml);
        } else if (olds.secretDigest !== secretDigest(news.secret) || descriptionOf(actual) !== news.description) {
            await jenkins.updateCredential(news.folder, news.credentialId, xml);
        }
        return { outs: credentialOuts(news) };
    },

    async delete(_id, props) {
        const jenkins = await jenkinsClient(props.jenkins);
        await jenkins.deleteCredential(props.folder, props.credentialId);
    },
};

export interface JenkinsCredentialArgs {
    readonly jenkins: JenkinsConnectionArgs;
    /** Folder whose credential store holds it (never the system store: JCasC replaces that on reload). */
    readonly folder: pulumi.Input<string>;
    readonly credentialId: pulumi.Input<string>;
    /** Default: "". */
    readonly description?: pulumi.Input<string>;
    /** The secret text; made secret. */
    readonly secret: pulumi.Input<string>;
}

/** A secret-text credential in a folder's credential store. */
export class JenkinsCredential extends SeedResource {
    declare public readonly credentialId: pulumi.Output<string>;
    declare public readonly folder: pulumi.Output<string>;

    constructor(name: string, args: JenkinsCredentialArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            seedProvider,
            "JenkinsCredential",
            name,
            {
                jenkins: jenkinsConnInput(args.jenkins),
                folder: args.folder,
                credentialId: args.credentialId,
                description: args.description ?? "",
                secret: pulumi.secret(args.secret),
                secretDigest: undefined,
            },
            withSecretOutputs(opts, ["jenkins", "secretDigest"]),
        );
    }
}
