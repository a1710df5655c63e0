// ci-stack's own `command` provider plugin (started by tools/bin/pulumi-resource-command): the Go module
// github.com/pulumi/pulumi-command/provider is not served by the Go module proxy (tracker issue #10).
// It implements command:local:Command, the resource @pulumi/command's `local.Command` creates, with the
// semantics of pulumi/pulumi-command provider/pkg/provider/local/:
//   command.go / commandController.go (Create runs `create`, Update runs `update` or else `create`,
//     Delete runs `delete`; id = name + 8 random hex characters; `triggers` replace the resource),
//   base.go (interpreter, dir, environment, stdin, addPreviousOutputInEnv default true; stdout/stderr
//     outputs) and commandOutputs.go (run: default interpreter ["/bin/sh", "-c"], working directory =
//     `dir` or the provider's own (the program's directory), environment = ours + `environment`,
//     PULUMI_COMMAND_STDOUT/STDERR from the previous run, one trailing newline trimmed from the
//     outputs, a non-zero exit fails the step with the command and its combined output in the message).
// Not implemented (ci-stack does not use them; Check rejects them): assetPaths, archivePaths. `logging`
// is accepted, but the output is not streamed to the engine while the command runs.

import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import { type Props, type Provider, deepEqual, hasSecret, hasUnknown, isMain, reveal, secret, serve, urnName, urnType } from "../lib.mts";

export const TYPE = "command:local:Command";
// The @pulumi/command version in package-lock.json whose local.Command this serves, tagged as ours with
// semver build metadata (ignored by the engine's ">= requested version" check, which warns otherwise).
const VERSION = "1.2.1+ci-stack";

const ARGS = ["create", "update", "delete", "triggers", "interpreter", "dir", "environment", "stdin",
    "addPreviousOutputInEnv", "logging", "assetPaths", "archivePaths"];
// Inputs stdout/stderr depend on (upstream: infer's default WireDependencies, every output on every input).
const RUN_INPUTS = ["create", "update", "delete", "triggers", "interpreter", "dir", "environment", "stdin"];

interface Failure {
    property: string;
    reason: string;
}

interface Output {
    stdout: string;
    stderr: string;
}

function checkType(urn: string): void {
    if (urnType(urn) !== TYPE) throw new Error(`ci-stack's command provider only implements ${TYPE}, not ${urnType(urn)}`);
}

export function check(urn: string, _olds: Props, news: Props): Promise<{ inputs: Props; failures: Failure[] }> {
    checkType(urn);
    const inputs: Props = { ...news };
    const failures: Failure[] = [];
    const isSet = (k: string): boolean => inputs[k] !== undefined && inputs[k] !== null;
    const known = (k: string): boolean => isSet(k) && !hasUnknown(inputs[k]);
    for (const k of Object.keys(inputs)) {
        if (!ARGS.includes(k)) failures.push({ property: k, reason: `unknown property ${k} of local.Command` });
    }
    for (const k of ["assetPaths", "archivePaths"]) {
        if (isSet(k)) failures.push({ property: k, reason: `${k} is not supported by ci-stack's command provider (tools/providers/command)` });
    }
    for (const k of ["create", "update", "delete", "dir", "stdin", "logging"]) {
        if (known(k) && typeof reveal(inputs[k]) !== "string") failures.push({ property: k, reason: `${k} must be a string` });
    }
    if (known("interpreter")) {
        const i = reveal(inputs.interpreter);
        if (!Array.isArray(i) || !i.every((x) => typeof x === "string")) failures.push({ property: "interpreter", reason: "interpreter must be a list of strings" });
    }
    if (known("environment")) {
        const e = reveal(inputs.environment);
        if (e === null || typeof e !== "object" || Array.isArray(e) || !Object.values(e).every((x) => typeof x === "string")) {
            failures.push({ property: "environment", reason: "environment must be a map of strings" });
        }
    }
    if (known("triggers") && !Array.isArray(reveal(inputs.triggers))) failures.push({ property: "triggers", reason: "triggers must be a list" });
    if (!isSet("addPreviousOutputInEnv")) inputs.addPreviousOutputInEnv = true; // base.go: a.SetDefault(..., true)
    return Promise.resolve({ inputs, failures });
}

