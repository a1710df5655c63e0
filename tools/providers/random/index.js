"use strict";
// ci-stack's own `random` provider plugin (started by tools/bin/pulumi-resource-random): the Go module
// github.com/pulumi/pulumi-random/provider/v4 is not served by the Go module proxy (tracker issue #10).
// It implements exactly what the project uses, random:index/randomPassword:RandomPassword
// (components/gitea.ts, components/jenkins.ts, components/seed/seed.ts), with the semantics of the
// upstream resource, which pulumi-random bridges from terraform-provider-random:
//   hashicorp/terraform-provider-random internal/provider/resource_password.go (schema v3: defaults,
//     RequiresReplace on every argument, Create, Update, generateHash) and
//   internal/random/string.go (CreateString: character sets and min_* counts).
// Property names are the bridged (camelCase) ones of @pulumi/random's RandomPassword.
// Any other resource type is rejected.

const crypto = require("crypto");
const bcrypt = require("./bcrypt");
const { requirePulumi, secret, reveal, hasUnknown, deepEqual, UNKNOWN } = require("../lib");

const TYPE = "random:index/randomPassword:RandomPassword";
const VERSION = "0.1.0"; // our plugin's own version; it does not claim to be upstream pulumi-random

// Arguments, in resource_password.go's order; every one has RequiresReplace (keepers:
// RequiresReplaceIfValuesNotNull, overrideSpecial: replace unless "" -> null).
const ARGS = ["keepers", "length", "special", "upper", "lower", "number", "numeric",
    "minNumeric", "minUpper", "minLower", "minSpecial", "overrideSpecial"];
const BOOL_DEFAULT_TRUE = ["special", "upper", "lower"]; // booldefault.StaticBool(true)
const MINS = ["minNumeric", "minUpper", "minLower", "minSpecial"]; // int64default.StaticInt64(0)

function typeOf(urn) {
    return urn.split("::")[2];
}

function checkType(urn) {
    if (typeOf(urn) !== TYPE) throw new Error(`ci-stack's random provider only implements ${TYPE}, not ${typeOf(urn)}`);
}

// Check: the schema's defaults and validators (length: AtLeast(1) and AtLeastSumOf(min_*)), and
// NumberNumericAttributePlanModifier (number and numeric follow each other, default true).
async function check(urn, olds, news) {
    checkType(urn);
    const inputs = { ...news };
    const failures = [];
    const known = (k) => inputs[k] !== undefined && inputs[k] !== null && !hasUnknown(inputs[k]);
    for (const k of Object.keys(inputs)) {
        if (!ARGS.includes(k)) failures.push({ property: k, reason: `unknown property ${k} of RandomPassword` });
    }
    for (const k of BOOL_DEFAULT_TRUE) if (inputs[k] === undefined || inputs[k] === null) inputs[k] = true;
    for (const k of MINS) if (inputs[k] === undefined || inputs[k] === null) inputs[k] = 0;
    const num = inputs.number ?? null;
    const numeric = inputs.numeric ?? null;
    if (num === null && numeric === null) {
        inputs.number = inputs.numeric = true;
    } else if (num === null) {
        inputs.number = numeric;
    } else if (numeric === null) {
        inputs.numeric = num;
    } else if (!hasUnknown(num) && !hasUnknown(numeric) && reveal(num) !== reveal(numeric)) {
        failures.push({ property: "numeric", reason: "number and numeric are both configured with different values" });
    }
    for (const k of [...BOOL_DEFAULT_TRUE, "number", "numeric"]) {
        if (known(k) && typeof reveal(inputs[k]) !== "boolean") failures.push({ property: k, reason: `${k} must be a boolean` });
    }
    const isInt = (v) => typeof v === "number" && Number.isInteger(v);
    if (inputs.length === undefined || inputs.length === null) {
        failures.push({ property: "length", reason: "Missing required property 'length'" });
    } else if (known("length")) {
        const len = reveal(inputs.length);
        if (!isInt(len) || len < 1) failures.push({ property: "length", reason: "length must be an integer of at least 1" });
        if (MINS.every(known)) {
            const sum = MINS.reduce((s, k) => s + reveal(inputs[k]), 0);
            if (isInt(len) && len < sum) {
                failures.push({ property: "length", reason: `length must be at least the sum of minUpper, minLower, minNumeric and minSpecial (${sum}), got ${len}` });
            }
        }
    }
    for (const k of MINS) {
        if (known(k) && (!isInt(reveal(inputs[k])) || reveal(inputs[k]) < 0)) failures.push({ property: k, reason: `${k} must be a non-negative integer` });
    }
    if (known("overrideSpecial") && typeof reveal(inputs.overrideSpecial) !== "string") {
        failures.push({ property: "overrideSpecial", reason: "overrideSpecial must be a string" });
    }
    if (known("keepers")) {
        const k = reveal(inputs.keepers);
        if (typeof k !== "object" || Array.isArray(k)) failures.push({ property: "keepers", reason: "keepers must be a map of strings" });
    }
    return { inputs, failures };
}

