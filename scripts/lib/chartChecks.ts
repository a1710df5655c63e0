// The checks `npm run check:charts` runs over rendered chart manifests, as pure functions of the
// rendered YAML (and of Kyverno's report), so they are tested offline. Each finding names the chart,
// the object and, where there is one, the container.
//   FAIL  strict: the exit status is non-zero (render errors, schema errors, a container without CPU/
//         memory requests, a Secret value in a ConfigMap, a stack secret anywhere in values or
//         manifests, a Kyverno failure in the agents namespace)
//   WARN  worth fixing, not blocking (no limits; a Kyverno failure in a namespace neither exempt nor
//         the agents one)
//   INFO  context (what the PolicyExceptions hide in exempt namespaces, objects without a schema)
import { parseAllDocuments } from "yaml";
import { POD_TEMPLATE_PATHS, getPath } from "../../policies/check";
import { k8sSchemaProblems } from "./k8sSchema";
import type { ReportResult } from "./kyvernoCli";

/** A Kubernetes object as parsed from YAML: the fields the checks read are typed, the rest unknown. */
export interface K8sObject {
    readonly apiVersion?: string;
    readonly kind?: string;
    metadata?: { name?: string; namespace?: string; readonly [field: string]: unknown };
    readonly [field: string]: unknown;
}

interface Container {
    readonly name?: string;
    readonly image?: string;
    readonly resources?: { readonly requests?: Record<string, unknown>; readonly limits?: Record<string, unknown> };
}

type Obj = K8sObject;

export type Severity = "FAIL" | "WARN" | "INFO";
export type Check = "source" | "render" | "schema" | "kyverno" | "resources" | "secrets";

export interface Finding {
    readonly severity: Severity;
    readonly check: Check;
    readonly chart: string;
    /** `Kind namespace/name`. */
    readonly object?: string;
    readonly container?: string;
    readonly message: string;
}

// Kinds the API server keeps cluster-scoped: Helm renders them without a namespace, and so do we.
const CLUSTER_SCOPED = new Set([
    "Namespace", "Node", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PriorityClass", "IngressClass", "RuntimeClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "CSIDriver",
]);

/** `Kind namespace/name` (or `Kind name` when cluster-scoped). */
export function objectRef(o: Obj): string {
    const ns = o.metadata?.namespace;
    return `${String(o.kind)} ${ns ? `${ns}/` : ""}${String(o.metadata?.name)}`;
}

/**
 * Pure: the objects of `helm template` output. Namespaced objects the chart renders without a
 * namespace get the release's, as `helm install` places them.
 */
export function parseManifests(text: string, releaseNamespace: string): Obj[] {
    const out: Obj[] = [];
    for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
        const o = doc.toJS() as Obj | null;
        if (!o || typeof o !== "object") continue;
        if (o.kind === "List" && Array.isArray(o.items)) {
            out.push(...(o.items as Obj[]));
            continue;
        }
        if (!CLUSTER_SCOPED.has(String(o.kind)) && o.metadata && !o.metadata.namespace) o.metadata.namespace = releaseNamespace;
        out.push(o);
    }
    return out;
}

/** Pure: why `helm template` failed, as findings ([] when it rendered). */
export function renderFindings(chart: string, status: number | null, stderr: string): Finding[] {
    if (status === 0) return [];
    const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
    const conflict = lines.filter((l) => l.includes("[PLUGIN CONFLICT]"));
    const errors = lines.filter((l) => /^Error:|error/i.test(l));
    const chosen = conflict.length ? conflict : errors.length ? errors : lines.slice(-3);
    return (chosen.length ? chosen : [`helm exited ${status}`]).map((message) => ({ severity: "FAIL", check: "render", chart, message }));
}

const POD_PATH_BY_KIND: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
    Object.entries(POD_TEMPLATE_PATHS).map(([type, at]) => [type.split(":").pop()!, at]),
);

export interface ContainerRef {
    readonly list: "containers" | "initContainers";
    readonly container: Container;
}

