// The typed, validated configuration the program receives from loadConfig().
import type * as pulumi from "@pulumi/pulumi";
import type { Toleration } from "./shapes";

export interface Resources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface StackConfig {
    readonly project: string;
    readonly nodeAddress: string;
    readonly storage: {
        readonly className: string;
        readonly workspaceSize: string;
        readonly cacheSize: string;
        readonly retainOnDelete: boolean;
        readonly protect: boolean;
    };
    readonly registry: {
        readonly server: string;
        readonly project: string;
        /** Harbor user the stack manages the project and robot with (never mounted into a Pod). */
        readonly username: string;
        /** undefined: a pre-made robot (robotSecret) is used and Harbor is never called. */
        readonly password?: pulumi.Output<string>;
        readonly insecure: boolean;
        readonly secretName: string;
        /** Short name of the robot the stack creates, or the full name of a pre-made one. */
        readonly robotName: string;
        /** Secret of a pre-made robot; undefined: the stack creates and manages the robot. */
        readonly robotSecret?: pulumi.Output<string>;
        /** Bumped to issue the stack's robot a new secret. */
        readonly robotRotation: number;
    };
    readonly images: {
        readonly kaniko: string;
        readonly agent: string;
        readonly build: string;
        /** The gitea chart's postgresql sub-chart image. */
        readonly postgresql: string;
        /** The gitea chart's valkey sub-chart image. */
        readonly valkey: string;
    };
    readonly gitea: {
        readonly namespace: string;
        readonly chart: { readonly repo: string; readonly version: string };
        readonly nodePort: number;
        /** undefined: SSH disabled. */
        readonly sshNodePort?: number;
        readonly storageSize: string;
        readonly adminUsername: string;
        /** undefined: generate one. */
        readonly adminPassword?: pulumi.Output<string>;
        /** The pipeline's own (non-admin) user; Jenkins holds its token. */
        readonly botUsername: string;
        /** Bumped to re-issue the bot's token. */
        readonly botTokenRotation: number;
        readonly postgresql: boolean;
        readonly valkey: boolean;
        readonly resources: Resources;
    };
    readonly jenkins: {
        readonly namespace: string;
        readonly chart: { readonly repo: string; readonly version: string };
        readonly nodePort: number;
        readonly storageSize: string;
        readonly adminUsername: string;
        readonly adminPassword?: pulumi.Output<string>;
        readonly tolerations: readonly Toleration[];
        readonly additionalPlugins: readonly string[];
        readonly installPlugins: readonly string[];
        readonly resources: Resources;
    };
    readonly agents: { readonly namespace: string; readonly resources: Resources };
    readonly kyverno: {
        readonly namespace: string;
        readonly exceptionNamespace: string;
        readonly systemNamespaces: readonly string[];
        readonly policyType: "ClusterPolicy" | "ValidatingPolicy";
    };
    readonly seed: {
        readonly enabled: boolean;
        readonly appRepo: string;
        readonly deployRepo: string;
        readonly jobName: string;
        /** Jenkins folder the job lives in (job path `<folder>/<jobName>`). */
        readonly folder: string;
        readonly branch: string;
        readonly imageName: string;
        readonly privateRepos: boolean;
        readonly deleteReposOnDestroy: boolean;
    };
    readonly smoke: {
        readonly enabled: boolean;
        readonly timeoutSeconds: number;
    };
}

