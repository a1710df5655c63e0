import * as assert from "node:assert/strict";
import { gitBlobSha, GiteaClient, GiteaConnection } from "../../components/seed/giteaClient";
import { HttpError, ReadinessTimeoutError } from "../../components/seed/http";
import { describeTargets, GiteaTarget } from "../support/giteaTargets";

// Small delays so the retry paths run in milliseconds; a per-attempt timeout a loaded machine does
// not reach (a real Gitea takes about a second to create a repository here; tests of timeouts set their own).
const FAST = { retries: 3, retryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 30_000 } as const;

const VERSION = (r: { method: string; path: string }) => r.path === "/api/v1/version";

describeTargets("GiteaClient", (target) => {
    let emu: GiteaTarget;
    let lines: string[];
    let conn: GiteaConnection;
    let gitea: GiteaClient;
    /**
     * A per-attempt timeout that the held reply exceeds and every other reply meets: the emulator
     * answers in a millisecond, a real Gitea checks a pbkdf2 password on each basic-auth request.
     */
    let tight: { timeoutMs: number; slowMs: number };

    beforeEach(() => {
        emu = target();
        tight = emu.name === "gitea" ? { timeoutMs: 600, slowMs: 2000 } : { timeoutMs: 80, slowMs: 400 };
        lines = [];
        conn = { url: emu.url, username: emu.username, password: emu.password, ...FAST, log: (l) => lines.push(l) };
        gitea = new GiteaClient(conn);
    });

    const repoOpts = { name: "notes-app", private: true, description: "seeded", defaultBranch: "main", autoInit: true };

    describe("readiness", () => {
        it("returns the version once GET /api/v1/version answers", async () => {
            // Not ready for the first probe (the Service has no ready endpoint yet: 503).
            emu.faults.fail(1, { status: 503, match: VERSION });
            assert.equal(await gitea.waitReady(5000), emu.version);
            assert.deepEqual(emu.requests("GET", "/api/v1/version").map((r) => r.status), [503, 200]);
        });

        it("waits out a refused listener", async () => {
            await emu.faults.refuse(80);
            assert.equal(await gitea.waitReady(5000), emu.version);
        });

        it("gives up after its bound with an error naming the URL and the last failure", async () => {
            emu.faults.fail(10_000, { status: 503, match: VERSION });
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
            assert.equal(repo.full_name, `${emu.username}/notes-app`);
            assert.equal(repo.private, true);
            assert.equal(repo.default_branch, "main");
            assert.equal(repo.clone_url, `${emu.rootUrl}/${emu.username}/notes-app.git`);
            assert.deepEqual((await emu.hand.commits("notes-app", "main")).map((c) => c.message), ["Initial commit"], "auto_init made the main branch");
        });

        it("adopts an existing repository on 409: never fails, never duplicates", async () => {
            const existing = await emu.hand.addRepo("notes-app", { description: "hand-made", private: false });
            const { repo, adopted } = await gitea.createRepo(repoOpts);
            assert.equal(adopted, true);
            assert.equal(repo.id, existing.id);
            assert.equal(repo.description, "hand-made", "adopted as it is; the caller diffs");
            assert.deepEqual(await emu.hand.repoNames(), ["notes-app"]);
            assert.deepEqual(emu.log.map((l) => `${l.method} ${l.path} ${l.status}`), [
                "POST /api/v1/user/repos 409",
                `GET /api/v1/repos/${emu.username}/notes-app 200`,
            ]);
        });

        it("adopts case-insensitively, as Gitea names are", async () => {
            await emu.hand.addRepo("Notes-App");
            const { adopted } = await gitea.createRepo(repoOpts);
            assert.equal(adopted, true);
            assert.deepEqual(await emu.hand.repoNames(), ["Notes-App"]);
        });

        it("getRepo answers undefined on 404, deleteRepo tolerates an absent repository", async () => {
            assert.equal(await gitea.getRepo(emu.username, "nope"), undefined);
            await gitea.createRepo(repoOpts);
            assert.equal((await gitea.getRepo(emu.username, "notes-app"))?.name, "notes-app");
            await gitea.deleteRepo(emu.username, "notes-app");
            assert.deepEqual(await emu.hand.repoNames(), []);
            await gitea.deleteRepo(emu.username, "notes-app");
        });

        it("rejects an invalid name with the status and Gitea's message", async () => {
            await assert.rejects(gitea.createRepo({ ...repoOpts, name: "bad name" }), /Gitea POST \/api\/v1\/user\/repos: HTTP 422/);
        });
    });

    describe("contents", () => {
        beforeEach(() => gitea.createRepo(repoOpts));

        it("writes the initial file set as ONE commit through the batch endpoint", async () => {
            const before = (await emu.hand.commits("notes-app")).length;
            const { commitSha } = await gitea.changeFiles(emu.username, "notes-app", {
                branch: "main",
                message: "seed: initial files",
                files: [
                    { operation: "create", path: "Jenkinsfile", content: "pipeline {}\n" },
                    { operation: "create", path: "app/server.js", content: "console.log('héllo')\n" },
                    // auto_init wrote Gitea's "Default" README template: "# {Name}\n\n{Description}".
                    { operation: "update", path: "README.md", content: "# notes\n", sha: gitBlobSha(Buffer.from("# notes-app\n\nseeded")) },
                ],
            });
            const commits = await emu.hand.commits("notes-app");
            assert.equal(commits.length, before + 1, "one commit");
            assert.equal(commits.at(-1)?.sha, commitSha);
            assert.deepEqual(commits.at(-1)?.paths.sort(), ["Jenkinsfile", "README.md", "app/server.js"]);
            assert.equal(emu.requests("POST", /\/contents$/).length, 1, "one request");
            assert.deepEqual(await emu.hand.files("notes-app"), {
                "README.md": "# notes\n",
                Jenkinsfile: "pipeline {}\n",
                "app/server.js": "console.log('héllo')\n",
            });
        });

        it("getFile returns content and the blob sha the next update needs; undefined on 404", async () => {
            await gitea.changeFiles(emu.username, "notes-app", { branch: "main", message: "m", files: [{ operation: "create", path: "a/b.txt", content: "x" }] });
            const f = await gitea.getFile(emu.username, "notes-app", "a/b.txt", "main");
            assert.deepEqual(f, { sha: gitBlobSha(Buffer.from("x")), content: "x" });
            assert.equal(await gitea.getFile(emu.username, "notes-app", "a/missing.txt"), undefined);
            await gitea.changeFiles(emu.username, "notes-app", { branch: "main", message: "m2", files: [{ operation: "update", path: "a/b.txt", content: "y", sha: f.sha }] });
            assert.equal((await gitea.getFile(emu.username, "notes-app", "a/b.txt"))?.content, "y");
        });

        it("surfaces Gitea's 422 as a clear error, and writes nothing of the batch", async () => {
            const before = (await emu.hand.commits("notes-app")).length;
            await assert.rejects(
                gitea.changeFiles(emu.username, "notes-app", {
                    branch: "main",
                    message: "m",
                    files: [
                        { operation: "create", path: "new.txt", content: "n" },
                        { operation: "create", path: "README.md", content: "changed" },
                    ],
                }),
                (e: unknown) => {
                    assert.ok(e instanceof HttpError);
                    assert.equal(e.status, 422);
                    assert.equal(e.message, `Gitea POST /api/v1/repos/${emu.username}/notes-app/contents: HTTP 422 — repository file already exists [path: README.md]`);
                    return true;
                },
            );
            assert.equal((await emu.hand.commits("notes-app")).length, before, "atomic: nothing applied");
            assert.deepEqual(Object.keys(await emu.hand.files("notes-app")), ["README.md"]);
            assert.equal(emu.requests("POST", /\/contents$/).length, 1, "a 4xx is not retried");
        });

        describe("tree reads (one request per branch snapshot)", () => {
            const files = { "b.txt": "b", "a/x.txt": "x", "a/y/z.txt": "z", "a.b": "dot", "Jenkinsfile": "pipeline {}\n" };
            beforeEach(() =>
                gitea.changeFiles(emu.username, "notes-app", { branch: "main", message: "files", files: Object.entries(files).map(([path, content]) => ({ operation: "create" as const, path, content })) }),
            );

            it("lists every path of the branch head with git's blob ids, the commit it read, in ONE request", async () => {
                const mark = emu.log.length;
                const tree = (await gitea.getTree(emu.username, "notes-app", "main"))!;
                assert.deepEqual(emu.log.slice(mark).map((r) => `${r.method} ${r.path} ${r.status}`), [`GET /api/v1/repos/${emu.username}/notes-app/git/trees/main 200`]);
                assert.equal(tree.commit, (await emu.hand.commits("notes-app")).at(-1)!.sha, "a branch name resolves to its head commit");
                // git ls-tree -t -r order: bytewise, a directory sorting as "name/", each before its contents.
                assert.deepEqual(tree.entries.map((e) => `${e.type} ${e.mode} ${e.path}`), [
                    "blob 100644 Jenkinsfile",
                    "blob 100644 README.md",
                    "blob 100644 a.b",
                    "tree 040000 a",
                    "blob 100644 a/x.txt",
                    "tree 040000 a/y",
                    "blob 100644 a/y/z.txt",
                    "blob 100644 b.txt",
                ]);
                for (const [path, content] of Object.entries(files)) assert.equal(tree.entries.find((e) => e.path === path)?.sha, gitBlobSha(content), path);
                // The directory's id is git's own tree id: the same content gives the same id in another commit.
                const dir = tree.entries.find((e) => e.path === "a/y")!.sha;
                assert.match(dir, /^[0-9a-f]{40}$/);
                await gitea.changeFiles(emu.username, "notes-app", { branch: "main", message: "other", files: [{ operation: "create", path: "c.txt", content: "c" }] });
                assert.equal((await gitea.getTree(emu.username, "notes-app", "main"))!.entries.find((e) => e.path === "a/y")!.sha, dir);
            });

            it("reads a big tree page by page (truncated), every page at the commit the first one resolved", async () => {
                const small = new GiteaClient({ ...conn, treePageSize: 3 });
                const head = (await emu.hand.commits("notes-app")).at(-1)!.sha;
                let pages = 0;
                emu.onRequest = async (req) => {
                    // Someone pushes while we page: the later pages must still describe the first snapshot.
                    if (req.path.includes("/git/trees/") && ++pages === 2) await emu.hand.putFile("notes-app", "late.txt", "late");
                };
                const tree = (await small.getTree(emu.username, "notes-app", "main"))!;
                assert.equal(tree.commit, head);
                assert.equal(tree.entries.length, 8);
                assert.ok(!tree.entries.some((e) => e.path === "late.txt"));
                const reqs = emu.requests("GET", /\/git\/trees\//);
                assert.deepEqual(reqs.map((r) => [r.path.split("/").pop(), new URLSearchParams(r.query).get("page")]), [["main", "1"], [head, "2"], [head, "3"]]);
            });

            it("answers undefined for a branch, repository or empty repository that is not there", async () => {
                assert.equal(await gitea.getTree(emu.username, "notes-app", "no-such-branch"), undefined);
                assert.equal(await gitea.getTree(emu.username, "no-such-repo", "main"), undefined);
                await emu.hand.addRepo("bare", { autoInit: false });
                assert.equal(await gitea.getTree(emu.username, "bare", "main"), undefined);
            });
        });

        it("a stale sha is a 422 too", async () => {
            await assert.rejects(
                gitea.changeFiles(emu.username, "notes-app", { branch: "main", message: "m", files: [{ operation: "update", path: "README.md", content: "c", sha: "0".repeat(40) }] }),
                /HTTP 422 — sha does not match/,
            );
        });
    });

    describe("webhooks", () => {
        beforeEach(() => gitea.createRepo(repoOpts));
        const spec = { url: "http://jenkins.jenkins.svc:8080/generic-webhook-trigger/invoke", contentType: "json" as const, events: ["push"], branchFilter: "main", authorizationHeader: "Bearer hook-token-123", active: true };

        it("creates an active hook (active sent explicitly), updates and deletes it", async () => {
            const h = await gitea.createHook(emu.username, "notes-app", spec);
            assert.equal(h.active, true);
            assert.equal(h.config.url, spec.url);
            assert.equal(h.config.content_type, "json");
            assert.equal(h.branch_filter, "main");
            assert.equal(h.authorization_header, "Bearer hook-token-123");
            const stored = (await emu.hand.hooks("notes-app")).find((x) => x.id === h.id)!;
            assert.equal(stored.active, true);
            assert.equal(stored.type, "gitea");

            const u = await gitea.updateHook(emu.username, "notes-app", h.id, { ...spec, events: ["push", "create"], branchFilter: "*" });
            // EventsArray walks a Go map: the order is not the order sent.
            assert.deepEqual([...u.events].sort(), ["create", "push"]);
            assert.deepEqual((await gitea.listHooks(emu.username, "notes-app")).map((x) => x.id), [h.id]);

            await gitea.deleteHook(emu.username, "notes-app", h.id);
            assert.deepEqual(await emu.hand.hooks("notes-app"), []);
            await gitea.deleteHook(emu.username, "notes-app", h.id);
        });

        it("lists every hook across Gitea's pages (30 by default, 50 at most per page)", async () => {
            for (let i = 0; i < 73; i++) await emu.hand.addHook("notes-app", { url: `http://h/${i}` });
            const all = await gitea.listHooks(emu.username, "notes-app");
            assert.equal(new Set(all.map((h) => h.id)).size, 73);
            assert.ok(emu.requests("GET", /\/hooks$/).length >= 2, "more than one page was read");
        });

        it("passes active: false through when asked (Gitea would default to it anyway)", async () => {
            const h = await gitea.createHook(emu.username, "notes-app", { ...spec, active: false });
            assert.equal(h.active, false);
            const on = await gitea.updateHook(emu.username, "notes-app", h.id, spec);
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
            assert.equal((await fetch(`${emu.url}/api/v1/repos/${emu.username}/notes-app`, auth)).status, 200);
            // tokenRequiresScopes: /user needs read:user, which a repository token lacks.
            const user = await fetch(`${emu.url}/api/v1/user`, auth);
            assert.equal(user.status, 403);
            assert.match(((await user.json()) as { message: string }).message, /required=\[read:user\]/);
            await gitea.deleteAccessToken("jenkins");
            assert.deepEqual(await emu.hand.tokens(), []);
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
            assert.equal((await gitea.getRepo(emu.username, "notes-app"))?.name, "notes-app");
            assert.deepEqual(emu.requests("GET", `/api/v1/repos/${emu.username}/notes-app`).map((r) => r.status), [502, 502, 502, 200]);
        });

        it("ends a longer burst in a clear error naming method, path, status and attempts, in bounded time", async () => {
            emu.faults.fail(100, { status: 503 });
            const t0 = Date.now();
            await assert.rejects(gitea.getRepo(emu.username, "notes-app"), (e: unknown) => {
                assert.ok(e instanceof HttpError);
                assert.equal(e.message, `Gitea GET /api/v1/repos/${emu.username}/notes-app: HTTP 503 — 503 emulated fault (after 4 attempts)`);
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
            assert.deepEqual(await emu.hand.repoNames(), ["notes-app"]);
        });

        it("a slow response hits the per-attempt timeout; the retry succeeds", async () => {
            const quick = new GiteaClient({ ...conn, timeoutMs: tight.timeoutMs });
            emu.faults.slow(1, tight.slowMs);
            assert.equal(await quick.getRepo(emu.username, "x"), undefined);
            assert.ok(lines.some((l) => new RegExp(`GET /api/v1/repos/${emu.username}/x → timed out`).test(l)));
        });

        it("slow responses throughout end in a timeout error", async () => {
            const quick = new GiteaClient({ ...conn, timeoutMs: 50, retries: 1 });
            emu.faults.slow(10, 300);
            await assert.rejects(quick.getRepo(emu.username, "x"), new RegExp(`Gitea GET /api/v1/repos/${emu.username}/x: timed out — no response within 50 ms \\(after 2 attempts\\)`));
        });
    });

    describe("no duplicates after faults", () => {
        const POST = (re: RegExp) => (r: { method: string; path: string }) => r.method === "POST" && re.test(r.path);

        it("createRepo: a 5xx returned after Gitea created it ends in adopt, one repository", async () => {
            emu.faults.fail(1, { status: 500, afterApply: true, match: POST(/\/user\/repos$/) });
            const { repo, adopted } = await gitea.createRepo(repoOpts);
            assert.equal(repo.name, "notes-app");
            assert.equal(adopted, false, "it was most likely ours");
            assert.deepEqual(await emu.hand.repoNames(), ["notes-app"]);
            assert.deepEqual(emu.requests("POST").map((r) => r.status), [500, 409]);
        });

        it("changeFiles: a 5xx after the commit is read back, not re-sent — one commit", async () => {
            await gitea.createRepo(repoOpts);
            emu.faults.fail(1, { afterApply: true, match: POST(/\/contents$/) });
            const files = [{ operation: "create" as const, path: "Jenkinsfile", content: "pipeline {}" }];
            const { commitSha } = await gitea.changeFiles(emu.username, "notes-app", { branch: "main", message: "m", files });
            const commits = await emu.hand.commits("notes-app");
            assert.equal(commits.length, 2);
            assert.equal(commitSha, commits.at(-1)?.sha, "the commit the read-back found");
            assert.equal(emu.requests("POST", /\/contents$/).length, 1, "not re-sent");
            assert.equal(emu.requests("GET", /\/git\/trees\//).length, 1, "one tree read decided it");
        });

        it("changeFiles: a reset before anything was applied is re-sent once", async () => {
            await gitea.createRepo(repoOpts);
            emu.faults.reset(1, { match: POST(/\/contents$/) });
            await gitea.changeFiles(emu.username, "notes-app", { branch: "main", message: "m", files: [{ operation: "create", path: "x", content: "1" }] });
            assert.equal((await emu.hand.commits("notes-app")).length, 2);
            assert.deepEqual(emu.requests("POST", /\/contents$/).map((r) => r.status), [0, 201]);
        });

        it("changeFiles: a concurrent change after an ambiguous failure is an error, not a blind re-send", async () => {
            await gitea.createRepo(repoOpts);
            const readme = (await gitea.getFile(emu.username, "notes-app", "README.md"))!.sha;
            emu.faults.fail(1, { match: POST(/\/contents$/) });
            // Someone else edits README.md between our failed POST and the read-back.
            let edited = false;
            emu.onRequest = async (req) => {
                if (req.method === "GET" && req.path.includes("/git/trees/") && !edited) {
                    edited = true;
                    await emu.hand.putFile("notes-app", "README.md", "theirs");
                }
            };
            await assert.rejects(
                gitea.changeFiles(emu.username, "notes-app", { branch: "main", message: "m", files: [{ operation: "update", path: "README.md", content: "ours", sha: readme }] }),
                new RegExp(`HTTP 503.*read back: the files of ${emu.username}/notes-app@main changed meanwhile`),
            );
            assert.ok(edited, "the read-back ran");
            assert.equal(emu.requests("POST", /\/contents$/).length, 1);
            assert.equal((await emu.hand.files("notes-app"))["README.md"], "theirs", "theirs is kept");
        });

        it("createHook: a 5xx after the hook was created reuses it — one hook", async () => {
            await gitea.createRepo(repoOpts);
            emu.faults.fail(1, { afterApply: true, match: POST(/\/hooks$/) });
            const h = await gitea.createHook(emu.username, "notes-app", { url: "http://j/invoke", contentType: "json", events: ["push"], active: true });
            assert.deepEqual((await emu.hand.hooks("notes-app")).map((x) => x.id), [h.id]);
            assert.equal(h.active, true);
            assert.equal(emu.requests("POST", /\/hooks$/).length, 1);
        });

        it("createAccessToken: a timeout after the token was minted replaces it — one token, a usable secret", async () => {
            const quick = new GiteaClient({ ...conn, timeoutMs: tight.timeoutMs });
            emu.faults.slow(1, tight.slowMs, { match: POST(/\/tokens$/) });
            const t = await quick.createAccessToken("jenkins", ["write:repository"]);
            await new Promise((r) => setTimeout(r, tight.slowMs));
            assert.deepEqual((await emu.hand.tokens()).map((x) => x.name), ["jenkins"]);
            // The secret we kept signs in: a repository-scoped token is refused /user for its scope (403), not as unknown (401).
            assert.equal((await fetch(`${emu.url}/api/v1/user`, { headers: { Authorization: `token ${t.sha1}` } })).status, 403);
        });
    });

    describe("credentials never leak", () => {
        const leaks = (s: string, secrets: string[]) => secrets.filter((x) => s.includes(x));

        it("a rejected password appears in neither the error, its stack nor any log line", async () => {
            const wrong = "Wr0ng-Pa55word-xyz";
            const basic = Buffer.from(`${emu.username}:${wrong}`).toString("base64");
            const bad = new GiteaClient({ ...conn, password: wrong });
            const e = await bad.getRepo(emu.username, "x").catch((x: unknown) => x);
            assert.ok(e instanceof HttpError);
            assert.equal(e.status, 401);
            assert.deepEqual(leaks(`${e.message}\n${e.stack}\n${JSON.stringify(e)}\n${lines.join("\n")}`, [wrong, basic, "Authorization", "Basic "]), []);
        });

        it("the webhook's bearer token and minted tokens stay out of errors and logs", async () => {
            await gitea.createRepo(repoOpts);
            emu.faults.fail(100, { status: 500, match: (r) => r.method === "POST" && r.path.endsWith("/hooks") });
            const e = await gitea.createHook(emu.username, "notes-app", { url: "http://j/invoke", contentType: "json", events: ["push"], authorizationHeader: "Bearer s3cret-hook-token", active: true }).catch((x: unknown) => x);
            assert.ok(e instanceof Error);
            emu.faults.clear();
            const t = await gitea.createAccessToken("jenkins", ["write:repository"]);
            const all = `${e.message}\n${e.stack}\n${lines.join("\n")}`;
            assert.deepEqual(leaks(all, ["s3cret-hook-token", t.sha1, emu.password]), []);
            assert.ok(lines.length > 5, "lines were logged");
        });
    });
});
