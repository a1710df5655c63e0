// The one place stack configuration is read. Every key is declared once in CONFIG_KEYS (type,
// default, description, secret flag, validation); Pulumi.yaml's `config:` block and README's
// reference table are checked against this table by test/config.test.ts, so they cannot drift.
//
// zod v4 rather than v3: its issues carry exact paths and codes we turn into key-named messages,
// `z.prettifyError`-style reporting is built in, and v3 is in maintenance only.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Pulumi project-level config types (Pulumi.yaml `config:` only knows these). */
export type ConfigType = "string" | "integer" | "boolean" | "array";

export interface KeyDef<S extends z.ZodType = z.ZodType> {
    readonly type: ConfigType;
    readonly description: string;
    /** Default applied when the key is unset; absent means the key is required. */
    readonly default?: string | number | boolean | readonly string[];
    /** Optional keys with no default (secrets that fall back to a generated value). */
    readonly optional?: boolean;
    readonly secret?: boolean;
    /** Validation of the already-coerced value. */
    readonly schema: S;
}

// ---------------------------------------------------------------------------------------------
// Value shapes

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource): sign, number, suffix.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const HOST = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*)$/;
const PLUGIN = /^[A-Za-z0-9][A-Za-z0-9._-]*(:[A-Za-z0-9][A-Za-z0-9._+-]*)?$/;
const SEMVER = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;
// A taint key: optional DNS subdomain prefix, then a name segment (RKE2/kubectl syntax).
const TAINT_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

const dnsLabel = z
    .string()
    .max(63, "must be at most 63 characters (DNS-1123 label)")
    .regex(DNS1123_LABEL, "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending alphanumeric");

const dnsSubdomain = z
    .string()
    .max(253, "must be at most 253 characters (DNS-1123 subdomain)")
    .regex(DNS1123_SUBDOMAIN, "must be a DNS-1123 subdomain: lower-case alphanumerics, '-' and '.'");

const quantity = z.string().regex(QUANTITY, "must be a Kubernetes quantity such as 500m, 1, 512Mi or 10Gi");

const nodePort = z
    .number()
    .int("must be an integer")
    .min(30000, "must be a NodePort in 30000-32767 (the API server's default service-node-port-range)")
    .max(32767, "must be a NodePort in 30000-32767 (the API server's default service-node-port-range)");

const host = z.string().regex(HOST, "must be a host name or IP address");

const hostPort = z.string().refine((s) => {
    const m = /^(.*?)(?::(\d{1,5}))?$/.exec(s);
    if (!m || !HOST.test(m[1]!)) return false;
    return m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535);
}, "must be host[:port] with no scheme or path, e.g. 10.0.24.28:30002");

const chartRepo = z.string().refine((s) => {
    if (s.startsWith("oci://")) return s.length > "oci://".length;
    try {
        const u = new URL(s);
        return u.protocol === "https:" || u.protocol === "http:";
    } catch {
        return false;
    }
}, "must be an http(s):// or oci:// chart repository URL");

const chartVersion = z.string().regex(SEMVER, "must be an exact chart version such as 5.9.53 (no ranges: upgrades are deliberate)");

/**
 * An image reference with an explicit tag or digest that is not `latest` — the same rule the
 * disallow-latest-tag policy enforces in the cluster, applied before anything is deployed.
 */
export function imageProblem(ref: string): string | undefined {
    if (ref.trim() !== ref || ref.length === 0 || /\s/.test(ref)) return "must be an image reference without spaces";
    if (ref.includes("@sha256:")) return /@sha256:[0-9a-f]{64}$/.test(ref) ? undefined : "has a malformed sha256 digest";
    const lastSlash = ref.lastIndexOf("/");
    const colon = ref.indexOf(":", lastSlash + 1);
    if (colon < 0) return "must carry an explicit tag or digest (an untagged image means :latest)";
    const tag = ref.slice(colon + 1);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return `has an invalid tag "${tag}"`;
    if (tag === "latest") return "must not use the :latest tag (pin a version)";
    return undefined;
}

const image = z.string().superRefine((s, ctx) => {
    const p = imageProblem(s);
    if (p) ctx.addIssue({ code: "custom", message: p });
});

export interface Toleration {
    readonly key?: string;
    readonly operator: "Exists" | "Equal";
    readonly value?: string;
    readonly effect?: (typeof EFFECTS)[number];
}

