// Webhook delivery for real (tracker issue #12): a real Gitea configured the way components/gitea.ts
// configures it ([webhook] ALLOWED_HOST_LIST exactly as giteaValues renders it, with the receiver's
// host in the place index.ts puts jenkinsServiceHost(...)), the app repository seeded by the seed's own
// providers, a commit pushed with git over HTTP, and a local receiver standing in for Jenkins'
// generic-webhook-trigger endpoint. A second hook to a host NOT on the list must never be called, and
// Gitea must record its delivery as failed (hook_task, models/webhook/hooktask.go).
//
// Only the real Gitea can show this (the emulator delivers nothing): skipped with the reason when its
// binary is absent, required under `npm run test:gitea`.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig, RawConfigSource } from "../../config";
import { giteaValues } from "../../components/gitea";
import { GiteaClient } from "../../components/seed/giteaClient";
import { giteaFilesProvider, giteaRepositoryProvider, giteaWebhookProvider } from "../../components/seed/providers";
import { GWT_INVOKE_PATH } from "../../components/seed/seed";
import { appRepoFiles } from "../../components/seed/templates";
import { GITEA_PASSWORD, GITEA_USER } from "../support/giteaEmulator";
import { GiteaServer, startGiteaServer } from "../support/giteaServer";
import { giteaAvailability, giteaRequired, selectedTargets } from "../support/giteaTargets";
import { MINIMAL } from "../support/fixtures";

interface Received {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
}

/** A stand-in for Jenkins' /generic-webhook-trigger/invoke: records every request, answers as GWT does. */
async function receiver(host: string): Promise<{ url: string; host: string; got: Received[]; close(): Promise<void> }> {
    const got: Received[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            got.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
            res.writeHead(200, { "Content-Type": "application/json" });
            res.end(JSON.stringify({ jobs: { "ci/notes-app": { triggered: true } }, message: "Triggered jobs." }));
        });
    });
    await new Promise<void>((r) => server.listen(0, host, () => r()));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://${host}:${port}${GWT_INVOKE_PATH}`,
        host,
        got,
        close: () => new Promise<void>((r) => server.close(() => r())),
    };
}

/** Polls `f` until it returns a value, for at most `ms`. */
async function eventually<T>(what: string, ms: number, f: () => T | undefined | Promise<T | undefined>): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
        const v = await f();
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

