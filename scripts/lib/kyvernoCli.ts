// Runs the Kyverno CLI (kubectl-kyverno v1.19.0, built by scripts/tools.sh) and reads what it says.
//  - `kyverno apply … --policy-report --output-format json`: one openreports.io/v1alpha1 report per
//    run (cmd/cli/kubectl-kyverno/commands/apply/print.go printReports), whose results carry
//    policy, rule (none for a ValidatingPolicy), result (pass/fail/warn/error/skip) and the subject
//    (`resources` in v1.19.0; `subjects` in later openreports). No --audit-warn: with it an
//    Audit policy's failure becomes "warn" (report/report.go ComputePolicyReportResult); without it
//    an audit failure is a "fail", counted, and the command exits 1 (apply/command.go exit).
//  - `kyverno test <dir>`: the Test files found below dir; exit status non-zero when any expected
//    result is not met (commands/test/command.go), with a "Test Summary" line.
import { spawnSync } from "node:child_process";

export type Verdict = "pass" | "fail" | "warn" | "error" | "skip";

export interface Subject {
    readonly apiVersion?: string;
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
}

/** One result of a policy report (openreports.io/v1alpha1 ReportResult, the fields we read). */
export interface ReportResult {
    readonly policy: string;
    readonly rule: string;
    readonly result: Verdict;
    readonly message: string;
    readonly subjects: readonly Subject[];
}

export interface ApplyInput {
    readonly policies: readonly string[];
    readonly resources: readonly string[];
    readonly exceptions?: readonly string[];
}

export interface CliRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

function run(bin: string, args: readonly string[], timeoutMs = 300_000): CliRun {
    const start = process.hrtime.bigint();
    const r = spawnSync(bin, [...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.error) throw new Error(`${bin} ${args.join(" ")}: ${r.error.message}`);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds };
}

/** The argument list of a report-producing `kyverno apply`. */
export function applyArgs(input: ApplyInput): string[] {
    if (input.policies.length === 0) throw new Error("kyverno apply: no policy file");
    if (input.resources.length === 0) throw new Error("kyverno apply: no resource file");
    return [
        "apply",
        ...input.policies,
        ...input.resources.flatMap((r) => ["--resource", r]),
        ...(input.exceptions ?? []).flatMap((e) => ["--exception", e]),
        "--policy-report",
        "--output-format",
        "json",
        "--remove-color",
    ];
}

const VERDICTS = new Set<string>(["pass", "fail", "warn", "error", "skip"]);

/**
 * Pure: the results of every report in `kyverno apply --policy-report --output-format json` output.
 * The command prints one JSON document per line (a ClusterReport, then `---` and one PolicyReport per
 * namespaced policy); other lines are progress text. Throws when no report is found, so an output
 * the parser does not understand can never read as "no findings".
 */
export function parseApplyReports(stdout: string): ReportResult[] {
    const out: ReportResult[] = [];
    let reports = 0;
    for (const line of stdout.split("\n")) {
        const t = line.trim();
        if (!t.startsWith("{")) continue;
        const doc = JSON.parse(t) as { kind?: string; results?: unknown[] };
        if (doc.kind !== "ClusterReport" && doc.kind !== "PolicyReport") continue;
        reports++;
        for (const raw of doc.results ?? []) {
            const r = raw as { policy?: unknown; rule?: unknown; result?: unknown; message?: unknown; description?: unknown; subjects?: unknown; resources?: unknown };
            if (typeof r.policy !== "string" || typeof r.result !== "string" || !VERDICTS.has(r.result)) {
                throw new Error(`unexpected report result ${JSON.stringify(raw)}`);
            }
            const subjects = (r.subjects ?? r.resources ?? []) as Subject[];
            out.push({
                policy: r.policy,
                rule: typeof r.rule === "string" ? r.rule : "",
                result: r.result as Verdict,
                message: typeof r.message === "string" ? r.message : typeof r.description === "string" ? r.description : "",
                subjects,
            });
        }
    }
    if (reports === 0) throw new Error(`kyverno apply printed no policy report:\n${stdout.slice(0, 2000)}`);
    return out;
}

export interface ApplyResult extends CliRun {
    readonly results: readonly ReportResult[];
}

/**
 * `kyverno apply` with a JSON policy report. Exit status 1 with a report is the normal outcome when
 * something fails (audit failures included); anything else without a report is an error.
 */
export function kyvernoApply(bin: string, input: ApplyInput): ApplyResult {
    const r = run(bin, applyArgs(input));
    let results: ReportResult[];
    try {
        results = parseApplyReports(r.stdout);
    } catch (e) {
        throw new Error(`kyverno apply failed (exit ${r.status}): ${(e as Error).message}\n${r.stderr.slice(0, 4000)}`);
    }
    if (r.status !== 0 && r.status !== 1) throw new Error(`kyverno apply exited ${r.status}:\n${r.stderr.slice(0, 4000)}`);
    return { ...r, results };
}

export interface TestSummary {
    readonly passed: number;
    readonly failed: number;
}

/** Pure: the counts of the last "Test Summary: N tests passed and M tests failed" line. */
export function parseTestSummary(stdout: string): TestSummary | undefined {
    const all = [...stdout.matchAll(/Test Summary: (\d+) tests passed and (\d+) tests failed/g)];
    const m = all[all.length - 1];
    return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

/** One row of `kyverno test -o json --detailed-results` (commands/test/output.go printOutputFormats). */
export interface TestRow {
    readonly id: number;
    readonly policy: string;
    readonly rule: string;
    readonly resource: string;
    readonly result: string;
    readonly reason: string;
    readonly message: string;
}

/** Pure: the rows of every JSON table `kyverno test -o json` printed (one per Test file). */
export function parseTestRows(stdout: string): TestRow[] {
    const rows: TestRow[] = [];
    // Each table is printed as an indented JSON array between blank lines.
    for (const block of stdout.split(/\n\s*\n/)) {
        const t = block.trim();
        if (!t.startsWith("[")) continue;
        for (const r of JSON.parse(t) as Record<string, unknown>[]) {
            const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v));
            rows.push({
                id: Number(r.ID),
                policy: str(r.POLICY),
                rule: str(r.RULE),
                resource: str(r.RESOURCE),
                result: str(r.RESULT),
                reason: str(r.REASON),
                message: str(r.Message),
            });
        }
    }
    return rows;
}

export interface TestRun extends CliRun {
    readonly summary?: TestSummary;
    readonly rows: readonly TestRow[];
}

/** `kyverno test <dir>` with JSON rows and detailed results. */
export function kyvernoTest(bin: string, dir: string): TestRun {
    const r = run(bin, ["test", dir, "--output-format", "json", "--detailed-results", "--remove-color"]);
    return { ...r, summary: parseTestSummary(r.stdout), rows: parseTestRows(r.stdout) };
}
