// Evaluates the CEL rendering of a rule (ValidatingPolicy `variables` + `validations`) on a Pod with
// @marcbachmann/cel-js, a CEL implementation with the optional-types extension (`.?field`,
// `[?'key']`, `orValue`) Kubernetes and Kyverno enable. Kyverno itself uses cel-go; this checks the
// expressions' meaning on the fixtures, and that they parse with optional types on.
import { Environment } from "@marcbachmann/cel-js";

const env = new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });

export interface CelPolicyPart {
    readonly variables?: readonly { name: string; expression: string }[];
    readonly validations: readonly { expression: string; message: string }[];
}

/** Messages of the validations that evaluate to false on `object`; [] when the Pod passes. */
export function runCel(part: CelPolicyPart, object: unknown): string[] {
    const variables: Record<string, unknown> = {};
    for (const v of part.variables ?? []) variables[v.name] = env.evaluate(v.expression, { object, variables });
    const failed: string[] = [];
    for (const v of part.validations) {
        const r: unknown = env.evaluate(v.expression, { object, variables });
        if (typeof r !== "boolean") throw new Error(`${v.expression} evaluated to ${String(r)}, not a bool`);
        if (!r) failed.push(v.message);
    }
    return failed;
}

/** Evaluates one boolean expression (exception match conditions). */
export function evalCelBool(expression: string, bindings: Record<string, unknown>): boolean {
    const r: unknown = env.evaluate(expression, bindings);
    if (typeof r !== "boolean") throw new Error(`${expression} evaluated to ${String(r)}, not a bool`);
    return r;
}
