// A real Gitea as a test peer (tracker issue #12): the binary scripts/tools.sh builds from the Go module
// (code.gitea.io/gitea, cgo, tags `sqlite sqlite_unlock_notify`), run on 127.0.0.1 with a throw-away work
// dir, a SQLite database and an app.ini whose install lock is set — so no installer page, no network.
//
//   const gitea = await startGiteaServer({ adminUser, adminPassword, allowedHosts });
//   … gitea.url (no trailing slash) …
//   await gitea.stop();
//
// The shape of the setup follows the gitea chart's own start (gitea/helm-gitea templates/gitea/
// config.yaml `configure_gitea.sh`): `gitea migrate`, then `gitea admin user create --admin
// --must-change-password=false`, then `gitea web`. The process is stopped by stop(), when this Node
// process exits, and — through a small watchdog — when this Node process dies without running its
// exit handlers, so a failed or killed test run leaves no Gitea behind.
//
// What Gitea needs on disk besides its binary: built without the `bindata` tag (tools.sh does not set
// it), it reads its `options/` (README/.gitignore/licence/label templates, locales), `templates/` and
// `public/` from STATIC_ROOT_PATH at run time (modules/{options,templates,public}/*_dynamic.go). The
// Go module zip carries options/ and templates/ (not the web UI's built assets under public/assets);
// STATIC_ROOT_PATH points at that module's source in the Go module cache, read-only. See
// docs/gitea-peer.md for what fails without it.
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface GiteaServerOptions {
    /** Port on 127.0.0.1; default: a free one. */
    readonly port?: number;
    /**
     * The site admin created before Gitea starts. Omitted: no user at all — the e2e harness creates the
     * admin later, as the chart's configure-gitea init container does at Pod start (see admin()).
     */
    readonly adminUser?: string;
    readonly adminPassword?: string;
    /** [server] ROOT_URL, when clients reach Gitea through another address (a NodePort); default: its own URL. */
    readonly rootUrl?: string;
    /**
     * [webhook] ALLOWED_HOST_LIST (and [security], as components/gitea.ts renders both); default: unset,
     * which is Gitea's "external" (services/webhook/deliver.go Init).
     */
    readonly allowedHosts?: string;
    /** Bound on the wait for /api/v1/version (default 120 000 ms: a loaded CI machine). */
    readonly readyTimeoutMs?: number;
}

export interface GiteaServer {
    /** http://127.0.0.1:<port>, also Gitea's ROOT_URL (without its trailing slash). */
    readonly url: string;
    /** What GET /api/v1/version reports. */
    readonly version: string;
    /** The binary that runs. */
    readonly binary: string;
    /** The throw-away work dir (app.ini in custom/conf, SQLite DB and repositories in data/, log/). */
    readonly workDir: string;
    /** The SQLite database file (read it with node:sqlite, e.g. hook_task rows). */
    readonly dbPath: string;
    /** Last lines of Gitea's log file (for failure messages). */
    logTail(lines?: number): string;
    /**
     * Runs `gitea <args…> --config <app.ini>` against this server's work dir (e.g. `admin user
     * change-password`), as a process in the container would; `secrets` are masked in an error.
     * Resolves with its stdout.
     */
    cli(args: readonly string[], secrets?: readonly string[]): Promise<string>;
    /** Stops Gitea (SIGTERM, then SIGKILL after 10 s) and removes the work dir. Idempotent. */
    stop(): Promise<void>;
}

export interface GiteaBinary {
    readonly path: string;
    /** The Gitea module's source (options/, templates/) for STATIC_ROOT_PATH. */
    readonly staticRoot: string;
    /** Where the binary was found, for the printed line. */
    readonly source: string;
}

const REPO_ROOT = path.join(__dirname, "..", "..");

function toolsCache(): string {
    if (process.env.CI_STACK_TOOLS_DIR) return process.env.CI_STACK_TOOLS_DIR;
    return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "ci-stack", "tools");
}

/** GITEA_VERSION from tools/versions.env (the pin file scripts/tools.sh builds from), when the repo has it. */
function pinnedVersion(): string | undefined {
    try {
        return /^GITEA_VERSION=(\S+)/m.exec(fs.readFileSync(path.join(REPO_ROOT, "tools", "versions.env"), "utf8"))?.[1];
    } catch {
        return undefined;
    }
}

