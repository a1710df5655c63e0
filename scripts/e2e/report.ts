// The real-engine figures of one e2e run, written where `npm run bench` finds them
// (.cache/e2e/bench.json, git-ignored) and printed by bench/index.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import type { CommandFigure, Finding } from "./context";
import type { ScenarioResult } from "./scenario";

export interface BenchFigures {
    readonly date: string;
    readonly node: string;
    readonly wallMs: number;
    readonly clusterMs: number;
    readonly standIns: boolean;
    readonly charts: readonly string[];
    /** What served Gitea's API: the real Gitea (its version) or the emulator. Absent in files before it was recorded. */
    readonly gitea?: string;
    readonly scenarios: readonly { id: string; status: string; ms: number; checks: number }[];
    readonly figures: Readonly<Record<string, CommandFigure>>;
    readonly findings: readonly Finding[];
}

export const benchFile = (repo: string): string => path.join(repo, ".cache", "e2e", "bench.json");

export function writeBenchFigures(
    repo: string,
    work: string,
    publish: boolean,
    r: { wallMs: number; clusterMs: number; standIns: boolean; charts: string[]; gitea: string; results: readonly ScenarioResult[]; figures: Record<string, CommandFigure>; findings: readonly Finding[] },
): string {
    const doc: BenchFigures = {
        date: new Date().toISOString(),
        node: process.version,
        wallMs: r.wallMs,
        clusterMs: r.clusterMs,
        standIns: r.standIns,
        charts: r.charts,
        gitea: r.gitea,
        scenarios: r.results.map((s) => ({ id: s.id, status: s.status, ms: s.ms, checks: s.checks })),
        figures: r.figures,
        findings: r.findings,
    };
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    fs.writeFileSync(path.join(work, "bench.json"), text);
    if (!publish) return path.join(work, "bench.json");
    const file = benchFile(repo);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
}

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The figures as the lines bench/index.ts prints. */
export function formatBench(b: BenchFigures): string[] {
    const lines = [`real engine (last npm run e2e, ${b.date}, ${b.standIns ? "STAND-IN charts" : b.charts.join(", ")}${b.gitea ? `, ${b.gitea}` : ""}): e2e wall ${s(b.wallMs)}, control plane start ${s(b.clusterMs)}`];
    const row = (label: string, key: string): void => {
        const f = b.figures[key];
        if (!f) return;
        const req = (name: string, x: CommandFigure["gitea"]): string => (x ? `${name} ${x.total} requests (${x.writes} writes)` : "");
        lines.push(`  ${label.padEnd(34)} ${s(f.ms).padStart(8)}  exit ${f.exit}  ${[req("Gitea", f.gitea), req("Jenkins", f.jenkins), req("Harbor", f.harbor)].filter(Boolean).join(", ")}`);
    };
    row("preview (empty stack, policy pack)", "preview");
    row("up (first converge)", "up");
    row("re-run preview (expect no changes)", "rerunPreview");
    row("refresh after drift", "refreshAfterDrift");
    row("up restoring drift", "upAfterDrift");
    row("up with ValidatingPolicy", "upValidatingPolicy");
    row("up after rotation", "upRotation");
    row("up with smoke.enabled (runs it)", "upSmoke");
    row("destroy", "destroy");
    lines.push(`  scenarios: ${b.scenarios.map((x) => `${x.id} ${x.status} ${s(x.ms)}`).join("; ")}`);
    return lines;
}

export function readBenchFigures(repo: string): BenchFigures | undefined {
    const f = benchFile(repo);
    return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, "utf8")) as BenchFigures) : undefined;
}
