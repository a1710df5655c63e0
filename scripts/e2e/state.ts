// The stack's resources as the engine recorded them (`pulumi stack export --show-secrets`), mapped to
// the objects they should be in the API server. Checks driven by the state rather than by a list of
// names: whatever the program registers is looked up live, so new resources are covered unchanged.
import { apiPath, Kube, type KObject } from "./kube";

export interface StateResource {
    urn: string;
    type: string;
    id?: string;
    custom?: boolean;
    protect?: boolean;
    retainOnDelete?: boolean;
    parent?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Replaces exported secret envelopes ({sig, plaintext}) by their values. */
export function unwrapSecrets(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270" && typeof o.plaintext === "string") return unwrapSecrets(JSON.parse(o.plaintext));
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

/** A JSON value as text: strings as they are, anything else as JSON ("" for undefined). */
export const text = (v: unknown): string => (typeof v === "string" ? v : v === undefined ? "" : (JSON.stringify(v) ?? ""));

/** The logical name in a URN (after the last "::"). */
export const nameOf = (r: { urn: string }): string => r.urn.slice(r.urn.lastIndexOf("::") + 2);

/** "kubernetes:core/v1:Secret" → { apiVersion: "v1", kind: "Secret" }; undefined for other providers. */
export function k8sTypeOf(type: string): { apiVersion: string; kind: string } | undefined {
    const m = /^kubernetes:([^:]+)\/([^/:]+):([A-Za-z0-9]+)$/.exec(type);
    if (!m || m[1] === "helm.sh") return undefined;
    const [, group, version, kind] = m as unknown as [string, string, string, string];
    return { apiVersion: group === "core" ? version : `${group}/${version}`, kind };
}

export interface K8sRef {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
}

/** The object a kubernetes:* state resource stands for (from its outputs' metadata). */
export function k8sRefOf(r: StateResource): K8sRef | undefined {
    const t = k8sTypeOf(r.type);
    const md = (r.outputs?.metadata ?? {}) as { name?: string; namespace?: string };
    if (!t || !md.name) return undefined;
    return { ...t, name: md.name, ...(md.namespace ? { namespace: md.namespace } : {}) };
}

interface ApiResourceList {
    resources: { name: string; kind: string; namespaced: boolean }[];
}

/** Resolves kinds to resource paths through API discovery (so CRDs need no table). */
export class Discovery {
    private readonly cache = new Map<string, ApiResourceList>();

    constructor(private readonly kube: Kube) {}

    async path(ref: K8sRef): Promise<string> {
        let list = this.cache.get(ref.apiVersion);
        if (!list) {
            list = await this.kube.get<ApiResourceList>(ref.apiVersion.includes("/") ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`);
            this.cache.set(ref.apiVersion, list);
        }
        const res = list.resources.find((x) => x.kind === ref.kind && !x.name.includes("/"));
        if (!res) throw new Error(`the API server serves no ${ref.kind} in ${ref.apiVersion}`);
        return apiPath(ref.apiVersion, res.name, res.namespaced ? ref.namespace : undefined, ref.name);
    }

    async find<T = KObject>(ref: K8sRef): Promise<T | undefined> {
        return this.kube.find<T>(await this.path(ref));
    }
}

/** True when every field of `want` is in `got` with the same value (arrays element-wise, same length). */
export function isSubset(want: unknown, got: unknown): boolean {
    if (Array.isArray(want)) return Array.isArray(got) && want.length === got.length && want.every((w, i) => isSubset(w, got[i]));
    if (want && typeof want === "object") {
        if (!got || typeof got !== "object" || Array.isArray(got)) return false;
        return Object.entries(want).every(([k, w]) => isSubset(w, (got as Record<string, unknown>)[k]));
    }
    return want === got;
}

/** Paths under `want` that `got` lacks or holds differently (for failure messages). */
export function subsetDiff(want: unknown, got: unknown, at = ""): string[] {
    if (Array.isArray(want)) {
        if (!Array.isArray(got) || got.length !== want.length) return [`${at || "."}: expected ${want.length} items, got ${Array.isArray(got) ? got.length : typeof got}`];
        return want.flatMap((w, i) => subsetDiff(w, got[i], `${at}[${i}]`));
    }
    if (want && typeof want === "object") {
        if (!got || typeof got !== "object") return [`${at || "."}: missing`];
        return Object.entries(want).flatMap(([k, w]) => subsetDiff(w, (got as Record<string, unknown>)[k], `${at}.${k}`));
    }
    return want === got ? [] : [`${at}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`];
}