const semver = (v: string) => v.replace(/^v/, "").split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
const newer = (a: string, b: string) => {
    const [x, y] = [semver(a), semver(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
    return false;
};

function binaryVersion(bin: string): string | undefined {
    // `gitea --version`: "Gitea version 1.25.4 built with GNU Make …, go1.26.8 : bindata, sqlite, …"
    const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 20_000, env: { ...process.env, GITEA_WORK_DIR: os.tmpdir() } });
    return /version (\S+)/.exec(r.stdout ?? "")?.[1];
}

/** The Gitea module source in the Go module cache (what `go build` compiled the binary from). */
function moduleSource(version: string): string | undefined {
    const candidates: string[] = [];
    if (process.env.GOMODCACHE) candidates.push(process.env.GOMODCACHE);
    const go = spawnSync("go", ["env", "GOMODCACHE"], { encoding: "utf8", timeout: 20_000 });
    if (go.status === 0 && go.stdout.trim()) candidates.push(go.stdout.trim());
    candidates.push(path.join(process.env.GOPATH || path.join(os.homedir(), "go"), "pkg", "mod"));
    for (const c of candidates) {
        const dir = path.join(c, "code.gitea.io", `gitea@v${version.replace(/^v/, "")}`);
        if (fs.existsSync(path.join(dir, "options", "readme", "Default"))) return dir;
    }
    return undefined;
}

/**
 * Finds the Gitea binary: $CI_STACK_GITEA_BIN, else the tools cache (the version tools/versions.env pins
 * when the repository has it, else the newest built one), else `gitea` on PATH. `missing` says why not.
 */
export function findGitea(): GiteaBinary | { missing: string } {
    return (lookedUp ??= lookUp());
}
/** Looked up once per process: every suite asks. */
let lookedUp: GiteaBinary | { missing: string } | undefined;

function lookUp(): GiteaBinary | { missing: string } {
    const tried: string[] = [];
    const withSource = (bin: string, source: string): GiteaBinary | { missing: string } => {
        const version = binaryVersion(bin);
        if (!version) return { missing: `${bin} (${source}) does not answer --version` };
        const staticRoot = process.env.CI_STACK_GITEA_STATIC_ROOT || moduleSource(version);
        if (!staticRoot) {
            return { missing: `${bin} is Gitea ${version} built without bindata, and its module source (options/, templates/) is not in the Go module cache: run \`go mod download code.gitea.io/gitea@v${version}\` or set CI_STACK_GITEA_STATIC_ROOT` };
        }
        return { path: bin, staticRoot, source: `${source}, Gitea ${version}` };
    };
    if (process.env.CI_STACK_GITEA_BIN) return withSource(process.env.CI_STACK_GITEA_BIN, "$CI_STACK_GITEA_BIN");
    const cache = toolsCache();
    const built = (fs.existsSync(cache) ? fs.readdirSync(cache) : []).filter((d) => /^gitea-v/.test(d) && fs.existsSync(path.join(cache, d, ".complete")) && fs.existsSync(path.join(cache, d, "bin", "gitea")));
    const pin = pinnedVersion();
    const pick = pin ? built.find((d) => d === `gitea-${pin}`) : built.sort((a, b) => (newer(a.slice(6), b.slice(6)) ? -1 : 1))[0];
    if (pick) return withSource(path.join(cache, pick, "bin", "gitea"), `tools cache ${path.join(cache, pick)}`);
    tried.push(pin ? `${path.join(cache, `gitea-${pin}`)} (pinned in tools/versions.env) is not built` : `no built gitea-v* in ${cache}`);
    const onPath = spawnSync("sh", ["-c", "command -v gitea"], { encoding: "utf8" }).stdout.trim();
    if (onPath) return withSource(onPath, "PATH");
    tried.push("no gitea on PATH");
    return { missing: `no Gitea binary: ${tried.join("; ")} (build it with \`bash scripts/tools.sh build gitea\`, or set CI_STACK_GITEA_BIN)` };
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const { port } = s.address() as net.AddressInfo;
            s.close(() => resolve(port));
        });
    });
}

