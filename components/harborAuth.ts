// The registry credential Kaniko pushes with: a kubernetes.io/dockerconfigjson Secret in the agents
// namespace. Kaniko reads $DOCKER_CONFIG/config.json (default /kaniko/.docker), but the Secret's key
// is `.dockerconfigjson`, so the Pod mounts it with `items` renaming the key — see
// kanikoDockerConfigVolume.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "./namespaces";

export interface HarborAuthArgs {
    /** Namespace of the agent Pods that mount the Secret. Default: none, required. */
    readonly namespace: pulumi.Input<string>;
    /** Registry as host[:port], no scheme: the key under `auths`. Default: none, required. */
    readonly server: pulumi.Input<string>;
    /** Harbor user or robot account (`robot$project+name`). Default: none, required. */
    readonly username: pulumi.Input<string>;
    /** Password or robot token; kept secret all the way into the Secret. Default: none, required. */
    readonly password: pulumi.Input<string>;
    /** Name of the Secret, referenced by the agent pod template. Default: "harbor-auth". */
    readonly secretName?: pulumi.Input<string>;
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

/** The registry push credential as a kubernetes.io/dockerconfigjson Secret. */
export class HarborAuth extends pulumi.ComponentResource {
    /** Name of the Secret; resolves once it exists. Not secret: only the data is. */
    public readonly secretName: pulumi.Output<string>;

    constructor(name: string, args: HarborAuthArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cistack:platform:HarborAuth", name, {}, opts);
        if (typeof args.server === "string") {
            const p = registryServerProblem(args.server);
            if (p) throw new pulumi.ResourceError(`server: "${args.server}" ${p}`, this);
        }
        if (typeof args.username === "string" && (args.username.length === 0 || args.username.includes(":"))) {
            throw new pulumi.ResourceError("username: must be non-empty and contain no ':' (Basic auth splits at the first colon)", this);
        }

        const encoded = dockerConfigJsonBase64(args.server, args.username, args.password);
        const secret = new k8s.core.v1.Secret(
            `${name}-dockerconfig`,
            harborAuthSecretManifest({ name: args.secretName ?? DEFAULT_REGISTRY_SECRET_NAME, namespace: args.namespace, dockerConfigJsonBase64: encoded }),
            { parent: this },
        );

        this.secretName = secret.metadata.name;
        this.registerOutputs({ secretName: this.secretName });
    }
}
