// Shared by the tests (test/support/k8sSchema.ts re-exports it) and `npm run check:charts`.
// Validates core Kubernetes objects against the Kubernetes OpenAPI schema, as two maintained npm
// packages generated from it carry it:
//  - kubernetes-models (tommy351): ajv validators compiled from the OpenAPI definitions — types,
//    formats (quantity, int-or-string), enums and required fields. They accept unknown fields,
//    like the API server, which silently prunes them.
//  - @kubernetes/client-node: every model's attributeTypeMap, the OpenAPI property list. Walking it
//    turns an unknown field (a typo such as `resource:` or `claimname:`) into an error.
import * as k8s from "@kubernetes/client-node";

type AttributeMap = { name: string; baseName: string; type: string; format: string }[];
type ModelClass = { getAttributeTypeMap(): AttributeMap };
const MODELS = k8s as unknown as Record<string, ModelClass | undefined>;

const PRIMITIVES = new Set(["string", "number", "boolean", "Date", "any", "object", "IntOrString"]);

function typeCheck(value: unknown, type: string, at: string, problems: string[]): void {
    if (value === undefined || value === null) return;
    const arr = /^Array<(.+)>$/.exec(type);
    if (arr) {
        if (!Array.isArray(value)) return void problems.push(`${at}: expected an array`);
        value.forEach((v, i) => typeCheck(v, arr[1]!, `${at}[${i}]`, problems));
        return;
    }
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) {
        if (typeof value !== "object" || Array.isArray(value)) return void problems.push(`${at}: expected a map`);
        for (const [k, v] of Object.entries(value)) typeCheck(v, map[1]!, `${at}.${k}`, problems);
        return;
    }
    if (PRIMITIVES.has(type)) return; // kubernetes-models checks primitive types and formats
    const model = MODELS[type];
    if (!model) return;
    if (typeof value !== "object" || Array.isArray(value)) return void problems.push(`${at}: expected an object (${type})`);
    const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
    for (const [k, v] of Object.entries(value)) {
        const t = attrs.get(k);
        if (t === undefined) problems.push(`${at}.${k}: unknown field (not in ${type})`);
        else typeCheck(v, t, `${at}.${k}`, problems);
    }
}

function clientModelName(apiVersion: string, kind: string): string {
    const version = apiVersion.split("/").pop()!;
    return `${version[0]!.toUpperCase()}${version.slice(1)}${kind}`;
}

/** Every schema problem of one object; [] when it is valid. */
export async function k8sSchemaProblems(obj: Record<string, unknown>): Promise<string[]> {
    const apiVersion = obj.apiVersion;
    const kind = obj.kind;
    if (typeof apiVersion !== "string" || typeof kind !== "string") return ["object lacks apiVersion/kind"];
    const problems: string[] = [];

    let mod: Record<string, unknown>;
    try {
        mod = (await import(`kubernetes-models/${apiVersion}`)) as Record<string, unknown>;
    } catch {
        return [`${apiVersion} is not a core Kubernetes API group/version`];
    }
    const Cls = mod[kind] as (new (d: unknown) => { validate(): void }) | undefined;
    if (!Cls) return [`${apiVersion} has no kind ${kind}`];
    try {
        new Cls(obj).validate();
    } catch (e) {
        problems.push(...String((e as Error).message).split(", ").map((m) => m.replace(/^data/, kind)));
    }

    const modelName = clientModelName(apiVersion, kind);
    if (!MODELS[modelName]) problems.push(`no OpenAPI model ${modelName} for unknown-field checks`);
    else typeCheck(obj, modelName, kind, problems);
    return problems;
}

/** Throws with every problem; for `assert`-style use in tests. */
export async function assertValidK8s(obj: Record<string, unknown>): Promise<void> {
    const problems = await k8sSchemaProblems(obj);
    if (problems.length) {
        const meta = obj.metadata as { name?: string } | undefined;
        throw new Error(`${String(obj.kind)} ${meta?.name ?? ""} fails the Kubernetes schema:\n  - ${problems.join("\n  - ")}`);
    }
}
