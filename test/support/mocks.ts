// Runs the Pulumi program (or any code that registers resources) under pulumi.runtime.setMocks and
// records every registration: type, name, inputs, parent, resource options and which input paths
// were secret. The mock monitor hands Mocks.newResource only type/name/inputs, so the recorder also
// wraps the monitor's registerResource to read the parent and options off the raw request.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export const PROJECT = "ci-stack";
export const STACK = "dev";

// The Pulumi wire format's marker for a secret value (sdk/nodejs/runtime/rpc.ts).
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly custom: boolean;
    /** Inputs with secrets unwrapped to their plain values. */
    readonly inputs: Record<string, any>;
    /** URN of the parent, undefined for top-level resources. */
    readonly parent?: string;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly dependsOn: readonly string[];
    readonly ignoreChanges: readonly string[];
    readonly replaceOnChanges: readonly string[];
    readonly additionalSecretOutputs: readonly string[];
    /** Dotted paths of inputs that arrived as secrets ("stringData.password"). */
    readonly secretPaths: readonly string[];
}

/** Extra state for a registration; may be async (e.g. a dynamic provider run against an emulator). */
export type StateHook = (args: pulumi.runtime.MockResourceArgs) => Record<string, any> | undefined | Promise<Record<string, any> | undefined>;

export class Recorder {
    readonly resources: RecordedResource[] = [];
    readonly calls: pulumi.runtime.MockCallArgs[] = [];

    constructor(private readonly stateHook?: StateHook) {}

    readonly mocks: pulumi.runtime.Mocks = {
        newResource: async (args) => {
            const state = { ...defaultState(args), ...((await this.stateHook?.(args)) ?? {}) };
            return { id: args.id || `${args.name}-id`, state };
        },
        call: (args) => {
            this.calls.push(args);
            return args.inputs;
        },
    };

    /** Wraps the mock monitor so parent and options are recorded too. */
    attach(): void {
        const monitor = pulumi.runtime.getMonitor() as any;
        const original = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
            original(req, (err: any, resp: any) => {
                if (!err) {
                    const raw = req.getObject()?.toJavaScript() ?? {};
                    this.resources.push({
                        type: req.getType(),
                        name: req.getName(),
                        urn: resp.getUrn(),
                        custom: req.getCustom(),
                        inputs: unwrapSecrets(raw),
                        parent: req.getParent() || undefined,
                        protect: req.getProtect() === true,
                        retainOnDelete: req.getRetainondelete() === true,
                        deleteBeforeReplace: req.getDeletebeforereplace() === true,
                        dependsOn: req.getDependenciesList(),
                        ignoreChanges: req.getIgnorechangesList(),
                        replaceOnChanges: req.getReplaceonchangesList(),
                        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                        secretPaths: secretPaths(raw),
                    });
                }
                callback(err, resp);
            });
        };
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** Exactly one resource matching; fails loudly with what was there otherwise. */
    one(type: string, pred: (r: RecordedResource) => boolean = () => true): RecordedResource {
        const found = this.ofType(type).filter(pred);
        if (found.length !== 1) {
            const names = this.ofType(type).map((r) => r.name);
            throw new Error(`expected exactly one ${type} matching, found ${found.length} (all of that type: ${names.join(", ") || "none"})`);
        }
        return found[0]!;
    }

    named(name: string): RecordedResource {
        const found = this.resources.filter((r) => r.name === name);
        if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
        return found[0]!;
    }

    childrenOf(r: RecordedResource): RecordedResource[] {
        return this.resources.filter((c) => c.parent === r.urn);
    }

    byUrnOf(urn: string): RecordedResource | undefined {
        return this.resources.find((r) => r.urn === urn);
    }
}

/** The result line the mocked smoke command prints. */
export const MOCK_SMOKE_LINE = {
    buildUrl: "http://10.0.24.28:30808/job/ci/job/notes-app/1/",
    result: "SUCCESS",
    commit: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
    image: "10.0.24.28:30002/bootcamp/notes-app:1a2b3c4d",
    digest: `sha256:${"d".repeat(64)}`,
    seconds: 118.4,
    queueSeconds: 5.1,
};

