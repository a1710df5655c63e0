import * as assert from "node:assert/strict";
import { HttpError, ReadinessTimeoutError } from "../../components/seed/http";
import { itemUrl, JenkinsClient, JenkinsConnection } from "../../components/seed/jenkinsClient";
import { FOLDER_CLASS, JENKINS_PASSWORD, JENKINS_USER, JenkinsEmulator, start } from "../support/jenkinsEmulator";

const FAST = { retries: 3, retryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 1000 } as const;
const FOLDER = `<?xml version='1.1' encoding='UTF-8'?>\n<${FOLDER_CLASS}><description>seed</description></${FOLDER_CLASS}>`;
const job = (d: string) => `<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition plugin="workflow-job"><description>${d}</description></flow-definition>`;
const secretText = (id: string, secret: string) =>
    `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>${id}</id><description>gwt</description><secret>${secret}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`;

describe("JenkinsClient against the Jenkins emulator", () => {
    let emu: JenkinsEmulator;
    let lines: string[];
    let conn: JenkinsConnection;
    let jenkins: JenkinsClient;

    beforeEach(async () => {
        emu = await start();
        lines = [];
        conn = { url: emu.url, username: JENKINS_USER, password: JENKINS_PASSWORD, ...FAST, log: (l) => lines.push(l) };
        jenkins = new JenkinsClient(conn);
    });
    afterEach(() => emu.close());

    const crumbRequests = () => emu.requests("GET", "/crumbIssuer/api/json").length;

    it("maps slash-separated item paths to /job/ segments, names encoded", () => {
        assert.equal(itemUrl("ci/notes-app"), "/job/ci/job/notes-app");
        assert.equal(itemUrl("/a b/c#d/"), "/job/a%20b/job/c%23d");
        assert.throws(() => itemUrl("/"), /empty/);
    });

    describe("readiness", () => {
        it("waits out 503 'getting ready'", async () => {
            const state = emu.state;
            state.ready = false;
            // Ready 60 ms after the first request, however long the client took to send it.
            emu.onRequest = () => {
                emu.onRequest = undefined;
                setTimeout(() => (state.ready = true), 60);
            };
            await jenkins.waitReady(5000);
            assert.ok(emu.requests("GET", "/api/json").some((r) => r.status === 503));
        });

        it("gives up after its bound with a clear error", async () => {
            emu.state.ready = false;
            await assert.rejects(jenkins.waitReady(120), (e: unknown) => {
                assert.ok(e instanceof ReadinessTimeoutError);
                assert.match(e.message, /^Jenkins at http:\/\/127\.0\.0\.1:\d+ not ready after 0\.1 s \(GET \/api\/json\); last failure: Jenkins GET \/api\/json\?tree=mode: HTTP 503/);
                return true;
            });
        });

        it("fails at once on bad credentials instead of waiting out the bound", async () => {
            const t0 = Date.now();
            await assert.rejects(new JenkinsClient({ ...conn, password: "nope-nope" }).waitReady(10_000), /Jenkins GET \/api\/json\?tree=mode: HTTP 401 — .*Invalid password\/token for user: admin/);
            assert.ok(Date.now() - t0 < 1000);
        });
    });

    describe("session and crumb", () => {
        it("fetches the crumb ONCE for N POSTs: N writes + 1 crumb requests", async () => {
            await jenkins.createItem("ci", FOLDER);
            for (let i = 0; i < 5; i++) await jenkins.createItem(`ci/job-${i}`, job(String(i)));
            await jenkins.updateItemConfig("ci/job-0", job("changed"));
            await jenkins.deleteItem("ci/job-4");
            assert.equal(crumbRequests(), 1);
            assert.equal(jenkins.stats.crumbs, 1);
            assert.equal(jenkins.stats.writes, 8);
            assert.equal(jenkins.stats.requests, 9);
            assert.equal(emu.log.length, 9);
            // Every POST carried the crumb and the session cookie of that one session.
            const posts = emu.requests("POST");
            assert.equal(new Set(posts.map((p) => p.headers["jenkins-crumb"])).size, 1);
            assert.ok(posts.every((p) => p.headers.cookie?.startsWith(`${emu.state.cookieName}=`)));
            assert.equal(emu.state.sessions.size, 1);
        });

        it("concurrent POSTs of one client share one crumb request", async () => {
            await jenkins.createItem("ci", FOLDER);
            await Promise.all([1, 2, 3].map((i) => jenkins.createItem(`ci/j${i}`, job("x"))));
            assert.equal(crumbRequests(), 1);
        });

        it("recovers from a stale crumb: exactly one session refresh and one retry", async () => {
            await jenkins.createItem("ci", FOLDER);
            emu.expireSessions();
            assert.equal(await jenkins.createItem("ci/notes-app", job("x")), "created");
            assert.equal(crumbRequests(), 2);
            assert.deepEqual(emu.requests("POST", "/job/ci/createItem").map((r) => r.status), [403, 200]);
            assert.ok(emu.state.items.has("ci/notes-app"));
            // The new session is in use from then on: no further crumb requests.
            await jenkins.updateItemConfig("ci/notes-app", job("y"));
            assert.equal(crumbRequests(), 2);
        });

        it("gives up with a clear error when even a fresh session's crumb is refused", async () => {
            await jenkins.createItem("ci", FOLDER);
            emu.onRequest = (r) => {
                if (r.method === "POST") emu.expireSessions();
            };
            await assert.rejects(jenkins.createItem("ci/x", job("x")), /Jenkins POST \/job\/ci\/createItem: HTTP 403 — No valid crumb even with a fresh session/);
            assert.equal(emu.requests("POST", "/job/ci/createItem").length, 2, "one retry, not a loop");
        });

        it("API-token mode sends no crumb and keeps no session", async () => {
            const token = emu.state.addApiToken();
            const t = new JenkinsClient({ url: emu.url, username: JENKINS_USER, apiToken: token, ...FAST });
            await t.createItem("ci", FOLDER);
            await t.createItem("ci/notes-app", job("x"));
            await t.deleteItem("ci/notes-app");
            assert.equal(crumbRequests(), 0);
            assert.equal(t.stats.crumbs, 0);
            assert.ok(emu.requests("POST").every((p) => p.headers["jenkins-crumb"] === undefined && p.status !== 403));
        });

        it("works against a controller without a crumb issuer (CSRF off)", async () => {
            emu.state.csrf = false;
            assert.equal(await jenkins.createItem("ci", FOLDER), "created");
            await jenkins.createItem("ci/a", job("a"));
            assert.equal(crumbRequests(), 1, "asked once, remembered the answer");
        });

        it("requires a password or a token", () => {
            assert.throws(() => new JenkinsClient({ url: emu.url, username: "admin" }), /needs a password or an apiToken/);
        });
    });

    describe("items", () => {
        it("creates folders and jobs in them, reads, updates and deletes by path", async () => {
            assert.equal(await jenkins.createItem("ci", FOLDER), "created");
            assert.equal(await jenkins.createItem("ci/notes-app", job("a &amp; &lt;b&gt;")), "created");
            assert.deepEqual(emu.requests("POST").map((r) => `${r.path}${r.query}`), ["/createItem?name=ci", "/job/ci/createItem?name=notes-app"]);
            assert.ok(emu.requests("POST").every((r) => r.headers["content-type"]?.startsWith("application/xml")));
            assert.match((await jenkins.getItemConfig("ci/notes-app"))!, /<description>a &amp; &lt;b&gt;<\/description>/);
            await jenkins.updateItemConfig("ci/notes-app", job("v2"));
            assert.match(emu.state.configXml("ci/notes-app")!, /<description>v2<\/description>/);
            await jenkins.deleteItem("ci/notes-app");
            assert.equal(await jenkins.getItemConfig("ci/notes-app"), undefined);
            await jenkins.deleteItem("ci/notes-app");
        });

        it("400 + X-Error on an existing item → 'exists'", async () => {
            await jenkins.createItem("ci", FOLDER);
            assert.equal(await jenkins.createItem("ci", FOLDER), "exists");
            assert.deepEqual(emu.requests("POST", "/createItem").map((r) => r.status), [200, 400]);
        });

        it("other 400s carry Jenkins' X-Error text", async () => {
            await assert.rejects(jenkins.createItem("c;i", FOLDER), /Jenkins POST \/createItem\?name=c;i: HTTP 400 — ‘;’ is an unsafe character/);
        });

        it("unparsable XML is Jenkins' bare 500 Oops page (createProjectFromXML throws IOException)", async () => {
            await assert.rejects(jenkins.createItem("ci", "<broken"), /Jenkins POST \/createItem\?name=ci: HTTP 500 — Oops! A problem occurred while processing the request Logging ID=/);
        });

        it("an item under a missing folder is a 404 error; reading it is undefined", async () => {
            await assert.rejects(jenkins.createItem("nope/notes-app", job("x")), (e: unknown) => e instanceof HttpError && e.status === 404 && /POST \/job\/nope\/createItem\?name=notes-app/.test(e.message));
            assert.equal(await jenkins.getItemConfig("nope/notes-app"), undefined);
        });
    });

    describe("the real success signal of each call", () => {
        const loginPage = { status: 200, headers: { "Content-Type": "text/html" }, body: "<html><body><form action='/login'>Sign in</form></body></html>" };
        beforeEach(() => void emu.state.addFolder("ci"));

        it("readiness: a 200 that is not Jenkins' JSON (a proxy's login page) does not pass", async () => {
            emu.faults.reply(1000, loginPage, { match: (r) => r.path === "/api/json" });
            await assert.rejects(jenkins.waitReady(2000), (e: unknown) => e instanceof HttpError && e.kind === "invalid-response" && /GET \/api\/json\?tree=mode: .*not JSON: Sign in/.test(e.message));
        });

        it("createItem: a 200 with a body (a login page) is not 'created'", async () => {
            emu.faults.reply(1, loginPage, { match: (r) => r.path.endsWith("/createItem") });
            await assert.rejects(jenkins.createItem("ci/j", job("x")), /Jenkins POST \/job\/ci\/createItem\?name=j: .*a 200 with a body where Jenkins sends none.*Sign in/);
            assert.ok(!emu.state.items.has("ci/j"));
        });

        it("updateItemConfig: the same", async () => {
            await jenkins.createItem("ci/j", job("x"));
            emu.faults.reply(1, loginPage, { match: (r) => r.path.endsWith("/config.xml") });
            await assert.rejects(jenkins.updateItemConfig("ci/j", job("y")), /a 200 with a body where Jenkins sends none/);
        });

        it("deleteItem: a 302 to the parent is success, a 302 to a login page is not, 404 is fine", async () => {
            await jenkins.createItem("ci/j", job("x"));
            emu.faults.redirect(1, { match: (r) => r.path.endsWith("/doDelete") });
            await assert.rejects(jenkins.deleteItem("ci/j"), /Jenkins POST \/job\/ci\/job\/j\/doDelete: HTTP 302 — redirected to \/login\?from=%2Fjob%2Fci%2Fjob%2Fj%2FdoDelete, not \/job\/ci\/: not done/);
            assert.ok(emu.state.items.has("ci/j"), "nothing was deleted");
            await jenkins.deleteItem("ci/j");
            assert.ok(!emu.state.items.has("ci/j"));
            await jenkins.deleteItem("ci/j");
            await jenkins.deleteItem("ci");
            assert.ok(!emu.state.items.has("ci"));
        });

        it("submitDescription: a 302 to the item is success (and sets a folder's primary view description), a login page is not", async () => {
            await jenkins.submitDescription("ci", "Seeded & <kept>");
            assert.equal(emu.state.folder("ci")!.views[0]!.description, "Seeded & <kept>");
            assert.deepEqual(emu.requests("POST", "/job/ci/submitDescription").map((r) => r.headers["content-type"]), ["application/x-www-form-urlencoded"]);
            emu.faults.redirect(1);
            await assert.rejects(jenkins.submitDescription("ci", "x"), /redirected to \/login/);
        });

        it("getItem: class, description, primary view and items of a folder; undefined when absent", async () => {
            await jenkins.createItem("ci/j", job("x"));
            emu.state.folder("ci")!.views[0]!.description = "view text";
            assert.deepEqual(await jenkins.getItem("ci"), { className: FOLDER_CLASS, description: "", viewDescription: "view text", jobs: ["j"] });
            assert.deepEqual(await jenkins.getItem("ci/j"), { className: "org.jenkinsci.plugins.workflow.job.WorkflowJob", description: "x" });
            assert.equal(await jenkins.getItem("nope"), undefined);
        });

        it("deleteCredential: 200 JSON with notificationType ERROR is a failure while the credential is still there", async () => {
            await jenkins.createCredential("ci", secretText("tok", "s3cret"));
            emu.state.credentialRemovalFails = true;
            await assert.rejects(jenkins.deleteCredential("ci", "tok"), /doDelete: HTTP 200 — ERROR: Failed to delete credentials \(the credential is still there\)/);
            assert.deepEqual(emu.requests("POST", /doDelete$/).map((r) => [r.status, r.headers.accept]), [[200, "application/json"]]);
            emu.state.credentialRemovalFails = false;
            await jenkins.deleteCredential("ci", "tok");
            assert.equal(emu.state.credentials.get("ci")?.has("tok"), false);
        });

        it("deleteCredential: an ERROR for a credential gone anyway (deleted concurrently) is fine; a login redirect is not", async () => {
            await jenkins.createCredential("ci", secretText("tok", "s3cret"));
            emu.state.credentialRemovalFails = true;
            emu.onRequest = (r) => {
                if (r.path.endsWith("/doDelete")) emu.state.credentials.get("ci")!.delete("tok");
            };
            await jenkins.deleteCredential("ci", "tok");
            emu.onRequest = undefined;
            await jenkins.createCredential("ci", secretText("tok2", "s3cret"));
            emu.faults.redirect(1, { match: (r) => r.path.endsWith("/doDelete") });
            await assert.rejects(jenkins.deleteCredential("ci", "tok2"), /HTTP 302/);
            assert.ok(emu.state.credentials.get("ci")!.has("tok2"));
        });

        it("listCredentialIds: the ids in a folder's store; [] for a missing folder", async () => {
            await jenkins.createCredential("ci", secretText("a", "1111"));
            await jenkins.createCredential("ci", secretText("b", "2222"));
            assert.deepEqual(await jenkins.listCredentialIds("ci"), ["a", "b"]);
            assert.deepEqual(await jenkins.listCredentialIds("nope"), []);
        });

        it("createCredential / updateCredential: a 200 with a body is not success", async () => {
            emu.faults.reply(2, loginPage, { match: (r) => r.method === "POST" });
            await assert.rejects(jenkins.createCredential("ci", secretText("x", "s3cret")), /a 200 with a body where Jenkins sends none/);
            await assert.rejects(jenkins.updateCredential("ci", "x", secretText("x", "s3cret")), /a 200 with a body where Jenkins sends none/);
        });
    });

    describe("folder credentials", () => {
        beforeEach(() => jenkins.createItem("ci", FOLDER));

        it("create → 409 'exists' → read (redacted) → update → delete", async () => {
            assert.equal(await jenkins.createCredential("ci", secretText("gwt-token", "t0ken-1")), "created");
            assert.equal(await jenkins.createCredential("ci", secretText("gwt-token", "t0ken-2")), "exists");
            assert.deepEqual(emu.requests("POST", "/job/ci/credentials/store/folder/domain/_/createCredentials").map((r) => r.status), [200, 409]);
            const shown = await jenkins.getCredentialConfig("ci", "gwt-token");
            assert.match(shown!, /<secret><secret-redacted\/><\/secret>/);
            await jenkins.updateCredential("ci", "gwt-token", secretText("gwt-token", "t0ken-3"));
            assert.equal(emu.state.credentials.get("ci")?.get("gwt-token"), secretText("gwt-token", "t0ken-3"));
            await jenkins.deleteCredential("ci", "gwt-token");
            assert.equal(await jenkins.getCredentialConfig("ci", "gwt-token"), undefined);
            await jenkins.deleteCredential("ci", "gwt-token");
        });

        it("a missing folder is an error that does not show the secret", async () => {
            const e = await jenkins.createCredential("nope", secretText("x", "very-secret-value")).catch((x: unknown) => x);
            assert.ok(e instanceof HttpError);
            assert.equal(e.status, 404);
            assert.ok(!`${e.message}${e.stack}${lines.join("")}`.includes("very-secret-value"));
        });
    });

    describe("retries and faults", () => {
        it("rides out a 5xx burst on a POST; the item exists once", async () => {
            emu.faults.fail(2, { status: 502, match: (r) => r.method === "POST" });
            assert.equal(await jenkins.createItem("ci", FOLDER), "created");
            assert.equal(emu.state.items.size, 1);
        });

        it("a 5xx returned AFTER the create applied ends in 'retried' (most likely ours), one item, no duplicate", async () => {
            emu.faults.fail(1, { status: 500, afterApply: true, match: (r) => r.path === "/createItem" });
            assert.equal(await jenkins.createItem("ci", FOLDER), "retried");
            assert.deepEqual([...emu.state.items.keys()], ["ci"]);
            assert.deepEqual(emu.requests("POST", "/createItem").map((r) => r.status), [500, 400]);
        });

        it("a timed-out credential create that applied ends in 'exists' (409), one credential", async () => {
            await jenkins.createItem("ci", FOLDER);
            const quick = new JenkinsClient({ ...conn, timeoutMs: 80 });
            emu.faults.slow(1, 300, { match: (r) => r.path.endsWith("/createCredentials") });
            assert.equal(await quick.createCredential("ci", secretText("id1", "s")), "exists");
            assert.equal(emu.state.credentials.get("ci")?.size, 1);
        });

        it("a longer burst ends in a clear error naming method, path, status and attempts, in bounded time", async () => {
            await jenkins.createItem("ci", FOLDER);
            emu.faults.fail(100, { status: 503 });
            const t0 = Date.now();
            await assert.rejects(jenkins.updateItemConfig("ci", FOLDER), (e: unknown) => {
                assert.ok(e instanceof HttpError);
                assert.equal(e.message, "Jenkins POST /job/ci/config.xml: HTTP 503 — Error 503 emulated fault HTTP ERROR 503 emulated fault (after 4 attempts)");
                return true;
            });
            assert.ok(Date.now() - t0 < 1000);
        });

        it("retries refused connections", async () => {
            const patient = new JenkinsClient({ ...conn, retries: 10, retryDelayMs: 20, maxRetryDelayMs: 40 });
            await emu.faults.refuse(100);
            assert.equal(await patient.createItem("ci", FOLDER), "created");
            assert.equal(patient.stats.crumbs, 1);
        });

        it("a slow GET hits the per-attempt timeout and is retried", async () => {
            await jenkins.createItem("ci", FOLDER);
            const quick = new JenkinsClient({ ...conn, timeoutMs: 60 });
            emu.faults.slow(1, 300);
            assert.equal(await quick.getItemConfig("ci"), emu.state.configXml("ci"));
        });
    });

    describe("credentials never leak", () => {
        it("neither the password, the basic header nor the token appear in errors or log lines", async () => {
            const wrong = "Wr0ng-Pa55word-xyz";
            const e1 = await new JenkinsClient({ ...conn, password: wrong }).createItem("ci", FOLDER).catch((x: unknown) => x);
            const token = emu.state.addApiToken();
            emu.faults.fail(100);
            const e2 = await new JenkinsClient({ ...conn, password: undefined, apiToken: token }).createItem("ci", FOLDER).catch((x: unknown) => x);
            assert.ok(e1 instanceof HttpError && e1.status === 401);
            assert.ok(e2 instanceof HttpError && e2.status === 503);
            const all = [e1.message, e1.stack, e2.message, e2.stack, ...lines].join("\n");
            for (const s of [wrong, JENKINS_PASSWORD, token, Buffer.from(`${JENKINS_USER}:${wrong}`).toString("base64"), "Authorization"]) {
                assert.ok(!all.includes(s), `leaked ${s.slice(0, 3)}…`);
            }
        });
    });
});
