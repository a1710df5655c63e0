import * as assert from "node:assert/strict";
import { GiteaClient, GiteaConnection } from "../../components/seed/giteaClient";
import { HttpError, ReadinessTimeoutError } from "../../components/seed/http";
import { GITEA_PASSWORD, GITEA_USER, GITEA_VERSION, GiteaEmulator, gitBlobSha, start } from "../support/giteaEmulator";

// Small delays so the retry paths run in milliseconds.
const FAST = { retries: 3, retryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 1000 } as const;

describe("GiteaClient against the Gitea emulator", () => {
    let emu: GiteaEmulator;
    let lines: string[];
    let conn: GiteaConnection;
    let gitea: GiteaClient;

    beforeEach(async () => {
        emu = await start();
        lines = [];
        conn = { url: emu.url, username: GITEA_USER, password: GITEA_PASSWORD, ...FAST, log: (l) => lines.push(l) };
        gitea = new GiteaClient(conn);
    });
    afterEach(() => emu.close());

    const repoOpts = { name: "notes-app", private: true, description: "seeded", defaultBranch: "main", autoInit: true };

    describe("readiness", () => {
        it("returns the version once GET /api/v1/version answers", async () => {
            // Ready from the second probe on (a timer raced the first probe on a loaded machine).
            emu.state.ready = false;
            let probes = 0;
            emu.onRequest = (r) => {
                if (r.path === "/api/v1/version" && ++probes === 2) emu.state.ready = true;
            };
            assert.equal(await gitea.waitReady(5000), GITEA_VERSION);
            assert.ok(emu.requests("GET", "/api/v1/version").some((r) => r.status === 503));
        });

        it("waits out a refused listener", async () => {
            await emu.faults.refuse(80);
            assert.equal(await gitea.waitReady(5000), GITEA_VERSION);
        });

        it("gives up after its bound with an error naming the URL and the last failure", async () => {
            emu.state.ready = false;
            const t0 = Date.now();
            await assert.rejects(gitea.waitReady(150), (e: unknown) => {
                assert.ok(e instanceof ReadinessTimeoutError);
                assert.match(e.message, new RegExp(`Gitea at ${emu.url} not ready after 0\\.2 s`));
                assert.match(e.message, /GET \/api\/v1\/version: HTTP 503/);
                return true;
            });
            assert.ok(Date.now() - t0 < 1500, "bounded");
        });
    });

    describe("repositories", () => {
        it("creates a repository for the authenticated user with auto_init, main and the private flag", async () => {
            const { repo, adopted } = await gitea.createRepo(repoOpts);
            assert.equal(adopted, false);
            assert.equal(repo.full_name, `${GITEA_USER}/notes-app`);
            assert.equal(repo.private, true);
            assert.equal(repo.default_branch, "main");
            assert.equal(repo.clone_url, `${emu.url}/${GITEA_USER}/notes-app.git`);
            const r = emu.state.repo(GITEA_USER, "notes-app")!;
            assert.deepEqual([...r.heads.keys()], ["main"], "auto_init made the main branch");
            assert.equal(r.commits.length, 1);
        });

        it("adopts an existing repository on 409: never fails, never duplicates", async () => {
            const existing = emu.state.addRepo(GITEA_USER, "notes-app", { description: "hand-made", private: false });
            const { repo, adopted } = await gitea.createRepo(repoOpts);
            assert.equal(adopted, true);
            assert.equal(repo.id, existing.id);
            assert.equal(repo.description, "hand-made", "adopted as it is; the caller diffs");
            assert.equal(emu.state.repos.size, 1);
            assert.deepEqual(emu.log.map((l) => `${l.method} ${l.path} ${l.status}`), [
                "POST /api/v1/user/repos 409",
                `GET /api/v1/repos/${GITEA_USER}/notes-app 200`,
            ]);
        });

        it("adopts case-insensitively, as Gitea names are", async () => {
            emu.state.addRepo(GITEA_USER, "Notes-App");
            const { adopted } = await gitea.createRepo(repoOpts);
            assert.equal(adopted, true);
            assert.equal(emu.state.repos.size, 1);
        });

        it("getRepo answers undefined on 404, deleteRepo tolerates an absent repository", async () => {
            assert.equal(await gitea.getRepo(GITEA_USER, "nope"), undefined);
            await gitea.createRepo(repoOpts);
            assert.equal((await gitea.getRepo(GITEA_USER, "notes-app"))?.name, "notes-app");
            await gitea.deleteRepo(GITEA_USER, "notes-app");
            assert.equal(emu.state.repos.size, 0);
            await gitea.deleteRepo(GITEA_USER, "notes-app");
        });

        it("rejects an invalid name with the status and Gitea's message", async () => {
            await assert.rejects(gitea.createRepo({ ...repoOpts, name: "bad name" }), /Gitea POST \/api\/v1\/user\/repos: HTTP 422/);
        });
    });

    describe("contents", () => {
        beforeEach(() => gitea.createRepo(repoOpts));

        it("writes the initial file set as ONE commit through the batch endpoint", async () => {
            const before = emu.state.repo(GITEA_USER, "notes-app")!.commits.length;
            const { commitSha } = await gitea.changeFiles(GITEA_USER, "notes-app", {
                branch: "main",
                message: "seed: initial files",
                files: [
                    { operation: "create", path: "Jenkinsfile", content: "pipeline {}\n" },
                    { operation: "create", path: "app/server.js", content: "console.log('héllo')\n" },
                    // auto_init wrote Gitea's "Default" README template: "# {Name}\n\n{Description}".
                    { operation: "update", path: "README.md", content: "# notes\n", sha: gitBlobSha(Buffer.from("# notes-app\n\nseeded")) },
                ],
            });
            const r = emu.state.repo(GITEA_USER, "notes-app")!;
            assert.equal(r.commits.length, before + 1, "one commit");
            assert.equal(r.heads.get("main"), commitSha);
            assert.deepEqual(r.commits.at(-1)?.paths, ["Jenkinsfile", "app/server.js", "README.md"]);
            assert.equal(emu.requests("POST", /\/contents$/).length, 1, "one request");
            assert.deepEqual(emu.state.files(GITEA_USER, "notes-app"), {
                "README.md": "# notes\n",
                Jenkinsfile: "pipeline {}\n",
                "app/server.js": "console.log('héllo')\n",
            });
        });

        it("getFile returns content and the blob sha the next update needs; undefined on 404", async () => {
            await gitea.changeFiles(GITEA_USER, "notes-app", { branch: "main", message: "m", files: [{ operation: "create", path: "a/b.txt", content: "x" }] });
            const f = await gitea.getFile(GITEA_USER, "notes-app", "a/b.txt", "main");
            assert.deepEqual(f, { sha: gitBlobSha(Buffer.from("x")), content: "x" });
            assert.equal(await gitea.getFile(GITEA_USER, "notes-app", "a/missing.txt"), undefined);
            await gitea.changeFiles(GITEA_USER, "notes-app", { branch: "main", message: "m2", files: [{ operation: "update", path: "a/b.txt", content: "y", sha: f.sha }] });
            assert.equal((await gitea.getFile(GITEA_USER, "notes-app", "a/b.txt"))?.content, "y");
        });

        it("surfaces Gitea's 422 for an update without sha as a clear error, and writes nothing", async () => {
            const before = emu.state.repo(GITEA_USER, "notes-app")!.commits.length;
            await assert.rejects(
                gitea.changeFiles(GITEA_USER, "notes-app", {
                    branch: "main",
                    message: "m",
                    files: [
                        { operation: "create", path: "new.txt", content: "n" },
                        { operation: "update", path: "README.md", content: "changed" },
                    ],
                }),
                (e: unknown) => {
                    assert.ok(e instanceof HttpError);
                    assert.equal(e.status, 422);
                    assert.equal(e.message, `Gitea POST /api/v1/repos/${GITEA_USER}/notes-app/contents: HTTP 422 — a SHA or commit ID must be proved when updating a file`);
                    return true;
                },
            );
            assert.equal(emu.state.repo(GITEA_USER, "notes-app")!.commits.length, before, "atomic: nothing applied");
            assert.equal(emu.requests("POST", /\/contents$/).length, 1, "a 4xx is not retried");
        });

        it("a stale sha is a 422 too", async () => {
            await assert.rejects(
                gitea.changeFiles(GITEA_USER, "notes-app", { branch: "main", message: "m", files: [{ operation: "update", path: "README.md", content: "c", sha: "0".repeat(40) }] }),
                /HTTP 422 — sha does not match/,
            );
        });
    });

    describe("webhooks", () => {
        beforeEach(() => gitea.createRepo(repoOpts));
        const spec = { url: "http://jenkins.jenkins.svc:8080/generic-webhook-trigger/invoke", contentType: "json" as const, events: ["push"], branchFilter: "main", authorizationHeader: "Bearer hook-token-123", active: true };

        it("creates an active hook (active sent explicitly), updates and deletes it", async () => {
            const h = await gitea.createHook(GITEA_USER, "notes-app", spec);
            assert.equal(h.active, true);
            assert.equal(h.config.url, spec.url);
            assert.equal(h.config.content_type, "json");
            assert.equal(h.branch_filter, "main");
            assert.equal(h.authorization_header, "Bearer hook-token-123");
            const stored = emu.state.repo(GITEA_USER, "notes-app")!.hooks.get(h.id)!;
            assert.equal(stored.active, true);
            assert.equal(stored.type, "gitea");

            const u = await gitea.updateHook(GITEA_USER, "notes-app", h.id, { ...spec, events: ["push", "create"], branchFilter: "*" });
            // EventsArray walks a Go map: the order is not the order sent.
            assert.deepEqual([...u.events].sort(), ["create", "push"]);
            assert.deepEqual((await gitea.listHooks(GITEA_USER, "notes-app")).map((x) => x.id), [h.id]);

            await gitea.deleteHook(GITEA_USER, "notes-app", h.id);
            assert.equal(emu.state.repo(GITEA_USER, "notes-app")!.hooks.size, 0);
            await gitea.deleteHook(GITEA_USER, "notes-app", h.id);
        });

        it("lists every hook across Gitea's pages (30 by default, 50 at most per page)", async () => {
            const r = emu.state.repo(GITEA_USER, "notes-app")!;
            for (let i = 0; i < 73; i++) emu.state.addHook(r, { url: `http://h/${i}` });
            const all = await gitea.listHooks(GITEA_USER, "notes-app");
            assert.equal(new Set(all.map((h) => h.id)).size, 73);
            assert.ok(emu.requests("GET", /\/hooks$/).length >= 2, "more than one page was read");
        });

        it("passes active: false through when asked (Gitea would default to it anyway)", async () => {
            const h = await gitea.createHook(GITEA_USER, "notes-app", { ...spec, active: false });
            assert.equal(h.active, false);
            const on = await gitea.updateHook(GITEA_USER, "notes-app", h.id, spec);
            assert.equal(on.active, true, "PATCH with explicit active flips it");
        });
    });

    describe("access tokens", () => {
        it("creates a scoped token with basic auth; the token authenticates", async () => {
            const t = await gitea.createAccessToken("jenkins", ["write:repository"]);
            assert.match(t.sha1, /^[0-9a-f]{40}$/);
            assert.deepEqual(await gitea.listAccessTokens(), [{ id: t.id, name: "jenkins", scopes: ["write:repository"], lastEight: t.sha1.slice(-8) }]);
            const auth = { headers: { Authorization: `token ${t.sha1}` } };
            await gitea.createRepo(repoOpts);
            assert.equal((await fetch(`${emu.url}/api/v1/repos/${GITEA_USER}/notes-app`, auth)).status, 200);
            // tokenRequiresScopes: /user needs read:user, which a repository token lacks.
            const user = await fetch(`${emu.url}/api/v1/user`, auth);
            assert.equal(user.status, 403);
            assert.match(((await user.json()) as { message: string }).message, /required=\[read:user\]/);
            await gitea.deleteAccessToken("jenkins");
            assert.equal(emu.state.tokens.length, 0);
            await gitea.deleteAccessToken(t.id);
        });

        it("refuses a token without scopes before sending anything", async () => {
            await assert.rejects(gitea.createAccessToken("jenkins", []), /needs at least one scope/);
            assert.equal(emu.log.length, 0);
        });

        it("a duplicate token name is Gitea's 400, not a silent reuse", async () => {
            await gitea.createAccessToken("jenkins", ["write:repository"]);
            await assert.rejects(gitea.createAccessToken("jenkins", ["write:repository"]), /HTTP 400 — access token name has been used already/);
        });
    });

    describe("retries (cockatiel, bounded)", () => {
        it("rides out a 5xx burst shorter than the budget", async () => {
            await gitea.createRepo(repoOpts);
            emu.faults.fail(3, { status: 502 });
            assert.equal((await gitea.getRepo(GITEA_USER, "notes-app"))?.name, "notes-app");
            assert.equal(emu.requests("GET", `/api/v1/repos/${GITEA_USER}/notes-app`).length, 4);
        });

        it("ends a longer burst in a clear error naming method, path, status and attempts, in bounded time", async () => {
            emu.faults.fail(100, { status: 503 });
            const t0 = Date.now();
            await assert.rejects(gitea.getRepo(GITEA_USER, "notes-app"), (e: unknown) => {
                assert.ok(e instanceof HttpError);
                assert.equal(e.message, `Gitea GET /api/v1/repos/${GITEA_USER}/notes-app: HTTP 503 — 503 emulated fault (after 4 attempts)`);
                return true;
            });
            assert.ok(Date.now() - t0 < 1000);
            assert.equal(emu.log.length, 4, "1 + retries");
        });

        it("retries refused connections", async () => {
            const patient = new GiteaClient({ ...conn, retries: 10, retryDelayMs: 20, maxRetryDelayMs: 40 });
            await emu.faults.refuse(100);
            const { adopted } = await patient.createRepo(repoOpts);
            assert.equal(adopted, false);
            assert.equal(emu.state.repos.size, 1);
        });

        it("a slow response hits the per-attempt timeout; the retry succeeds", async () => {
            const quick = new GiteaClient({ ...conn, timeoutMs: 80 });
            emu.faults.slow(1, 400);
            assert.equal(await quick.getRepo(GITEA_USER, "x"), undefined);
            assert.ok(lines.some((l) => /GET \/api\/v1\/repos\/gitea_admin\/x → timed out/.test(l)));
        });

        it("slow responses throughout end in a timeout error", async () => {
            const quick = new GiteaClient({ ...conn, timeoutMs: 50, retries: 1 });
            emu.faults.slow(10, 300);
            await assert.rejects(quick.getRepo(GITEA_USER, "x"), /Gitea GET \/api\/v1\/repos\/gitea_admin\/x: timed out — no response within 50 ms \(after 2 attempts\)/);
        });
    });

    describe("no duplicates after faults", () => {
        const POST = (re: RegExp) => (r: { method: string; path: string }) => r.method === "POST" && re.test(r.path);

        it("createRepo: a 5xx returned after Gitea created it ends in adopt, one repository", async () => {
            emu.faults.fail(1, { status: 500, afterApply: true, match: POST(/\/user\/repos$/) });
            const { repo, adopted } = await gitea.createRepo(repoOpts);
            assert.equal(repo.name, "notes-app");
            assert.equal(adopted, false, "it was most likely ours");
            assert.equal(emu.state.repos.size, 1);
            assert.deepEqual(emu.requests("POST").map((r) => r.status), [500, 409]);
        });

        it("changeFiles: a 5xx after the commit is read back, not re-sent — one commit", async () => {
            await gitea.createRepo(repoOpts);
            emu.faults.fail(1, { afterApply: true, match: POST(/\/contents$/) });
            const files = [{ operation: "create" as const, path: "Jenkinsfile", content: "pipeline {}" }];
            const { commitSha } = await gitea.changeFiles(GITEA_USER, "notes-app", { branch: "main", message: "m", files });
            const r = emu.state.repo(GITEA_USER, "notes-app")!;
            assert.equal(r.commits.length, 2);
            assert.equal(commitSha, r.heads.get("main"));
            assert.equal(emu.requests("POST", /\/contents$/).length, 1, "not re-sent");
        });

        it("changeFiles: a reset before anything was applied is re-sent once", async () => {
            await gitea.createRepo(repoOpts);
            emu.faults.reset(1, { match: POST(/\/contents$/) });
            await gitea.changeFiles(GITEA_USER, "notes-app", { branch: "main", message: "m", files: [{ operation: "create", path: "x", content: "1" }] });
            assert.equal(emu.state.repo(GITEA_USER, "notes-app")!.commits.length, 2);
            assert.deepEqual(emu.requests("POST", /\/contents$/).map((r) => r.status), [0, 201]);
        });

        it("changeFiles: a concurrent change after an ambiguous failure is an error, not a blind re-send", async () => {
            await gitea.createRepo(repoOpts);
            const readme = gitBlobSha(Buffer.from("# notes-app\n"));
            emu.faults.fail(1, { match: POST(/\/contents$/) });
            // Someone else edits README.md between our failed POST and the read-back.
            const r = emu.state.repo(GITEA_USER, "notes-app")!;
            emu.onRequest = (req) => {
                if (req.method === "GET" && req.path.endsWith("/README.md")) {
                    r.branches.get("main")!.set("README.md", { content: Buffer.from("theirs"), sha: gitBlobSha(Buffer.from("theirs")) });
                }
            };
            await assert.rejects(
                gitea.changeFiles(GITEA_USER, "notes-app", { branch: "main", message: "m", files: [{ operation: "update", path: "README.md", content: "ours", sha: readme }] }),
                /HTTP 503.*read back: the files of gitea_admin\/notes-app@main changed meanwhile/,
            );
            assert.equal(emu.requests("POST", /\/contents$/).length, 1);
        });

        it("createHook: a 5xx after the hook was created reuses it — one hook", async () => {
            await gitea.createRepo(repoOpts);
            emu.faults.fail(1, { afterApply: true, match: POST(/\/hooks$/) });
            const h = await gitea.createHook(GITEA_USER, "notes-app", { url: "http://j/invoke", contentType: "json", events: ["push"], active: true });
            assert.equal(emu.state.repo(GITEA_USER, "notes-app")!.hooks.size, 1);
            assert.equal(h.active, true);
            assert.equal(emu.requests("POST", /\/hooks$/).length, 1);
        });

        it("createAccessToken: a timeout after the token was minted replaces it — one token, a usable secret", async () => {
            const quick = new GiteaClient({ ...conn, timeoutMs: 80 });
            emu.faults.slow(1, 300, { match: POST(/\/tokens$/) });
            const t = await quick.createAccessToken("jenkins", ["write:repository"]);
            await new Promise((r) => setTimeout(r, 300));
            assert.equal(emu.state.tokens.length, 1);
            assert.equal(emu.state.tokens[0]!.sha1, t.sha1);
        });
    });

    describe("credentials never leak", () => {
        const leaks = (s: string, secrets: string[]) => secrets.filter((x) => s.includes(x));

        it("a rejected password appears in neither the error, its stack nor any log line", async () => {
            const wrong = "Wr0ng-Pa55word-xyz";
            const basic = Buffer.from(`${GITEA_USER}:${wrong}`).toString("base64");
            const bad = new GiteaClient({ ...conn, password: wrong });
            const e = await bad.getRepo(GITEA_USER, "x").catch((x: unknown) => x);
            assert.ok(e instanceof HttpError);
            assert.equal(e.status, 401);
            assert.deepEqual(leaks(`${e.message}\n${e.stack}\n${JSON.stringify(e)}\n${lines.join("\n")}`, [wrong, basic, "Authorization", "Basic "]), []);
        });

        it("the webhook's bearer token and minted tokens stay out of errors and logs", async () => {
            await gitea.createRepo(repoOpts);
            emu.faults.fail(100, { status: 500, match: (r) => r.method === "POST" && r.path.endsWith("/hooks") });
            const e = await gitea.createHook(GITEA_USER, "notes-app", { url: "http://j/invoke", contentType: "json", events: ["push"], authorizationHeader: "Bearer s3cret-hook-token", active: true }).catch((x: unknown) => x);
            assert.ok(e instanceof Error);
            emu.faults.clear();
            const t = await gitea.createAccessToken("jenkins", ["write:repository"]);
            const all = `${e.message}\n${e.stack}\n${lines.join("\n")}`;
            assert.deepEqual(leaks(all, ["s3cret-hook-token", t.sha1, GITEA_PASSWORD]), []);
            assert.ok(lines.length > 5, "lines were logged");
        });
    });
});
