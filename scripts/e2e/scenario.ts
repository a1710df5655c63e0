// Scenario bookkeeping: named checks (each a pass or a failure with what was seen), per-scenario wall
// time, dependencies (a scenario whose prerequisite failed is skipped, not run on a broken stack) and
// the summary printed at the end.
import { isDeepStrictEqual } from "node:util";

export interface CheckResult {
    readonly name: string;
    readonly ok: boolean;
    readonly detail?: string;
}

export class Checks {
    readonly results: CheckResult[] = [];

    constructor(private readonly print: (line: string) => void) {}

    /** Records `name` as passed when `cond`, else failed with `detail`. Returns cond. */
    ok(name: string, cond: boolean, detail?: string): boolean {
        this.results.push({ name, ok: cond, ...(cond ? {} : { detail }) });
        this.print(`    ${cond ? "ok  " : "FAIL"} ${name}${cond || !detail ? "" : `\n           ${detail.replace(/\n/g, "\n           ")}`}`);
        return cond;
    }

    eq(name: string, actual: unknown, expected: unknown): boolean {
        return this.ok(name, isDeepStrictEqual(actual, expected), `expected ${short(expected)}, got ${short(actual)}`);
    }

    get failed(): CheckResult[] {
        return this.results.filter((r) => !r.ok);
    }
}

export function short(v: unknown, max = 400): string {
    const s = typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
    return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

export interface Scenario<C> {
    readonly id: string;
    readonly title: string;
    /** Scenario ids that must have passed for this one to run. */
    readonly needs?: readonly string[];
    run(ctx: C, checks: Checks): Promise<void>;
}

export interface ScenarioResult {
    readonly id: string;
    readonly title: string;
    readonly status: "passed" | "failed" | "skipped";
    readonly ms: number;
    readonly checks: number;
    readonly failures: readonly CheckResult[];
    readonly error?: string;
}

export async function runScenarios<C>(
    ctx: C,
    scenarios: readonly Scenario<C>[],
    only: ReadonlySet<string> | undefined,
    print: (line: string) => void,
    stopped: () => boolean = () => false,
): Promise<ScenarioResult[]> {
    const results: ScenarioResult[] = [];
    for (const s of scenarios) {
        if (stopped()) break;
        if (only && !only.has(s.id)) continue;
        const blocked = (s.needs ?? []).filter((n) => results.find((r) => r.id === n)?.status !== "passed" && (!only || only.has(n)));
        if (blocked.length) {
            print(`\n=== ${s.id} ${s.title}: SKIPPED (needs ${blocked.join(", ")})`);
            results.push({ id: s.id, title: s.title, status: "skipped", ms: 0, checks: 0, failures: [], error: `needs ${blocked.join(", ")}` });
            continue;
        }
        print(`\n=== ${s.id} ${s.title}`);
        const checks = new Checks(print);
        const t0 = Date.now();
        let error: string | undefined;
        try {
            await s.run(ctx, checks);
        } catch (e) {
            error = (e as Error).message;
            print(`    ERROR ${error.replace(/\n/g, "\n          ")}`);
        }
        const ms = Date.now() - t0;
        const status = error || checks.failed.length ? "failed" : "passed";
        print(`--- ${s.id}: ${status.toUpperCase()} in ${(ms / 1000).toFixed(1)} s (${checks.results.length} checks, ${checks.failed.length} failed)`);
        results.push({ id: s.id, title: s.title, status, ms, checks: checks.results.length, failures: checks.failed, ...(error ? { error } : {}) });
    }
    return results;
}

/** The summary table: one line per scenario with its status and wall time. */
export function summary(results: readonly ScenarioResult[]): string {
    const lines = results.map((r) => `  ${r.status.toUpperCase().padEnd(7)} ${`${(r.ms / 1000).toFixed(1)} s`.padStart(8)}  ${r.id} ${r.title}${r.status === "failed" ? ` (${r.failures.length} failed checks${r.error ? ", error" : ""})` : ""}`);
    return lines.join("\n");
}
