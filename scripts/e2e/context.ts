// What every scenario gets: the cluster, the CLI, the peers, the stack's current config, and the
// recorders for defects and bench figures.
import * as fs from "node:fs";
import * as path from "node:path";
import type { GiteaBackend, JenkinsBackend, RegistryBackend } from "./backends";
import type { Kube } from "./kube";
import { GiteaApi, JenkinsApi } from "./peerApi";
import type { Peer } from "./peers";
import { type CliResult, type ConfigValue, type PulumiCli } from "./pulumi";
import { Discovery } from "./state";

/** A problem the real engine found, for the report. */
export interface Finding {
    readonly scenario: string;
    readonly title: string;
    readonly detail: string;
}

export interface RequestFigures {
    total: number;
    writes: number;
    byMethod: Record<string, number>;
}

/** One timed CLI run with the program's requests to each peer during it. */
export interface CommandFigure {
    readonly command: string;
    readonly ms: number;
    readonly exit: number;
    readonly gitea?: RequestFigures;
    readonly jenkins?: RequestFigures;
    readonly harbor?: RequestFigures;
}

export class E2EContext {
    readonly discovery: Discovery;
    readonly findings: Finding[] = [];
    readonly figures: Record<string, CommandFigure> = {};
    /** Harbor's emulator, once the program calls Harbor's API (issue #13); undefined before. */
    harbor: RegistryBackend | undefined;
    /** Outputs to use for peer credentials once the stack has none (after destroy). */
    outputsOverride: Record<string, unknown> | undefined;

    constructor(
        readonly repo: string,
        readonly work: string,
        readonly kube: Kube,
        readonly cli: PulumiCli,
        readonly stack: string,
        readonly gitea: GiteaBackend,
        readonly jenkins: JenkinsBackend,
        readonly peers: readonly Peer[],
        readonly ports: { gitea: number; jenkins: number; registry: number },
        /** The `e2e` stack's config as the harness last wrote it (unprefixed keys). */
        readonly config: Record<string, ConfigValue>,
        readonly standIns: boolean,
        readonly log: (line: string) => void,
    ) {
        this.discovery = new Discovery(kube);
    }

    finding(scenario: string, title: string, detail: string): void {
        this.findings.push({ scenario, title, detail });
        this.log(`    FINDING ${title}`);
    }

    /** `pulumi <cmd…> --stack <stack> --config-file …`; records time and peer requests under `figure`. */
    async engine(cmd: readonly string[], o: { stack?: string; figure?: string; timeoutMs?: number } = {}): Promise<CliResult> {
        const g0 = this.gitea.requestCount() ?? 0;
        const j0 = this.jenkins.requestCount() ?? 0;
        const h0 = this.harbor?.requestCount() ?? 0;
        const stack = o.stack ?? this.stack;
        const r = await this.cli.run(this.cli.stackArgs(stack, cmd), { timeoutMs: o.timeoutMs, label: `${stack}-${cmd.join("-")}` });
        this.log(`    $ pulumi ${cmd.join(" ")} (${stack}): exit ${r.code} in ${(r.ms / 1000).toFixed(1)} s — ${r.logFile}`);
        if (o.figure) {
            const peers = { gitea: this.gitea.requestsSince(g0), jenkins: this.jenkins.requestsSince(j0), ...(this.harbor ? { harbor: this.harbor.requestsSince(h0) } : {}) };
            const counts = (x: (RequestFigures & { requests: string[] }) | undefined): RequestFigures | undefined => x && { total: x.total, writes: x.writes, byMethod: x.byMethod };
            this.figures[o.figure] = { command: `pulumi ${cmd.join(" ")}`, ms: r.ms, exit: r.code, gitea: counts(peers.gitea), jenkins: counts(peers.jenkins), ...(this.harbor ? { harbor: counts(peers.harbor) } : {}) };
            // Which requests, for a figure that looks high (kept with --keep): requests/<figure>.txt.
            const lines = Object.entries(peers).flatMap(([peer, x]) => (x?.requests ?? []).map((q) => `${peer} ${q}`));
            fs.mkdirSync(path.join(this.work, "requests"), { recursive: true });
            fs.writeFileSync(path.join(this.work, "requests", `${o.figure}.txt`), lines.length > 0 ? `${lines.join("\n")}\n` : "");
        }
        return r;
    }

    /** The policy pack, by absolute path. */
    get policyPack(): string {
        return path.join(this.repo, "policies");
    }

    async setConfig(values: Record<string, ConfigValue>, stack = this.stack): Promise<void> {
        await this.cli.setConfig(stack, values);
        if (stack === this.stack) Object.assign(this.config, values);
    }

    /**
     * Gitea's API as the admin user from the stack outputs: through the NodePort, or with `direct` at
     * the server itself — once the release is gone the NodePort is closed, and what is left to ask is
     * what the program's own API calls did (the emulator still holds it; a real Gitea's data would be
     * gone with its volume).
     */
    async giteaApi(direct = false): Promise<GiteaApi> {
        const out = this.outputsOverride ?? (await this.cli.outputs(this.stack));
        return new GiteaApi(direct ? this.gitea.url : `http://127.0.0.1:${this.ports.gitea}`, { user: String(out.giteaAdminUsername), password: String(out.giteaAdminPassword) });
    }

    async jenkinsApi(direct = false): Promise<JenkinsApi> {
        const out = this.outputsOverride ?? (await this.cli.outputs(this.stack));
        return new JenkinsApi(direct ? this.jenkins.url : `http://127.0.0.1:${this.ports.jenkins}`, { user: String(out.jenkinsAdminUsername), password: String(out.jenkinsAdminPassword) });
    }

    /** Waits until every peer reflects the cluster as it is now (a Pod that just started has its credentials applied). */
    async settlePeers(): Promise<void> {
        await Promise.all(this.peers.map((p) => p.sync()));
    }
}

/** Output text of a CLI run, stdout and stderr together. */
export const textOf = (r: CliResult): string => `${r.stdout}\n${r.stderr}`;
