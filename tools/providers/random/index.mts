// ci-stack's own `random` provider plugin (started by tools/bin/pulumi-resource-random): the Go module
// github.com/pulumi/pulumi-random/provider/v4 is not served by the Go module proxy (tracker issue #10).
// It implements exactly what the project uses, random:index/randomPassword:RandomPassword
// (components/gitea.ts, components/jenkins.ts, components/seed/seed.ts), with the semantics of the
// upstream resource, which pulumi-random bridges from terraform-provider-random:
//   hashicorp/terraform-provider-random internal/provider/resource_password.go (schema v3: defaults,
//     validators, RequiresReplace on every argument, Create/Read/Update/Delete, generateHash) and
//   internal/random/string.go (CreateString: character sets and min_* counts).
// Property names are the bridged (camelCase) ones of @pulumi/random's RandomPassword. Any other
// resource type is rejected.

import * as crypto from "node:crypto";
import { generate } from "./bcrypt.mts";
import { type Props, type Provider, type Value, deepEqual, hasUnknown, isMain, reveal, secret, serve, urnType } from "../lib.mts";

export const TYPE = "random:index/randomPassword:RandomPassword";
// The @pulumi/random version in package-lock.json whose RandomPassword this serves, tagged as ours with
// semver build metadata (ignored by the engine's ">= requested version" check, which warns otherwise).
const VERSION = "4.21.2+ci-stack";

// Arguments (resource_password.go passwordSchemaV3); every one has RequiresReplace (keepers:
// RequiresReplaceIfValuesNotNull, overrideSpecial: replace unless "" -> null).
const ARGS = ["keepers", "length", "special", "upper", "lower", "number", "numeric",
    "minNumeric", "minUpper", "minLower", "minSpecial", "overrideSpecial"];
const BOOL_DEFAULT_TRUE = ["special", "upper", "lower"]; // booldefault.StaticBool(true)
const MINS = ["minNumeric", "minUpper", "minLower", "minSpecial"]; // int64default.StaticInt64(0)

interface Failure {
    property: string;
    reason: string;
}

function checkType(urn: string): void {
    if (urnType(urn) !== TYPE) throw new Error(`ci-stack's random provider only implements ${TYPE}, not ${urnType(urn)}`);
}

const isInt = (v: Value | undefined): v is number => typeof v === "number" && Number.isInteger(v);

// Check: the schema's defaults and validators (length: AtLeast(1) and AtLeastSumOf(min_*)), and
// NumberNumericAttributePlanModifier (number and numeric follow each other, default true).
export function check(urn: string, _olds: Props, news: Props): Promise<{ inputs: Props; failures: Failure[] }> {
    checkType(urn);
    const inputs: Props = { ...news };
    const failures: Failure[] = [];
    const isSet = (k: string): boolean => inputs[k] !== undefined && inputs[k] !== null;
    const known = (k: string): boolean => isSet(k) && !hasUnknown(inputs[k]);
    for (const k of Object.keys(inputs)) {
        if (!ARGS.includes(k)) failures.push({ property: k, reason: `unknown property ${k} of RandomPassword` });
    }
    for (const k of BOOL_DEFAULT_TRUE) if (!isSet(k)) inputs[k] = true;
    for (const k of MINS) if (!isSet(k)) inputs[k] = 0;
    if (!isSet("number") && !isSet("numeric")) {
        inputs.number = inputs.numeric = true;
    } else if (!isSet("number")) {
        inputs.number = inputs.numeric;
    } else if (!isSet("numeric")) {
        inputs.numeric = inputs.number;
    } else if (known("number") && known("numeric") && reveal(inputs.number) !== reveal(inputs.numeric)) {
        failures.push({ property: "numeric", reason: "number and numeric are both configured with different values" });
    }
    for (const k of [...BOOL_DEFAULT_TRUE, "number", "numeric"]) {
        if (known(k) && typeof reveal(inputs[k]) !== "boolean") failures.push({ property: k, reason: `${k} must be a boolean` });
    }
    for (const k of MINS) {
        const v = reveal(inputs[k]);
        if (known(k) && (!isInt(v) || v < 0)) failures.push({ property: k, reason: `${k} must be a non-negative integer` });
    }
    if (!isSet("length")) {
        failures.push({ property: "length", reason: "Missing required property 'length'" });
    } else if (known("length")) {
        const len = reveal(inputs.length);
        if (!isInt(len) || len < 1) {
            failures.push({ property: "length", reason: "length must be an integer of at least 1" });
        } else if (MINS.every(known)) {
            const sum = MINS.reduce((s, k) => s + Number(reveal(inputs[k])), 0);
            if (len < sum) {
                failures.push({ property: "length", reason: `length must be at least the sum of minUpper, minLower, minNumeric and minSpecial (${sum}), got ${len}` });
            }
        }
    }
    if (known("overrideSpecial") && typeof reveal(inputs.overrideSpecial) !== "string") {
        failures.push({ property: "overrideSpecial", reason: "overrideSpecial must be a string" });
    }
    if (known("keepers")) {
        const k = reveal(inputs.keepers);
        if (k === null || typeof k !== "object" || Array.isArray(k)) failures.push({ property: "keepers", reason: "keepers must be a map of strings" });
    }
    return Promise.resolve({ inputs, failures });
}

