// Shared helpers for ci-stack's own provider plugins (tools/providers/*), which stand in for the
// upstream pulumi-resource-random and pulumi-resource-command binaries: their Go modules are not served
// by the Go module proxy (tracker issue #10). Each plugin is a @pulumi/pulumi provider server
// (require("@pulumi/pulumi/provider").main), started by tools/bin/pulumi-resource-<name>, run by Node's
// TypeScript type stripping (Node >= 22.6; tools/tsconfig.json type-checks them).

import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type * as providerApi from "@pulumi/pulumi/provider/index.js";

export type Provider = providerApi.Provider;

/** A property value as the provider server hands it over: JSON, with secret/unknown markers. */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
export type Props = Record<string, Value | undefined>;

// @pulumi/pulumi is taken from the project the engine runs (plugins start in the program's directory),
// else from this repository's own node_modules.
export function loadProviderServer(): typeof providerApi {
    const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
    const req = createRequire(path.join(process.cwd(), "noop.js"));
    const resolved = req.resolve("@pulumi/pulumi/provider", { paths: [process.cwd(), repo] });
    return req(resolved) as typeof providerApi;
}

/** True when the module with this import.meta.url is the script node was started with. */
export function isMain(url: string): boolean {
    const script = process.argv[1];
    if (!script) return false;
    try {
        return fs.realpathSync(script) === fs.realpathSync(fileURLToPath(url));
    } catch {
        return false;
    }
}

/** Starts the gRPC provider server; the engine reads the port it prints. */
export function serve(provider: Provider): void {
    loadProviderServer()
        .main(provider, process.argv.slice(2))
        .catch((e: unknown) => {
            console.error(e);
            process.exit(1);
        });
}

// Wire encodings of the engine's property values (@pulumi/pulumi runtime/rpc.js: specialSigKey,
// specialSecretSig, unknownValue): the provider server passes Struct.toJavaScript() output, in which
// secrets and (during preview) unknowns keep these markers.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function isObject(v: Value | undefined): v is { [key: string]: Value } {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function isSecret(v: Value | undefined): boolean {
    return isObject(v) && v[SIG_KEY] === SECRET_SIG;
}

export function secret(value: Value): Value {
    return { [SIG_KEY]: SECRET_SIG, value };
}

/** Deeply removes secret markers. */
export function reveal(v: Value | undefined): Value | undefined {
    if (v === undefined) return undefined;
    if (isObject(v) && isSecret(v)) return reveal(v.value);
    if (Array.isArray(v)) return v.map((x) => reveal(x) ?? null);
    if (isObject(v)) {
        const out: { [key: string]: Value } = {};
        for (const [k, x] of Object.entries(v)) out[k] = reveal(x) ?? null;
        return out;
    }
    return v;
}

/** True when v is or contains an unknown (only during preview). */
export function hasUnknown(v: Value | undefined): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(hasUnknown);
    if (isObject(v)) return Object.values(v).some(hasUnknown);
    return false;
}

/** True when v is or contains a secret. */
export function hasSecret(v: Value | undefined): boolean {
    if (isSecret(v)) return true;
    if (Array.isArray(v)) return v.some(hasSecret);
    if (isObject(v)) return Object.values(v).some(hasSecret);
    return false;
}

export function deepEqual(a: Value | undefined, b: Value | undefined): boolean {
    if (a === b) return true;
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
    if (isObject(a) && isObject(b)) {
        const ka = Object.keys(a);
        return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
    }
    return false;
}

/** The type token of a URN (urn:pulumi:stack::project::[parent$]type::name). */
export function urnType(urn: string): string {
    const t = urn.split("::")[2] ?? "";
    return t.slice(t.lastIndexOf("$") + 1);
}

/** The name part of a URN. */
export function urnName(urn: string): string {
    return urn.split("::").pop() ?? "";
}
