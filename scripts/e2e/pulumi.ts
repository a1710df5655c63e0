// The Pulumi CLI as the e2e run drives it: the CLI and plugins scripts/tools.sh built (on PATH from
// `tools.sh env`), a private PULUMI_HOME and a file backend in the run's temp dir, a passphrase
// secrets provider, and each stack's config file kept in the temp dir too (`--config-file`), so the
// repository is never written. Every command's output goes to a numbered log file.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { unwrapSecrets, type StateResource } from "./state";

export interface CliResult {
    readonly args: readonly string[];
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
    readonly logFile: string;
}

export interface ConfigValue {
    readonly value: string;
    readonly secret?: boolean;
}

/** One step of `pulumi preview --json` (pkg/display/json.go previewStep). */
export interface PreviewStep {
    op: string;
    urn: string;
    diffReasons?: string[];
    detailedDiff?: Record<string, { kind: string }>;
    oldState?: { type?: string; outputs?: Record<string, unknown> };
    newState?: { type?: string; inputs?: Record<string, unknown> };
}

export interface PreviewJson {
    steps?: PreviewStep[];
    diagnostics?: { message?: string; severity?: string; urn?: string }[];
    changeSummary?: Record<string, number>;
    policies?: unknown;
}

const GLOBAL_FLAGS = ["--non-interactive", "--color", "never"];

export class PulumiCli {
    /** Where pulumi runs: the repository. */
    readonly projectDir: string;
    private seq = 0;
    private readonly running = new Set<ChildProcess>();
    readonly env: NodeJS.ProcessEnv;

