// The TypeScript reading of the catalogue: evaluates a PodRule's assertions on a Pod (or a Pod
// template found inside a controller), the way the Kyverno and CEL renderings do in the cluster.
import type { Assertion, ContainerList, PodRule } from "./catalogue";

/** Stands for a value Pulumi cannot know during preview (an Output not yet resolved). */
export const UNKNOWN: unique symbol = Symbol("unknown");

/**
 * CrossGuard wraps `args.props` in a proxy that throws `UnknownValueError` when a policy reads a
 * value unknown during preview (@pulumi/policy 1.21, proxy.js). Recognised by shape, not by
 * `instanceof`, so this module needs no run-time import of @pulumi/policy.
 */
export function isUnknownValueError(e: unknown): boolean {
    return e instanceof Error && "unknownTypeSentinel" in e;
}

/** Reads one property, turning a preview-unknown value into UNKNOWN. */
export function prop(obj: unknown, key: string): unknown {
    if (obj === UNKNOWN) return UNKNOWN;
    if (!obj || typeof obj !== "object") return undefined;
    try {
        return (obj as Record<string, unknown>)[key];
    } catch (e) {
        if (isUnknownValueError(e)) return UNKNOWN;
        throw e;
    }
}

export function getPath(obj: unknown, path: readonly string[]): unknown {
    let cur: unknown = obj;
    for (const k of path) cur = prop(cur, k);
    return cur;
}

/** The elements of an array-valued property; UNKNOWN when the list itself is unknown. */
export function items(obj: unknown, key: string): unknown[] | typeof UNKNOWN {
    const v = prop(obj, key);
    if (v === UNKNOWN) return UNKNOWN;
    if (!Array.isArray(v)) return [];
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) out.push(prop(v, String(i)));
    return out;
}

/** Where each resource type keeps its Pod (template): the path from the resource's inputs. */
export const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": [],
    "kubernetes:core/v1:ReplicationController": ["spec", "template"],
    "kubernetes:apps/v1:Deployment": ["spec", "template"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template"],
    "kubernetes:batch/v1:Job": ["spec", "template"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template"],
};

/** The Pod (metadata + spec) a resource of `type` runs, or undefined if it runs none. */
export function podOf(type: string, props: unknown): { metadata?: unknown; spec?: unknown } | undefined {
    const at = POD_TEMPLATE_PATHS[type];
    if (!at) return undefined;
    const tpl = getPath(props, at);
    if (tpl === UNKNOWN || !tpl || typeof tpl !== "object") return undefined;
    return { metadata: prop(tpl, "metadata"), spec: prop(tpl, "spec") };
}

export interface Finding {
    /** Where, e.g. `spec.initContainers[0] (clone)` or `metadata`. */
    readonly at: string;
    readonly message: string;
}

function isEmpty(v: unknown): boolean {
    return v === undefined || v === null || v === "";
}

/** Evaluates one assertion on one subject; undefined when it holds (or cannot be known yet). */
export function evaluate(a: Assertion, subject: unknown): string | undefined {
    const v = getPath(subject, a.path);
    if (v === UNKNOWN) return undefined;
    switch (a.kind) {
        case "present":
            return isEmpty(v) ? a.message : undefined;
        case "matches":
            return typeof v === "string" && new RegExp(a.regex).test(v) ? undefined : a.message;
        case "notMatches":
            return typeof v === "string" && new RegExp(a.regex).test(v) ? a.message : undefined;
    }
}

function containerLabel(list: ContainerList, i: number, c: unknown): string {
    const name = prop(c, "name");
    return `spec.${list}[${i}]${typeof name === "string" ? ` (${name})` : ""}`;
}

/** Every violation of `rule` by a Pod (or Pod template). */
export function checkPod(rule: PodRule, pod: { metadata?: unknown; spec?: unknown }): Finding[] {
    const findings: Finding[] = [];
    if (rule.subject.kind === "pod") {
        for (const a of rule.assertions) {
            const m = evaluate(a, pod);
            if (m) findings.push({ at: a.path.slice(0, -1).join(".") || "pod", message: m });
        }
        return findings;
    }
    for (const list of rule.subject.lists) {
        const cs = items(pod.spec, list);
        if (cs === UNKNOWN) continue;
        cs.forEach((c, i) => {
            for (const a of rule.assertions) {
                const m = evaluate(a, c);
                if (m) findings.push({ at: containerLabel(list, i, c), message: m });
            }
        });
    }
    return findings;
}

/** All containers of a Pod spec, with where they sit; for the preview-only container rules. */
export function allContainers(spec: unknown): { at: string; container: unknown }[] {
    const out: { at: string; container: unknown }[] = [];
    for (const list of ["containers", "initContainers", "ephemeralContainers"] as const) {
        const cs = items(spec, list);
        if (cs === UNKNOWN) continue;
        cs.forEach((c, i) => out.push({ at: containerLabel(list, i, c), container: c }));
    }
    return out;
}
