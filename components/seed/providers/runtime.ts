// What every seed provider shares: connection shapes, one ready REST client per process and server,
// the preview placeholder check, and the salted digest kept in state instead of a secret.
//
// Serialization: `pulumi.dynamic.Resource` stores each provider as JavaScript text (closure
// serialization of `() => provider`) in the resource's `__provider` input, and the engine runs that
// text in a separate process for every later operation (including `destroy` with an older program).
// So the providers capture nothing but code: connection details (URLs, user names, passwords) arrive
// as (secret) inputs, clients are constructed inside each method, and the one piece of per-process
// state (which servers were already seen ready) lives on `globalThis`, never in a captured variable.
// test/seed/providers.test.ts serializes the provider and evaluates the text.
//
// This module must never import @pulumi/pulumi at run time: the serializer captures the modules a
// provider reaches, and the SDK's module state holds the stack's config, secrets included
// (program-side helpers live in inputs.ts).
import { createHash } from "node:crypto";
import { GiteaAdminClient } from "../giteaAdminClient";
import { HarborClient } from "../harborClient";
import { JenkinsClient } from "../jenkinsClient";

// ---------------------------------------------------------------------------------------------
// Connections (plain: what the provider receives once the engine has unwrapped the secrets)

export interface GiteaConn {
    /** Base URL reachable from where `pulumi up` runs (the external NodePort URL). */
    readonly url: string;
    readonly username: string;
    readonly password: string;
    /** Bound on the readiness wait before the first call (default 300 000 ms: charts take minutes). */
    readonly readyTimeoutMs?: number;
}
export type JenkinsConn = GiteaConn;
/** Harbor's API at http(s)://<registry.server>, with the credentials the stack manages Harbor with. */
export type HarborConn = GiteaConn;

/** The Pulumi engine's placeholder for a value not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const DEFAULT_READY_MS = 300_000;

export function hasUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(hasUnknown);
    if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
    return false;
}

export function sameConn(a: GiteaConn | undefined, b: GiteaConn): boolean {
    return !!a && a.url === b.url && a.username === b.username && a.password === b.password;
}

/**
 * One ready client per process, server and credentials: every resource of a run shares its session
 * (so Jenkins hands out one crumb, not one per resource) and the readiness wait happens once, before
 * the first call. The memo lives on globalThis, looked up at call time, because anything a provider
 * captures is frozen into its serialized text.
 */
function shared<T>(key: string, make: () => Promise<T>): Promise<T> {
    const g = globalThis as unknown as Record<symbol, Map<string, Promise<unknown>> | undefined>;
    const memo = (g[Symbol.for("cistack.seed.clients")] ??= new Map<string, Promise<unknown>>());
    let p = memo.get(key) as Promise<T> | undefined;
    if (!p) {
        p = make();
        memo.set(key, p);
        // A failed wait is not remembered: the next operation waits again.
        p.catch(() => memo.delete(key));
    }
    return p;
}

export function giteaClient(c: GiteaConn): Promise<GiteaAdminClient> {
    return shared(`gitea ${c.url} ${c.username} ${secretDigest(c.password)}`, async () => {
        const client = new GiteaAdminClient({ url: c.url, username: c.username, password: c.password });
        await client.waitReady(c.readyTimeoutMs ?? DEFAULT_READY_MS);
        return client;
    });
}

export function jenkinsClient(c: JenkinsConn): Promise<JenkinsClient> {
    return shared(`jenkins ${c.url} ${c.username} ${secretDigest(c.password)}`, async () => {
        const client = new JenkinsClient({ url: c.url, username: c.username, password: c.password });
        await client.waitReady(c.readyTimeoutMs ?? DEFAULT_READY_MS);
        return client;
    });
}

export function harborClient(c: HarborConn): Promise<HarborClient> {
    return shared(`harbor ${c.url} ${c.username} ${secretDigest(c.password)}`, async () => {
        const client = new HarborClient({ url: c.url, username: c.username, password: c.password });
        await client.waitReady(c.readyTimeoutMs ?? DEFAULT_READY_MS);
        return client;
    });
}

/** A salted digest of a secret, kept in state to notice a changed secret that cannot be read back. */
export function secretDigest(secret: string): string {
    return createHash("sha256").update("cistack-seed\0").update(secret).digest("hex");
}
