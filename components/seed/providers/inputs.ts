// Program-side helpers of the seed resources: how connection arguments become (secret) inputs.
// Kept apart from runtime.ts, which the serialized providers reach and which must not pull in the
// SDK (its module state holds the stack's config, secrets included).
import * as pulumi from "@pulumi/pulumi";

export function withSecretOutputs<T extends pulumi.CustomResourceOptions>(opts: T | undefined, names: string[]): T {
    return pulumi.mergeOptions(opts, { additionalSecretOutputs: names }) as T;
}

// Secret inputs reach the engine as secrets whatever the caller passed.
export function giteaConnInput(c: GiteaConnectionArgs): pulumi.Inputs {
    return { url: c.url, username: c.username, password: pulumi.secret(c.password), ...(c.readyTimeoutMs !== undefined ? { readyTimeoutMs: c.readyTimeoutMs } : {}) };
}

export interface GiteaConnectionArgs {
    /** Base URL reachable from where `pulumi up` runs (Gitea's external NodePort URL). */
    readonly url: pulumi.Input<string>;
    readonly username: pulumi.Input<string>;
    /** Made secret if it is not already. */
    readonly password: pulumi.Input<string>;
    /** Readiness wait bound in ms. Default: 300000. */
    readonly readyTimeoutMs?: pulumi.Input<number>;
}
export type JenkinsConnectionArgs = GiteaConnectionArgs;

export function jenkinsConnInput(c: JenkinsConnectionArgs): pulumi.Inputs {
    return giteaConnInput(c);
}

export type HarborConnectionArgs = GiteaConnectionArgs;

export function harborConnInput(c: HarborConnectionArgs): pulumi.Inputs {
    return giteaConnInput(c);
}
