// Validates Kyverno objects against the OpenAPI v3 schema of their CRD, as shipped with Kyverno
// v1.19.0 (test/reference/kyverno-v1.19.0/: one CRD per file, descriptions removed by
// `npm run refdata`, everything else as upstream has it). The API server prunes unknown
// fields silently, so here every object schema that declares `properties` and neither
// `additionalProperties` nor `x-kubernetes-preserve-unknown-fields: true` rejects unknown fields:
// a misspelt `failureActon:` fails the test instead of vanishing in the cluster.
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { parse } from "yaml";
import { REFERENCE } from "./chartValues";

export const KYVERNO_CRDS = path.join(REFERENCE, "kyverno-v1.19.0");

interface Crd {
    spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean; deprecated?: boolean; schema: { openAPIV3Schema: unknown } }[] };
}

/** Makes unknown properties errors, except where the schema preserves unknown fields. */
export function closeSchema(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(closeSchema);
    if (!node || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
        // `properties` maps names to schemas: recurse into each, never treat the map as a schema.
        out[k] = k === "properties" ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeSchema(s)])) : closeSchema(v);
    }
    if (out.properties && out.additionalProperties === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true) {
        out.additionalProperties = false;
    }
    return out;
}

function loadCrds(): Crd[] {
    return fs
        .readdirSync(KYVERNO_CRDS)
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => parse(fs.readFileSync(path.join(KYVERNO_CRDS, f), "utf8")) as Crd);
}

let crds: Crd[] | undefined;
const validators = new Map<string, ValidateFunction>();

function ajv(): Ajv {
    const a = new Ajv({ allErrors: true, strict: false });
    // Formats are not what these tests are about (the CRDs use int32, int64 and date-time only);
    // the `type` checks still apply.
    for (const f of ["int32", "int64", "date-time"]) a.addFormat(f, true);
    for (const kw of ["x-kubernetes-preserve-unknown-fields", "x-kubernetes-list-type", "x-kubernetes-map-type", "x-kubernetes-list-map-keys", "x-kubernetes-int-or-string"]) {
        a.addKeyword(kw);
    }
    return a;
}

/** The apiVersion/kind pairs the reference CRDs serve, e.g. `kyverno.io/v2 PolicyException`. */
export function servedKinds(): string[] {
    crds ??= loadCrds();
    return crds.flatMap((c) => c.spec.versions.filter((v) => v.served).map((v) => `${c.spec.group}/${v.name} ${c.spec.names.kind}`));
}

function validatorFor(apiVersion: string, kind: string): ValidateFunction | string {
    const key = `${apiVersion} ${kind}`;
    const cached = validators.get(key);
    if (cached) return cached;
    crds ??= loadCrds();
    const [group, version] = apiVersion.split("/");
    const crd = crds.find((c) => c.spec.group === group && c.spec.names.kind === kind);
    if (!crd) return `no CRD for ${kind} in group ${group ?? "?"} under ${KYVERNO_CRDS}`;
    const v = crd.spec.versions.find((x) => x.name === version);
    if (!v || !v.served) return `${group}/${version ?? "?"} ${kind} is not served by Kyverno v1.19.0`;
    const fn = ajv().compile(closeSchema(v.schema.openAPIV3Schema) as object);
    validators.set(key, fn);
    return fn;
}

/** Every schema problem of a Kyverno object; [] when it is valid. */
export function kyvernoSchemaProblems(obj: Record<string, unknown>): string[] {
    const { apiVersion, kind } = obj;
    if (typeof apiVersion !== "string" || typeof kind !== "string") return ["object lacks apiVersion/kind"];
    const fn = validatorFor(apiVersion, kind);
    if (typeof fn === "string") return [fn];
    if (fn(obj)) return [];
    return (fn.errors ?? []).map((e) => {
        const extra = e.keyword === "additionalProperties" ? ` "${String((e.params as { additionalProperty?: string }).additionalProperty)}"` : "";
        return `${kind}${e.instancePath}: ${e.message ?? e.keyword}${extra}`;
    });
}

/** Whether the served version is marked deprecated in the CRD. */
export function isDeprecatedVersion(apiVersion: string, kind: string): boolean {
    crds ??= loadCrds();
    const [group, version] = apiVersion.split("/");
    const crd = crds.find((c) => c.spec.group === group && c.spec.names.kind === kind);
    return crd?.spec.versions.find((v) => v.name === version)?.deprecated === true;
}

export function assertValidKyverno(obj: Record<string, unknown>): void {
    const problems = kyvernoSchemaProblems(obj);
    if (problems.length) {
        const meta = obj.metadata as { name?: string } | undefined;
        throw new Error(`${String(obj.kind)} ${meta?.name ?? ""} fails the Kyverno v1.19.0 CRD schema:\n  - ${problems.join("\n  - ")}`);
    }
}
