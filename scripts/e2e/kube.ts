// A small Kubernetes API client for the e2e harness: the kubeconfig scripts/cluster.ts writes
// (one cluster, a client certificate), JSON over HTTPS, and polling helpers. The harness asserts on
// what the API server holds, so every call returns the object as the server stores it.
import * as fs from "node:fs";
import * as https from "node:https";
import { parse } from "yaml";

/** The parts of an object every assertion reads. */
export interface KObject {
    apiVersion?: string;
    kind?: string;
    metadata: {
        name: string;
        namespace?: string;
        uid?: string;
        generation?: number;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        deletionTimestamp?: string;
        ownerReferences?: { kind: string; name: string }[];
        finalizers?: string[];
    };
    [k: string]: unknown;
}

export interface KList<T = KObject> {
    items: T[];
}

export class KubeError extends Error {
    constructor(
        readonly method: string,
        readonly path: string,
        readonly status: number,
        body: string,
    ) {
        super(`${method} ${path}: HTTP ${status}: ${body.slice(0, 600)}`);
        this.name = "KubeError";
    }
}

interface KubeconfigFile {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
}

const b64 = (s: string): Buffer => Buffer.from(s, "base64");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Kube {
    readonly server: string;
    private readonly agent: https.Agent;

    constructor(kubeconfigPath: string) {
        const kc = parse(fs.readFileSync(kubeconfigPath, "utf8")) as KubeconfigFile;
        const cluster = kc.clusters[0]?.cluster;
        const user = kc.users[0]?.user;
        if (!cluster || !user) throw new Error(`${kubeconfigPath}: expected one cluster and one user with a client certificate`);
        this.server = cluster.server;
        this.agent = new https.Agent({
            ca: b64(cluster["certificate-authority-data"]),
            cert: b64(user["client-certificate-data"]),
            key: b64(user["client-key-data"]),
            keepAlive: true,
        });
    }

    /** Raw request; resolves with status and body whatever the status. */
    request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<{ status: number; body: string }> {
        const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const req = https.request(
                `${this.server}${path}`,
                { method, agent: this.agent, timeout: 30_000, headers: { accept: "application/json", ...(data !== undefined ? { "content-type": contentType } : {}) } },
                (res) => {
                    let text = "";
                    res.setEncoding("utf8").on("data", (d: string) => (text += d));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timeout`)));
            req.on("error", reject);
            req.end(data);
        });
    }

    async json<T = KObject>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
        const r = await this.request(method, path, body, contentType);
        if (r.status < 200 || r.status >= 300) throw new KubeError(method, path, r.status, r.body);
        return JSON.parse(r.body) as T;
    }

    get<T = KObject>(path: string): Promise<T> {
        return this.json<T>("GET", path);
    }

    /** The object, or undefined on 404. */
    async find<T = KObject>(path: string): Promise<T | undefined> {
        const r = await this.request("GET", path);
        if (r.status === 404) return undefined;
        if (r.status < 200 || r.status >= 300) throw new KubeError("GET", path, r.status, r.body);
        return JSON.parse(r.body) as T;
    }

    async list<T = KObject>(path: string): Promise<T[]> {
        return (await this.get<KList<T>>(path)).items;
    }

    create<T = KObject>(path: string, obj: unknown): Promise<T> {
        return this.json<T>("POST", path, obj);
    }

    /** JSON merge patch (RFC 7386), as `kubectl patch --type merge` / `kubectl edit` send it, under `fieldManager`. */
    mergePatch<T = KObject>(path: string, patch: unknown, fieldManager = "kubectl-edit"): Promise<T> {
        return this.json<T>("PATCH", `${path}?fieldManager=${encodeURIComponent(fieldManager)}`, patch, "application/merge-patch+json");
    }

    async delete(path: string): Promise<void> {
        const r = await this.request("DELETE", path);
        if (r.status !== 404 && (r.status < 200 || r.status >= 300)) throw new KubeError("DELETE", path, r.status, r.body);
    }

    close(): void {
        this.agent.destroy();
    }
}

/** Polls `probe` until it returns a value other than undefined, or throws with what it last saw. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const v = await probe();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
        }
        await sleep(intervalMs);
    }
}

/** API path of a namespaced or cluster-scoped collection / object, e.g. ("v1", "secrets", "ns", "x"). */
export function apiPath(apiVersion: string, plural: string, namespace?: string, name?: string): string {
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    return `${base}${ns}/${plural}${name ? `/${encodeURIComponent(name)}` : ""}`;
}
