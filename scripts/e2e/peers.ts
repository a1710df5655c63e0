// The peers the seed talks to, behind the NodePorts the stack configures (nodeAddress 127.0.0.1):
// the Gitea and Jenkins emulators (test/support) stand in for the containers KWOK never runs. Two
// pieces make them behave like the Pods the charts define:
// - NodePort: a TCP forwarder on 127.0.0.1:<nodePort> that listens only while a Service with that
//   nodePort exists and has a Ready Pod behind its selector — kube-proxy's rule (no Service or no
//   endpoint: the port refuses). So the seed's readiness waits meet the real sequence.
// - Pod start: when a new Pod becomes the endpoint, its admin credentials are resolved from its own
//   spec and the Secrets it references, as the container would read them, and handed to the
//   emulator. Gitea's configure-gitea init container applies the admin password only at Pod start
//   (gitea chart templates/gitea/init.yaml, `gitea admin user change-password` under passwordMode
//   keepUpdated); Jenkins reads the chart-admin-* files when JCasC applies its configuration: at
//   start and on each reload the config-reload sidecar (kiwigrid/k8s-sidecar) triggers when a
//   ConfigMap labelled `<fullname>-jenkins-config` changes (configuration-as-code-plugin
//   SecretSourceResolver reads the files then). A rotated Secret alone therefore changes nothing.
import * as net from "node:net";
import { apiPath, Kube, type KObject } from "./kube";

interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
    name: string;
    env?: EnvVar[];
}
interface KeyToPath {
    key: string;
    path: string;
}
interface Volume {
    name: string;
    secret?: { secretName: string; items?: KeyToPath[] };
    projected?: { sources?: { secret?: { name: string; items?: KeyToPath[] } }[] };
}
export interface Pod extends KObject {
    metadata: KObject["metadata"] & { creationTimestamp?: string };
    spec: { containers: Container[]; initContainers?: Container[]; volumes?: Volume[] };
    status?: { phase?: string; conditions?: { type: string; status: string }[] };
}
interface Service extends KObject {
    spec: { selector?: Record<string, string>; ports?: { nodePort?: number }[] };
}
interface Secret extends KObject {
    data?: Record<string, string>;
}

async function secretKey(kube: Kube, namespace: string, name: string, key: string): Promise<string | undefined> {
    const s = await kube.find<Secret>(apiPath("v1", "secrets", namespace, name));
    const v = s?.data?.[key];
    return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
}

/** An env var of any (init) container, resolved as the kubelet does (value, or a Secret key). */
export async function podEnv(kube: Kube, pod: Pod, name: string): Promise<string | undefined> {
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
        const e = c.env?.find((x) => x.name === name);
        if (!e) continue;
        if (e.value !== undefined) return e.value;
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) return secretKey(kube, pod.metadata.namespace ?? "", ref.name, ref.key);
    }
    return undefined;
}

/** The content of the file `filePath` a Secret or projected volume of the Pod provides. */
export async function podSecretFile(kube: Kube, pod: Pod, filePath: string): Promise<string | undefined> {
    for (const v of pod.spec.volumes ?? []) {
        const sources = [
            ...(v.secret ? [{ name: v.secret.secretName, items: v.secret.items }] : []),
            ...(v.projected?.sources ?? []).flatMap((s) => (s.secret ? [s.secret] : [])),
        ];
        for (const s of sources) {
            const item = s.items?.find((i) => i.path === filePath);
            if (item) return secretKey(kube, pod.metadata.namespace ?? "", s.name, item.key);
        }
    }
    return undefined;
}

const isReady = (p: Pod): boolean =>
    !p.metadata.deletionTimestamp && p.status?.phase === "Running" && (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** TCP forwarding 127.0.0.1:port → backend, listening only while `open()`. */
export class NodePortForwarder {
    private server: net.Server | undefined;
    private readonly sockets = new Set<net.Socket>();
    connections = 0;

    constructor(
        readonly port: number,
        private readonly backend: { host: string; port: number },
        /** Runs before each new connection is forwarded (the Peer re-reads the cluster: no stale endpoint). */
        private readonly beforeConnect: () => Promise<void> = async () => {},
    ) {}

    get listening(): boolean {
        return this.server !== undefined;
    }

    async open(): Promise<void> {
        if (this.server) return;
        const server = net.createServer((client) => void this.forward(client));
        this.server = server;
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(this.port, "127.0.0.1", () => {
                server.off("error", reject);
                resolve();
            });
        });
    }

    private async forward(client: net.Socket): Promise<void> {
        this.connections++;
        client.pause();
        this.sockets.add(client);
        client.on("error", () => client.destroy());
        await this.beforeConnect().catch(() => undefined);
        if (!this.server || client.destroyed) {
            client.destroy();
            return;
        }
        const upstream = net.connect(this.backend.port, this.backend.host);
        for (const s of [client, upstream]) {
            this.sockets.add(s);
            s.on("close", () => this.sockets.delete(s));
            s.on("error", () => {
                client.destroy();
                upstream.destroy();
            });
        }
        client.pipe(upstream).pipe(client);
        client.resume();
    }

    /** Stops listening and drops open connections (the endpoint went away). */
    async close(): Promise<void> {
        const s = this.server;
        this.server = undefined;
        if (!s) return;
        for (const c of this.sockets) c.destroy();
        await new Promise<void>((r) => s.close(() => r()));
    }
}