    constructor(
        readonly repo: string,
        readonly workDir: string,
        baseEnv: NodeJS.ProcessEnv,
        readonly passphrase: string,
    ) {
        this.projectDir = repo;
        fs.mkdirSync(path.join(workDir, "pulumi-logs"), { recursive: true });
        fs.mkdirSync(path.join(workDir, "pulumi-home"), { recursive: true });
        fs.mkdirSync(path.join(workDir, "state"), { recursive: true });
        this.env = {
            ...baseEnv,
            PULUMI_HOME: path.join(workDir, "pulumi-home"),
            PULUMI_BACKEND_URL: `file://${path.join(workDir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: passphrase,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            NO_COLOR: "1",
        };
        delete this.env.PULUMI_ACCESS_TOKEN;
        delete this.env.PULUMI_IGNORE_AMBIENT_PLUGINS;
    }

    /**
     * Interrupts running commands: SIGINT (Pulumi cancels its operation and exits), SIGKILL after 10 s.
     * The state is the run's own throwaway backend, so an interrupted update costs nothing.
     */
    async abort(): Promise<void> {
        const live = [...this.running];
        for (const c of live) c.kill("SIGINT");
        const deadline = Date.now() + 10_000;
        while (live.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    }

    configFile(stack: string): string {
        return path.join(this.workDir, `Pulumi.${stack}.yaml`);
    }

    /** Runs `pulumi <args>` in the repository; never throws on a non-zero exit. */
    run(args: readonly string[], o: { timeoutMs?: number; label?: string } = {}): Promise<CliResult> {
        const n = String(++this.seq).padStart(2, "0");
        const label = o.label ?? args.filter((a) => !a.startsWith("-")).slice(0, 2).join("-");
        const logFile = path.join(this.workDir, "pulumi-logs", `${n}-${label.replace(/[^A-Za-z0-9._-]+/g, "_")}.log`);
        const t0 = Date.now();
        return new Promise((resolve, reject) => {
            // Global flags go before a "--" (after it everything is a positional value).
            const dd = args.indexOf("--");
            const full = dd < 0 ? [...args, ...GLOBAL_FLAGS] : [...args.slice(0, dd), ...GLOBAL_FLAGS, ...args.slice(dd)];
            const child = spawn("pulumi", full, { cwd: this.projectDir, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
            this.running.add(child);
            let stdout = "";
            let stderr = "";
            child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
            child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
            const timer = setTimeout(() => child.kill("SIGTERM"), o.timeoutMs ?? 20 * 60_000);
            child.on("error", reject);
            child.on("close", (code) => {
                clearTimeout(timer);
                this.running.delete(child);
                const ms = Date.now() - t0;
                fs.writeFileSync(logFile, `$ pulumi ${args.join(" ")}\n# exit ${code} after ${(ms / 1000).toFixed(1)} s\n\n${stdout}\n--- stderr ---\n${stderr}`);
                resolve({ args, code: code ?? -1, stdout, stderr, ms, logFile });
            });
        });
    }

    /** Like run, but a non-zero exit throws with the output's tail. */
    async ok(args: readonly string[], o: { timeoutMs?: number; label?: string } = {}): Promise<CliResult> {
        const r = await this.run(args, o);
        if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code} (log: ${r.logFile}):\n${tail(r.stdout + "\n" + r.stderr, 40)}`);
        return r;
    }

    /** `pulumi <cmd> --stack S --config-file <tmp>/Pulumi.S.yaml …`. */
    stackArgs(stack: string, cmd: readonly string[]): string[] {
        return [...cmd, "--stack", stack, "--config-file", this.configFile(stack)];
    }

    async login(): Promise<void> {
        await this.ok(["login", this.env.PULUMI_BACKEND_URL!]);
    }

    /**
     * Creates the stack with the passphrase provider and writes its config. `stack init` writes the
     * encryption salt to Pulumi.<stack>.yaml in the project directory (it has no --config-file): that
     * file is moved into the temp dir at once, and from then on only --config-file is used.
     */
    async initStack(stack: string, config: Record<string, ConfigValue>): Promise<void> {
        const inRepo = path.join(this.projectDir, `Pulumi.${stack}.yaml`);
        if (fs.existsSync(inRepo)) throw new Error(`${inRepo} exists (left by an interrupted run?): remove it first`);
        await this.ok(["stack", "init", stack, "--secrets-provider", "passphrase", "--no-select"]);
        if (fs.existsSync(inRepo)) fs.renameSync(inRepo, this.configFile(stack));
        await this.setConfig(stack, config);
    }

    async setConfig(stack: string, config: Record<string, ConfigValue>): Promise<void> {
        for (const [key, v] of Object.entries(config)) {
            await this.ok([...this.stackArgs(stack, ["config", "set", key, v.secret ? "--secret" : "--plaintext"]), "--", v.value], { label: `config-set-${key}` });
        }
    }

    async rmConfig(stack: string, key: string): Promise<void> {
        await this.ok(this.stackArgs(stack, ["config", "rm", key]), { label: `config-rm-${key}` });
    }

    /** The stack's resources as `pulumi stack export --show-secrets` writes them, secrets unwrapped. */
    async resources(stack: string): Promise<StateResource[]> {
        const r = await this.ok(["stack", "export", "--stack", stack, "--show-secrets"], { label: "stack-export" });
        const d = JSON.parse(r.stdout) as { deployment?: { resources?: StateResource[] } };
        return (d.deployment?.resources ?? []).map((x) => unwrapSecrets(x) as StateResource);
    }

    /** The stack's outputs, secrets shown. */
    async outputs(stack: string): Promise<Record<string, unknown>> {
        const r = await this.ok(["stack", "output", "--stack", stack, "--json", "--show-secrets"], { label: "stack-output" });
        return JSON.parse(r.stdout) as Record<string, unknown>;
    }
}

export function tail(text: string, lines: number): string {
    return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** The JSON document `pulumi preview --json` prints (stdout may carry lines before it). */
export function parsePreviewJson(stdout: string): PreviewJson {
    const start = stdout.indexOf("{");
    if (start < 0) throw new Error(`no JSON in preview output: ${stdout.slice(0, 300)}`);
    return JSON.parse(stdout.slice(start)) as PreviewJson;
}

/** The steps of a preview that change something (op other than "same"), as "op name" lines. */
export function changes(p: PreviewJson): PreviewStep[] {
    return (p.steps ?? []).filter((s) => s.op !== "same");
}

/** The resource name part of a URN (after the last "::"). */
export const urnName = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);