/**
 * Tolerations use the taint syntax of `kubectl taint` and RKE2's `node-taint`, because Pulumi's
 * project config can declare arrays of strings but not of objects:
 * `*` (tolerate every taint, the seed's `operator: Exists`), `*:NoSchedule`, `key`, `key:Effect`,
 * `key=value:Effect`.
 */
export function parseToleration(s: string): Toleration | string {
    const m = /^([^=:]+)(?:=([^:]*))?(?::(.+))?$/.exec(s);
    if (!m) return `"${s}" is not a toleration (use *, key, key:Effect or key=value:Effect)`;
    const [, key, value, effect] = m as unknown as [string, string, string | undefined, string | undefined];
    if (effect !== undefined && !(EFFECTS as readonly string[]).includes(effect)) {
        return `"${s}": effect must be one of ${EFFECTS.join(", ")}`;
    }
    const eff = effect as Toleration["effect"];
    if (key === "*") {
        if (value !== undefined) return `"${s}": a wildcard toleration cannot carry a value`;
        return { operator: "Exists", ...(eff ? { effect: eff } : {}) };
    }
    if (!TAINT_KEY.test(key) || key.length > 316) return `"${s}": "${key}" is not a valid taint key`;
    if (value === undefined) return { key, operator: "Exists", ...(eff ? { effect: eff } : {}) };
    if (!LABEL_VALUE.test(value) || value.length > 63) return `"${s}": "${value}" is not a valid taint value`;
    return { key, operator: "Equal", value, ...(eff ? { effect: eff } : {}) };
}

const toleration = z.string().transform((s, ctx) => {
    const t = parseToleration(s);
    if (typeof t === "string") {
        ctx.addIssue({ code: "custom", message: t });
        return z.NEVER;
    }
    return t;
});

// The jenkins chart's own plugin set (controller.installPlugins in chart 5.9.53). Pinning one of
// these alone breaks the chart's tested dependency closure ("unresolvable dependencies" at boot).
export const CHART_CORE_PLUGINS = ["kubernetes", "workflow-aggregator", "git", "configuration-as-code"] as const;

const plugin = z.string().regex(PLUGIN, "must be a plugin id, optionally pinned as id:version");

const uniqueStrings = <T extends z.ZodType<string>>(item: T) =>
    z.array(item).superRefine((xs, ctx) => {
        const seen = new Set<string>();
        xs.forEach((x, i) => {
            if (seen.has(x)) ctx.addIssue({ code: "custom", path: [i], message: `duplicate entry "${x}"` });
            seen.add(x);
        });
    });

// ---------------------------------------------------------------------------------------------
// The key table. Key names are `<area>.<name>`; the full key is `<project>:<area>.<name>`.

const def = <S extends z.ZodType>(d: KeyDef<S>): KeyDef<S> => d;