export interface PeerSpec {
    /** e.g. "gitea" (for logs). */
    readonly name: string;
    readonly namespace: string;
    readonly nodePort: number;
    readonly backend: { host: string; port: number };
    /** Called when a new Pod becomes the Service's endpoint (the container starts). */
    readonly onPodStart: (pod: Pod) => Promise<void>;
    /**
     * Optional: a fingerprint of what makes the running process re-read its configuration (Jenkins:
     * the labelled JCasC ConfigMaps); when it changes for the same Pod, onPodStart runs again.
     */
    readonly reloadKey?: (pod: Pod) => Promise<string>;
}

/** One NodePort, its Service's endpoint Pod, and the emulator behind it. */
export class Peer {
    readonly forwarder: NodePortForwarder;
    private podUid: string | undefined;
    private reload: string | undefined;
    private syncing: Promise<void> | undefined;
    readonly events: string[] = [];

    constructor(
        private readonly kube: Kube,
        readonly spec: PeerSpec,
    ) {
        this.forwarder = new NodePortForwarder(spec.nodePort, spec.backend, () => this.sync());
    }

    /** One reconciliation: Service and ready endpoint → listen (and start/reload the "container"), else refuse. */
    sync(): Promise<void> {
        this.syncing ??= this.doSync().finally(() => (this.syncing = undefined));
        return this.syncing;
    }

    private async doSync(): Promise<void> {
        const s = this.spec;
        const services = await this.kube.list<Service>(apiPath("v1", "services", s.namespace));
        const svc = services.find((x) => (x.spec.ports ?? []).some((p) => p.nodePort === s.nodePort));
        const selector = svc?.spec.selector;
        let pod: Pod | undefined;
        if (svc && selector && Object.keys(selector).length > 0) {
            const q = encodeURIComponent(Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(","));
            const pods = (await this.kube.list<Pod>(`${apiPath("v1", "pods", s.namespace)}?labelSelector=${q}`)).filter(isReady);
            pod = pods.sort((a, b) => (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""))[0];
        }
        if (!pod) {
            if (this.forwarder.listening) this.events.push(`${new Date().toISOString()} ${s.name}: no ready endpoint; NodePort ${s.nodePort} closed`);
            this.podUid = undefined;
            await this.forwarder.close();
            return;
        }
        const key = s.reloadKey ? await s.reloadKey(pod) : "";
        if (pod.metadata.uid !== this.podUid || key !== this.reload) {
            const why = pod.metadata.uid !== this.podUid ? `pod ${pod.metadata.name} started` : "configuration reloaded";
            await s.onPodStart(pod);
            this.events.push(`${new Date().toISOString()} ${s.name}: ${why}`);
            this.podUid = pod.metadata.uid;
            this.reload = key;
        }
        await this.forwarder.open();
    }
}

/** Re-syncs every peer on an interval until stopped; errors are kept, not thrown (the next tick retries). */
export class PeerLoop {
    private timer: NodeJS.Timeout | undefined;
    readonly errors: string[] = [];

    constructor(
        readonly peers: readonly Peer[],
        private readonly intervalMs = 300,
    ) {}

    start(): void {
        const tick = (): void => {
            void Promise.all(this.peers.map((p) => p.sync().catch((e: unknown) => void this.errors.push(`${p.spec.name}: ${(e as Error).message}`)))).finally(() => {
                if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
            });
        };
        this.timer = setTimeout(tick, 0);
    }

    async stop(): Promise<void> {
        const t = this.timer;
        this.timer = undefined;
        if (t) clearTimeout(t);
        await Promise.all(this.peers.map((p) => p.forwarder.close()));
    }
}
