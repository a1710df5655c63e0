// `npm run check:charts [-- --stack <name>]`: a pre-flight to run before `pulumi up`. Renders the gitea
// and jenkins charts with exactly the values the program computes for the stack (the program itself
// runs under Pulumi's mock runtime: scripts/lib/stackRun.ts), with the pinned Helm, from the chart
// repositories the stack configures — or from CHARTS_DIR, a local mirror — then checks what would be
// installed (scripts/lib/chartChecks.ts): it renders at all, core objects pass the Kubernetes schema,
// Kyverno (the pinned CLI, the stack's own policies and exceptions) reports nothing in the agents
// namespace, every container has requests (and limits), and no secret ends up in a ConfigMap.
// One line per finding; exit 1 when a strict check fails, 2 when a tool or the stack is missing.
// It never passes without having rendered: an unreachable chart source is a failure.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import {
    containersOf,
    exitCode,
    formatFinding,
    imagesOf,
    kyvernoVerdicts,
    parseManifests,
    renderFindings,
    resourceFindings,
    schemaFindings,
    secretFindings,
    exemptNamespacesOf,
    type Finding,
    type K8sObject,
    type NamespaceSummary,
} from "./lib/chartChecks";
import { chartSource, helmTemplate } from "./lib/helmRender";
import { kyvernoApply } from "./lib/kyvernoCli";
import { releasesOf, runStack, type ChartRelease } from "./lib/stackRun";
import { findTool, ToolMissingError } from "./lib/tools";

type Obj = K8sObject;

export interface CheckInput {
    readonly releases: readonly ChartRelease[];
    readonly chartsDir?: string;
    readonly helm: string;
    readonly kyverno: string;
    /** The Kyverno policies and PolicyExceptions the stack registers. */
    readonly policies: readonly Obj[];
    readonly exceptions: readonly Obj[];
    readonly agentsNamespace: string;
    readonly exemptNamespaces: readonly string[];
    /** Stand-ins of the stack's secrets: none may appear in values or rendered objects. */
    readonly sentinels: readonly string[];
}

export interface ChartReport {
    readonly release: ChartRelease;
    readonly source: string;
    readonly rendered: boolean;
    readonly objects: number;
    readonly workloads: number;
    readonly containers: number;
    readonly images: readonly string[];
    readonly namespaces: readonly NamespaceSummary[];
    readonly seconds: number;
}

export interface CheckResult {
    readonly charts: readonly ChartReport[];
    readonly findings: readonly Finding[];
}

const yamlDocs = (docs: readonly unknown[]) => docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");