/** app.ini: everything the API and git-over-HTTP need, nothing that reaches out (mail, avatars, update checks). */
export function giteaAppIni(o: { workDir: string; port: number; rootUrl?: string; staticRoot: string; allowedHosts?: string; secretKey: string; internalToken: string; jwtSecret: string }): string {
    const d = (p: string) => path.join(o.workDir, p);
    const sections: Record<string, Record<string, string | number | boolean>> = {
        "": { APP_NAME: "ci-stack test peer", RUN_MODE: "prod", WORK_PATH: o.workDir },
        server: {
            PROTOCOL: "http",
            HTTP_ADDR: "127.0.0.1",
            HTTP_PORT: o.port,
            DOMAIN: "127.0.0.1",
            ROOT_URL: o.rootUrl ?? `http://127.0.0.1:${o.port}/`,
            APP_DATA_PATH: d("data"),
            STATIC_ROOT_PATH: o.staticRoot,
            DISABLE_SSH: true,
            START_SSH_SERVER: false,
            OFFLINE_MODE: true,
            LFS_START_SERVER: false,
        },
        // WAL and a longer busy timeout (modules/setting/database.go: default journal mode, 500 ms):
        // Gitea's queues write in the background while requests read, and on a loaded 2-core machine
        // the defaults turn that into "database is locked" 500s — a SQLite artefact the chart's
        // PostgreSQL does not have. WAL also lets a test read the database (hook_task) while Gitea writes.
        database: { DB_TYPE: "sqlite3", PATH: d("data/gitea.db"), SQLITE_JOURNAL_MODE: "WAL", SQLITE_TIMEOUT: 10_000 },
        repository: { ROOT: d("data/repositories") },
        security: {
            INSTALL_LOCK: true,
            SECRET_KEY: o.secretKey,
            INTERNAL_TOKEN: o.internalToken,
            ...(o.allowedHosts !== undefined ? { ALLOWED_HOST_LIST: o.allowedHosts } : {}),
        },
        oauth2: { JWT_SECRET: o.jwtSecret },
        service: { DISABLE_REGISTRATION: true, ENABLE_NOTIFY_MAIL: false },
        mailer: { ENABLED: false },
        picture: { DISABLE_GRAVATAR: true, ENABLE_FEDERATED_AVATAR: false },
        "cron.update_checker": { ENABLED: false },
        session: { PROVIDER: "memory" },
        cache: { ADAPTER: "memory" },
        log: { MODE: "file", LEVEL: "info", ROOT_PATH: d("log") },
        ...(o.allowedHosts !== undefined ? { webhook: { ALLOWED_HOST_LIST: o.allowedHosts } } : {}),
    };
    return Object.entries(sections)
        .map(([name, kv]) => `${name ? `[${name}]\n` : ""}${Object.entries(kv).map(([k, v]) => `${k} = ${v}`).join("\n")}\n`)
        .join("\n");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function failure(args: readonly string[], secrets: readonly string[], code: string, output: string): Error {
    let out = output.trim().split("\n").slice(-15).join("\n");
    for (const s of secrets) out = out.split(s).join("***");
    const shown = args.map((a) => (secrets.includes(a) ? "***" : a)).join(" ");
    return new Error(`gitea ${shown} failed (exit ${code}):\n${out}`);
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv, secrets: string[] = []): void {
    const r = spawnSync(bin, args, { encoding: "utf8", env, timeout: 120_000 });
    if (r.status !== 0) throw failure(args, secrets, String(r.status ?? r.signal), `${r.stdout ?? ""}${r.stderr ?? ""}`);
}

function runAsync(bin: string, args: readonly string[], env: NodeJS.ProcessEnv, secrets: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(bin, [...args], { encoding: "utf8", env, timeout: 120_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
            if (err) reject(failure(args, secrets, typeof err.code === "number" ? String(err.code) : (err.signal ?? err.message), `${stdout}${stderr}`));
            else resolve(stdout);
        });
    });
}

/** Running servers: their process group and work dir, for the exit hook. */
const live = new Map<ChildProcess, string>();
let exitHook = false;
/** Signals the child's whole process group (the watchdog shell and Gitea). */
function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
    try {
        if (child.pid) process.kill(-child.pid, sig);
    } catch {
        // already gone
    }
}
function killOnExit(child: ChildProcess, workDir: string): void {
    live.set(child, workDir);
    if (exitHook) return;
    exitHook = true;
    process.on("exit", () => {
        for (const [c, dir] of live) {
            signalGroup(c, "SIGKILL");
            if (!process.env.CI_STACK_KEEP_GITEA) fs.rmSync(dir, { recursive: true, force: true });
        }
    });
}