/** git with the credential in an extra header passed through the environment: never in the URL or argv. */
function git(cwd: string, home: string, args: string[], user: string, password: string): string {
    const r = spawnSync("git", args, {
        cwd,
        encoding: "utf8",
        timeout: 60_000,
        env: {
            PATH: process.env.PATH,
            HOME: home,
            GIT_CONFIG_NOSYSTEM: "1",
            GIT_TERMINAL_PROMPT: "0",
            GIT_AUTHOR_NAME: "ci-stack test",
            GIT_AUTHOR_EMAIL: "test@127.0.0.1.invalid",
            GIT_COMMITTER_NAME: "ci-stack test",
            GIT_COMMITTER_EMAIL: "test@127.0.0.1.invalid",
            GIT_CONFIG_COUNT: "1",
            GIT_CONFIG_KEY_0: "http.extraHeader",
            GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
        },
    });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${(r.stderr || r.stdout).split(password).join("***")}`);
    return r.stdout.trim();
}

interface HookTask {
    hook_id: number;
    payload_content: string;
    event_type: string;
    is_delivered: number;
    is_succeed: number;
    response_content: string;
}

/** Gitea's own record of each delivery (the web UI's "Recent Deliveries"; the API has no route for it). */
async function hookTasks(dbPath: string, hookId: number): Promise<HookTask[]> {
    // node:sqlite: Node >= 22.13 without a flag (.ci/run brings Node 24).
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(dbPath, { readOnly: true, timeout: 10_000 });
    try {
        return db.prepare("SELECT hook_id, payload_content, event_type, is_delivered, is_succeed, response_content FROM hook_task WHERE hook_id = ? ORDER BY id").all(hookId) as unknown as HookTask[];
    } finally {
        db.close();
    }
}

const run = selectedTargets().includes("gitea");
(run ? describe : describe.skip)("Gitea webhook delivery [gitea]", function () {
    this.timeout(180_000);
    const avail = giteaAvailability();
    let gitea: GiteaServer;
    let jenkins: Awaited<ReturnType<typeof receiver>>;
    let elsewhere: Awaited<ReturnType<typeof receiver>>;
    let allowList: string;
    let work: string;

    before(async function () {
        if (!avail.ok) {
            if (giteaRequired()) throw new Error(`the real Gitea target is required ($CI_STACK_REQUIRE_GITEA) but ${avail.reason}`);
            console.log(`    (skipped: ${avail.reason})`);
            this.skip();
        }
        // The receiver stands where Jenkins' Service is: 127.0.0.1 takes the place of
        // jenkinsServiceHost(...) in index.ts. 127.0.0.2 is loopback too, but on no list.
        jenkins = await receiver("127.0.0.1");
        elsewhere = await receiver("127.0.0.2");
        const source: RawConfigSource = { get: (k) => MINIMAL[k.replace(/^ci-stack:/, "")], isSecret: () => true, keys: () => Object.keys(MINIMAL).map((k) => `ci-stack:${k}`) };
        const cfg = loadConfig("ci-stack", source);
        const values = giteaValues({
            settings: cfg.gitea,
            images: cfg.images,
            storageClass: cfg.storage.className,
            nodeAddress: cfg.nodeAddress,
            adminSecretName: "gitea-admin",
            webhookAllowedHosts: [jenkins.host],
        });
        const rendered = values.gitea.config.webhook?.ALLOWED_HOST_LIST;
        assert.ok(rendered, "giteaValues renders [webhook] ALLOWED_HOST_LIST");
        assert.equal(values.gitea.config.security?.ALLOWED_HOST_LIST, rendered, "and the same list under [security]");
        allowList = rendered;
        gitea = await startGiteaServer({ adminUser: GITEA_USER, adminPassword: GITEA_PASSWORD, allowedHosts: allowList });
        work = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stack-push-"));
    });

    after(async () => {
        await jenkins?.close();
        await elsewhere?.close();
        await gitea?.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("delivers the push of a commit to the seeded app repository to the allowed host, with the seed's Bearer header; refuses the other host", async () => {
        assert.equal(allowList, "external,127.0.0.1", "external (public hosts, for users' own hooks) plus the Jenkins host");
        const conn = { url: gitea.url, username: GITEA_USER, password: GITEA_PASSWORD, readyTimeoutMs: 30_000 };
        const token = "gwt-token-0123456789abcdef0123456789abcdef";

        // The seed, as seed.ts wires it: repository, its files (the real app content), the push webhook.
        const repo = await giteaRepositoryProvider.create({ gitea: conn, name: "notes-app", private: true, description: "seeded", defaultBranch: "main", deleteOnDestroy: false });
        const content = appRepoFiles({
            registry: { server: "10.0.24.28:30002", project: "bootcamp", insecure: true, secretName: "harbor-auth" },
            imageName: "notes-app",
            images: { kaniko: "gcr.io/kaniko-project/executor:v1.23.2-debug", agent: "jenkins/inbound-agent:3385.vf1123fb_515da_-1", build: "maven:3.9.11-eclipse-temurin-21" },
            agentResources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } },
            agentNamespace: "jenkins-agents",
            workspaceClaimName: "agent-workspace",
            cacheClaimName: "agent-cache",
            deployRepoCloneUrl: `${gitea.url}/${GITEA_USER}/notes-deploy.git`,
            gitCredentialsId: "gitea-credentials",
            branch: "main",
        });
        await giteaFilesProvider.create({ gitea: conn, owner: GITEA_USER, repo: "notes-app", branch: "main", message: "Seed", files: Object.entries(content).map(([p, c]) => ({ path: p, content: c })) });
        const hook = await giteaWebhookProvider.create({ gitea: conn, owner: GITEA_USER, repo: "notes-app", url: jenkins.url, events: ["push"], branchFilter: "main", authorizationHeader: `Bearer ${token}` });
        const client = new GiteaClient(conn);
        const other = await client.createHook(GITEA_USER, "notes-app", { url: elsewhere.url, contentType: "json", events: ["push"], branchFilter: "main", authorizationHeader: "Bearer not-for-you", active: true });
        // Gitea handles pushes in a queue (services/repository/push.go): the seed's own commit may
        // still be waiting there and be delivered to the hooks made meanwhile. Only the push below counts.

        // A developer's push, with git over HTTP.
        const home = fs.mkdtempSync(path.join(work, "home-"));
        const cloneUrl = `${repo.outs!.htmlUrl}.git`;
        assert.ok(!cloneUrl.includes("@"), "no credentials in the URL");
        git(work, home, ["clone", "--quiet", cloneUrl, "notes-app"], GITEA_USER, GITEA_PASSWORD);
        const dir = path.join(work, "notes-app");
        assert.equal(fs.readFileSync(path.join(dir, "Jenkinsfile"), "utf8"), content.Jenkinsfile, "the clone holds the seeded files");
        fs.appendFileSync(path.join(dir, "README.md"), "\nA change pushed over HTTP.\n");
        git(dir, home, ["commit", "--quiet", "-am", "Change the README"], GITEA_USER, GITEA_PASSWORD);
        const pushed = git(dir, home, ["rev-parse", "HEAD"], GITEA_USER, GITEA_PASSWORD);
        git(dir, home, ["push", "--quiet", "origin", "main"], GITEA_USER, GITEA_PASSWORD);

        const after = (d: Received) => (JSON.parse(d.body) as { after?: string }).after;
        const delivery = await eventually("the push delivery at the Jenkins stand-in", 60_000, () => jenkins.got.find((d) => after(d) === pushed));
        assert.equal(delivery.method, "POST");
        assert.equal(delivery.url, GWT_INVOKE_PATH);
        assert.equal(delivery.headers.authorization, `Bearer ${token}`, "the header the seed set");
        assert.equal(delivery.headers["x-gitea-event"], "push");
        assert.match(String(delivery.headers["content-type"]), /^application\/json/);
        const payload = JSON.parse(delivery.body) as { ref: string; after: string; repository: { full_name: string }; commits: { id: string; message: string }[] };
        assert.equal(payload.ref, "refs/heads/main", "what the job's GWT filter matches ($.ref)");
        assert.equal(payload.after, pushed);
        assert.equal(payload.repository.full_name, `${GITEA_USER}/notes-app`);
        assert.deepEqual(payload.commits.map((c) => c.id), [pushed]);
        assert.equal(jenkins.got.filter((d) => after(d) === pushed).length, 1, "one push, one delivery");
        for (const d of jenkins.got) assert.equal(d.headers.authorization, `Bearer ${token}`, "every delivery carries the seed's header");

        // The host not on the list: Gitea's dialer refuses it (modules/hostmatcher/http.go), so the
        // receiver is never called, and the delivery is recorded as failed.
        const pushedTask = (t: HookTask) => (JSON.parse(t.payload_content) as { after?: string }).after === pushed;
        const refused = await eventually("Gitea's record of the refused delivery", 60_000, async () => {
            const tasks = await hookTasks(gitea.dbPath, other.id);
            return tasks.find((t) => t.is_delivered === 1 && pushedTask(t));
        });
        assert.equal(refused.event_type, "push");
        assert.equal(refused.is_succeed, 0);
        assert.match(refused.response_content, /can only call allowed HTTP servers \(check your webhook\.ALLOWED_HOST_LIST setting\), deny '127\.0\.0\.2/);
        assert.deepEqual(elsewhere.got, [], "the host off the list was never called");
        const ours = (await hookTasks(gitea.dbPath, hook.outs!.hookId)).filter(pushedTask);
        assert.deepEqual(ours.map((t) => [t.event_type, t.is_delivered, t.is_succeed]), [["push", 1, 1]], "Gitea recorded ours as delivered");
    });
});
