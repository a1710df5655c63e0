// The REST layer under the faults a real server (or what sits in front of it) produces: 429 with
// Retry-After, a response too large to hold, an error page that echoes the request — secrets
// included —, and a server that stays down in the middle of an operation.
import * as assert from "node:assert/strict";
import { GiteaClient, GiteaConnection } from "../../components/seed/giteaClient";
import { HttpClient, HttpError, withRequestBudget } from "../../components/seed/http";
import { JenkinsClient } from "../../components/seed/jenkinsClient";
import { giteaFilesProvider, jenkinsCredentialProvider, type FilesInputs } from "../../components/seed/providers";
import { GITEA_PASSWORD, GITEA_USER, GiteaEmulator, start as startGitea } from "../support/giteaEmulator";
import { FOLDER_CLASS, JENKINS_PASSWORD, JENKINS_USER, JenkinsEmulator, start as startJenkins } from "../support/jenkinsEmulator";

const FAST = { retries: 3, retryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 2000 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const basic = (u: string, p: string) => Buffer.from(`${u}:${p}`).toString("base64");

/** Everything a failed call can show a user: the message, the stack, the serialized error, the log lines. */
const shown = (e: unknown, lines: string[]) => (e instanceof Error ? `${e.message}\n${e.stack}\n${JSON.stringify(e)}\n${lines.join("\n")}` : String(e));

describe("REST layer", () => {
    let gitea: GiteaEmulator;
    let lines: string[];
    let conn: GiteaConnection;
    beforeEach(async () => {
        gitea = await startGitea();
        lines = [];
        conn = { url: gitea.url, username: GITEA_USER, password: GITEA_PASSWORD, ...FAST, log: (l) => lines.push(l) };
    });
    afterEach(() => gitea.close());

    describe("429 Too Many Requests", () => {
        it("waits the Retry-After seconds before the retry, not the (tiny) backoff", async () => {
            gitea.state.addRepo(GITEA_USER, "r");
            gitea.faults.fail(1, { status: 429, retryAfter: "1" });
            const t0 = Date.now();
            assert.ok(await new GiteaClient(conn).getRepo(GITEA_USER, "r"));
            assert.ok(Date.now() - t0 >= 950, `retried after ${Date.now() - t0} ms`);
            assert.deepEqual(gitea.requests("GET", `/api/v1/repos/${GITEA_USER}/r`).map((r) => r.status), [429, 200]);
        });

        it("honours an HTTP-date Retry-After", async () => {
            gitea.state.addRepo(GITEA_USER, "r");
            gitea.faults.fail(1, { status: 429, retryAfter: new Date(Date.now() + 2000).toUTCString() });
            const t0 = Date.now();
            assert.ok(await new GiteaClient(conn).getRepo(GITEA_USER, "r"));
            assert.ok(Date.now() - t0 >= 900, `retried after ${Date.now() - t0} ms`);
        });

        it("caps a long Retry-After", async () => {
            gitea.state.addRepo(GITEA_USER, "r");
            gitea.faults.fail(1, { status: 429, retryAfter: "3600" });
            const t0 = Date.now();
            assert.ok(await new GiteaClient({ ...conn, maxRetryAfterMs: 300 }).getRepo(GITEA_USER, "r"));
            const waited = Date.now() - t0;
            assert.ok(waited >= 280 && waited < 2000, `waited ${waited} ms`);
        });

        it("retries a POST refused with 429 (it was not applied): one repository", async () => {
            gitea.faults.fail(1, { status: 429, retryAfter: "0", match: (r) => r.method === "POST" });
            const { repo } = await new GiteaClient(conn).createRepo({ name: "r", private: true, defaultBranch: "main", autoInit: true });
            assert.equal(repo.name, "r");
            assert.deepEqual(gitea.requests("POST", "/api/v1/user/repos").map((r) => r.status), [429, 201]);
        });

        it("a 429 that never ends is an error naming the status, within the retry budget", async () => {
            gitea.faults.fail(100, { status: 429, retryAfter: "0" });
            await assert.rejects(new GiteaClient(conn).getRepo(GITEA_USER, "r"), (e: unknown) => e instanceof HttpError && e.status === 429 && /HTTP 429 .*\(after 4 attempts\)/.test(e.message));
            assert.equal(gitea.log.length, 4);
        });
    });

    describe("response size", () => {
        it("stops reading a body over the cap, with a clear error and no retry", async () => {
            gitea.faults.hugeBody(5, 4_000_000);
            const client = new GiteaClient({ ...conn, maxResponseBytes: 1_000_000 });
            await assert.rejects(client.getRepo(GITEA_USER, "r"), (e: unknown) => {
                assert.ok(e instanceof HttpError, String(e));
                assert.equal(e.kind, "too-large");
                assert.match(e.message, /^Gitea GET \/api\/v1\/repos\/gitea_admin\/r: response body larger than 1000000 bytes; stopped reading$/);
                return true;
            });
            assert.equal(gitea.log.length, 1, "not retried");
        });

        it("the default cap leaves ordinary bodies alone", async () => {
            gitea.state.addRepo(GITEA_USER, "r");
            assert.ok(await new GiteaClient(conn).getRepo(GITEA_USER, "r"));
        });
    });

    describe("an error page that echoes the request", () => {
        it("Gitea: the webhook's bearer token and the basic-auth header stay out of errors and logs", async () => {
            gitea.state.addRepo(GITEA_USER, "notes-app");
            gitea.faults.fail(100, { status: 500, echo: { body: true }, match: (r) => r.method === "POST" });
            const e = await new GiteaClient(conn)
                .createHook(GITEA_USER, "notes-app", { url: "http://j/invoke", contentType: "json", events: ["push"], authorizationHeader: "Bearer s3cretHookToken42", active: true })
                .catch((x: unknown) => x);
            assert.ok(e instanceof HttpError, String(e));
            assert.equal(e.status, 500);
            const all = shown(e, lines);
            for (const s of ["s3cretHookToken42", GITEA_PASSWORD, basic(GITEA_USER, GITEA_PASSWORD)]) assert.ok(!all.includes(s), `leaked ${s.slice(0, 4)}…: ${all}`);
            assert.match(e.message, /request body: .*"authorization_header":"\*\*\*"/, `the excerpt is still there, redacted: ${e.message}`);
        });

        it("basic auth and a bearer header echoed back are redacted", async () => {
            gitea.state.addRepo(GITEA_USER, "r");
            gitea.faults.fail(100, { status: 500, echo: { headers: ["authorization"] } });
            const e = await new GiteaClient(conn).getRepo(GITEA_USER, "r").catch((x: unknown) => x);
            assert.ok(e instanceof HttpError);
            assert.match(e.message, /authorization: \*\*\*/);
            for (const s of [GITEA_PASSWORD, basic(GITEA_USER, GITEA_PASSWORD)]) assert.ok(!shown(e, lines).includes(s));
            const bearer = new HttpClient({ service: "X", baseUrl: gitea.url, ...FAST });
            const e2 = await bearer.request({ method: "GET", path: "/api/v1/user", headers: { Authorization: "token 0123456789abcdefTOKEN" } }).catch((x: unknown) => x);
            assert.ok(e2 instanceof HttpError && !e2.message.includes("0123456789abcdefTOKEN"), String(e2));
        });

        it("Gitea: a minted token's request and an upload's basic auth stay out too", async () => {
            gitea.faults.fail(100, { status: 502, echo: { headers: ["authorization"], body: true } });
            const e = await new GiteaClient(conn).createAccessToken("t", ["write:repository"]).catch((x: unknown) => x);
            assert.ok(e instanceof Error);
            assert.ok(!shown(e, lines).includes(GITEA_PASSWORD));
            assert.ok(!shown(e, lines).includes(basic(GITEA_USER, GITEA_PASSWORD)));
        });

        describe("Jenkins", () => {
            let jenkins: JenkinsEmulator;
            beforeEach(async () => {
                jenkins = await startJenkins();
                jenkins.state.addFolder("ci");
            });
            afterEach(() => jenkins.close());

            const cred = (secret: string) =>
                `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>tok</id><description/><secret>${secret}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`;

            it("a credential's secret, the session cookie and the crumb stay out of a 500 that echoes the request", async () => {
                const client = new JenkinsClient({ url: jenkins.url, username: JENKINS_USER, password: JENKINS_PASSWORD, ...FAST, log: (l) => lines.push(l) });
                await client.createItem("ci/warm-up", `<?xml version='1.1' encoding='UTF-8'?>\n<${FOLDER_CLASS}/>`); // a session and a crumb
                const session = [...jenkins.state.sessions.values()][0]!;
                const secrets = ["webhookT0kenValue99", JENKINS_PASSWORD, basic(JENKINS_USER, JENKINS_PASSWORD), session.id, session.crumb];
                for (const echo of [{ body: true }, { headers: ["authorization", "cookie"] }, { headers: ["jenkins-crumb"] }]) {
                    jenkins.faults.clear();
                    jenkins.faults.fail(100, { status: 500, echo });
                    const e = await client.createCredential("ci", cred("webhookT0kenValue99")).catch((x: unknown) => x);
                    assert.ok(e instanceof HttpError, String(e));
                    assert.match(e.message, /HTTP 500 — (request body|authorization|jenkins-crumb): /);
                    const all = shown(e, lines);
                    for (const s of secrets) assert.ok(!all.includes(s), `${JSON.stringify(echo)} leaked ${s.slice(0, 4)}…: ${all}`);
                }
            });

            it("an XML-escaped secret is redacted in the form the server echoes back", async () => {
                const client = new JenkinsClient({ url: jenkins.url, username: JENKINS_USER, password: JENKINS_PASSWORD, ...FAST });
                jenkins.faults.fail(100, { status: 500, echo: { body: true }, match: (r) => r.method === "POST" });
                const e = await client.updateCredential("ci", "tok", cred("a&amp;b&lt;c-secret")).catch((x: unknown) => x);
                assert.ok(e instanceof HttpError);
                assert.match(e.message, /POST .*HTTP 500 — request body: GLOBAL tok \*\*\*/);
                assert.ok(!e.message.includes("a&amp;b&lt;c-secret") && !e.message.includes("a&b<c-secret"), e.message);
            });

            it("the JenkinsCredential provider: a 500 echoing the request never puts the webhook token into `pulumi up` output", async () => {
                jenkins.faults.fail(1000, { status: 500, echo: { body: true }, match: (r) => r.method === "POST" });
                const e = await jenkinsCredentialProvider
                    .create({ jenkins: { url: jenkins.url, username: JENKINS_USER, password: JENKINS_PASSWORD, readyTimeoutMs: 5000 }, folder: "ci", credentialId: "tok", description: "", secret: "TheWebhookTokenValue1234" })
                    .catch((x: unknown) => x);
                assert.ok(e instanceof Error);
                assert.ok(!shown(e, []).includes("TheWebhookTokenValue1234"), shown(e, []));
            });
        });
    });

    describe("one operation's requests are bounded", () => {
        it("a permanent 503 during a files change: a bounded number of requests, none left in flight after the failure", async function () {
            this.timeout(30_000);
            gitea.state.addRepo(GITEA_USER, "notes-app");
            const files = Array.from({ length: 10 }, (_, i) => ({ path: `src/f${i}.txt`, content: `file ${i}\n` }));
            const inputs: FilesInputs = { gitea: { url: gitea.url, username: GITEA_USER, password: GITEA_PASSWORD, readyTimeoutMs: 5000 }, owner: GITEA_USER, repo: "notes-app", branch: "main", message: "m", files };
            let mark = -1;
            gitea.onRequest = (r) => {
                // Gitea goes down for good right as the commit is sent.
                if (mark < 0 && r.method === "POST" && r.path.endsWith("/contents")) {
                    mark = gitea.log.length;
                    gitea.faults.fail(1_000_000, { status: 503 });
                }
            };
            const e = await giteaFilesProvider.create(inputs).catch((x: unknown) => x);
            assert.ok(e instanceof HttpError, String(e));
            assert.equal(e.status, 503);
            const atFailure = gitea.log.length;
            const after = atFailure - mark;
            // The POST (not re-sent blindly: 5xx may have applied) and one read-back of the first file
            // with its retries; then the operation ends. Before: 200+ requests, 10 still running.
            assert.ok(after <= 1 + 5, `${after} requests after Gitea went down`);
            await sleep(300);
            assert.equal(gitea.inFlight, 0, "requests still in flight after the call failed");
            assert.equal(gitea.log.length, atFailure, "requests were still being sent after the call failed");
        });

        it("a hard per-operation budget stops a runaway loop with a clear error", async () => {
            gitea.state.addRepo(GITEA_USER, "r");
            const http = new HttpClient({ service: "Gitea", baseUrl: gitea.url, auth: { username: GITEA_USER, secret: GITEA_PASSWORD }, ...FAST });
            const e = await withRequestBudget(5, "a test loop", async () => {
                for (;;) await http.request({ method: "GET", path: `/api/v1/repos/${GITEA_USER}/r` });
            }).catch((x: unknown) => x);
            assert.ok(e instanceof HttpError, String(e));
            assert.equal(e.kind, "budget");
            assert.equal(e.message, "Gitea GET /api/v1/repos/gitea_admin/r: more than 5 requests in one operation (a test loop); stopped");
            assert.equal(gitea.log.length, 5);
        });

        it("readiness polling does not count against the operation's budget", async () => {
            gitea.state.ready = false;
            setTimeout(() => (gitea.state.ready = true), 400);
            const client = new GiteaClient({ ...conn, retryDelayMs: 5, maxRetryDelayMs: 10 });
            await withRequestBudget(3, "ready then read", async () => {
                await client.waitReady(5000);
                await client.getRepo(GITEA_USER, "r");
            });
            assert.ok(gitea.requests("GET", "/api/v1/version").length > 3);
        });
    });
});