/** Starts Gitea and resolves once GET /api/v1/version answers (the admin user exists by then). */
export async function startGiteaServer(o: GiteaServerOptions): Promise<GiteaServer> {
    const found = findGitea();
    if ("missing" in found) throw new Error(found.missing);
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stack-gitea-"));
    const port = o.port ?? (await freePort());
    const conf = path.join(workDir, "custom", "conf", "app.ini");
    fs.mkdirSync(path.dirname(conf), { recursive: true });
    fs.mkdirSync(path.join(workDir, "home"));
    const secret = () => randomBytes(32).toString("hex");
    fs.writeFileSync(conf, giteaAppIni({ workDir, port, rootUrl: o.rootUrl, staticRoot: found.staticRoot, allowedHosts: o.allowedHosts, secretKey: secret(), internalToken: secret(), jwtSecret: randomBytes(32).toString("base64url") }));
    // HOME: git run by Gitea (and by tests) must not read or write the user's ~/.gitconfig.
    const env: NodeJS.ProcessEnv = { ...process.env, GITEA_WORK_DIR: workDir, GITEA_CUSTOM: path.join(workDir, "custom"), HOME: path.join(workDir, "home"), GIT_CONFIG_NOSYSTEM: "1" };
    // Gitea refuses to start as root (modules/setting/setting.go loadRunModeFrom: log.Fatal unless
    // I_AM_BEING_UNSAFE_RUNNING_AS_ROOT). CI containers often are root; a loopback-only throw-away
    // instance is the one place where the override is harmless. Only then is it set.
    if (process.getuid?.() === 0) env.GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = "true";
    const cleanup = () => fs.rmSync(workDir, { recursive: true, force: true });
    try {
        run(found.path, ["migrate", "--config", conf], env);
        if (o.adminUser !== undefined) {
            if (!o.adminPassword) throw new Error("startGiteaServer: adminUser needs adminPassword");
            run(found.path, ["admin", "user", "create", "--config", conf, "--username", o.adminUser, "--password", o.adminPassword, "--email", `${o.adminUser}@127.0.0.1.invalid`, "--admin", "--must-change-password=false"], env, [o.adminPassword]);
        }
    } catch (e) {
        cleanup();
        throw e;
    }
    // The watchdog: a shell that runs Gitea and kills it when this Node process is gone (SIGKILL, OOM),
    // where no exit handler runs. `exec` is avoided so the shell stays to watch.
    // Its own process group (detached), so stop() and the exit hook reach both with one signal.
    const script = `"$0" web --config "$1" & g=$!; trap 'kill -TERM $g 2>/dev/null; wait $g; exit' TERM INT; while kill -0 ${process.pid} 2>/dev/null && kill -0 $g 2>/dev/null; do sleep 1; done; kill -TERM $g 2>/dev/null; wait $g`;
    const child = spawn("sh", ["-c", script, found.path, conf], { env, stdio: ["ignore", "ignore", "pipe"], detached: true });
    let stderr = "";
    child.stderr?.on("data", (b: Buffer) => void (stderr = (stderr + b.toString()).slice(-4000)));
    child.unref();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    killOnExit(child, workDir);
    const logFile = path.join(workDir, "log", "gitea.log");
    const logTail = (n = 30) => {
        try {
            return fs.readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-n).join("\n");
        } catch {
            return stderr.trim().split("\n").slice(-n).join("\n");
        }
    };

    let stopped: Promise<void> | undefined;
    const stop = () =>
        (stopped ??= (async () => {
            if (child.exitCode === null && child.signalCode === null) {
                const exited = new Promise<void>((r) => child.once("exit", () => r()));
                signalGroup(child, "SIGTERM");
                const t = setTimeout(() => signalGroup(child, "SIGKILL"), 10_000);
                await exited;
                clearTimeout(t);
            }
            live.delete(child);
            if (!process.env.CI_STACK_KEEP_GITEA) cleanup();
        })());

    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + (o.readyTimeoutMs ?? 120_000);
    for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
            const tail = logTail();
            await stop();
            throw new Error(`Gitea exited before it answered (${child.exitCode ?? child.signalCode}):\n${tail}`);
        }
        try {
            const res = await fetch(`${url}/api/v1/version`, { signal: AbortSignal.timeout(2000) });
            if (res.status === 200) {
                const { version } = (await res.json()) as { version: string };
                const cli = (args: readonly string[], secrets: readonly string[] = []) => runAsync(found.path, [...args, "--config", conf], env, secrets);
                return { url, version, binary: found.path, workDir, dbPath: path.join(workDir, "data", "gitea.db"), logTail, cli, stop };
            }
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) {
            const tail = logTail();
            await stop();
            throw new Error(`Gitea at ${url} not ready after ${o.readyTimeoutMs ?? 120_000} ms:\n${tail}`);
        }
        await sleep(150);
    }
}
export const start = startGiteaServer;
