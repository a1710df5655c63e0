// The smoke run against the Gitea, Jenkins and Harbor emulators: the loop proven and timed, and each
// way it can fail ending in an error that says where, with the build URL and the console's tail.
import * as assert from "node:assert/strict";
import { runSmoke, SmokeError, type SmokeOptions } from "../../components/smoke/run";
import { parseSmokeOutput } from "../../components/smoke/smoke";
import { REGISTRY, startSmokeWorld, WEBHOOK_TOKEN, type SmokeWorld } from "../support/smokeWorld";

const FAST: SmokeOptions = { pollMs: 10, imageTimeoutMs: 300, http: { retries: 2, retryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 2000 } };

/** The error of a run that must fail, checked to hold no secret of the world. */
async function failure(w: SmokeWorld, o: SmokeOptions = FAST): Promise<SmokeError> {
    try {
        await runSmoke(w.target, o);
    } catch (e) {
        assert.ok(e instanceof SmokeError, `expected a SmokeError, got ${String(e)}`);
        for (const s of w.secrets) assert.ok(!e.message.includes(s), `the error holds a secret:\n${e.message}`);
        return e;
    }
    assert.fail("the smoke run succeeded");
}

describe("smoke run against the emulators", function () {
    this.timeout(20_000);
    let w: SmokeWorld;
    beforeEach(async () => {
        w = await startSmokeWorld();
    });
    afterEach(() => w.close());

    it("proves the loop: the push delivered as Gitea does, the build followed, the image found, the time measured", async () => {
        w.jenkins.state.builds.quietPeriodMs = 50;
        w.plan = () => ({ startMs: 20, durationMs: 150, log: ["+ /kaniko/executor"], onComplete: () => void w.pushHead() });
        const lines: string[] = [];
        const r = await runSmoke(w.target, { ...FAST, log: (l) => lines.push(l) });
        const head = w.head();
        const digest = w.harbor.state.repositories.get("bootcamp/notes-app")!.artifacts[0]!.digest;
        assert.deepEqual({ ...r, seconds: 0, queueSeconds: 0 }, {
            buildUrl: `${w.jenkins.url}/job/ci/job/notes-app/1/`,
            result: "SUCCESS",
            commit: head,
            image: `${REGISTRY}/bootcamp/notes-app:${head.slice(0, 8)}`,
            digest,
            seconds: 0,
            queueSeconds: 0,
        });
        assert.ok(r.queueSeconds >= 0.05 && r.queueSeconds < r.seconds, `queue ${r.queueSeconds} s of ${r.seconds} s`);
        assert.ok(r.seconds >= 0.2, `${r.seconds} s covers the quiet period, the start and the build`);
        // The delivery: the generic webhook trigger with the Bearer token and Gitea's push payload for the head.
        const [call] = w.jenkins.state.builds.invocations;
        assert.equal(call!.token, WEBHOOK_TOKEN);
        assert.equal(call!.headers["x-gitea-event"], "push");
        const payload = JSON.parse(call!.body);
        assert.deepEqual([payload.ref, payload.before, payload.after, payload.head_commit.id, payload.commits.length], ["refs/heads/main", head, head, head, 1]);
        assert.equal(payload.repository.full_name, "gitea_admin/notes-app");
        // What the script prints is what the component parses, and holds no secret.
        const printed = JSON.stringify(r);
        assert.deepEqual(parseSmokeOutput(`${printed}\n`), r);
        for (const s of w.secrets) assert.ok(!printed.includes(s) && !lines.join("\n").includes(s));
        // Reads with the least-privileged accounts: the pipeline's Gitea user, the read-only Harbor robot.
        assert.ok(w.gitea.log.every((g) => g.headers.authorization === `Basic ${Buffer.from(`jenkins-bot:${w.target.giteaPassword}`).toString("base64")}`));
        assert.ok(w.harbor.log.every((h) => h.headers.authorization?.startsWith("Basic ") && Buffer.from(h.headers.authorization.slice(6), "base64").toString().startsWith("robot$bootcamp+ci-stack-smoke:")));
    });

    it("a build that fails: the error names the build URL and shows the console's tail, secrets masked", async () => {
        w.plan = () => ({ durationMs: 30, result: "FAILURE", log: [...Array.from({ length: 60 }, (_, i) => `line ${i}`), `curl -H 'Authorization: Bearer ${WEBHOOK_TOKEN}'`, "[ERROR] Tests run: 4, Failures: 1"] });
        const e = await failure(w);
        const url = `${w.jenkins.url}/job/ci/job/notes-app/1/`;
        assert.equal(e.buildUrl, url);
        assert.match(e.message, new RegExp(`^build ${url.replace(/[.]/g, "\\.")} of ${w.head()} ended FAILURE\n--- last lines of its console \\(${url.replace(/[.]/g, "\\.")}console\\) ---\n`));
        assert.match(e.message, /\[ERROR\] Tests run: 4, Failures: 1\nFinished: FAILURE\n---$/);
        assert.match(e.message, /Bearer \*\*\*/);
        assert.doesNotMatch(e.message, /line 22\n/, "only the tail (40 lines)");
        assert.match(e.message, /\nline 23\n/);
    });

    it("a build that sets FAILURE early but keeps running is followed until it stops building", async () => {
        w.plan = () => ({ durationMs: 150, resultAtMs: 0, result: "FAILURE" });
        const t0 = Date.now();
        const e = await failure(w);
        assert.match(e.message, /ended FAILURE/);
        assert.ok(Date.now() - t0 >= 140, "waited for building:false, not for the first result");
    });

    it("a build that never ends: a bounded wait, then the build URL and the console so far", async () => {
        await w.close();
        w = await startSmokeWorld({ timeoutSeconds: 1 });
        w.plan = () => ({ durationMs: Infinity, log: ["[Pipeline] podTemplate", "Still waiting to schedule task", "‘notes-app-abc’ is offline"] });
        const t0 = Date.now();
        const e = await failure(w);
        const took = Date.now() - t0;
        assert.ok(took >= 1000 && took < 10_000, `bounded: ${took} ms`);
        assert.match(e.message, /^build http:\/\/127\.0\.0\.1:\d+\/job\/ci\/job\/notes-app\/1\/ did not finish within 1 s of the trigger \(smoke\.timeoutSeconds\); it is still building\n--- last lines so far/);
        assert.match(e.message, /‘notes-app-abc’ is offline\n---$/);
        assert.doesNotMatch(e.message, /Finished:/);
    });

    it("a build that never starts (no executor, no agent): a bounded wait that says why the item still waits", async () => {
        await w.close();
        w = await startSmokeWorld({ timeoutSeconds: 1 });
        w.plan = () => ({ pendingMs: Infinity });
        const e = await failure(w);
        assert.match(e.message, /^no build of ci\/notes-app started within 1 s \(smoke\.timeoutSeconds\); queue item \d+ still waits: Waiting for next available executor$/);
        assert.equal(e.buildUrl, undefined);
    });

    it("an image that never appears: a bounded wait after the build succeeded, naming the image and the build", async () => {
        w.plan = () => ({ durationMs: 10 });
        const e = await failure(w);
        assert.match(e.message, new RegExp(`^Harbor holds no ${REGISTRY.replace(/\./g, "\\.")}/bootcamp/notes-app:${w.head().slice(0, 8)} 0\\.3 s after build http://127\\.0\\.0\\.1:\\d+/job/ci/job/notes-app/1/ succeeded; did the pipeline push somewhere else\\?`));
        assert.ok(w.harbor.requests("GET", /\/artifacts\//).length >= 3, "polled Harbor until its bound");
    });

    it("says so when the branch moved meanwhile (the job builds the branch, not the delivered commit)", async () => {
        w.plan = () => ({
            durationMs: 10,
            onComplete: () => {
                w.gitea.state.addRepo("someone", "unrelated");
                const r = w.gitea.state.repo("gitea_admin", "notes-app")!;
                r.heads.set("main", "f".repeat(40));
                void w.pushHead();
            },
        });
        const e = await failure(w);
        assert.match(e.message, new RegExp(`main moved to ${"f".repeat(40)} meanwhile, so the build may have built and pushed that commit instead`));
    });

    it("no job for the token: says what must hold the token", async () => {
        const e = await failure({ ...w, target: { ...w.target, webhookToken: "not-the-token-0123456789" }, secrets: [...w.secrets, "not-the-token-0123456789"] });
        assert.equal(e.message, "Jenkins found no job for the webhook token (Generic Webhook Trigger: Did not find any jobs with GenericTrigger configured! A token was supplied.); ci/notes-app must name, as its tokenCredentialId, a secret-text credential in its folder that holds this token");
        assert.equal(w.jenkins.state.builds.queue.size, 0);
    });

    it("a job whose branch filter does not match the push: names both sides", async () => {
        await w.close();
        w = await startSmokeWorld({ branchRef: "refs/heads/release" });
        const e = await failure(w);
        assert.equal(e.message, `ci/notes-app's filter did not match the push: "refs/heads/main" against ^refs/heads/release$ (seed.branch is main)`);
    });

    it("a cancelled queue item ends the wait at once", async () => {
        w.plan = () => ({ cancel: true });
        const e = await failure(w);
        assert.match(e.message, /^Jenkins queue item \d+ of ci\/notes-app was cancelled before a build started$/);
    });

    it("a build already running: the smoke's build waits behind it (queueSeconds), then is proven", async () => {
        w.plan = () => ({ durationMs: 400 });
        await fetch(`${w.jenkins.url}/generic-webhook-trigger/invoke`, { method: "POST", headers: { Authorization: `Bearer ${WEBHOOK_TOKEN}` }, body: JSON.stringify({ ref: "refs/heads/main" }) });
        w.plan = () => ({ durationMs: 20, onComplete: () => void w.pushHead() });
        const r = await runSmoke(w.target, FAST);
        assert.equal(r.buildUrl, `${w.jenkins.url}/job/ci/job/notes-app/2/`);
        // It waited from its own delivery until build #1 ended (rounded to 0.1 s).
        const [first] = w.jenkins.state.builds.runsOf("ci/notes-app");
        const waited = first!.startedAt + 400 - w.jenkins.state.builds.invocations[1]!.at;
        assert.ok(waited > 0 && r.queueSeconds * 1000 >= waited - 60, `queueSeconds ${r.queueSeconds} s for ${waited} ms behind build #1`);
    });

    it("polls through Jenkins restarting (503s) and Harbor hiccups, within the bound", async () => {
        w.plan = () => ({ durationMs: 100, onComplete: () => void w.pushHead() });
        w.jenkins.faults.fail(8, { status: 503, match: (r) => r.method === "GET" && r.path.includes("/job/") });
        w.harbor.faults.fail(3, { status: 502 });
        const r = await runSmoke(w.target, FAST);
        assert.equal(r.result, "SUCCESS");
        assert.ok(w.jenkins.requests("GET").some((g) => g.status === 503));
    });

    it("a Harbor account without artifact:read: says which permission is missing", async () => {
        const pipeline = w.harbor.state.addProjectRobot("bootcamp", "ci-stack", { access: [{ resource: "repository", action: "push" }, { resource: "repository", action: "pull" }] });
        const e = await failure({ ...w, target: { ...w.target, harborUsername: `robot$${pipeline.name}`, harborPassword: pipeline.secret }, secrets: [...w.secrets, pipeline.secret] });
        assert.match(e.message, /^Harbor refused to show 10\.0\.24\.28:30002\/bootcamp\/notes-app:[0-9a-f]{8} to robot\$bootcamp\+ci-stack \(.*HTTP 403 — FORBIDDEN: forbidden\); the smoke's Harbor account needs artifact:read on project bootcamp$/);
    });

    it("an app repository the Gitea user cannot see, or a missing branch", async () => {
        w.gitea.state.repo("gitea_admin", "notes-app")!.collaborators.clear();
        assert.equal((await failure(w)).message, "Gitea has no repository gitea_admin/notes-app (seed.appRepo) visible to jenkins-bot");
        const e = await failure({ ...w, target: { ...w.target, giteaUsername: "gitea_admin", giteaPassword: "gitea-Adm1n-Pa55!", branch: "develop" }, secrets: [...w.secrets, "gitea-Adm1n-Pa55!"] });
        assert.equal(e.message, "Gitea repository gitea_admin/notes-app has no branch develop (seed.branch)");
    });
});