// A change of `triggers` replaces the resource (provider:"replaceOnChanges"; @pulumi/command also sets
// replaceOnChanges: ["triggers[*]"]); any other change is an update.
export function diff(_id: string, urn: string, olds: Props, news: Props): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
    checkType(urn);
    const changed = ARGS.filter((k) => hasUnknown(news[k]) || !deepEqual(reveal(olds[k]) ?? null, reveal(news[k]) ?? null));
    return Promise.resolve({ changes: changed.length > 0, replaces: changed.filter((k) => k === "triggers"), deleteBeforeReplace: false });
}

function strings(v: unknown): string[] | undefined {
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined;
}

/** commandOutputs.go run(): one command through the interpreter; rejects on a non-zero exit. */
export function run(command: string, props: Props, previous: Output | undefined): Promise<Output> {
    const interpreter = strings(reveal(props.interpreter)) ?? [];
    const [bin, ...args] = interpreter.length > 0 ? interpreter : ["/bin/sh", "-c"];
    const env: NodeJS.ProcessEnv = { ...process.env };
    const extra = reveal(props.environment);
    if (extra !== null && typeof extra === "object" && !Array.isArray(extra)) {
        for (const [k, v] of Object.entries(extra)) if (typeof v === "string") env[k] = v;
    }
    if (reveal(props.addPreviousOutputInEnv) !== false && previous) {
        if (previous.stdout !== "") env.PULUMI_COMMAND_STDOUT = previous.stdout;
        if (previous.stderr !== "") env.PULUMI_COMMAND_STDERR = previous.stderr;
    }
    const dir = reveal(props.dir);
    const stdin = reveal(props.stdin);
    return new Promise((resolve, reject) => {
        const child = spawn(bin!, [...args, command], { cwd: typeof dir === "string" ? dir : process.cwd(), env, stdio: "pipe" });
        let stdout = "";
        let stderr = "";
        let combined = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
            stdout += d;
            combined += d;
        });
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
            stderr += d;
            combined += d;
        });
        child.on("error", (e) => reject(new Error(`${e.message}: running ${JSON.stringify(command)}`)));
        child.on("close", (code, signal) => {
            if (code === 0) {
                resolve({ stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") });
            } else {
                // Go's exec error text ("exit status N" / "signal: S"), then the command and its output,
                // as commandOutputs.go: fmt.Errorf("%w: running %q:\n%s", err, command, stdouterr).
                const why = signal ? `signal: ${signal}` : `exit status ${code}`;
                reject(new Error(`${why}: running ${JSON.stringify(command)}:\n${combined}`));
            }
        });
        child.stdin.on("error", () => undefined); // a command that does not read stdin may close it early
        child.stdin.end(typeof stdin === "string" ? stdin : "");
    });
}

function outputs(inputs: Props, out: Output): Props {
    const wrap = RUN_INPUTS.some((k) => hasSecret(inputs[k])) ? secret : (x: string) => x;
    return { ...inputs, stdout: wrap(out.stdout), stderr: wrap(out.stderr) };
}

function previousOf(props: Props): Output {
    const s = (v: unknown): string => (typeof v === "string" ? v : "");
    return { stdout: s(reveal(props.stdout)), stderr: s(reveal(props.stderr)) };
}

export async function create(urn: string, inputs: Props): Promise<{ id: string; outs: Props }> {
    checkType(urn);
    const id = urnName(urn) + crypto.randomBytes(4).toString("hex"); // resource.NewUniqueHex(name, 8, 0)
    const cmd = reveal(inputs.create);
    const out = typeof cmd === "string" ? await run(cmd, inputs, undefined) : { stdout: "", stderr: "" };
    return { id, outs: outputs(inputs, out) };
}

export async function update(_id: string, urn: string, olds: Props, news: Props): Promise<{ outs: Props }> {
    checkType(urn);
    const upd = reveal(news.update);
    const cmd = typeof upd === "string" ? upd : reveal(news.create);
    const previous = previousOf(olds);
    const out = typeof cmd === "string" ? await run(cmd, news, previous) : previous;
    return { outs: outputs(news, out) };
}

export async function del(_id: string, urn: string, props: Props): Promise<void> {
    checkType(urn);
    const cmd = reveal(props.delete);
    if (typeof cmd === "string") await run(cmd, props, previousOf(props));
}

export const provider: Provider = { version: VERSION, check, diff, create, update, delete: del };

if (isMain(import.meta.url)) serve(provider);