function withoutNulls(m) {
    const out = {};
    for (const [k, v] of Object.entries(reveal(m) ?? {})) if (v !== null && v !== undefined) out[k] = v;
    return out;
}

// Diff: every argument forces replacement when it changes (RequiresReplace); unknown means "may change".
async function diff(id, urn, olds, news) {
    checkType(urn);
    const replaces = [];
    for (const k of ARGS) {
        const o = olds[k];
        const n = news[k];
        if (hasUnknown(n)) {
            replaces.push(k);
            continue;
        }
        if (k === "keepers") {
            // mapplanmodifiers.RequiresReplaceIfValuesNotNull: only non-null values count.
            if (!deepEqual(withoutNulls(o), withoutNulls(n))) replaces.push(k);
        } else if (k === "overrideSpecial") {
            // RequiresReplaceUnlessEmptyStringToNull.
            const ro = reveal(o) ?? null;
            const rn = reveal(n) ?? null;
            if (!(ro === rn || (ro === "" && rn === null))) replaces.push(k);
        } else if (!deepEqual(reveal(o) ?? null, reveal(n) ?? null)) {
            replaces.push(k);
        }
    }
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
}

// internal/random/string.go CreateString: min_* characters from each set (also from a set that is
// switched off, as upstream does), the rest from the union of the enabled sets, then shuffled.
function createString(p) {
    const numChars = "0123456789";
    const lowerChars = "abcdefghijklmnopqrstuvwxyz";
    const upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const specialChars = p.overrideSpecial ? p.overrideSpecial : "!@#$%&*()-_=+[]{}<>:?";
    let chars = "";
    if (p.upper) chars += upperChars;
    if (p.lower) chars += lowerChars;
    if (p.numeric) chars += numChars;
    if (p.special) chars += specialChars;
    const pick = (set, n) => {
        if (n > 0 && set.length === 0) throw new Error("the character set specified is empty");
        let s = "";
        for (let i = 0; i < n; i++) s += set[crypto.randomInt(set.length)];
        return s;
    };
    let result = pick(numChars, p.minNumeric) + pick(lowerChars, p.minLower) + pick(upperChars, p.minUpper) +
        pick(specialChars, p.minSpecial);
    result += pick(chars, p.length - result.length);
    // Upstream reorders with sort.Slice over random keys; a Fisher-Yates shuffle gives the same kind of
    // uniformly placed min_* characters.
    const a = [...result];
    for (let i = a.length - 1; i > 0; i--) {
        const j = crypto.randomInt(i + 1);
        [a[i], a[j]] = [a[j], a[i]];
    }
    return a.join("");
}

// Create: result and bcryptHash (both secret; @pulumi/random also lists them as additionalSecretOutputs),
// id "none" as upstream.
async function create(urn, inputs) {
    checkType(urn);
    const p = reveal(inputs);
    const result = createString({
        length: p.length, upper: p.upper, lower: p.lower, numeric: p.numeric, special: p.special,
        minNumeric: p.minNumeric, minUpper: p.minUpper, minLower: p.minLower, minSpecial: p.minSpecial,
        overrideSpecial: p.overrideSpecial ?? "",
    });
    const bcryptHash = bcrypt.generate(result, 10);
    return { id: "none", outs: { ...inputs, result: secret(result), bcryptHash: secret(bcryptHash) } };
}

// Update copies the new arguments into the state (upstream Update); with every argument forcing
// replacement it is only reached for no-op changes.
async function update(id, urn, olds, news) {
    checkType(urn);
    return { outs: { ...news, result: olds.result, bcryptHash: olds.bcryptHash } };
}

// Read and Delete do nothing upstream: the state is the resource. (Without `read`, the provider server
// returns the state unchanged.)
async function del() {}

function main() {
    const provider = requirePulumi("provider");
    return provider.main({ version: VERSION, check, diff, create, update, delete: del }, process.argv.slice(2));
}

module.exports = { check, diff, create, update, createString, TYPE, UNKNOWN };

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
