// The servers behind the stack's NodePorts. Gitea is the real one (tracker issue #12: the binary
// scripts/tools.sh builds, test/support/giteaServer.ts), or the in-process emulator with
// E2E_GITEA=emulator; Jenkins and Harbor are the emulators of test/support. `GiteaBackend` is the seam:
// a URL, and how the chart's configure-gitea step applies the admin user when a Pod starts.
import * as http from "node:http";
import { start as startGitea } from "../../test/support/giteaEmulator";
import { startGiteaServer } from "../../test/support/giteaServer";
import { start as startHarbor, type HarborEmulator } from "../../test/support/harborEmulator";
import { start as startJenkins, type JenkinsEmulator } from "../../test/support/jenkinsEmulator";
import type { Emulator } from "../../test/support/httpEmulator";
import { apiPath, Kube, type KObject } from "./kube";
import type { RequestFigures } from "./context";
import { HARNESS_HEADER } from "./peerApi";
import { podEnv, podSecretFile, type Pod, type PeerSpec } from "./peers";

export interface Backend {
    /** http://127.0.0.1:<port> of the server itself (the NodePort forwards here). */
    readonly url: string;
    /** Requests served so far (for the bench figures); undefined when the server cannot count. */
    requestCount(): number | undefined;
    /** Requests by method since `from` (an earlier requestCount()). */
    requestsSince(from: number): (RequestFigures & { requests: string[] }) | undefined;
    close(): Promise<void>;
}

export interface GiteaBackend extends Backend {
    /** What serves the API, for the log and the bench: "Gitea 1.25.4" or "Gitea emulator". */
    readonly describe: string;
    /** configure-gitea at Pod start: create the admin, or change its password under passwordMode keepUpdated. */
    applyAdmin(user: string, password: string, mode: string): Promise<void>;
}

export interface JenkinsBackend extends Backend {
    /** JCasC applying securityRealm.local: the user exists with exactly this password afterwards. */
    applyAdmin(user: string, password: string): void;
    readonly emulator: JenkinsEmulator;
}

interface WithPassword {
    password: string;
}

/** One request a server saw; `harness` when the harness itself asked (peerApi.ts marks those). */
interface Seen {
    method: string;
    /** Path and query, as requested. */
    url: string;
    harness: boolean;
}

// The harness's own requests are not the program's.
function counted(log: () => readonly Seen[]): Pick<Backend, "requestCount" | "requestsSince"> {
    return {
        requestCount: () => log().length,
        requestsSince: (from: number) => {
            const slice = log()
                .slice(from)
                .filter((r) => !r.harness);
            const byMethod: Record<string, number> = {};
            for (const r of slice) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
            return { total: slice.length, writes: slice.filter((r) => r.method !== "GET" && r.method !== "HEAD").length, byMethod, requests: slice.map((r) => `${r.method} ${r.url}`) };
        },
    };
}

function counting<S>(emu: Emulator<S>) {
    return counted(() => emu.log.map((r) => ({ method: r.method, url: `${r.path}${r.query}`, harness: r.headers[HARNESS_HEADER] !== undefined })));
}

/**
 * Takes the emulator's built-in user out (the Pod start brings the real one) and returns a function
 * that sets a user's password, creating it with the same shape as the built-in one.
 */
function userTable<U extends WithPassword>(users: Map<string, U>): (user: string, password: string, createOnly?: boolean) => void {
    const first = [...users.entries()][0];
    if (!first) throw new Error("emulator started without a user");
    users.clear();
    const template = first[1];
    return (user, password, createOnly = false) => {
        const u = users.get(user);
        if (u && createOnly) return;
        users.set(user, { ...(u ?? template), password });
    };
}

export async function giteaEmulatorBackend(): Promise<GiteaBackend> {
    const emu = await startGitea();
    const set = userTable(emu.state.users);
    return {
        url: emu.url,
        describe: "Gitea emulator",
        ...counting(emu),
        applyAdmin: (user, password, mode) => Promise.resolve(set(user, password, mode !== "keepUpdated")),
        close: () => emu.close(),
    };
}

/**
 * An HTTP proxy in front of a server that cannot count its requests itself (a real Gitea): the bench
 * figures come from what passes through it, the harness's own requests (HARNESS_HEADER) left out.
 * Bodies are streamed both ways, so git's smart HTTP passes unchanged.
 */
async function countingProxy(target: string): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
    const to = new URL(target);
    const agent = new http.Agent({ keepAlive: true });
    const seen: Seen[] = [];
    const server = http.createServer((req, res) => {
        seen.push({ method: req.method ?? "GET", url: req.url ?? "/", harness: req.headers[HARNESS_HEADER] !== undefined });
        const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
        });
        up.on("error", (e) => {
            if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
            res.end(`e2e counting proxy: ${e.message}`);
        });
        req.pipe(up);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    return {
        url: `http://127.0.0.1:${port}`,
        seen,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                agent.destroy();
                server.close(() => resolve());
            }),
    };
}

/**
 * The real Gitea: started without any user (the Pod start brings the admin), its ROOT_URL the
 * NodePort's, behind a counting proxy. `rootUrl` is what the program and users reach it at.
 */
