// The registry credential Kaniko pushes with: a kubernetes.io/dockerconfigjson Secret in the agents
// namespace. Kaniko reads $DOCKER_CONFIG/config.json (default /kaniko/.docker), but the Secret's key
// is `.dockerconfigjson`, so the Pod mounts it with `items` renaming the key — see
// kanikoDockerConfigVolume.
//
// Least privilege (issue #13): the Secret holds a project-level Harbor robot account with push and
// pull on the one project, never the user the stack manages Harbor with. By default the component
// creates that robot through Harbor's API (HarborProject + HarborRobot, with registry.username /
// registry.password, which stay with Pulumi); with a pre-made robot (registry.robotSecret) it makes
// no Harbor call at all.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { HarborProject, HarborRobot } from "./seed/providers";
import { OWNED_SECRET_ANNOTATIONS, PART_OF } from "./namespaces";

/** The robot the stack creates and keeps, through Harbor's API. */
export interface ManagedRobot {
    readonly kind: "managed";
    /** Harbor's base URL, e.g. http://10.0.24.28:30002 (harborApiUrl). */
    readonly apiUrl: pulumi.Input<string>;
    /** The Harbor user the stack manages the project and robot with: never mounted into a Pod. */
    readonly manager: { readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> };
    /** Project the robot may push to and pull from (ensured to exist). */
    readonly project: pulumi.Input<string>;
    /** Short robot name; Harbor calls it `robot$<project>+<name>`. */
    readonly robotName: pulumi.Input<string>;
    /** Bump to issue the robot a new secret. Default: 0. */
    readonly rotation?: pulumi.Input<number>;
    /** Bound on the wait for Harbor before the first call, in ms. Default: 300000. */
    readonly readyTimeoutMs?: number;
}

/** A robot made outside the stack: its full name and secret go into the Secret as they are. */
export interface PremadeRobot {
    readonly kind: "premade";
    /** Full robot name, e.g. `robot$bootcamp+ci`. */
    readonly username: pulumi.Input<string>;
    readonly password: pulumi.Input<string>;
}

export interface HarborAuthArgs {
    /** Namespace of the agent Pods that mount the Secret. Default: none, required. */
    readonly namespace: pulumi.Input<string>;
    /** Registry as host[:port], no scheme: the key under `auths`. Default: none, required. */
    readonly server: pulumi.Input<string>;
    /** Whom the pipeline pushes as. Default: none, required. */
    readonly account: ManagedRobot | PremadeRobot;
    /** Name of the Secret, referenced by the agent pod template. Default: "harbor-auth". */
    readonly secretName?: pulumi.Input<string>;
}

/** The repository actions Kaniko needs: push the image and its cache layers, pull the cache and base layers. */
export const PIPELINE_ROBOT_ACCESS = [
    { resource: "repository", action: "push" },
    { resource: "repository", action: "pull" },
] as const;

/** Harbor's API base URL from registry.server: plain HTTP only for an insecure registry. */
export function harborApiUrl(server: string, insecure: boolean): string {
    return `${insecure ? "http" : "https"}://${server}`;
}

/** Pure: the account HarborAuth uses, from the validated `registry.*` config. */
export function harborAccount(r: StackConfig["registry"]): ManagedRobot | PremadeRobot {
    if (r.robotSecret) return { kind: "premade", username: r.robotName, password: r.robotSecret };
    if (!r.password) throw new Error("registry.password: required to manage the robot account (or set registry.robotSecret)");
    return {
        kind: "managed",
        apiUrl: harborApiUrl(r.server, r.insecure),
        manager: { username: r.username, password: r.password },
        project: r.project,
        robotName: r.robotName,
        rotation: r.robotRotation,
    };
}

export const DEFAULT_REGISTRY_SECRET_NAME = "harbor-auth";
export const DOCKER_CONFIG_KEY = ".dockerconfigjson";
/** Where the Kaniko executor image looks for config.json (its DOCKER_CONFIG). */
export const KANIKO_DOCKER_CONFIG_DIR = "/kaniko/.docker";

/** Why `server` cannot be a docker config key, or undefined when it can. */
export function registryServerProblem(server: string): string | undefined {
    if (server.length === 0) return "must not be empty";
    // Kaniko (go-containerregistry) matches credentials by registry host; "https://h/" or "h/project"
    // keys never match an image reference like h/project/app:tag, and the push fails with 401.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) return "must be host[:port] without a scheme";
    if (server.includes("/")) return "must be host[:port] without a path";
    return undefined;
}

/**
 * Pure: the `.dockerconfigjson` document, `{"auths": {"<host:port>": {username, password, auth}}}`
 * with `auth` = base64("user:password"). Throws on a username with ':' (Basic auth splits at the
 * first colon, so the registry would see another user) or a server with a scheme or path.
 */