/** Pure: the containers and init containers of a workload (Pod or Pod controller); [] for other kinds. */
export function containersOf(o: Obj): ContainerRef[] {
    const at = POD_PATH_BY_KIND[String(o.kind)];
    if (!at || !o.apiVersion || !/^(v1|apps\/v1|batch\/v1)$/.test(o.apiVersion)) return [];
    const spec = getPath(o, [...at, "spec"]) as { containers?: Container[]; initContainers?: Container[] } | undefined;
    const out: ContainerRef[] = [];
    for (const list of ["containers", "initContainers"] as const) for (const c of spec?.[list] ?? []) out.push({ list, container: c });
    return out;
}

const present = (v: unknown) => v !== undefined && v !== null && v !== "";

/** Pure: every container (sidecars and init containers included) has CPU and memory requests, and limits. */
export function resourceFindings(chart: string, objects: readonly Obj[]): Finding[] {
    const out: Finding[] = [];
    for (const o of objects) {
        for (const { list, container } of containersOf(o)) {
            const r = container.resources ?? {};
            const where = { chart, object: objectRef(o), container: `${list === "initContainers" ? "init " : ""}${String(container.name)}` };
            const missingReq = ["cpu", "memory"].filter((k) => !present(r.requests?.[k]));
            const missingLim = ["cpu", "memory"].filter((k) => !present(r.limits?.[k]));
            if (missingReq.length) out.push({ severity: "FAIL", check: "resources", ...where, message: `no resources.requests.${missingReq.join("/")}` });
            if (missingLim.length) out.push({ severity: "WARN", check: "resources", ...where, message: `no resources.limits.${missingLim.join("/")}` });
        }
    }
    return out;
}

/** Pure: the images every workload pulls, sorted and de-duplicated. */
export function imagesOf(objects: readonly Obj[]): string[] {
    return [...new Set(objects.flatMap((o) => containersOf(o).map((c) => String(c.container.image))))].sort();
}

// Shorter Secret values ("true", a port, a user name such as "admin") say nothing when found in a
// ConfigMap and would drown the report.
export const MIN_SECRET_LENGTH = 8;

const decode = (b64: unknown) => (typeof b64 === "string" ? Buffer.from(b64, "base64").toString("utf8") : "");

/**
 * Pure: no Secret value appears in a ConfigMap, and no stack secret (its sentinel) appears in any
 * rendered object but a Secret, nor in the Helm values.
 */