function withoutNulls(m: Value | undefined): Value {
    const out: { [key: string]: Value } = {};
    const r = reveal(m);
    if (r !== null && typeof r === "object" && !Array.isArray(r)) {
        for (const [k, v] of Object.entries(r)) if (v !== null) out[k] = v;
    }
    return out;
}

// Diff: every argument forces replacement when it changes (RequiresReplace); unknown means "may change".
export function diff(_id: string, urn: string, olds: Props, news: Props): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
    checkType(urn);
    const replaces: string[] = [];
    for (const k of ARGS) {
        const o = reveal(olds[k]) ?? null;
        const n = reveal(news[k]) ?? null;
        if (hasUnknown(news[k])) {
            replaces.push(k);
        } else if (k === "keepers") {
            // mapplanmodifiers.RequiresReplaceIfValuesNotNull: only non-null values count.
            if (!deepEqual(withoutNulls(o), withoutNulls(n))) replaces.push(k);
        } else if (k === "overrideSpecial") {
            // stringplanmodifiers.RequiresReplaceUnlessEmptyStringToNull.
            if (!(o === n || (o === "" && n === null))) replaces.push(k);
        } else if (!deepEqual(o, n)) {
            replaces.push(k);
        }
    }
    return Promise.resolve({ changes: replaces.length > 0, replaces, deleteBeforeReplace: false });
}

export interface StringParams {
    length: number;
    upper: boolean;
    lower: boolean;
    numeric: boolean;
    special: boolean;
    minNumeric: number;
    minUpper: number;
    minLower: number;
    minSpecial: number;
    overrideSpecial: string;
}

// internal/random/string.go CreateString: min_* characters from each set (also from a set that is
// switched off, as upstream does), the rest from the union of the enabled sets, then shuffled.
export function createString(p: StringParams): string {
    const numChars = "0123456789";
    const lowerChars = "abcdefghijklmnopqrstuvwxyz";
    const upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const specialChars = p.overrideSpecial !== "" ? p.overrideSpecial : "!@#$%&*()-_=+[]{}<>:?";
    let chars = "";
    if (p.upper) chars += upperChars;
    if (p.lower) chars += lowerChars;
    if (p.numeric) chars += numChars;
    if (p.special) chars += specialChars;
    const pick = (set: string, n: number): string => {
        if (n > 0 && set.length === 0) throw new Error("the character set specified is empty");
        let s = "";
        for (let i = 0; i < n; i++) s += set[crypto.randomInt(set.length)];
        return s;
    };
    let result = pick(numChars, p.minNumeric) + pick(lowerChars, p.minLower) + pick(upperChars, p.minUpper) +
        pick(specialChars, p.minSpecial);
    result += pick(chars, p.length - result.length);
    // Upstream reorders with sort.Slice over random keys; a Fisher-Yates shuffle places the min_*
    // characters uniformly too.
    const a = [...result];
    for (let i = a.length - 1; i > 0; i--) {
        const j = crypto.randomInt(i + 1);
        [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a.join("");
}

// Create: result and bcryptHash (secret; @pulumi/random also lists them in additionalSecretOutputs),
// id "none" as upstream.
export function create(urn: string, inputs: Props): Promise<{ id: string; outs: Props }> {
    checkType(urn);
    const num = (k: string): number => Number(reveal(inputs[k]) ?? 0);
    const bool = (k: string): boolean => reveal(inputs[k]) === true;
    const override = reveal(inputs.overrideSpecial);
    const result = createString({
        length: num("length"), upper: bool("upper"), lower: bool("lower"), numeric: bool("numeric"), special: bool("special"),
        minNumeric: num("minNumeric"), minUpper: num("minUpper"), minLower: num("minLower"), minSpecial: num("minSpecial"),
        overrideSpecial: typeof override === "string" ? override : "",
    });
    const bcryptHash = generate(result, 10);
    return Promise.resolve({ id: "none", outs: { ...inputs, result: secret(result), bcryptHash: secret(bcryptHash) } });
}

// Update copies the new arguments into the state (upstream Update); with every argument forcing
// replacement it is only reached for changes that do not matter.
export function update(_id: string, urn: string, olds: Props, news: Props): Promise<{ outs: Props }> {
    checkType(urn);
    return Promise.resolve({ outs: { ...news, result: olds.result, bcryptHash: olds.bcryptHash } });
}

// Read and Delete do nothing upstream: the state is the resource. (Without `read` the provider server
// returns the state unchanged.)
function del(): Promise<void> {
    return Promise.resolve();
}

export const provider: Provider = { version: VERSION, check, diff, create, update, delete: del };

if (isMain(import.meta.url)) serve(provider);
