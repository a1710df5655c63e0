// The servers behind the stack's NodePorts. Today both are the in-process emulators of test/support;
// `GiteaBackend` is the seam a real Gitea (tracker issue #12) plugs into: a URL, and how the chart's
// configure-gitea step applies the admin user when a Pod starts.
import * as fs from "node:fs";
import * as path from "node:path";
import { start as startGitea, type GiteaEmulator } from "../../test/support/giteaEmulator";
import { start as startJenkins, type JenkinsEmulator } from "../../test/support/jenkinsEmulator";
import type { Emulator } from "../../test/support/httpEmulator";
import { apiPath, Kube, type KObject } from "./kube";
import { HARNESS_HEADER } from "./peerApi";
import { podEnv, podSecretFile, type Pod, type PeerSpec } from "./peers";

export interface Backend {
    /** http://127.0.0.1:<port> of the server itself (the NodePort forwards here). */
    readonly url: string;
    /** Requests served so far (for the bench figures); undefined when the server cannot count. */
    requestCount(): number | undefined;
    /** Requests by method since `from` (an earlier requestCount()). */
    requestsSince(from: number): { total: number; writes: number; byMethod: Record<string, number> } | undefined;
    /** Whether `user`/`password` is accepted (basic auth) right now. */
    accepts(user: string, password: string): boolean;
    close(): Promise<void>;
}

export interface GiteaBackend extends Backend {
    /** configure-gitea at Pod start: create the admin, or change its password under passwordMode keepUpdated. */
    applyAdmin(user: string, password: string, mode: string): void;
    readonly emulator?: GiteaEmulator;
}

export interface JenkinsBackend extends Backend {
    /** JCasC applying securityRealm.local: the user exists with exactly this password afterwards. */
    applyAdmin(user: string, password: string): void;
    readonly emulator?: JenkinsEmulator;
}

interface WithPassword {
    password: string;
}

// The harness's own requests (peerApi.ts marks them) are not the program's.
function counting<S>(emu: Emulator<S>) {
    return {
        requestCount: () => emu.log.length,
        requestsSince: (from: number) => {
            const slice = emu.log.slice(from).filter((r) => r.headers[HARNESS_HEADER] === undefined);
            const byMethod: Record<string, number> = {};
            for (const r of slice) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
            return { total: slice.length, writes: slice.filter((r) => r.method !== "GET" && r.method !== "HEAD").length, byMethod };
        },
    };
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
        emulator: emu,
        ...counting(emu),
        accepts: (user, password) => emu.state.users.get(user)?.password === password,
        applyAdmin: (user, password, mode) => set(user, password, mode !== "keepUpdated"),
        close: () => emu.close(),
    };
}

export async function jenkinsEmulatorBackend(): Promise<JenkinsBackend> {
    const emu = await startJenkins();
    const set = userTable(emu.state.users);
    return {
        url: emu.url,
        emulator: emu,
        ...counting(emu),
        accepts: (user, password) => emu.state.users.get(user)?.password === password,
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
            backend.applyAdmin(user, password, mode);
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

/** test/support/harborEmulator.ts exists once issue #13 (branch i13) is merged: the program then calls Harbor's API. */
export function harborEmulatorPath(repo: string): string | undefined {
    const p = path.join(repo, "test", "support", "harborEmulator.ts");
    return fs.existsSync(p) ? p : undefined;
}

/** Harbor: pre-installed in the lab, outside the stack; its admin password is whatever the operator set. */
export interface RegistryBackend extends Backend {
    /** The operator changes the admin's password in Harbor (before telling the stack: registry.password). */
    setPassword(user: string, password: string): void;
}

/** What the harness needs of test/support/harborEmulator.ts (loaded by path: it exists only from issue #13 on). */
interface HarborModule {
    start(opts?: { username?: string; password?: string }): Promise<Emulator<{ users: Map<string, WithPassword> }>>;
}

export async function harborEmulatorBackend(modulePath: string, user: string, password: string): Promise<RegistryBackend> {
    const mod = (await import(modulePath)) as HarborModule;
    const emu = await mod.start({ username: user, password });
    return {
        url: emu.url,
        ...counting(emu),
        accepts: (u, pw) => emu.state.users.get(u)?.password === pw,
        setPassword: (u, pw) => {
            const entry = emu.state.users.get(u);
            if (!entry) throw new Error(`Harbor emulator: no user ${u}`);
            entry.password = pw;
        },
        close: () => emu.close(),
    };
}