export function secretFindings(chart: string, objects: readonly Obj[], values: unknown, sentinels: readonly string[]): Finding[] {
    const out: Finding[] = [];
    const secrets: { ref: string; key: string; value: string }[] = [];
    for (const o of objects.filter((x) => x.kind === "Secret" && x.apiVersion === "v1")) {
        for (const [k, v] of Object.entries((o.data ?? {}) as Record<string, unknown>)) secrets.push({ ref: objectRef(o), key: k, value: decode(v) });
        for (const [k, v] of Object.entries((o.stringData ?? {}) as Record<string, unknown>)) secrets.push({ ref: objectRef(o), key: k, value: String(v) });
    }
    for (const cm of objects.filter((x) => x.kind === "ConfigMap" && x.apiVersion === "v1")) {
        const entries = [
            ...Object.entries((cm.data ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
            ...Object.entries((cm.binaryData ?? {}) as Record<string, unknown>).map(([k, v]) => [k, decode(v)]),
        ];
        for (const [k, text] of entries) {
            for (const s of secrets) {
                if (s.value.length >= MIN_SECRET_LENGTH && text!.includes(s.value)) {
                    out.push({ severity: "FAIL", check: "secrets", chart, object: objectRef(cm), message: `data.${k} contains the value of ${s.ref} key ${s.key}` });
                }
            }
        }
    }
    const valuesText = JSON.stringify(values ?? {});
    for (const s of sentinels) {
        if (valuesText.includes(s)) out.push({ severity: "FAIL", check: "secrets", chart, message: "a stack secret is in the Helm values (charts must read it from an existing Secret)" });
        for (const o of objects) {
            if (o.kind !== "Secret" && JSON.stringify(o).includes(s)) out.push({ severity: "FAIL", check: "secrets", chart, object: objectRef(o), message: "holds a stack secret outside a Secret" });
        }
    }
    return out;
}

/** Pure-ish: schema problems of every core object; objects of other API groups are listed once as INFO. */
export async function schemaFindings(chart: string, objects: readonly Obj[]): Promise<Finding[]> {
    const out: Finding[] = [];
    const unchecked = new Set<string>();
    for (const o of objects) {
        const problems = await k8sSchemaProblems(o);
        if (problems.length === 1 && / is not a core Kubernetes API group\/version$/.test(problems[0]!)) {
            unchecked.add(`${String(o.apiVersion)} ${String(o.kind)}`);
            continue;
        }
        for (const p of problems) out.push({ severity: "FAIL", check: "schema", chart, object: objectRef(o), message: p });
    }
    for (const u of [...unchecked].sort()) out.push({ severity: "INFO", check: "schema", chart, message: `${u}: no schema here (not a core Kubernetes kind); not checked` });
    return out;
}

export interface NamespaceSummary {
    readonly namespace: string;
    readonly pass: number;
    readonly fail: number;
    readonly skip: number;
    readonly other: number;
}

export interface KyvernoVerdicts {
    readonly findings: Finding[];
    readonly namespaces: NamespaceSummary[];
}

/**
 * Pure: Kyverno's results read per namespace. `deployed` are the results with the stack's
 * PolicyExceptions (what the cluster will report); `unexempted` the same policies without them, used
 * only to say what the exceptions hide. Failures (and errors) in the agents namespace are strict.
 */
export function kyvernoVerdicts(
    chart: string,
    deployed: readonly ReportResult[],
    unexempted: readonly ReportResult[],
    agentsNamespace: string,
    exemptNamespaces: readonly string[],
): KyvernoVerdicts {
    const findings: Finding[] = [];
    const counts = new Map<string, { pass: number; fail: number; skip: number; other: number }>();
    const refOf = (s: ReportResult["subjects"][number]) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ""}${s.name}`;
    for (const r of deployed) {
        for (const s of r.subjects) {
            const ns = s.namespace ?? "";
            const c = counts.get(ns) ?? { pass: 0, fail: 0, skip: 0, other: 0 };
            if (r.result === "pass" || r.result === "fail" || r.result === "skip") c[r.result]++;
            else c.other++;
            counts.set(ns, c);
            if (r.result === "pass" || r.result === "skip") continue;
            const strict = ns === agentsNamespace;
            findings.push({
                severity: strict ? "FAIL" : "WARN",
                check: "kyverno",
                chart,
                object: refOf(s),
                message: `${r.policy}/${r.rule}: ${r.result}${strict ? " in the agents namespace" : ""}: ${r.message}`,
            });
        }
    }
    for (const r of unexempted) {
        if (r.result !== "fail") continue;
        for (const s of r.subjects) {
            if (!exemptNamespaces.includes(s.namespace ?? "")) continue;
            findings.push({ severity: "INFO", check: "kyverno", chart, object: refOf(s), message: `${r.policy}/${r.rule} would fail; exempt by the PolicyException for namespace ${s.namespace}: ${r.message}` });
        }
    }
    const namespaces = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([namespace, c]) => ({ namespace, ...c }));
    return { findings, namespaces };
}

/** Pure: the exit status for a set of findings. */
export function exitCode(findings: readonly Finding[]): number {
    return findings.some((f) => f.severity === "FAIL") ? 1 : 0;
}

/** Pure: one line per finding. */
export function formatFinding(f: Finding): string {
    const where = [f.object, f.container ? `container ${f.container}` : undefined].filter(Boolean).join(" ");
    return `${f.severity.padEnd(4)}  ${f.check.padEnd(9)}  ${f.chart}: ${where ? `${where}: ` : ""}${f.message}`;
}

/** Pure: the namespaces a set of PolicyExceptions exempts (kyverno.io/v2 match namespaces, or the CEL list). */
export function exemptNamespacesOf(exceptions: readonly K8sObject[]): string[] {
    const out = new Set<string>();
    for (const e of exceptions) {
        const spec = (e.spec ?? {}) as { match?: { any?: { resources?: { namespaces?: string[] } }[] }; matchConditions?: { expression?: string }[] };
        for (const f of spec.match?.any ?? []) for (const ns of f.resources?.namespaces ?? []) out.add(ns);
        // The CEL exception lists them as `… in ['a', 'b']` (components/kyvernoPolicies.ts).
        for (const c of spec.matchConditions ?? []) {
            const list = /\bin \[([^\]]*)\]/.exec(String(c.expression))?.[1] ?? "";
            for (const m of list.matchAll(/'([^']*)'/g)) out.add(m[1]!);
        }
    }
    return [...out].sort();
}