function defaultState(args: pulumi.runtime.MockResourceArgs): Record<string, any> {
    const state: Record<string, any> = { ...args.inputs };
    switch (args.type) {
        case "random:index/randomPassword:RandomPassword":
            state.result = `mock-${args.name}-password`;
            break;
        // Gitea's answers for the pipeline's user and its one-time token.
        case "pulumi-nodejs:dynamic/gitea:GiteaUser":
            state.userId = 3;
            state.adopted = false;
            break;
        case "pulumi-nodejs:dynamic/gitea:GiteaAccessToken":
            state.tokenId = 11;
            state.token = `mock-${args.name}-value`;
            break;
        // Harbor's answers: the project's id, and the robot's prefixed name and one-time secret.
        case "pulumi-nodejs:dynamic/harbor:HarborProject":
            state.projectId = 42;
            state.adopted = false;
            break;
        case "pulumi-nodejs:dynamic/harbor:HarborRobot":
            state.robotId = 7;
            state.fullName = `robot$${args.inputs.project}+${args.inputs.name}`;
            state.secret = `mock-${args.name}-secret`;
            state.adopted = false;
            break;
        // What scripts/smoke.ts prints on success, marked secret as pulumi-command marks stdout once
        // any input is secret (pulumi/pulumi-command#256).
        case "command:local:Command":
            state.stdout = { [SIG_KEY]: SECRET_SIG, value: JSON.stringify(MOCK_SMOKE_LINE) };
            state.stderr = { [SIG_KEY]: SECRET_SIG, value: "" };
            break;
        case "kubernetes:helm.sh/v3:Release":
            state.status = { name: args.inputs.name ?? args.name, namespace: args.inputs.namespace ?? "default", status: "deployed" };
            break;
    }
    if (args.type.startsWith("kubernetes:") && state.metadata && !state.metadata.name) {
        state.metadata = { ...state.metadata, name: args.name };
    }
    return state;
}

function isSecretValue(v: unknown): v is { value: unknown } {
    return !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function unwrapSecrets(v: any): any {
    if (isSecretValue(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    return v;
}

function secretPaths(v: any, at = ""): string[] {
    if (isSecretValue(v)) return [at || "."];
    if (Array.isArray(v)) return v.flatMap((x, i) => secretPaths(x, at ? `${at}.${i}` : String(i)));
    if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => secretPaths(x, at ? `${at}.${k}` : k));
    return [];
}

export interface ProgramRun {
    readonly recorder: Recorder;
    /** The program module's exports (stack outputs), resolved; undefined if it threw. */
    readonly outputs?: Record<string, unknown>;
    /** Which stack outputs were secret. */
    readonly secretOutputs: readonly string[];
    readonly error?: Error;
}

export interface RunOptions {
    /** Keys (without project prefix) to mark secret. */
    readonly secretKeys?: readonly string[];
    readonly preview?: boolean;
    readonly stateHook?: StateHook;
}

const ROOT = path.resolve(__dirname, "..", "..");

/** Sets config and mocks, then evaluates `run` (default: requires index.ts afresh). */
export async function runProgram(config: Record<string, string>, opts: RunOptions = {}, run?: () => unknown): Promise<ProgramRun> {
    const full = Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v]));
    pulumi.runtime.setAllConfig(full, (opts.secretKeys ?? []).map((k) => `${PROJECT}:${k}`));
    const recorder = new Recorder(opts.stateHook);
    await pulumi.runtime.setMocks(recorder.mocks, PROJECT, STACK, opts.preview ?? false);
    recorder.attach();

    let exports: Record<string, unknown> | undefined;
    let error: Error | undefined;
    try {
        if (run) exports = (await run()) as Record<string, unknown> | undefined;
        else {
            for (const k of Object.keys(require.cache)) {
                if (k.startsWith(ROOT) && !k.includes(`${path.sep}node_modules${path.sep}`) && !k.includes(`${path.sep}test${path.sep}`)) delete require.cache[k];
            }
            exports = require(path.join(ROOT, "index.ts")) as Record<string, unknown>;
        }
    } catch (e) {
        error = e as Error;
    }

    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    if (exports && !error) {
        for (const [k, v] of Object.entries(exports)) {
            if (pulumi.Output.isInstance(v)) {
                if (await pulumi.isSecret(v)) secretOutputs.push(k);
                outputs[k] = await (v as any).promise();
            } else outputs[k] = v;
        }
    }
    await (pulumi.runtime as any).waitForRPCs?.();
    return { recorder, ...(exports && !error ? { outputs } : {}), secretOutputs, ...(error ? { error } : {}) };
}

/** Resolves an Output (or plain value) for assertions. */
export async function resolve<T>(v: pulumi.Input<T> | undefined): Promise<T | undefined> {
    if (v === undefined) return undefined;
    return new Promise<T>((ok) => pulumi.output(v).apply((x) => ok(x as T)));
}
