// A local Kubernetes control plane for tests (tracker issue #10 §2), from the binaries
// scripts/tools.sh builds: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK,
// which plays the kubelet for fake Nodes (Pods become Running/Ready, Deployments and StatefulSets
// become Ready; no container ever runs).
//
//   npx tsx scripts/cluster.ts start <dir> [--nodes N]   start; writes <dir>/kubeconfig, <dir>/pids
//                                                        (name pid per line), <dir>/logs/*.log; the
//                                                        processes keep running after it returns
//   npx tsx scripts/cluster.ts stop <dir>                stop what <dir>/pids lists
//   npx tsx scripts/cluster.ts check [--nodes N] [--keep] self-test: start in a temp dir, wait for a
//                                                        Deployment and a StatefulSet to be Ready, stop
//
// Everything listens on 127.0.0.1 on free ports. Certificates come from `openssl` (Node cannot issue
// X.509 certificates), the service-account key pair from Node's crypto. The API server runs with its
// default admission plugins and NodePort range. A failed or interrupted (SIGINT/SIGTERM) start stops
// every process it started. Binaries are looked up in `bash scripts/tools.sh path`, then on PATH.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..");
const SERVICE_CIDR = "10.96.0.0/16";
const SERVICE_IP = "10.96.0.1"; // the `kubernetes` Service: first address of SERVICE_CIDR
const POD_CIDR = "10.244.0.1/16"; // kwok hands out Pod IPs from here
const ISSUER = "https://kubernetes.default.svc.cluster.local";
const FAKE_NODE = "kwok.x-k8s.io/node";

interface Proc {
    name: string;
    pid: number;
    child?: ChildProcess;
}

interface Cluster {
    dir: string;
    apiserver: string;
    procs: Proc[];
    timings: [string, number][];
}

const log = (msg: string): void => console.log(`cluster: ${msg}`);
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const errText = (e: unknown): string => (e instanceof Error ? e.message : JSON.stringify(e));

// ---------------------------------------------------------------------------------------------------
// Binaries and files.

function toolPath(): string {
    let fragment = "";
    try {
        fragment = execFileSync("bash", [path.join(REPO, "scripts", "tools.sh"), "path"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
        // no tools.sh cache: PATH only
    }
    return [fragment, process.env.PATH ?? ""].filter((s) => s !== "").join(path.delimiter);
}

function which(bin: string, searchPath: string): string {
    for (const dir of searchPath.split(path.delimiter)) {
        const p = path.join(dir, bin);
        try {
            fs.accessSync(p, fs.constants.X_OK);
            return p;
        } catch {
            // next
        }
    }
    throw new Error(`${bin} not found; build it with \`bash scripts/tools.sh build etcd kubernetes kwok\``);
}

function freePorts(n: number): Promise<number[]> {
    const servers = Array.from({ length: n }, () => net.createServer());
    return Promise.all(
        servers.map(
            (s) =>
                new Promise<number>((resolve, reject) => {
                    s.once("error", reject);
                    s.listen(0, "127.0.0.1", () => resolve((s.address() as net.AddressInfo).port));
                }),
        ),
    ).finally(() => servers.forEach((s) => s.close()));
}

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** CA, API server serving cert, admin client cert (openssl); service-account key pair (Node). */
function makePki(pki: string): void {
    fs.mkdirSync(pki, { recursive: true });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=ci-stack-test-ca",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"], pki);
    const sign = (name: string, subj: string, ext: string): void => {
        openssl(["req", "-new", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subj], pki);
        fs.writeFileSync(path.join(pki, `${name}.ext`), ext);
        openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "365",
            "-out", `${name}.crt`, "-extfile", `${name}.ext`], pki);
    };
    const sans = ["IP:127.0.0.1", `IP:${SERVICE_IP}`, "DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default",
        "DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local"];
    sign("apiserver", "/CN=kube-apiserver",
        `subjectAltName=${sans.join(",")}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
    sign("admin", "/O=system:masters/CN=ci-stack-admin", "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n");
    const sa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    fs.writeFileSync(path.join(pki, "sa.key"), sa.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    fs.writeFileSync(path.join(pki, "sa.pub"), sa.publicKey.export({ type: "spki", format: "pem" }));
}

function kubeconfig(server: string, pki: string): string {
    const b64 = (f: string): string => fs.readFileSync(path.join(pki, f)).toString("base64");
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: ci-stack-test",
        "  cluster:",
        `    server: ${server}`,
        `    certificate-authority-data: ${b64("ca.crt")}`,
        "users:",
        "- name: admin",
        "  user:",
        `    client-certificate-data: ${b64("admin.crt")}`,
        `    client-key-data: ${b64("admin.key")}`,
        "contexts:",
        "- name: ci-stack-test",
        "  context:",
        "    cluster: ci-stack-test",
        "    user: admin",
        "current-context: ci-stack-test",
        "",
    ].join("\n");
}

// ---------------------------------------------------------------------------------------------------
// HTTP.

interface Reply {
    status: number;
    body: string;
}

class Api {
    private readonly agent: https.Agent;
    constructor(
        private readonly server: string,
        pki: string,
    ) {
        const read = (f: string): Buffer => fs.readFileSync(path.join(pki, f));
        this.agent = new https.Agent({ ca: read("ca.crt"), cert: read("admin.crt"), key: read("admin.key"), keepAlive: true });
    }
    request(method: string, urlPath: string, body?: unknown): Promise<Reply> {
        const data = body === undefined ? undefined : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const req = https.request(
                `${this.server}${urlPath}`,
                { method, agent: this.agent, timeout: 10_000, headers: data ? { "content-type": "application/json" } : {} },
                (res) => {
                    let text = "";
                    res.setEncoding("utf8").on("data", (d: string) => (text += d));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: timeout`)));
            req.on("error", reject);
            req.end(data);
        });
    }
    async json<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
        const r = await this.request(method, urlPath, body);
        if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${urlPath}: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
        return JSON.parse(r.body) as T;
    }
    close(): void {
        this.agent.destroy();
    }
}