export const CONFIG_KEYS = {
    nodeAddress: def({
        type: "string",
        description: "Address (IP or DNS name) of a cluster node, used to build the external NodePort URLs.",
        schema: host,
    }),

    "storage.className": def({
        type: "string",
        description: "StorageClass for every PVC (Longhorn; RWX volumes need an NFSv4 client on each node).",
        default: "longhorn",
        schema: dnsSubdomain,
    }),
    "storage.workspaceSize": def({
        type: "string",
        description: "Size of the shared RWX workspace PVC that agent Pods on any node mount.",
        default: "10Gi",
        schema: quantity,
    }),
    "storage.cacheSize": def({
        type: "string",
        description: "Size of the shared RWX build cache PVC (Maven repository).",
        default: "10Gi",
        schema: quantity,
    }),
    "storage.retainOnDelete": def({
        type: "boolean",
        description: "Keep data volumes (PVCs, Helm releases holding data) in the cluster on `pulumi destroy`.",
        default: true,
        schema: z.boolean(),
    }),
    "storage.protect": def({
        type: "boolean",
        description: "Mark data volumes `protect` so an accidental replacement or destroy stops instead of deleting data.",
        default: true,
        schema: z.boolean(),
    }),

    "registry.server": def({
        type: "string",
        description: "Harbor registry as host[:port], no scheme (the dockerconfigjson key and image prefix).",
        schema: hostPort,
    }),
    "registry.project": def({
        type: "string",
        description: "Harbor project images are pushed to.",
        default: "bootcamp",
        schema: dnsLabel,
    }),
    "registry.username": def({
        type: "string",
        description: "Harbor user (or robot account) that pushes images.",
        default: "admin",
        schema: z.string().min(1, "must not be empty"),
    }),
    "registry.password": def({
        type: "string",
        description: "Password or robot token for registry.username.",
        secret: true,
        schema: z.string().min(1, "must not be empty"),
    }),
    "registry.insecure": def({
        type: "boolean",
        description: "The registry speaks plain HTTP (Kaniko gets --insecure/--skip-tls-verify flags only then).",
        default: false,
        schema: z.boolean(),
    }),
    "registry.secretName": def({
        type: "string",
        description: "Name of the kubernetes.io/dockerconfigjson Secret Kaniko mounts.",
        default: "harbor-auth",
        schema: dnsSubdomain,
    }),

    "images.kaniko": def({
        type: "string",
        description: "Kaniko executor image; must be a :debug variant (the agent keeps it alive with /busybox/cat).",
        default: "gcr.io/kaniko-project/executor:v1.23.2-debug",
        schema: image.refine((s) => /debug/.test(s.split("@")[0]!.split("/").pop()!), {
            message: "must be a debug image (tag containing 'debug'): the pipeline runs /busybox/cat in it",
        }),
    }),
    "images.agent": def({
        type: "string",
        description: "Jenkins inbound agent (jnlp) image.",
        default: "jenkins/inbound-agent:3385.vf1123fb_515da_-1",
        schema: image,
    }),
    "images.build": def({
        type: "string",
        description: "Build container image for the sample app (Maven + JDK).",
        default: "maven:3.9.11-eclipse-temurin-21",
        schema: image,
    }),

    "gitea.namespace": def({ type: "string", description: "Namespace for Gitea.", default: "gitea", schema: dnsLabel }),
    "gitea.chartRepo": def({
        type: "string",
        description: "Helm repository of the gitea chart (point at a mirror for air-gapped clusters).",
        default: "https://dl.gitea.com/charts/",
        schema: chartRepo,
    }),
    "gitea.chartVersion": def({
        type: "string",
        description: "Exact gitea chart version.",
        default: "12.4.0",
        schema: chartVersion,
    }),
    "gitea.nodePort": def({
        type: "integer",
        description: "NodePort of Gitea's HTTP service (external clone/push URL).",
        default: 30022,
        schema: nodePort,
    }),
    "gitea.sshNodePort": def({
        type: "integer",
        description: "NodePort for Gitea SSH; 0 disables SSH (the node's own sshd owns port 22).",
        default: 0,
        schema: z
            .number()
            .int("must be an integer")
            .refine((n) => n === 0 || (n >= 30000 && n <= 32767), "must be 0 (SSH off) or a NodePort in 30000-32767"),
    }),
    "gitea.storageSize": def({
        type: "string",
        description: "Size of Gitea's data PVC.",
        default: "5Gi",
        schema: quantity,
    }),
    "gitea.adminUsername": def({
        type: "string",
        description: "Gitea admin user (the chart refuses 'admin').",
        default: "gitea-admin",
        schema: z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, "must be a Gitea user name: letters, digits, '-', '_', '.'")
            .refine((s) => s.toLowerCase() !== "admin", "must not be 'admin': the gitea chart reserves it and fails the install"),
    }),
    "gitea.adminPassword": def({
        type: "string",
        description: "Gitea admin password; generated with @pulumi/random when unset.",
        secret: true,
        optional: true,
        schema: z.string().min(8, "must be at least 8 characters (Gitea's MIN_PASSWORD_LENGTH)"),
    }),
    "gitea.postgresql": def({
        type: "boolean",
        description: "Run the single-node postgresql sub-chart (the HA postgresql-ha is always off).",
        default: true,
        schema: z.boolean(),
    }),
    "gitea.valkey": def({
        type: "boolean",
        description: "Run the single-node valkey sub-chart (the valkey-cluster is always off).",
        default: true,
        schema: z.boolean(),
    }),
    "gitea.cpuRequest": def({ type: "string", description: "Gitea container CPU request.", default: "100m", schema: quantity }),
    "gitea.memoryRequest": def({ type: "string", description: "Gitea container memory request.", default: "256Mi", schema: quantity }),
    "gitea.cpuLimit": def({ type: "string", description: "Gitea container CPU limit.", default: "1", schema: quantity }),
    "gitea.memoryLimit": def({ type: "string", description: "Gitea container memory limit.", default: "1Gi", schema: quantity }),

    "jenkins.namespace": def({ type: "string", description: "Namespace for the Jenkins controller.", default: "jenkins", schema: dnsLabel }),
    "jenkins.chartRepo": def({
        type: "string",
        description: "Helm repository of the jenkins chart.",
        default: "https://charts.jenkins.io",
        schema: chartRepo,
    }),
    "jenkins.chartVersion": def({
        type: "string",
        description: "Exact jenkins chart version (5.9.x is what the values are checked against).",
        default: "5.9.53",
        schema: chartVersion,
    }),
    "jenkins.nodePort": def({
        type: "integer",
        description: "NodePort of the Jenkins UI/API service.",
        default: 30808,
        schema: nodePort,
    }),
    "jenkins.storageSize": def({
        type: "string",
        description: "Size of JENKINS_HOME's PVC.",
        default: "10Gi",
        schema: quantity,
    }),
    "jenkins.adminUsername": def({
        type: "string",
        description: "Jenkins admin user.",
        default: "admin",
        schema: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be letters, digits, '-' or '_'"),
    }),
    "jenkins.adminPassword": def({
        type: "string",
        description: "Jenkins admin password; generated with @pulumi/random when unset.",
        secret: true,
        optional: true,
        schema: z.string().min(8, "must be at least 8 characters"),
    }),
    "jenkins.tolerations": def({
        type: "array",
        description: "Controller tolerations in taint syntax: *, key, key:Effect or key=value:Effect.",
        default: [],
        schema: z.array(toleration),
    }),
    "jenkins.additionalPlugins": def({
        type: "array",
        description: "Plugins added to the chart's tested set (ids; a pin of a chart plugin is rejected).",
        default: [],
        schema: uniqueStrings(plugin),
    }),
    "jenkins.installPlugins": def({
        type: "array",
        description: "Replace the chart's plugin set with a whole pinned set (every entry id:version); empty keeps the chart's.",
        default: [],
        schema: uniqueStrings(plugin),
    }),
    "jenkins.cpuRequest": def({ type: "string", description: "Jenkins controller CPU request.", default: "500m", schema: quantity }),
    "jenkins.memoryRequest": def({ type: "string", description: "Jenkins controller memory request.", default: "1Gi", schema: quantity }),
    "jenkins.cpuLimit": def({ type: "string", description: "Jenkins controller CPU limit.", default: "2", schema: quantity }),
    "jenkins.memoryLimit": def({ type: "string", description: "Jenkins controller memory limit.", default: "3Gi", schema: quantity }),

    "agents.namespace": def({
        type: "string",
        description: "Namespace where build agent Pods run (and harbor-auth lives).",
        default: "jenkins-agents",
        schema: dnsLabel,
    }),
    "agents.cpuRequest": def({ type: "string", description: "CPU request of each agent container.", default: "250m", schema: quantity }),
    "agents.memoryRequest": def({ type: "string", description: "Memory request of each agent container.", default: "512Mi", schema: quantity }),
    "agents.cpuLimit": def({ type: "string", description: "CPU limit of each agent container.", default: "1", schema: quantity }),
    "agents.memoryLimit": def({ type: "string", description: "Memory limit of each agent container.", default: "2Gi", schema: quantity }),

    "kyverno.namespace": def({ type: "string", description: "Namespace Kyverno runs in (exempted from the policies).", default: "kyverno", schema: dnsLabel }),
    "kyverno.exceptionNamespace": def({
        type: "string",
        description: "Namespace PolicyExceptions are created in; must equal Kyverno's --exceptionNamespace.",
        default: "kyverno",
        schema: dnsLabel,
    }),
    "kyverno.systemNamespaces": def({
        type: "array",
        description: "Namespaces exempted from the policies besides Gitea's, Jenkins' and Kyverno's own (the agents namespace never is).",
        default: ["kube-system", "longhorn-system"],
        schema: uniqueStrings(dnsLabel),
    }),
    "kyverno.policyType": def({
        type: "string",
        description: "ClusterPolicy (kyverno.io/v1) or ValidatingPolicy (policies.kyverno.io, Kyverno >= 1.17).",
        default: "ClusterPolicy",
        schema: z.enum(["ClusterPolicy", "ValidatingPolicy"], { error: "must be ClusterPolicy or ValidatingPolicy" }),
    }),

    "seed.enabled": def({
        type: "boolean",
        description: "Seed the Gitea repos, the Jenkins job and the webhook.",
        default: true,
        schema: z.boolean(),
    }),
    "seed.appRepo": def({ type: "string", description: "Gitea repository holding the app source.", default: "notes-app", schema: dnsLabel }),
    "seed.deployRepo": def({ type: "string", description: "Gitea repository holding the deploy manifests.", default: "notes-deploy", schema: dnsLabel }),
    "seed.jobName": def({ type: "string", description: "Jenkins pipeline job name.", default: "notes-app", schema: dnsLabel }),
    "seed.folder": def({
        type: "string",
        description: "Jenkins folder holding the seeded job and its webhook-token credential (REST-made credentials must live in a folder store: JCasC replaces the system store on reload).",
        default: "ci",
        schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, "must be one Jenkins item name: letters, digits, '-', '_', '.' (no '/': one folder level)"),
    }),
    "seed.branch": def({
        type: "string",
        description: "Branch the job builds.",
        default: "main",
        schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "must be a git branch name").refine((s) => !s.includes(".."), "must not contain '..'"),
    }),
    "seed.imageName": def({ type: "string", description: "Image repository name inside the registry project.", default: "notes-app", schema: dnsLabel }),
    "seed.privateRepos": def({ type: "boolean", description: "Create the seeded repositories as private.", default: true, schema: z.boolean() }),
    "seed.deleteReposOnDestroy": def({
        type: "boolean",
        description: "Delete the seeded repositories on destroy (default keeps them: they hold data).",
        default: false,
        schema: z.boolean(),
    }),
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;

