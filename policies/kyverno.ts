// Renders a catalogue rule for Kyverno, in both of its policy languages:
//  - `kyvernoValidate(rule)`: the `validate` block of a kyverno.io/v1 ClusterPolicy rule. Presence
//    checks become a `pattern` (with `=(list)` anchors for the optional container lists, as in
//    kyverno/policies' require-pod-requests-limits); regex checks become one `foreach` per container
//    list with `deny` conditions on Kyverno's `regex_match` JMESPath function.
//  - `celValidations(rule)`: the `variables` and `validations` of a policies.kyverno.io
//    ValidatingPolicy (CEL, Kyverno >= 1.17).
// Both are written for Pods only: Kyverno's autogen rewrites them for the Pod controllers. For CEL
// that rewrite is TEXTUAL (kyverno/kyverno pkg/cel/autogen replacement.go + data.go, v1.17-v1.19):
// the literal `object.spec` becomes `object.spec.template.spec` and `object.metadata` becomes
// `object.spec.template.metadata` (for CronJobs `object.spec.jobTemplate.spec.template.…`), so the
// CEL here always spells those two prefixes out — `object.?metadata` would never be rewritten and a
// Deployment would be judged on its own labels — and reaches optionally only below them. CEL autogen
// covers DaemonSet, Deployment, ReplicaSet, StatefulSet, Job and CronJob; no ReplicationController.
import type { Assertion, ContainerList, PodRule } from "./catalogue";

const WILDCARD_NONEMPTY = "?*";

function assertSafeRegex(re: string): void {
    // Quotes/backslashes would need escaping in a JMESPath raw string and a CEL literal; braces
    // would collide with Kyverno's `{{ }}` variable substitution.
    if (/['"\\{}]/.test(re)) throw new Error(`regex ${re} must not contain quotes, backslashes or braces`);
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
    let cur = target;
    path.forEach((k, i) => {
        if (i === path.length - 1) cur[k] = value;
        else cur = (cur[k] ??= {}) as Record<string, unknown>;
    });
}

/** A JMESPath expression for `path` below `base` (keys with dots or slashes quoted). */
export function jmesPath(base: string, path: readonly string[]): string {
    return [base, ...path.map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `"${k}"`))].join(".");
}

function denyCondition(a: Assertion, base: string): Record<string, unknown> {
    const ref = jmesPath(base, a.path);
    switch (a.kind) {
        case "present":
            return { key: `{{ ${ref} || '' }}`, operator: "Equals", value: "" };
        case "matches":
            assertSafeRegex(a.regex);
            return { key: `{{ regex_match('${a.regex}', ${ref} || '') }}`, operator: "Equals", value: false };
        case "notMatches":
            assertSafeRegex(a.regex);
            return { key: `{{ regex_match('${a.regex}', ${ref} || '') }}`, operator: "Equals", value: true };
    }
}

const listKey = (l: ContainerList) => (l === "containers" ? l : `=(${l})`);

/** The `validate` block (without failureAction/message) of the ClusterPolicy rule for `rule`. */
export function kyvernoValidate(rule: PodRule): Record<string, unknown> {
    const presenceOnly = rule.assertions.every((a) => a.kind === "present");
    if (rule.subject.kind === "pod") {
        if (presenceOnly) {
            const pattern: Record<string, unknown> = {};
            for (const a of rule.assertions) setPath(pattern, a.path, WILDCARD_NONEMPTY);
            return { pattern };
        }
        return { deny: { conditions: { any: rule.assertions.map((a) => denyCondition(a, "request.object")) } } };
    }
    if (presenceOnly) {
        const item: Record<string, unknown> = {};
        for (const a of rule.assertions) setPath(item, a.path, WILDCARD_NONEMPTY);
        const spec = Object.fromEntries(rule.subject.lists.map((l) => [listKey(l), [item]]));
        return { pattern: { spec } };
    }
    return {
        foreach: rule.subject.lists.map((l) => ({
            list: `request.object.spec.${l}`,
            deny: { conditions: { any: rule.assertions.map((a) => denyCondition(a, "element")) } },
        })),
    };
}

/** A CEL optional-chain read of `path` below `base`, defaulting to ''. */
export function celRead(base: string, path: readonly string[]): string {
    const chain = path.map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.?${k}` : `[?'${k}']`)).join("");
    return `${base}${chain}.orValue('')`;
}

function celPredicate(a: Assertion, base: string): string {
    const read = celRead(base, a.path);
    switch (a.kind) {
        case "present":
            return `${read} != ''`;
        case "matches":
            assertSafeRegex(a.regex);
            return `${read}.matches('${a.regex}')`;
        case "notMatches":
            assertSafeRegex(a.regex);
            return `!${read}.matches('${a.regex}')`;
    }
}

/** The value an assertion takes when the field it reads is missing altogether. */
const holdsWhenAbsent = (a: Assertion) => a.kind === "notMatches";

/**
 * A Pod-level predicate in the form Kyverno's CEL autogen rewrites: `object.<top>` spelled out (it is
 * what the textual replacement matches), the rest read optionally. A Pod always has metadata and
 * spec, but a controller's template may lack `metadata`: `has(object.<top>)` (rewritten to
 * `has(object.spec.template.<top>)`) short-circuits that case to the missing-field verdict instead
 * of a CEL "no such key" error.
 */
function celPodPredicate(a: Assertion): string {
    const [top, ...rest] = a.path;
    if (top !== "metadata" && top !== "spec") throw new Error(`assertion path ${a.path.join(".")} must start at metadata or spec (what Kyverno's autogen rewrites)`);
    const inner = celPredicate({ ...a, path: rest }, `object.${top}`);
    return holdsWhenAbsent(a) ? `!has(object.${top}) || ${inner}` : `has(object.${top}) && ${inner}`;
}

export const CEL_CONTAINERS_VAR = "containers";

/** The CEL list of the containers a rule covers. */
export function celContainerList(lists: readonly ContainerList[]): string {
    return lists.map((l) => (l === "containers" ? "object.spec.containers" : `object.spec.?${l}.orValue([])`)).join(" + ");
}

export interface CelRendering {
    readonly variables: { name: string; expression: string }[];
    readonly validations: { expression: string; message: string }[];
}

/** `variables` and `validations` of the ValidatingPolicy for `rule`: one validation per assertion. */
export function celValidations(rule: PodRule): CelRendering {
    if (rule.subject.kind === "pod") {
        return { variables: [], validations: rule.assertions.map((a) => ({ expression: celPodPredicate(a), message: a.message })) };
    }
    return {
        variables: [{ name: CEL_CONTAINERS_VAR, expression: celContainerList(rule.subject.lists) }],
        validations: rule.assertions.map((a) => ({
            expression: `variables.${CEL_CONTAINERS_VAR}.all(c, ${celPredicate(a, "c")})`,
            message: `every container: ${a.message}`,
        })),
    };
}