function httpGet(url: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const get = url.startsWith("https:") ? https.get : http.get;
        const req = get(url, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
            let text = "";
            res.setEncoding("utf8").on("data", (d: string) => (text += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${url}: timeout`)));
        req.on("error", reject);
    });
}

/** Polls until ok() resolves true, or throws after timeoutMs with what was last seen. */
async function waitFor(what: string, timeoutMs: number, ok: () => Promise<boolean>, procs?: Proc[]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            if (await ok()) return;
        } catch (e) {
            last = e;
        }
        for (const p of procs ?? []) {
            if (p.child && p.child.exitCode !== null) throw new Error(`${p.name} exited with code ${p.child.exitCode} while waiting for ${what}`);
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${secs(timeoutMs)} waiting for ${what}${last ? `: ${errText(last)}` : ""}`);
        await sleep(200);
    }
}

// ---------------------------------------------------------------------------------------------------
// Processes.

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** The binary a pid runs, to never signal a reused pid. */
function runs(pid: number, name: string): boolean {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]?.endsWith(`/${name}`) ?? false;
    } catch {
        return false;
    }
}

// Stop order: the API server's clients, then the API server (its graceful shutdown still needs etcd),
// then etcd.
const STOP_TIERS = [["kwok", "kube-scheduler", "kube-controller-manager"], ["kube-apiserver"], ["etcd"]];

