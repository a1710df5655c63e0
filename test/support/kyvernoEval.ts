// A deliberately small interpreter of the Kyverno `validate` constructs that policies/kyverno.ts
// renders — patterns with `?*` wildcards and `=(key)` anchors, `foreach` over a container list with
// `deny` conditions using `regex_match` or `|| ''` defaults, `Equals` — so the tests can run the
// ClusterPolicy rendering on the fixtures. Anything else throws: if the renderer starts emitting a
// construct this does not know, the tests fail instead of silently passing. It mirrors Kyverno's
// documented semantics (validate patterns, anchors, foreach); it is not Kyverno.
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

function matchValue(pattern: unknown, value: unknown, at: string): string | undefined {
    if (pattern === "?*") {
        return (typeof value === "string" && value.length > 0) || typeof value === "number" ? undefined : `${at}: expected a non-empty value`;
    }
    if (Array.isArray(pattern)) {
        if (pattern.length !== 1) throw new Error(`${at}: only one-element array patterns are supported`);
        if (!Array.isArray(value)) return `${at}: expected an array`;
        for (let i = 0; i < value.length; i++) {
            const m = matchValue(pattern[0], value[i], `${at}[${i}]`);
            if (m) return m;
        }
        return undefined;
    }
    if (isObj(pattern)) {
        if (!isObj(value)) return `${at}: expected an object`;
        for (const [rawKey, sub] of Object.entries(pattern)) {
            const anchored = /^=\((.+)\)$/.exec(rawKey);
            const key = anchored ? anchored[1]! : rawKey;
            if (/[()^<>+!$]/.test(key)) throw new Error(`${at}.${rawKey}: unsupported anchor`);
            if (!(key in value) || value[key] === undefined) {
                if (anchored) continue; // equality anchor: the pattern applies only if the key is there
                return `${at}.${key}: missing`;
            }
            const m = matchValue(sub, value[key], `${at}.${key}`);
            if (m) return m;
        }
        return undefined;
    }
    throw new Error(`${at}: unsupported pattern value ${JSON.stringify(pattern)}`);
}

/** Resolves `base.a.b."c.d"` against the bindings. */
function resolve(expr: string, bindings: Obj): unknown {
    const parts = expr.match(/"[^"]*"|[^.]+/g) ?? [];
    let cur: unknown = bindings;
    for (const p of parts) {
        const k = p.startsWith('"') ? p.slice(1, -1) : p;
        cur = isObj(cur) ? cur[k] : undefined;
    }
    return cur;
}

/** Evaluates the `{{ … }}` forms the renderer emits. */
function evalKey(key: unknown, bindings: Obj): unknown {
    if (typeof key !== "string") throw new Error(`unsupported condition key ${JSON.stringify(key)}`);
    const inner = /^\{\{ (.+) \}\}$/.exec(key)?.[1];
    if (!inner) throw new Error(`unsupported condition key ${key}`);
    const rx = /^regex_match\('([^']*)', (\S+) \|\| ''\)$/.exec(inner);
    if (rx) {
        const v = resolve(rx[2]!, bindings);
        return new RegExp(rx[1]!).test(typeof v === "string" ? v : "");
    }
    const dflt = /^(\S+) \|\| ''$/.exec(inner);
    if (dflt) {
        const v = resolve(dflt[1]!, bindings);
        return v === undefined || v === null || v === "" ? "" : v;
    }
    throw new Error(`unsupported JMESPath ${inner}`);
}

function denied(deny: unknown, bindings: Obj): boolean {
    if (!isObj(deny) || !isObj(deny.conditions)) throw new Error("deny needs conditions");
    const { any, ...rest } = deny.conditions;
    if (Object.keys(rest).length || !Array.isArray(any)) throw new Error("only deny.conditions.any is supported");
    return any.some((c: Obj) => {
        if (c.operator !== "Equals") throw new Error(`unsupported operator ${String(c.operator)}`);
        return evalKey(c.key, bindings) === c.value;
    });
}

/** Runs a ClusterPolicy rule's `validate` block on a Pod; returns why it fails, or undefined. */
export function runKyvernoValidate(validate: Obj, pod: Obj): string | undefined {
    const known = new Set(["failureAction", "message", "pattern", "foreach", "deny"]);
    for (const k of Object.keys(validate)) if (!known.has(k)) throw new Error(`unsupported validate.${k}`);
    const request = { object: pod };
    if (validate.pattern !== undefined) return matchValue(validate.pattern, pod, "object");
    if (validate.deny !== undefined) return denied(validate.deny, { request }) ? "denied" : undefined;
    if (Array.isArray(validate.foreach)) {
        for (const fe of validate.foreach as Obj[]) {
            const list = resolve(String(fe.list), { request });
            // Kyverno skips a foreach whose list is absent (e.g. no initContainers).
            if (!Array.isArray(list)) continue;
            for (const element of list) if (denied(fe.deny, { request, element })) return `denied in ${String(fe.list)}`;
        }
        return undefined;
    }
    throw new Error("validate has no pattern, deny or foreach");
}
