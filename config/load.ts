// The loader: reads every key from Pulumi's runtime config (or any RawConfigSource), coerces the
// strings Pulumi hands over, validates each key against the table and the cross-key rules, and
// reports every problem at once, each naming its key, before any resource is registered.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { CONFIG_KEYS, type ConfigKey, type ConfigType, type KeyDef } from "./keys";
import { crossChecks } from "./rules";
import { nearestKey } from "./suggest";
import type { Resources, StackConfig } from "./types";

/**
 * Thrown with every problem found, one line per key. A pulumi.RunError, so the CLI prints just the
 * message — not "unhandled exception" with a stack trace (sdk/nodejs/cmd/run/run.ts treats RunError
 * as a user-facing failure; found by the e2e config scenario under the real CLI).
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly string[]) {
        super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

/** Where raw values come from: by default Pulumi's runtime config (all values are strings). */
export interface RawConfigSource {
    get(fullKey: string): string | undefined;
    isSecret(fullKey: string): boolean;
    /** Every key set, of any namespace (`ci-stack:storage.protect`, `kubernetes:context`). */
    keys(): readonly string[];
}

export const pulumiConfigSource: RawConfigSource = {
    get: (k) => pulumi.runtime.getConfig(k),
    // allConfig() is the whole map the language host hands the program (PULUMI_CONFIG), keys
    // already in `<namespace>:<key>` form (sdk/nodejs/runtime/config.ts cleanKey).
    keys: () => Object.keys(pulumi.runtime.allConfig()),
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
    // Keys that were set, valid or not: a cross-key rule must not call a key missing that was merely invalid.
    const present = new Set<string>();
    const full = (k: string) => `${project}:${k}`;

    for (const [key, d] of Object.entries(CONFIG_KEYS) as [ConfigKey, KeyDef][]) {
        const raw = source.get(full(key));
        if (raw !== undefined) present.add(key);
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
                // A REDACT issue's value holds a secret (credentials in a URL): its message stands alone.
                const redact = issue.code === "custom" && (issue.params as { redact?: boolean } | undefined)?.redact === true;
                const got = d.secret || redact ? "" : ` (got ${describe(at ? (issue.path.reduce<unknown>((o, p) => (o as Record<PropertyKey, unknown>)?.[p], value)) : value)})`;
                problems.push(`${full(key)}${at}: ${issue.message}${got}`);
            }
            continue;
        }
        values[key] = parsed.data;
    }

    // A key of ours the table does not declare is a typo or a leftover: either way the value the
    // user meant is not the one used (for a safety key such as storage.retainOnDelete, data loss).
    // The value is never shown: a misspelt secret key would print its secret.
    const declared = Object.keys(CONFIG_KEYS);
    for (const k of source.keys()) {
        if (!k.startsWith(`${project}:`)) continue;
        const key = k.slice(project.length + 1);
        if (key in CONFIG_KEYS) continue;
        const near = nearestKey(key, declared);
        problems.push(`${k}: unknown key; ${near ? `did you mean ${full(near)}?` : "README's configuration table lists every key"}`);
    }

    crossChecks(values, full, problems, present);
    if (problems.length) throw new ConfigError(problems);
    return deepFreeze(assemble(project, values as ParsedValues));
}

type ParsedValues = { [K in ConfigKey]: z.output<(typeof CONFIG_KEYS)[K]["schema"]> };


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
            ...(v["registry.password"] !== undefined ? { password: secret(v["registry.password"]) } : {}),
            insecure: v["registry.insecure"],
            secretName: v["registry.secretName"],
            robotName: v["registry.robotName"],
            ...(v["registry.robotSecret"] !== undefined ? { robotSecret: secret(v["registry.robotSecret"]) } : {}),
            robotRotation: v["registry.robotRotation"],
        },
        images: {
            kaniko: v["images.kaniko"],
            agent: v["images.agent"],
            build: v["images.build"],
            postgresql: v["images.postgresql"],
            valkey: v["images.valkey"],
        },
        gitea: {
            namespace: v["gitea.namespace"],
            chart: { repo: v["gitea.chartRepo"], version: v["gitea.chartVersion"] },
            nodePort: v["gitea.nodePort"],
            ...(v["gitea.sshNodePort"] ? { sshNodePort: v["gitea.sshNodePort"] } : {}),
            storageSize: v["gitea.storageSize"],
            adminUsername: v["gitea.adminUsername"],
            ...(v["gitea.adminPassword"] !== undefined ? { adminPassword: secret(v["gitea.adminPassword"]) } : {}),
            botUsername: v["gitea.botUsername"],
            botTokenRotation: v["gitea.botTokenRotation"],
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
        smoke: { enabled: v["smoke.enabled"], timeoutSeconds: v["smoke.timeoutSeconds"] },
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
