"use strict";
// Shared helpers for ci-stack's own provider plugins (tools/providers/*), which stand in for the
// upstream pulumi-resource-random and pulumi-resource-command binaries: their Go modules are not served
// by the Go module proxy (tracker issue #10). Each plugin is a @pulumi/pulumi provider server
// (require("@pulumi/pulumi/provider").main), started by tools/bin/pulumi-resource-<name>.

const path = require("path");

// @pulumi/pulumi is taken from the project the engine runs (the plugin's working directory is the
// program's directory), else from this repository's own node_modules.
function requirePulumi(subpath) {
    const request = subpath ? `@pulumi/pulumi/${subpath}` : "@pulumi/pulumi";
    const resolved = require.resolve(request, { paths: [process.cwd(), path.join(__dirname, "..", "..")] });
    return require(resolved);
}

// Wire encodings of the engine's property values (@pulumi/pulumi runtime/rpc.js): the provider server
// hands Check/Diff/Create/... plain JSON, in which secrets and unknowns keep these markers.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function isSecret(v) {
    return v !== null && typeof v === "object" && v[SIG_KEY] === SECRET_SIG;
}

function secret(value) {
    return { [SIG_KEY]: SECRET_SIG, value };
}

/** Deeply removes secret markers. */
function reveal(v) {
    if (isSecret(v)) return reveal(v.value);
    if (Array.isArray(v)) return v.map(reveal);
    if (v !== null && typeof v === "object") {
        const out = {};
        for (const [k, x] of Object.entries(v)) out[k] = reveal(x);
        return out;
    }
    return v;
}

/** True when v is or contains an unknown (only during preview). */
function hasUnknown(v) {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(hasUnknown);
    if (v !== null && typeof v === "object") return Object.values(v).some(hasUnknown);
    return false;
}

/** True when v is or contains a secret. */
function hasSecret(v) {
    if (isSecret(v)) return true;
    if (Array.isArray(v)) return v.some(hasSecret);
    if (v !== null && typeof v === "object") return Object.values(v).some(hasSecret);
    return false;
}

function deepEqual(a, b) {
    if (a === b) return true;
    if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

/** The name part of a URN (urn:pulumi:stack::project::type::name). */
function urnName(urn) {
    return urn.split("::").pop();
}

module.exports = { requirePulumi, isSecret, secret, reveal, hasUnknown, hasSecret, deepEqual, urnName, UNKNOWN };
