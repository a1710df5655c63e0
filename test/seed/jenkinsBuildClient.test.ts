// The Jenkins build side, client and emulator together: the Generic Webhook Trigger's invoke
// endpoint as the seed configures the job (token from a folder credential, `$.ref` filter), the
// queue, runs and consoleText — each case one behaviour of the upstream code jenkinsBuilds.ts cites.
import * as assert from "node:assert/strict";
import { HttpError } from "../../components/seed/http";
import { INVOKE_PATH, JenkinsBuildClient } from "../../components/seed/jenkinsBuildClient";
import { GWT_INVOKE_PATH } from "../../components/seed/seed";
import { jobConfigXml } from "../../components/seed/templates";
import { JENKINS_PASSWORD, JENKINS_USER, JenkinsEmulator, start } from "../support/jenkinsEmulator";

const FAST = { retries: 2, retryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 2000 } as const;
const TOKEN = "Gwt-token-0123456789abcdefghijklmnopqrstuv";
const JOB = "ci/notes-app";
const CREDENTIAL = "notes-app-webhook-token";
const secretText = (id: string, secret: string) =>
    `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>${id}</id><description>gwt</description><secret>${secret}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`;
const push = (ref: string) => JSON.stringify({ ref, after: "a".repeat(40), before: "a".repeat(40), commits: [], repository: { full_name: "gitea-admin/notes-app" } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The job exactly as the seed writes it, and its token as the seed's folder credential. */
function seedJob(emu: JenkinsEmulator, o: { credential?: boolean; disabled?: boolean } = {}): void {
    emu.state.addFolder("ci");
    if (o.credential ?? true) emu.state.credentials.set("ci", new Map([[CREDENTIAL, secretText(CREDENTIAL, TOKEN)]]));
    let xml = jobConfigXml({
        description: "seeded",
        cloneUrl: "http://gitea-http.gitea.svc:3000/gitea-admin/notes-app.git",
        credentialsId: "gitea-credentials",
        branch: "main",
        scriptPath: "Jenkinsfile",
        trigger: { kind: "generic-webhook", tokenCredentialId: CREDENTIAL, branchRef: "refs/heads/main" },
    });
    if (o.disabled) xml = xml.replace("<disabled>false</disabled>", "<disabled>true</disabled>");
    emu.state.setConfigXml(JOB, xml);
}

describe("JenkinsBuildClient against the Jenkins emulator (GWT invoke, queue, runs)", () => {
    let emu: JenkinsEmulator;
    let jenkins: JenkinsBuildClient;

    beforeEach(async () => {
        emu = await start();
        jenkins = new JenkinsBuildClient({ url: emu.url, username: JENKINS_USER, password: JENKINS_PASSWORD, ...FAST });
    });
    afterEach(() => emu.close());

    const invoke = (ref = "refs/heads/main", token = TOKEN) => jenkins.invokeGenericWebhook({ token, body: push(ref), headers: { "X-Gitea-Event": "push" } });

    it("posts where the seed points Gitea's webhook", () => {
        assert.equal(INVOKE_PATH, GWT_INVOKE_PATH);
    });

    it("triggers the seeded job with the Bearer token, no login and no crumb; the run ends with its result", async () => {
        seedJob(emu);
        const r = await invoke();
        assert.equal(r.kind, "jobs");
        const job = r.kind === "jobs" ? r.jobs[JOB] : undefined;
        assert.ok(job && typeof job !== "string");
        assert.deepEqual({ ...job, queueId: typeof job.queueId }, { triggered: true, queueId: "number", regexpFilterText: "refs/heads/main", regexpFilterExpression: "^refs/heads/main$", resolvedVariables: { ref: "refs/heads/main" } });
        const post = emu.requests("POST", INVOKE_PATH)[0]!;
        assert.equal(post.headers.authorization, `Bearer ${TOKEN}`);
        assert.equal(post.headers["jenkins-crumb"], undefined);
        assert.equal(post.headers.cookie, undefined);
        const item = await jenkins.getQueueItem(job.queueId);
        assert.deepEqual(item, { id: job.queueId, className: "hudson.model.Queue$LeftItem", why: null, cancelled: false, runNumber: 1 });
        assert.deepEqual(await jenkins.getRun(JOB, 1), { number: 1, building: false, result: "SUCCESS", durationMs: 0, startedAt: emu.state.builds.runsOf(JOB)[0]!.startedAt });
        const console = (await jenkins.getConsoleText(JOB, 1))!;
        assert.match(console, /^Gitea push to refs\/heads\/main\n/);
        assert.match(console, /Finished: SUCCESS\n$/);
        // Reads carry the login; the invoke carried only the token.
        assert.ok(emu.requests("GET").every((g) => g.headers.authorization?.startsWith("Basic ")));
    });

    it("no job for a wrong token (or none) → GWT's 404 message; the token's case-sensitive 'Bearer ' prefix counts", async () => {
        seedJob(emu);
        assert.deepEqual(await invoke("refs/heads/main", "wrong-token-wrong-token"), { kind: "no-job", message: "Did not find any jobs with GenericTrigger configured!\nA token was supplied.\n" });
        const lower = await fetch(`${emu.url}${INVOKE_PATH}`, { method: "POST", headers: { authorization: `bearer ${TOKEN}`, "content-type": "application/json" }, body: push("refs/heads/main") });
        assert.equal(lower.status, 404);
        assert.match(((await lower.json()) as { message: string }).message, /No token was supplied/);
        assert.equal(emu.state.builds.queue.size, 0);
    });

    it("a missing folder credential falls back to the job's empty plain token: a given token finds no job", async () => {
        seedJob(emu, { credential: false });
        assert.equal((await invoke()).kind, "no-job");
    });

    it("a push to another branch is answered 200 but not triggered; a disabled job is not scheduled", async () => {
        seedJob(emu);
        const other = await invoke("refs/heads/dev");
        assert.ok(other.kind === "jobs");
        assert.deepEqual(other.jobs[JOB], { triggered: false, queueId: 0, regexpFilterText: "refs/heads/dev", regexpFilterExpression: "^refs/heads/main$", resolvedVariables: { ref: "refs/heads/dev" } });
        emu.state.items.clear();
        seedJob(emu, { disabled: true });
        const disabled = await invoke();
        assert.ok(disabled.kind === "jobs");
        assert.equal((disabled.jobs[JOB] as { triggered: boolean }).triggered, false);
        assert.equal(emu.state.builds.queue.size, 0);
    });

    it("a body that is not JSON resolves no ref: the filter sees '' and nothing is triggered", async () => {
        seedJob(emu);
        const r = await jenkins.invokeGenericWebhook({ token: TOKEN, body: "ref=refs/heads/main" });
        assert.ok(r.kind === "jobs");
        assert.equal((r.jobs[JOB] as { regexpFilterText: string }).regexpFilterText, "");
    });

    it("follows an item through the quiet period, the executor's start and a run whose result is set while it still builds", async () => {
        seedJob(emu);
        emu.state.builds.quietPeriodMs = 60;
        emu.state.builds.plan = () => ({ startMs: 60, durationMs: 200, resultAtMs: 0, result: "FAILURE", log: ["[Pipeline] error", "ERROR: tests failed"] });
        const r = await invoke();
        const id = r.kind === "jobs" ? (r.jobs[JOB] as { queueId: number }).queueId : 0;
        const waiting = (await jenkins.getQueueItem(id))!;
        assert.equal(waiting.className, "hudson.model.Queue$WaitingItem");
        assert.match(waiting.why!, /^In the quiet period\. Expires in 0\.\d sec$/);
        await sleep(80);
        assert.deepEqual(await jenkins.getQueueItem(id), { id, className: "hudson.model.Queue$LeftItem", why: null, cancelled: false }, "left, executable not created yet");
        await sleep(70);
        assert.equal((await jenkins.getQueueItem(id))!.runNumber, 1);
        const building = (await jenkins.getRun(JOB, 1))!;
        assert.deepEqual({ building: building.building, result: building.result }, { building: true, result: "FAILURE" });
        assert.doesNotMatch((await jenkins.getConsoleText(JOB, 1))!, /Finished/);
        await sleep(220);
        assert.deepEqual({ ...(await jenkins.getRun(JOB, 1)), startedAt: 0 }, { number: 1, building: false, result: "FAILURE", durationMs: 200, startedAt: 0 });
        assert.match((await jenkins.getConsoleText(JOB, 1))!, /ERROR: tests failed\nFinished: FAILURE\n$/);
    });

    it("one build at a time: a second item is blocked behind the running build, then becomes run #2", async () => {
        seedJob(emu);
        emu.state.builds.plan = () => ({ durationMs: 150 });
        const ids: number[] = [];
        for (let i = 0; i < 2; i++) {
            const r = await invoke();
            ids.push(r.kind === "jobs" ? (r.jobs[JOB] as { queueId: number }).queueId : 0);
        }
        assert.notEqual(ids[0], ids[1], "GWT's uuid parameter keeps two invocations apart");
        const blocked = (await jenkins.getQueueItem(ids[1]!))!;
        assert.deepEqual({ className: blocked.className, why: blocked.why }, { className: "hudson.model.Queue$BlockedItem", why: "Build #1 is already in progress" });
        await sleep(170);
        assert.equal((await jenkins.getQueueItem(ids[1]!))!.runNumber, 2);
        const [first, second] = emu.state.builds.runsOf(JOB);
        assert.ok(second!.startedAt >= first!.startedAt + 150, "the second run started when the first ended");
    });

    it("a cancelled item says so; a left item is forgotten after Queue.leftItems' expiry (404 → undefined)", async () => {
        seedJob(emu);
        emu.state.builds.plan = () => ({ cancel: true });
        const r = await invoke();
        const id = r.kind === "jobs" ? (r.jobs[JOB] as { queueId: number }).queueId : 0;
        assert.deepEqual(await jenkins.getQueueItem(id), { id, className: "hudson.model.Queue$LeftItem", why: null, cancelled: true });
        emu.state.builds.leftItemTtlMs = 10;
        await sleep(20);
        assert.equal(await jenkins.getQueueItem(id), undefined);
        assert.equal(await jenkins.getRun(JOB, 1), undefined);
        assert.equal(await jenkins.getConsoleText(JOB, 1), undefined);
    });

    it("builds run URLs from its own base URL, never from Jenkins' root URL", async () => {
        emu.state.rootUrl = "http://jenkins.jenkins.svc.cluster.local:8080/";
        seedJob(emu);
        await invoke();
        const raw = (await (await fetch(`${emu.url}/job/ci/job/notes-app/1/api/json`, { headers: { authorization: `Basic ${Buffer.from(`${JENKINS_USER}:${JENKINS_PASSWORD}`).toString("base64")}` } })).json()) as { url: string };
        assert.equal(raw.url, "http://jenkins.jenkins.svc.cluster.local:8080/job/ci/job/notes-app/1/");
        assert.equal(jenkins.runUrl(JOB, 1), `${emu.url}/job/ci/job/notes-app/1/`);
    });

    it("reads need a login (anonymous 403), the invoke does not", async () => {
        seedJob(emu);
        await invoke();
        const anonymous = new JenkinsBuildClient({ url: emu.url, username: JENKINS_USER, password: "wrong-password", ...FAST });
        await assert.rejects(anonymous.getRun(JOB, 1), /Jenkins GET \/job\/ci\/job\/notes-app\/1\/api\/json\?tree=.*: HTTP 401/);
        assert.equal((await fetch(`${emu.url}/queue/item/1/api/json`)).status, 403);
    });

    it("a login page answering consoleText with 200 text/html is not a console", async () => {
        seedJob(emu);
        await invoke();
        emu.faults.reply(1, { status: 200, headers: { "Content-Type": "text/html" }, body: "<html>Sign in</html>" });
        await assert.rejects(jenkins.getConsoleText(JOB, 1), /Jenkins GET \/job\/ci\/job\/notes-app\/1\/consoleText: HTTP 200 — expected text\/plain, got text\/html/);
    });

    it("never re-sends an invoke that may have been applied (a second build), and keeps the token out of the error", async () => {
        seedJob(emu);
        emu.faults.fail(1, { status: 502, afterApply: true, echo: { headers: ["authorization"] } });
        await assert.rejects(invoke(), (e: unknown) => {
            assert.ok(e instanceof HttpError);
            assert.match(e.message, /^Jenkins POST \/generic-webhook-trigger\/invoke: HTTP 502/);
            assert.ok(!e.message.includes(TOKEN), e.message);
            return true;
        });
        assert.equal(emu.requests("POST", INVOKE_PATH).length, 1);
        assert.equal(emu.state.builds.queue.size, 1, "the one build the first attempt started");
    });

    it("retries an invoke whose connection was refused (nothing was sent)", async () => {
        seedJob(emu);
        await emu.faults.refuse(40);
        const patient = new JenkinsBuildClient({ url: emu.url, username: JENKINS_USER, password: JENKINS_PASSWORD, retries: 6, retryDelayMs: 20, maxRetryDelayMs: 40 });
        const r = await patient.invokeGenericWebhook({ token: TOKEN, body: push("refs/heads/main") });
        assert.equal(r.kind, "jobs");
        assert.equal(emu.state.builds.queue.size, 1);
    });
});
