// Runs the program (index.ts) for one stack under Pulumi's mock runtime (pulumi.runtime.setMocks, the
// SDK's unit-testing hook): nothing is created, no state or cluster is touched, and every resource the
// program would register is recorded with its inputs. So `npm run check:charts` renders the charts
// with exactly the Helm values the program computes — through loadConfig(), the components and
// giteaValues/jenkinsValues — not with a second copy of them.
//
// Stack config comes from Pulumi.<stack>.yaml (plus the defaults in config/keys.ts). Secrets are never
// decrypted: every secret key gets a sentinel value instead, and the checks then look for the
// sentinels where no secret may go (Helm values, ConfigMaps).
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../../config/keys";
import { REPO_ROOT } from "./tools";

type Obj = Record<string, unknown>;

export interface RegisteredResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Obj;
}

export interface StackRun {
    readonly project: string;
    readonly stack: string;
    readonly stackFile: string;
    readonly resources: readonly RegisteredResource[];
    readonly outputs: Obj;
    /** The stand-in values given to secret keys (and random passwords): they must never show up in values or ConfigMaps. */
    readonly sentinels: readonly string[];
}

// The Pulumi wire format's marker of a secret value (sdk/nodejs/runtime/rpc.ts): the mock monitor
// hands inputs over with secrets still wrapped in it.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function unwrapSecrets(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        const o = v as Obj;
        if (o[SIG_KEY] === SECRET_SIG) return unwrapSecrets(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

/** The sentinel for a secret config key or generated password. */
export const sentinel = (key: string) => `cistack-sentinel-${key.replace(/[^A-Za-z0-9]/g, "-")}-Zq7`;

/**
 * Pure: the config a stack file gives the program (values as the Pulumi CLI hands them over: strings,
 * lists and maps JSON-encoded), with every secret key — set with `secure:` or required and unset —
 * replaced by its sentinel. Returns the full keys (`<project>:<key>`) and which of them are secret.
 */
export function stackConfig(project: string, stackYaml: string): { config: Record<string, string>; secretKeys: string[] } {
    const doc = (parse(stackYaml) ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [k, v] of Object.entries(doc.config ?? {})) {
        const isSecure = !!v && typeof v === "object" && !Array.isArray(v) && "secure" in v;
        if (isSecure) {
            config[k] = sentinel(k.replace(`${project}:`, ""));
            secretKeys.push(k);
        } else config[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    for (const [key, def] of Object.entries(CONFIG_KEYS)) {
        const full = `${project}:${key}`;
        // A required secret the stack file does not hold yet (`pulumi config set --secret` not run):
        // the values cannot depend on it, so a sentinel stands in for it too.
        if (def.secret && !(full in config)) {
            const required = !def.optional || (def.requiredUnless !== undefined && !(`${project}:${def.requiredUnless}` in config));
            if (def.default === undefined && required) config[full] = sentinel(key);
            else continue;
            secretKeys.push(full);
        }
    }
    return { config, secretKeys };
}

/** The project name in Pulumi.yaml. */
export function projectName(repo = REPO_ROOT): string {
    const name = (parse(fs.readFileSync(path.join(repo, "Pulumi.yaml"), "utf8")) as { name?: string }).name;
    if (!name) throw new Error("Pulumi.yaml has no name");
    return name;
}

/** Runs index.ts for `stack` under mocks and returns what it registered. */
export async function runStack(stack: string, repo = REPO_ROOT): Promise<StackRun> {
    const project = projectName(repo);
    const stackFile = path.join(repo, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${stackFile} (create the stack with \`pulumi stack init ${stack}\` and set its config)`);
    const { config, secretKeys } = stackConfig(project, fs.readFileSync(stackFile, "utf8"));
    const sentinels = new Set(Object.entries(config).filter(([k]) => secretKeys.includes(k)).map(([, v]) => v));

    pulumi.runtime.setAllConfig(config, secretKeys);
    const resources: RegisteredResource[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                const inputs = args.inputs as Obj;
                const state: Obj = { ...inputs };
                if (args.type === "random:index/randomPassword:RandomPassword") {
                    const value = sentinel(`random-${args.name}`);
                    state.result = value;
                    sentinels.add(value);
                }
                if (args.type === "kubernetes:helm.sh/v3:Release") state.status = { name: inputs.name ?? args.name, namespace: inputs.namespace, status: "deployed" };
                if (args.type === "pulumi-nodejs:dynamic/seed:GiteaRepository") state.owner = "seed-owner";
                // What Harbor and Gitea hand out for the pipeline's credentials: secrets, so sentinels too.
                if (args.type === "pulumi-nodejs:dynamic/harbor:HarborProject") state.projectId = 1;
                if (args.type === "pulumi-nodejs:dynamic/harbor:HarborRobot") {
                    state.fullName = `robot$${String(inputs.project)}+${String(inputs.name)}`;
                    state.secret = sentinel(`robot-${args.name}`);
                    sentinels.add(state.secret as string);
                }
                if (args.type === "pulumi-nodejs:dynamic/gitea:GiteaUser") state.userId = 1;
                if (args.type === "pulumi-nodejs:dynamic/gitea:GiteaAccessToken") {
                    state.tokenId = 1;
                    state.token = sentinel(`token-${args.name}`);
                    sentinels.add(state.token as string);
                }
                const meta = state.metadata as Obj | undefined;
                if (args.type.startsWith("kubernetes:") && meta && !meta.name) state.metadata = { ...meta, name: args.name };
                resources.push({ type: args.type, name: args.name, inputs: unwrapSecrets(inputs) as Obj });
                return { id: `${args.name}-id`, state };
            },
            call: (args) => args.inputs as Obj,
        },
        project,
        stack,
        false,
    );
    // The program's modules are evaluated afresh, so a second run (another stack, a test) registers
    // its resources again instead of getting the cached module.
    for (const k of Object.keys(require.cache)) {
        const rel = path.relative(repo, k);
        if (!rel.startsWith("..") && !/^(node_modules|test|scripts)[\\/]/.test(rel) && !rel.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[k];
    }
    // Loaded with require (not import()): Node's ESM loader would keep its own, unclearable cache.
    const exports = createRequire(__filename)(path.join(repo, "index.ts")) as Obj;
    const outputs: Obj = {};
    for (const [k, v] of Object.entries(exports)) {
        outputs[k] = pulumi.Output.isInstance(v) ? await new Promise((ok) => v.apply((x) => ok(x))) : v;
    }
    // Registrations still in flight finish before we read the list.
    await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
    return { project, stack, stackFile, resources, outputs, sentinels: [...sentinels] };
}

/** A Helm release as the program registers it. */
export interface ChartRelease {
    /** The Pulumi resource name. */
    readonly resource: string;
    readonly releaseName: string;
    readonly namespace: string;
    /** Chart name, or a full `oci://…/<chart>` reference. */
    readonly chart: string;
    /** Classic repository URL (repositoryOpts.repo), when not OCI. */
    readonly repo?: string;
    readonly version: string;
    readonly values: Obj;
}

/** The helm.v3.Release resources of a run. */
export function releasesOf(run: Pick<StackRun, "resources">): ChartRelease[] {
    return run.resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .map((r) => {
            const i = r.inputs as { name?: string; namespace?: string; chart: string; repositoryOpts?: { repo?: string }; version: string; values?: Obj };
            return {
                resource: r.name,
                releaseName: i.name ?? r.name,
                namespace: i.namespace ?? "default",
                chart: i.chart,
                ...(i.repositoryOpts?.repo ? { repo: i.repositoryOpts.repo } : {}),
                version: i.version,
                values: i.values ?? {},
            };
        });
}