function kyvernoOn(input: CheckInput, chart: string, workloads: readonly Obj[]): { findings: Finding[]; namespaces: NamespaceSummary[] } {
    if (workloads.length === 0) return { findings: [{ severity: "INFO", check: "kyverno", chart, message: "no workload rendered: nothing for Kyverno to judge" }], namespaces: [] };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stack-check-kyverno-"));
    try {
        const write = (name: string, docs: readonly unknown[]) => {
            fs.writeFileSync(path.join(dir, name), yamlDocs(docs));
            return path.join(dir, name);
        };
        const policies = [write("policies.yaml", input.policies)];
        const resources = [write("workloads.yaml", workloads)];
        const deployed = kyvernoApply(input.kyverno, { policies, resources, exceptions: [write("exceptions.yaml", input.exceptions)] });
        const unexempted = kyvernoApply(input.kyverno, { policies, resources });
        return kyvernoVerdicts(chart, deployed.results, unexempted.results, input.agentsNamespace, input.exemptNamespaces);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Renders and checks every release. */
export async function checkCharts(input: CheckInput): Promise<CheckResult> {
    const charts: ChartReport[] = [];
    const findings: Finding[] = [];
    if (input.releases.length === 0) findings.push({ severity: "FAIL", check: "source", chart: "-", message: "the stack registers no Helm release: nothing was rendered" });
    for (const release of input.releases) {
        const chart = release.chart.split("/").pop()!;
        const source = chartSource(release, input.chartsDir);
        const empty = { release, rendered: false, objects: 0, workloads: 0, containers: 0, images: [], namespaces: [], seconds: 0 };
        if ("problem" in source) {
            findings.push({ severity: "FAIL", check: "source", chart, message: `no chart source: ${source.problem}` });
            charts.push({ ...empty, source: "none" });
            continue;
        }
        if (source.kind === "path" && source.chartVersion !== release.version) {
            const is = source.chartVersion === undefined ? "has no readable Chart.yaml version" : `is chart version ${source.chartVersion}`;
            findings.push({ severity: "WARN", check: "source", chart, message: `${source.path} ${is}; the stack pins ${release.version}` });
        }
        const r = helmTemplate(input.helm, release, source);
        if (r.unreachable) {
            const why = r.stderr.split("\n").find((l) => l.trim()) ?? "";
            findings.push({ severity: "FAIL", check: "source", chart, message: `chart source not reachable (${source.description}): ${why.trim()} — nothing rendered; set CHARTS_DIR to a local mirror` });
            charts.push({ ...empty, source: source.description, seconds: r.seconds });
            continue;
        }
        const renderProblems = renderFindings(chart, r.status, r.stderr);
        if (renderProblems.length) {
            findings.push(...renderProblems);
            charts.push({ ...empty, source: source.description, seconds: r.seconds });
            continue;
        }
        const objects = parseManifests(r.stdout, release.namespace);
        const workloads = objects.filter((o) => containersOf(o).length > 0);
        findings.push(...(await schemaFindings(chart, objects)));
        findings.push(...resourceFindings(chart, objects));
        findings.push(...secretFindings(chart, objects, release.values, input.sentinels));
        const k = kyvernoOn(input, chart, workloads);
        findings.push(...k.findings);
        charts.push({
            release,
            source: source.description,
            rendered: true,
            objects: objects.length,
            workloads: workloads.length,
            containers: workloads.reduce((n, w) => n + containersOf(w).length, 0),
            images: imagesOf(objects),
            namespaces: k.namespaces,
            seconds: r.seconds,
        });
    }
    return { charts, findings };
}

/** Pure: the report a person reads. */
export function formatReport(title: string, result: CheckResult, policyType: string): string {
    const lines = [title];
    for (const c of result.charts) {
        const v = `${c.release.chart.split("/").pop()} ${c.release.version} (release ${c.release.releaseName} in ${c.release.namespace}) from ${c.source}`;
        if (!c.rendered) {
            lines.push(`  ${v}: NOT RENDERED`);
            continue;
        }
        lines.push(`  ${v}: ${c.objects} objects, ${c.workloads} workloads, ${c.containers} containers (${c.seconds.toFixed(1)} s)`);
        lines.push(`    images: ${c.images.join(", ") || "none"}`);
        const ns = c.namespaces.map((n) => `${n.namespace || "(none)"}: ${n.pass} pass, ${n.fail} fail, ${n.skip} skip${n.other ? `, ${n.other} other` : ""}`);
        lines.push(`    kyverno (${policyType}, with the stack's exceptions): ${ns.join("; ") || "no results"}`);
    }
    const order = { FAIL: 0, WARN: 1, INFO: 2 } as const;
    const sorted = [...result.findings].sort((a, b) => order[a.severity] - order[b.severity]);
    lines.push("", ...(sorted.length ? sorted.map(formatFinding) : ["no findings"]));
    const count = (s: Finding["severity"]) => result.findings.filter((f) => f.severity === s).length;
    lines.push("", `${count("FAIL")} strict failures, ${count("WARN")} warnings, ${count("INFO")} notes: ${exitCode(result.findings) ? "FIX BEFORE `pulumi up`" : "ok"}`);
    return lines.join("\n");
}

function argValue(args: readonly string[], flag: string): string | undefined {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<number> {
    const args = process.argv.slice(2);
    const stack = argValue(args, "--stack") ?? process.env.PULUMI_STACK ?? "dev";
    let helm: string;
    let kyverno: string;
    try {
        helm = findTool("helm");
        kyverno = findTool("kyverno");
    } catch (e) {
        if (e instanceof ToolMissingError) {
            console.error(`check:charts: ${e.message}\nNothing was rendered.`);
            return 2;
        }
        throw e;
    }
    const run = await runStack(stack);
    const policyType = run.resources.some((r) => r.type.endsWith(":ValidatingPolicy")) ? "ValidatingPolicy" : "ClusterPolicy";
    const crd = (kind: string) =>
        run.resources
            .filter((r) => r.type.includes("kyverno.io") && r.type.endsWith(`:${kind}`))
            .map((r) => {
                const [, group, version] = /^kubernetes:([^/]+)\/([^:]+):/.exec(r.type)!;
                return { apiVersion: `${group}/${version}`, kind, ...r.inputs };
            });
    const exceptions = crd("PolicyException");
    const chartsDir = process.env.CHARTS_DIR ? path.resolve(process.env.CHARTS_DIR) : undefined;
    const result = await checkCharts({
        releases: releasesOf(run),
        ...(chartsDir ? { chartsDir } : {}),
        helm,
        kyverno,
        policies: crd(policyType),
        exceptions,
        agentsNamespace: String(run.outputs.agentNamespace),
        exemptNamespaces: exemptNamespacesOf(exceptions),
        sentinels: run.sentinels,
    });
    const title = `check:charts: stack ${stack} (${path.basename(run.stackFile)}), values computed by the program; ${chartsDir ? `charts from CHARTS_DIR=${chartsDir}` : "charts from the configured repositories"}`;
    console.log(formatReport(title, result, policyType));
    return exitCode(result.findings);
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: unknown) => {
            console.error(`check:charts: ${e instanceof Error ? e.message : String(e)}`);
            process.exit(2);
        },
    );
}
