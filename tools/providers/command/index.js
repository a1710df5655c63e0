"use strict";
// ci-stack's own `command` provider plugin (started by tools/bin/pulumi-resource-command): the Go module
// github.com/pulumi/pulumi-command/provider is not served by the Go module proxy (tracker issue #10).
// It implements command:local:Command, the resource @pulumi/command's `local.Command` creates, with the
// semantics of pulumi/pulumi-command provider/pkg/provider/local/:
//   command.go / commandController.go (Create runs `create`, Update runs `update` or else `create`,
//     Delete runs `delete`; id = name + 8 random hex characters; triggers replace the resource),
//   base.go (interpreter, dir, environment, stdin, addPreviousOutputInEnv default true; stdout/stderr
//     outputs) and commandOutputs.go (run: default interpreter ["/bin/sh", "-c"], working directory =
//     `dir` or the provider's (the program's) directory, environment = ours + `environment`,
//     PULUMI_COMMAND_STDOUT/STDERR from the previous run, one trailing newline trimmed from the
//     outputs, a non-zero exit fails the step with the command and its combined output in the message).
// Not implemented (not used by ci-stack; rejected by Check): assetPaths, archivePaths. `logging` is
// accepted, but output is not streamed to the engine while the command runs.

const { spawn } = require("child_process");
const crypto = require("crypto");
const { requirePulumi, secret, reveal, hasUnknown, hasSecret, deepEqual, urnName } = require("../lib");

const TYPE = "command:local:Command";
const VERSION = "0.1.0"; // our plugin's own version; it does not claim to be upstream pulumi-command

const ARGS = ["create", "update", "delete", "triggers", "interpreter", "dir", "environment", "stdin",
    "addPreviousOutputInEnv", "logging", "assetPaths", "archivePaths"];
const RUN_INPUTS = ["create", "update", "delete", "triggers", "interpreter", "dir", "environment", "stdin"];

function checkType(urn) {
    const t = urn.split("::")[2];
    if (t !== TYPE) throw new Error(`ci-stack's command provider only implements ${TYPE}, not ${t}`);
}

async function check(urn, olds, news) {
    checkType(urn);
    const inputs = { ...news };
    const failures = [];
    const known = (k) => inputs[k] !== undefined && inputs[k] !== null && !hasUnknown(inputs[k]);
    for (const k of Object.keys(inputs)) {
        if (!ARGS.includes(k)) failures.push({ property: k, reason: `unknown property ${k} of local.Command` });
    }
    for (const k of ["assetPaths", "archivePaths"]) {
        if (inputs[k] !== undefined && inputs[k] !== null) {
            failures.push({ property: k, reason: `${k} is not supported by ci-stack's command provider (tools/providers/command)` });
        }
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
        if (typeof e !== "object" || Array.isArray(e) || !Object.values(e).every((x) => typeof x === "string")) {
            failures.push({ property: "environment", reason: "environment must be a map of strings" });
        }
    }
    if (known("triggers") && !Array.isArray(reveal(inputs.triggers))) failures.push({ property: "triggers", reason: "triggers must be a list" });
    if (inputs.addPreviousOutputInEnv === undefined || inputs.addPreviousOutputInEnv === null) inputs.addPreviousOutputInEnv = true;
    return { inputs, failures };
}

// Changes to `triggers` replace the resource (provider:"replaceOnChanges"; @pulumi/command also sets
// replaceOnChanges: ["triggers[*]"]); any other change is an update.
async function diff(id, urn, olds, news) {
    checkType(urn);
    const changed = ARGS.filter((k) => hasUnknown(news[k]) || !deepEqual(reveal(olds[k]) ?? null, reveal(news[k]) ?? null));
    const replaces = changed.filter((k) => k === "triggers");
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
}

function run(command, props, previous) {
    const p = reveal(props);
    const interpreter = Array.isArray(p.interpreter) && p.interpreter.length > 0 ? p.interpreter : ["/bin/sh", "-c"];
    const env = { ...process.env, ...(p.environment ?? {}) };
    if (p.addPreviousOutputInEnv !== false && previous) {
        if (previous.stdout) env.PULUMI_COMMAND_STDOUT = previous.stdout;
        if (previous.stderr) env.PULUMI_COMMAND_STDERR = previous.stderr;
    }
    return new Promise((resolve, reject) => {
        const child = spawn(interpreter[0], [...interpreter.slice(1), command], {
            cwd: p.dir ?? process.cwd(),
            env,
            stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        let combined = "";
        child.stdout.on("data", (d) => { stdout += d; combined += d; });
        child.stderr.on("data", (d) => { stderr += d; combined += d; });
        child.on("error", (e) => reject(new Error(`${e.message}: running ${JSON.stringify(command)}`)));
        child.on("close", (code, signal) => {
            if (code === 0) {
                resolve({ stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") });
            } else {
                // Go's exec error text ("exit status N" / "signal: S"), then the command and its output,
                // as commandOutputs.go's fmt.Errorf("%w: running %q:\n%s", ...).
                const why = signal ? `signal: ${signal}` : `exit status ${code}`;
                reject(new Error(`${why}: running ${JSON.stringify(command)}:\n${combined}`));
            }
        });
        child.stdin.on("error", () => {}); // a command that does not read stdin may close it early
        child.stdin.end(typeof p.stdin === "string" ? p.stdin : "");
    });
}

// stdout/stderr depend on every input (the upstream default for infer's WireDependencies): secret when
// any of them is.
function outputs(inputs, out) {
    const wrap = RUN_INPUTS.some((k) => hasSecret(inputs[k])) ? secret : (x) => x;
    return { ...inputs, stdout: wrap(out.stdout), stderr: wrap(out.stderr) };
}

async function create(urn, inputs) {
    checkType(urn);
    const id = urnName(urn) + crypto.randomBytes(4).toString("hex");
    const cmd = reveal(inputs.create);
    const out = typeof cmd === "string" ? await run(cmd, inputs, null) : { stdout: "", stderr: "" };
    return { id, outs: outputs(inputs, out) };
}

async function update(id, urn, olds, news) {
    checkType(urn);
    const cmd = reveal(news.update) ?? reveal(news.create);
    const previous = { stdout: reveal(olds.stdout), stderr: reveal(olds.stderr) };
    const out = typeof cmd === "string" ? await run(cmd, news, previous) : previous;
    return { outs: outputs(news, out) };
}

async function del(id, urn, props) {
    checkType(urn);
    const cmd = reveal(props.delete);
    if (typeof cmd !== "string") return;
    await run(cmd, props, { stdout: reveal(props.stdout), stderr: reveal(props.stderr) });
}

function main() {
    const provider = requirePulumi("provider");
    return provider.main({ version: VERSION, check, diff, create, update, delete: del }, process.argv.slice(2));
}

module.exports = { check, diff, create, update, delete: del, run, TYPE };

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