export function dockerConfigJson(server: string, username: string, password: string): string {
    const p = registryServerProblem(server);
    if (p) throw new Error(`registry server "${server}" ${p}`);
    if (username.length === 0 || username.includes(":")) throw new Error("registry username must be non-empty and contain no ':'");
    const auth = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
    return JSON.stringify({ auths: { [server]: { username, password, auth } } });
}

/**
 * The base64 `.dockerconfigjson`, derived inside the Output chain and marked secret even when the
 * password arrives as a plain string (the Secret resource also marks its whole `data` secret, but
 * this Output must not depend on who consumes it).
 */
export function dockerConfigJsonBase64(server: pulumi.Input<string>, username: pulumi.Input<string>, password: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.all([server, username, password]).apply(([s, u, p]) => Buffer.from(dockerConfigJson(s, u, p), "utf8").toString("base64")),
    );
}

/** Pure: the Secret manifest; `dockerConfigJsonBase64` is the document already base64-encoded. */
export function harborAuthSecretManifest(s: { name: pulumi.Input<string>; namespace: pulumi.Input<string>; dockerConfigJsonBase64: pulumi.Input<string> }) {
    return {
        apiVersion: "v1" as const,
        kind: "Secret" as const,
        metadata: {
            name: s.name,
            namespace: s.namespace,
            labels: { "app.kubernetes.io/name": "harbor-auth", "app.kubernetes.io/part-of": PART_OF },
            annotations: { ...OWNED_SECRET_ANNOTATIONS },
        },
        type: "kubernetes.io/dockerconfigjson",
        data: { [DOCKER_CONFIG_KEY]: s.dockerConfigJsonBase64 },
    };
}

/**
 * Pure: the Pod volume for the Kaniko container. `items` renames `.dockerconfigjson` to
 * `config.json`; without it Kaniko finds no config.json under /kaniko/.docker and pushes
 * anonymously (401 from Harbor). Mount it read-only at KANIKO_DOCKER_CONFIG_DIR.
 */
export function kanikoDockerConfigVolume(secretName: string, volumeName = "docker-config") {
    return {
        name: volumeName,
        secret: { secretName, items: [{ key: DOCKER_CONFIG_KEY, path: "config.json" }] },
    };
}

/** The registry push credential as a kubernetes.io/dockerconfigjson Secret, holding a robot account. */
export class HarborAuth extends pulumi.ComponentResource {
    /** Name of the Secret; resolves once it exists. Not secret: only the data is. */
    public readonly secretName: pulumi.Output<string>;
    /** The robot's full name, what the pipeline logs in to Harbor as. Not secret. */
    public readonly robotName: pulumi.Output<string>;
    /** The robot resource when the stack manages it (undefined with a pre-made robot). */
    public readonly robot?: HarborRobot;
    /** The project resource when the stack manages the robot (other robots of the project need its id). */
    public readonly project?: HarborProject;

    constructor(name: string, args: HarborAuthArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cistack:platform:HarborAuth", name, {}, opts);
        if (typeof args.server === "string") {
            const p = registryServerProblem(args.server);
            if (p) throw new pulumi.ResourceError(`server: "${args.server}" ${p}`, this);
        }
        const a = args.account;
        if (a.kind === "premade" && typeof a.username === "string" && (a.username.length === 0 || a.username.includes(":"))) {
            throw new pulumi.ResourceError("account.username: must be non-empty and contain no ':' (Basic auth splits at the first colon)", this);
        }

        let username: pulumi.Input<string>;
        let password: pulumi.Input<string>;
        if (a.kind === "managed") {
            const harbor = {
                url: a.apiUrl,
                username: a.manager.username,
                password: a.manager.password,
                ...(a.readyTimeoutMs !== undefined ? { readyTimeoutMs: a.readyTimeoutMs } : {}),
            };
            const project = new HarborProject(`${name}-project`, { harbor, name: a.project }, { parent: this });
            this.project = project;
            this.robot = new HarborRobot(
                `${name}-robot`,
                {
                    harbor,
                    project: project.name,
                    projectId: project.projectId,
                    name: a.robotName,
                    description: "Kaniko pushes of the ci-stack pipeline (managed by Pulumi; rotate with registry.robotRotation)",
                    access: PIPELINE_ROBOT_ACCESS,
                    rotation: a.rotation ?? 0,
                },
                { parent: this },
            );
            username = this.robot.fullName;
            password = this.robot.secret;
        } else {
            username = a.username;
            password = a.password;
        }

        const encoded = dockerConfigJsonBase64(args.server, username, password);
        const secret = new k8s.core.v1.Secret(
            `${name}-dockerconfig`,
            harborAuthSecretManifest({ name: args.secretName ?? DEFAULT_REGISTRY_SECRET_NAME, namespace: args.namespace, dockerConfigJsonBase64: encoded }),
            { parent: this },
        );

        this.secretName = secret.metadata.name;
        this.robotName = pulumi.output(username);
        this.registerOutputs({ secretName: this.secretName, robotName: this.robotName });
    }
}