// ---------------------------------------------------------------------------------------------
// Typed result

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
        readonly username: string;
        readonly password: pulumi.Output<string>;
        readonly insecure: boolean;
        readonly secretName: string;
    };
    readonly images: { readonly kaniko: string; readonly agent: string; readonly build: string };
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
}

/** Thrown with every problem found, one line per key. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

/** Where raw values come from: by default Pulumi's runtime config (all values are strings). */
export interface RawConfigSource {
    get(fullKey: string): string | undefined;
    isSecret(fullKey: string): boolean;
}

export const pulumiConfigSource: RawConfigSource = {
    get: (k) => pulumi.runtime.getConfig(k),
    // isConfigSecret is marked @internal in the SDK's typings (pulumi/pulumi#7127 keeps the public
    // getter silent about secrets); if it ever disappears, trust the value rather than fail.
    isSecret: (k) => (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret?.(k) ?? true,
};

// Stack YAML `30808` and `true` reach the program as strings; so does `pulumi config set`.
function coerce(type: ConfigType, raw: string): unknown {
    switch (type) {
        case "string":
            return raw;
        case "integer":
            return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
        case "boolean": {
            const v = raw.trim().toLowerCase();
            return v === "true" ? true : v === "false" ? false : raw;
        }
        case "array":
            try {
                return JSON.parse(raw) as unknown;
            } catch {
                return raw;
            }
    }
}

function expectedOf(def: KeyDef): string {
    return { string: "a string", integer: "an integer", boolean: "true or false", array: "a YAML list" }[def.type];
}

function describe(v: unknown): string {
    const s = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Reads and validates every key, reporting all problems at once; throws ConfigError before any
 * resource is registered. Secrets are read raw (to validate them) and returned only as secret Outputs.
 */
export function loadConfig(project: string = pulumi.getProject(), source: RawConfigSource = pulumiConfigSource): StackConfig {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    const full = (k: string) => `${project}:${k}`;

    for (const [key, d] of Object.entries(CONFIG_KEYS) as [ConfigKey, KeyDef][]) {
        const raw = source.get(full(key));
        if (raw === undefined) {
            if (d.default !== undefined) values[key] = d.default;
            else if (!d.optional) {
                const how = d.secret ? `pulumi config set --secret ${key} <value>` : `pulumi config set ${key} <value>`;
                problems.push(`${full(key)}: required (${d.description}) — set it with \`${how}\``);
            }
            continue;
        }
        if (d.secret && !source.isSecret(full(key))) {
            problems.push(`${full(key)}: is stored in plaintext; set it with \`pulumi config set --secret ${key} <value>\``);
            continue;
        }
        const value = coerce(d.type, raw);
        const typeOk =
            d.type === "array" ? Array.isArray(value) && value.every((x) => typeof x === "string")
            : d.type === "integer" ? typeof value === "number"
            : d.type === "boolean" ? typeof value === "boolean"
            : typeof value === "string";
        if (!typeOk) {
            const got = d.secret ? "a value of another type" : describe(value);
            problems.push(`${full(key)}: expected ${expectedOf(d)}${d.type === "array" ? " of strings" : ""}, got ${got}`);
            continue;
        }
        const parsed = d.schema.safeParse(value);
        if (!parsed.success) {
            for (const issue of parsed.error.issues) {
                const at = issue.path.length ? `[${issue.path.join(".")}]` : "";
                const got = d.secret ? "" : ` (got ${describe(at ? (issue.path.reduce<unknown>((o, p) => (o as Record<PropertyKey, unknown>)?.[p], value)) : value)})`;
                problems.push(`${full(key)}${at}: ${issue.message}${got}`);
            }
            continue;
        }
        values[key] = parsed.data;
    }

    crossChecks(values, full, problems);
    if (problems.length) throw new ConfigError(problems);
    return deepFreeze(assemble(project, values as ParsedValues));
}

type ParsedValues = { [K in ConfigKey]: z.output<(typeof CONFIG_KEYS)[K]["schema"]> };

function crossChecks(v: Record<string, unknown>, full: (k: string) => string, problems: string[]): void {
    // NodePorts share one cluster-wide range; two equal ones fail at apply time with a confusing
    // "provided port is already allocated". Catch it here, naming both keys.
    const ports: [ConfigKey, unknown][] = [
        ["gitea.nodePort", v["gitea.nodePort"]],
        ["gitea.sshNodePort", v["gitea.sshNodePort"]],
        ["jenkins.nodePort", v["jenkins.nodePort"]],
    ];
    const byPort = new Map<number, ConfigKey>();
    for (const [key, port] of ports) {
        if (typeof port !== "number" || port === 0) continue;
        const other = byPort.get(port);
        if (other) problems.push(`${full(key)}: NodePort ${port} is already used by ${full(other)}; NodePorts must differ`);
        else byPort.set(port, key);
    }

    const install = v["jenkins.installPlugins"];
    const additional = v["jenkins.additionalPlugins"];
    if (Array.isArray(install) && install.length > 0) {
        const unpinned = install.filter((p: string) => !p.includes(":"));
        if (unpinned.length) {
            problems.push(
                `${full("jenkins.installPlugins")}: a replacement plugin set must pin every plugin as id:version (unpinned: ${unpinned.join(", ")}); leave it empty to keep the chart's tested set`,
            );
        }
        const ids = new Set(install.map((p: string) => p.split(":")[0]));
        const missing = CHART_CORE_PLUGINS.filter((c) => !ids.has(c));
        if (missing.length) {
            problems.push(`${full("jenkins.installPlugins")}: a replacement plugin set must include ${missing.join(", ")} (the Kubernetes cloud, pipelines and JCasC need them)`);
        }
    }
    if (Array.isArray(additional) && (!Array.isArray(install) || install.length === 0)) {
        for (const p of additional as string[]) {
            const [id, version] = p.split(":");
            if (version !== undefined && (CHART_CORE_PLUGINS as readonly string[]).includes(id!)) {
                problems.push(
                    `${full("jenkins.additionalPlugins")}: "${p}" pins one of the chart's own plugins; a single pin breaks the chart's tested dependency set — pin the whole set in jenkins.installPlugins or drop the version`,
                );
            }
        }
    }

    const ns: [ConfigKey, unknown][] = [
        ["gitea.namespace", v["gitea.namespace"]],
        ["jenkins.namespace", v["jenkins.namespace"]],
        ["agents.namespace", v["agents.namespace"]],
    ];
    const seenNs = new Map<string, ConfigKey>();
    for (const [key, name] of ns) {
        if (typeof name !== "string") continue;
        const other = seenNs.get(name);
        if (other) problems.push(`${full(key)}: namespace "${name}" is also ${full(other)}; each component needs its own`);
        else seenNs.set(name, key);
    }
    // Builds are what the policies are for: the agents namespace is never exempt.
    const exempt = v["kyverno.systemNamespaces"];
    const agents = v["agents.namespace"];
    if (Array.isArray(exempt) && typeof agents === "string" && exempt.includes(agents)) {
        problems.push(`${full("kyverno.systemNamespaces")}: "${agents}" is ${full("agents.namespace")}; build Pods must stay under the policies`);
    }
    if (v["seed.appRepo"] !== undefined && v["seed.appRepo"] === v["seed.deployRepo"]) {
        problems.push(`${full("seed.deployRepo")}: must differ from ${full("seed.appRepo")} (${JSON.stringify(v["seed.appRepo"])})`);
    }
}

function assemble(project: string, v: ParsedValues): StackConfig {
    const res = (p: "gitea" | "jenkins" | "agents"): Resources => ({
        requests: { cpu: v[`${p}.cpuRequest`], memory: v[`${p}.memoryRequest`] },
        limits: { cpu: v[`${p}.cpuLimit`], memory: v[`${p}.memoryLimit`] },
    });
    const secret = (x: string | undefined) => (x === undefined ? undefined : pulumi.secret(x));
    return {
        project,
        nodeAddress: v.nodeAddress,
        storage: {
            className: v["storage.className"],
            workspaceSize: v["storage.workspaceSize"],
            cacheSize: v["storage.cacheSize"],
            retainOnDelete: v["storage.retainOnDelete"],
            protect: v["storage.protect"],
        },
        registry: {
            server: v["registry.server"],
            project: v["registry.project"],
            username: v["registry.username"],
            password: pulumi.secret(v["registry.password"]),
            insecure: v["registry.insecure"],
            secretName: v["registry.secretName"],
        },
        images: { kaniko: v["images.kaniko"], agent: v["images.agent"], build: v["images.build"] },
        gitea: {
            namespace: v["gitea.namespace"],
            chart: { repo: v["gitea.chartRepo"], version: v["gitea.chartVersion"] },
            nodePort: v["gitea.nodePort"],
            ...(v["gitea.sshNodePort"] ? { sshNodePort: v["gitea.sshNodePort"] } : {}),
            storageSize: v["gitea.storageSize"],
            adminUsername: v["gitea.adminUsername"],
            ...(v["gitea.adminPassword"] !== undefined ? { adminPassword: secret(v["gitea.adminPassword"]) } : {}),
            postgresql: v["gitea.postgresql"],
            valkey: v["gitea.valkey"],
            resources: res("gitea"),
        },
        jenkins: {
            namespace: v["jenkins.namespace"],
            chart: { repo: v["jenkins.chartRepo"], version: v["jenkins.chartVersion"] },
            nodePort: v["jenkins.nodePort"],
            storageSize: v["jenkins.storageSize"],
            adminUsername: v["jenkins.adminUsername"],
            ...(v["jenkins.adminPassword"] !== undefined ? { adminPassword: secret(v["jenkins.adminPassword"]) } : {}),
            tolerations: v["jenkins.tolerations"],
            additionalPlugins: v["jenkins.additionalPlugins"],
            installPlugins: v["jenkins.installPlugins"],
            resources: res("jenkins"),
        },
        agents: { namespace: v["agents.namespace"], resources: res("agents") },
        kyverno: {
            namespace: v["kyverno.namespace"],
            exceptionNamespace: v["kyverno.exceptionNamespace"],
            systemNamespaces: v["kyverno.systemNamespaces"],
            policyType: v["kyverno.policyType"],
        },
        seed: {
            enabled: v["seed.enabled"],
            appRepo: v["seed.appRepo"],
            deployRepo: v["seed.deployRepo"],
            jobName: v["seed.jobName"],
            folder: v["seed.folder"],
            branch: v["seed.branch"],
            imageName: v["seed.imageName"],
            privateRepos: v["seed.privateRepos"],
            deleteReposOnDestroy: v["seed.deleteReposOnDestroy"],
        },
    };
}

// Outputs are left alone: freezing one would break its internals.
function deepFreeze<T>(o: T): T {
    if (o && typeof o === "object" && !pulumi.Output.isInstance(o) && !Object.isFrozen(o)) {
        for (const v of Object.values(o)) deepFreeze(v);
        Object.freeze(o);
    }
    return o;
}