/** SIGTERM the process groups tier by tier, SIGKILL what is left of a tier after 10 s. */
async function stopProcs(procs: Proc[]): Promise<void> {
    const tierOf = (p: Proc): number => {
        const i = STOP_TIERS.findIndex((t) => t.includes(p.name));
        return i < 0 ? 0 : i;
    };
    for (let tier = 0; tier < STOP_TIERS.length; tier++) {
        const live = procs.filter((p) => tierOf(p) === tier && alive(p.pid) && runs(p.pid, p.name));
        for (const p of live) {
            try {
                process.kill(-p.pid, "SIGTERM");
            } catch {
                // already gone
            }
        }
        const deadline = Date.now() + 10_000;
        while (live.some((p) => alive(p.pid)) && Date.now() < deadline) await sleep(50);
        for (const p of live.filter((q) => alive(q.pid))) {
            log(`${p.name} (pid ${p.pid}) still running 10s after SIGTERM; killing`);
            try {
                process.kill(-p.pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
    }
}

function launch(c: Cluster, bin: string, args: string[]): Proc {
    const name = path.basename(bin);
    const out = fs.openSync(path.join(c.dir, "logs", `${name}.log`), "a");
    // Own process group (detached), so that stop can signal it and its children; not our stdio.
    const child = spawn(bin, args, { cwd: c.dir, detached: true, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    if (child.pid === undefined) throw new Error(`could not start ${bin}`);
    child.unref();
    const p: Proc = { name, pid: child.pid, child };
    c.procs.push(p);
    fs.appendFileSync(path.join(c.dir, "pids"), `${name} ${child.pid}\n`);
    return p;
}

// ---------------------------------------------------------------------------------------------------
// start / stop.

interface NodeList {
    items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
}

function fakeNode(name: string): object {
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name,
            annotations: { [FAKE_NODE]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
            labels: {
                "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                "node-role.kubernetes.io/agent": "", type: "kwok",
            },
        },
        // No kwok taint: the project's workloads must schedule unmodified.
        spec: {},
        status: {
            allocatable: { cpu: "32", memory: "256Gi", pods: "110" },
            capacity: { cpu: "32", memory: "256Gi", pods: "110" },
        },
    };
}

async function start(dir: string, nodes: number, c: Cluster): Promise<void> {
    const t0 = Date.now();
    const mark = (what: string, since: number): void => {
        c.timings.push([what, Date.now() - since]);
    };
    const searchPath = toolPath();
    const bins = {
        etcd: which("etcd", searchPath),
        apiserver: which("kube-apiserver", searchPath),
        kcm: which("kube-controller-manager", searchPath),
        scheduler: which("kube-scheduler", searchPath),
        kwok: which("kwok", searchPath),
    };
    which("openssl", process.env.PATH ?? "");
    const stagesDir = path.join(path.dirname(bins.kwok), "..", "share", "kwok", "stages");
    const stages = fs.existsSync(stagesDir) ? fs.readdirSync(stagesDir).filter((f) => f.endsWith(".yaml")).map((f) => path.join(stagesDir, f)) : [];
    if (stages.length === 0) throw new Error(`no KWOK stages in ${stagesDir} (scripts/tools.sh build kwok puts them there)`);

    if (fs.existsSync(path.join(dir, "pids"))) throw new Error(`${dir}/pids exists: stop that cluster first`);
    fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
    const pki = path.join(dir, "pki");
    let t = Date.now();
    makePki(pki);
    mark("certificates and keys", t);

    const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = (await freePorts(6)) as [number, number, number, number, number, number];
    c.apiserver = `https://127.0.0.1:${apiPort}`;
    const kc = path.join(dir, "kubeconfig");
    fs.writeFileSync(kc, kubeconfig(c.apiserver, pki), { mode: 0o600 });
    fs.writeFileSync(path.join(dir, "pids"), "");

    t = Date.now();
    const etcd = launch(c, bins.etcd, [
        "--name=ci-stack", `--data-dir=${path.join(dir, "etcd")}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=ci-stack=http://127.0.0.1:${etcdPeer}`, "--unsafe-no-fsync", "--log-level=warn",
    ]);
    await waitFor("etcd /health", 30_000, async () => {
        const r = await httpGet(`http://127.0.0.1:${etcdClient}/health`);
        return r.status === 200 && (JSON.parse(r.body) as { health?: string }).health === "true";
    }, [etcd]);
    mark("etcd healthy", t);

    t = Date.now();
    const apiserver = launch(c, bins.apiserver, [
        "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${apiPort}`,
        `--etcd-servers=http://127.0.0.1:${etcdClient}`, `--cert-dir=${path.join(pki, "apiserver-generated")}`,
        `--tls-cert-file=${path.join(pki, "apiserver.crt")}`, `--tls-private-key-file=${path.join(pki, "apiserver.key")}`,
        `--client-ca-file=${path.join(pki, "ca.crt")}`,
        `--service-account-issuer=${ISSUER}`, `--service-account-key-file=${path.join(pki, "sa.pub")}`,
        `--service-account-signing-key-file=${path.join(pki, "sa.key")}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`, "--authorization-mode=RBAC", "--allow-privileged=true",
    ]);
    const api = new Api(c.apiserver, pki);
    try {
        await waitFor("kube-apiserver /readyz", 120_000, async () => {
            const r = await api.request("GET", "/readyz");
            return r.status === 200 && r.body.trim() === "ok";
        }, [etcd, apiserver]);
        mark("kube-apiserver ready (/readyz ok)", t);

        t = Date.now();
        const common = [`--kubeconfig=${kc}`, "--bind-address=127.0.0.1", "--leader-elect=false"];
        const kcm = launch(c, bins.kcm, [
            ...common, `--secure-port=${kcmPort}`, `--cert-dir=${path.join(pki, "kcm-generated")}`,
            `--service-account-private-key-file=${path.join(pki, "sa.key")}`, `--root-ca-file=${path.join(pki, "ca.crt")}`,
            `--cluster-signing-cert-file=${path.join(pki, "ca.crt")}`, `--cluster-signing-key-file=${path.join(pki, "ca.key")}`,
            `--service-cluster-ip-range=${SERVICE_CIDR}`,
        ]);
        const scheduler = launch(c, bins.scheduler, [...common, `--secure-port=${schedPort}`, `--cert-dir=${path.join(pki, "scheduler-generated")}`]);
        const kwok = launch(c, bins.kwok, [
            `--kubeconfig=${kc}`, `--config=${stages.join(",")}`, "--manage-all-nodes=false",
            `--manage-nodes-with-annotation-selector=${FAKE_NODE}=fake`, `--cidr=${POD_CIDR}`, "--node-ip=10.244.255.254",
            `--server-address=127.0.0.1:${kwokPort}`, "--node-lease-duration-seconds=40",
        ]);
        const all = [etcd, apiserver, kcm, scheduler, kwok];
        await waitFor("kube-controller-manager and kube-scheduler /healthz", 60_000, async () => {
            const [a, b] = await Promise.all([httpGet(`https://127.0.0.1:${kcmPort}/healthz`), httpGet(`https://127.0.0.1:${schedPort}/healthz`)]);
            return a.status === 200 && b.status === 200;
        }, all);
        // The ServiceAccount admission plugin rejects Pods until the controller manager made `default`.
        await waitFor("ServiceAccount default/default", 60_000, async () => (await api.request("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200, all);
        mark("controller-manager, scheduler and kwok up", t);

        t = Date.now();
        for (let i = 0; i < nodes; i++) await api.json("POST", "/api/v1/nodes", fakeNode(`kwok-node-${i}`));
        await waitFor(`${nodes} fake Nodes Ready`, 60_000, async () => {
            const list = await api.json<NodeList>("GET", "/api/v1/nodes");
            const ready = list.items.filter((n) => n.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True"));
            return ready.length >= nodes;
        }, all);
        mark(`${nodes} fake Nodes Ready`, t);
    } finally {
        api.close();
    }
    c.timings.push(["start total", Date.now() - t0]);
    fs.writeFileSync(path.join(dir, "cluster.json"), JSON.stringify({ server: c.apiserver, etcd: `http://127.0.0.1:${etcdClient}`, nodes }, null, 2) + "\n");
}

function readPids(dir: string): Proc[] {
    const file = path.join(dir, "pids");
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => {
        const [name, pid] = l.trim().split(/\s+/);
        return { name: name ?? "", pid: Number(pid) };
    });
}

async function stop(dir: string): Promise<number> {
    const t = Date.now();
    await stopProcs(readPids(dir));
    fs.rmSync(path.join(dir, "pids"), { force: true });
    return Date.now() - t;
}

/** Runs body with SIGINT/SIGTERM (and any failure) stopping every process started so far. */
async function guarded(c: Cluster, body: () => Promise<void>, stopOnSuccess: boolean): Promise<void> {
    let stopping: Promise<unknown> | undefined;
    const onSignal = (sig: NodeJS.Signals): void => {
        log(`${sig}: stopping ${c.procs.length} processes`);
        stopping ??= stopProcs(c.procs).then(() => fs.rmSync(path.join(c.dir, "pids"), { force: true }));
        void stopping.finally(() => process.exit(130));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
        await body();
    } catch (e) {
        log(`failed: ${(e as Error).message}`);
        log(`logs: ${path.join(c.dir, "logs")}`);
        stopOnSuccess = true;
        throw e;
    } finally {
        if (stopOnSuccess && !stopping) {
            const t = Date.now();
            await stopProcs(c.procs);
            fs.rmSync(path.join(c.dir, "pids"), { force: true });
            c.timings.push(["stop", Date.now() - t]);
        }
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
}

// ---------------------------------------------------------------------------------------------------
// check: a Deployment and a StatefulSet (no PVCs) become Ready on the fake Nodes.

interface Workload {
    metadata: { generation?: number };
    spec: { replicas?: number };
    status?: { observedGeneration?: number; readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number; currentReplicas?: number };
}

async function check(nodes: number, keep: boolean): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stack-cluster-"));
    const c: Cluster = { dir, apiserver: "", procs: [], timings: [] };
    await guarded(c, async () => {
        await start(dir, nodes, c);
        const api = new Api(c.apiserver, path.join(dir, "pki"));
        try {
            const ns = "cluster-check";
            const t = Date.now();
            await api.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
            await waitFor(`ServiceAccount ${ns}/default`, 60_000, async () => (await api.request("GET", `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200);
            const template = (app: string): object => ({
                metadata: { labels: { app } },
                spec: { containers: [{ name: app, image: "registry.k8s.io/pause:3.10", ports: [{ containerPort: 8080 }] }] },
            });
            await api.json("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, {
                apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
                spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: template("web") },
            });
            await api.json("POST", `/api/v1/namespaces/${ns}/services`, {
                apiVersion: "v1", kind: "Service", metadata: { name: "db" },
                spec: { clusterIP: "None", selector: { app: "db" }, ports: [{ port: 8080 }] },
            });
            await api.json("POST", `/apis/apps/v1/namespaces/${ns}/statefulsets`, {
                apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" },
                spec: { replicas: 2, serviceName: "db", selector: { matchLabels: { app: "db" } }, template: template("db") },
            });
            const ready = async (kind: string, name: string): Promise<boolean> => {
                const w = await api.json<Workload>("GET", `/apis/apps/v1/namespaces/${ns}/${kind}/${name}`);
                const want = w.spec.replicas ?? 1;
                const s = w.status ?? {};
                const current = (s.observedGeneration ?? 0) >= (w.metadata.generation ?? 1);
                return current && s.readyReplicas === want && s.updatedReplicas === want &&
                    (kind === "deployments" ? s.availableReplicas === want : s.currentReplicas === want);
            };
            await Promise.all([
                waitFor("Deployment web Ready (3/3)", 120_000, () => ready("deployments", "web"), c.procs).then(() => c.timings.push(["Deployment web 3/3 Ready", Date.now() - t])),
                waitFor("StatefulSet db Ready (2/2)", 120_000, () => ready("statefulsets", "db"), c.procs).then(() => c.timings.push(["StatefulSet db 2/2 Ready", Date.now() - t])),
            ]);
        } finally {
            api.close();
        }
    }, !keep);
    for (const [what, ms] of c.timings) log(`${what.padEnd(45)} ${secs(ms)}`);
    if (keep) log(`kept running: KUBECONFIG=${dir}/kubeconfig; stop with: npx tsx scripts/cluster.ts stop ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
    log("check passed");
}

// ---------------------------------------------------------------------------------------------------

function usage(): never {
    console.error("usage: npx tsx scripts/cluster.ts start <dir> [--nodes N] | stop <dir> | check [--nodes N] [--keep]");
    process.exit(2);
}

async function main(argv: string[]): Promise<void> {
    const [cmd, ...rest] = argv;
    const flag = (name: string): string | undefined => {
        const i = rest.indexOf(name);
        return i >= 0 ? rest.splice(i, 2)[1] : undefined;
    };
    const keep = rest.includes("--keep");
    if (keep) rest.splice(rest.indexOf("--keep"), 1);
    const nodes = Number(flag("--nodes") ?? "2");
    if (!Number.isInteger(nodes) || nodes < 1) usage();
    switch (cmd) {
        case "start": {
            const dir = rest[0] ? path.resolve(rest[0]) : usage();
            const c: Cluster = { dir, apiserver: "", procs: [], timings: [] };
            await guarded(c, () => start(dir, nodes, c), false);
            for (const [what, ms] of c.timings) log(`${what.padEnd(45)} ${secs(ms)}`);
            log(`running: export KUBECONFIG=${path.join(dir, "kubeconfig")}  (stop: npx tsx scripts/cluster.ts stop ${dir})`);
            break;
        }
        case "stop": {
            const dir = rest[0] ? path.resolve(rest[0]) : usage();
            log(`stopped in ${secs(await stop(dir))}`);
            break;
        }
        case "check":
            await check(nodes, keep);
            break;
        default:
            usage();
    }
}

main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
        console.error(`cluster: ${errText(e)}`);
        process.exit(1);
    },
);