export async function giteaServerBackend(o: { rootUrl: string }): Promise<GiteaBackend> {
    const gitea = await startGiteaServer({ rootUrl: o.rootUrl });
    const proxy = await countingProxy(gitea.url).catch(async (e: unknown) => {
        await gitea.stop();
        throw e;
    });
    return {
        url: proxy.url,
        describe: `Gitea ${gitea.version}`,
        ...counted(() => proxy.seen),
        // The chart's configure_admin_user (gitea/helm-gitea templates/gitea/config.yaml, the
        // configure_gitea.sh script of the init container): no admin of that name → `gitea admin user
        // create --admin --must-change-password=false` (email <username>@local.domain); one exists and
        // passwordMode is keepUpdated → `gitea admin user change-password --must-change-password=false`;
        // otherwise nothing.
        applyAdmin: async (user, password, mode) => {
            const admins = await gitea.cli(["admin", "user", "list", "--admin"]);
            const exists = admins.split("\n").some((line) => line.trim().split(/\s+/)[1] === user);
            if (!exists) {
                const must = mode === "initialOnlyRequireReset" ? "true" : "false";
                await gitea.cli(["admin", "user", "create", "--admin", "--username", user, "--password", password, "--email", `${user}@local.domain`, `--must-change-password=${must}`], [password]);
            } else if (mode === "keepUpdated") {
                await gitea.cli(["admin", "user", "change-password", "--username", user, "--password", password, "--must-change-password=false"], [password]);
            }
        },
        close: async () => {
            await proxy.close();
            await gitea.stop();
        },
    };
}

export async function jenkinsEmulatorBackend(): Promise<JenkinsBackend> {
    const emu = await startJenkins();
    const set = userTable(emu.state.users);
    return {
        url: emu.url,
        emulator: emu,
        ...counting(emu),
        applyAdmin: (user, password) => set(user, password),
        close: () => emu.close(),
    };
}

const hostPort = (url: string): { host: string; port: number } => {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port) };
};

export interface PeerLog {
    (msg: string): void;
}

/** The Gitea NodePort: the admin user comes from configure-gitea's env at Pod start. */
export function giteaPeer(kube: Kube, backend: GiteaBackend, o: { namespace: string; nodePort: number; log: PeerLog }): PeerSpec {
    return {
        name: "gitea",
        namespace: o.namespace,
        nodePort: o.nodePort,
        backend: hostPort(backend.url),
        onPodStart: async (pod: Pod) => {
            const user = await podEnv(kube, pod, "GITEA_ADMIN_USERNAME");
            const password = await podEnv(kube, pod, "GITEA_ADMIN_PASSWORD");
            const mode = (await podEnv(kube, pod, "GITEA_ADMIN_PASSWORD_MODE")) ?? "keepUpdated";
            if (!user || !password) {
                o.log(`gitea: pod ${pod.metadata.name} has no resolvable GITEA_ADMIN_USERNAME/PASSWORD; no admin user applied`);
                return;
            }
            await backend.applyAdmin(user, password, mode);
            o.log(`gitea: pod ${pod.metadata.name} started; admin ${user} applied (passwordMode ${mode})`);
        },
    };
}

/** The Jenkins NodePort: the admin user comes from the projected chart-admin-* files, at start and on JCasC reload. */
export function jenkinsPeer(kube: Kube, backend: JenkinsBackend, o: { namespace: string; nodePort: number; releaseFullname: string; log: PeerLog }): PeerSpec {
    const label = `${o.releaseFullname}-jenkins-config`;
    return {
        name: "jenkins",
        namespace: o.namespace,
        nodePort: o.nodePort,
        backend: hostPort(backend.url),
        onPodStart: async (pod: Pod) => {
            const user = await podSecretFile(kube, pod, "chart-admin-username");
            const password = await podSecretFile(kube, pod, "chart-admin-password");
            if (!user || !password) {
                o.log(`jenkins: pod ${pod.metadata.name} has no chart-admin-username/-password file; JCasC's securityRealm cannot resolve the admin`);
                return;
            }
            backend.applyAdmin(user, password);
            o.log(`jenkins: JCasC applied for pod ${pod.metadata.name}; admin ${user}`);
        },
        reloadKey: async () => {
            const cms = await kube.list<KObject>(`${apiPath("v1", "configmaps", o.namespace)}?labelSelector=${encodeURIComponent(`${label}=true`)}`);
            return cms
                .map((c) => `${c.metadata.name}@${(c.metadata as { resourceVersion?: string }).resourceVersion ?? ""}`)
                .sort()
                .join(",");
        },
    };
}

/** Harbor: pre-installed in the lab, outside the stack; its admin password is whatever the operator set. */
export interface RegistryBackend extends Backend {
    /** The operator changes the admin's password in Harbor (before telling the stack: registry.password). */
    setPassword(user: string, password: string): void;
    readonly emulator: HarborEmulator;
}

export async function harborEmulatorBackend(user: string, password: string): Promise<RegistryBackend> {
    const emu = await startHarbor({ username: user, password });
    return {
        url: emu.url,
        emulator: emu,
        ...counting(emu),
        setPassword: (u, pw) => {
            const entry = emu.state.users.get(u);
            if (!entry) throw new Error(`Harbor emulator: no user ${u}`);
            entry.password = pw;
        },
        close: () => emu.close(),
    };
}
