// The Gitea dynamic providers called directly (create → read → no-op diff → drift → update → delete),
// one suite against both targets: the in-process emulator and a real Gitea (test/support/giteaTargets.ts).
import * as assert from "node:assert/strict";
import { FileSpec, FilesInputs, HookInputs, RepoInputs, giteaFilesProvider, giteaRepositoryProvider, giteaWebhookProvider, secretDigest } from "../../components/seed/providers";
import { describeTargets, GiteaTarget } from "../support/giteaTargets";
import { captureLog, writes } from "../support/providerRuns";

const giteaConn = (t: GiteaTarget) => ({ url: t.url, username: t.username, password: t.password, readyTimeoutMs: 10_000 });

describeTargets("seed Gitea providers", (target) => {
    let gitea: GiteaTarget;
    beforeEach(() => (gitea = target()));

    describe("GiteaRepository", () => {
        const inputs = (): RepoInputs => ({ gitea: giteaConn(gitea), name: "notes-app", private: true, description: "sample", defaultBranch: "main", deleteOnDestroy: false });

        it("lifecycle: create, read, no-op re-run, drift (deleted by hand), update, retained on delete", async () => {
            const p = giteaRepositoryProvider;
            const { id, outs } = await p.create(inputs());
            assert.equal(id, `${gitea.username}/notes-app`);
            assert.equal(outs!.owner, gitea.username);
            assert.equal(outs!.adopted, false);
            assert.equal(outs!.htmlUrl, `${gitea.rootUrl}/${gitea.username}/notes-app`);
            const r = (await gitea.hand.repo("notes-app"))!;
            assert.deepEqual([r.private, r.description, r.defaultBranch, (await gitea.hand.commits("notes-app")).length], [true, "sample", "main", 1]);

            const read = await p.read!(id, outs);
            assert.equal(read.id, id);
            assert.equal(read.props!.description, "sample");

            const before = writes(gitea);
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: false });
            assert.equal(writes(gitea), before, "a no-op diff writes nothing");

            await gitea.hand.deleteRepo("notes-app");
            assert.equal((await p.diff!(id, outs!, inputs())).changes, true);
            assert.deepEqual(await p.read!(id, outs), {}, "refresh reports it gone");
            await p.update!(id, outs!, inputs());
            assert.ok(await gitea.hand.repo("notes-app"));
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: false });

            const { lines } = await captureLog(() => p.delete!(id, outs!));
            assert.ok(await gitea.hand.repo("notes-app"), "retained by default");
            assert.match(lines.join("\n"), new RegExp(`leaving Gitea repository ${gitea.username}/notes-app in place \\(seed\\.deleteReposOnDestroy is false\\)`));
            assert.ok(!lines.join("\n").includes(gitea.password));
        });

        it("deletes the repository when deleteOnDestroy is set", async () => {
            const { id, outs } = await giteaRepositoryProvider.create({ ...inputs(), deleteOnDestroy: true });
            await giteaRepositoryProvider.delete!(id, outs!);
            assert.equal(await gitea.hand.repo("notes-app"), undefined);
        });

        it("never deletes a repository it adopted, even with deleteOnDestroy: the stack did not create it", async () => {
            await gitea.hand.addRepo("notes-app", { description: "a team's history" });
            const { id, outs } = await giteaRepositoryProvider.create({ ...inputs(), deleteOnDestroy: true });
            assert.equal(outs!.adopted, true);
            const { lines } = await captureLog(() => giteaRepositoryProvider.delete!(id, outs!));
            assert.ok(await gitea.hand.repo("notes-app"), "kept");
            assert.equal(gitea.requests("DELETE").length, 0, "no DELETE sent");
            assert.match(lines.join("\n"), new RegExp(`leaving Gitea repository ${gitea.username}/notes-app in place: it existed before the seed`));
        });

        it("adopts an existing repository without duplicating it or writing to it", async () => {
            await gitea.hand.addRepo("notes-app", { description: "mine", private: false });
            const { outs } = await giteaRepositoryProvider.create(inputs());
            assert.equal(outs!.adopted, true);
            assert.deepEqual(await gitea.hand.repoNames(), ["notes-app"]);
            assert.equal((await gitea.hand.repo("notes-app"))!.description, "mine", "an adopted repository's settings are left alone");
            assert.deepEqual(await giteaRepositoryProvider.diff!("x", outs!, inputs()), { changes: false });
        });

        it("a renamed repository is a replacement; unknown inputs in preview are a change", async () => {
            const { outs } = await giteaRepositoryProvider.create(inputs());
            assert.deepEqual(await giteaRepositoryProvider.diff!("x", outs!, { ...inputs(), name: "other" }), { changes: true, replaces: ["name"] });
            const unknown = { ...inputs(), description: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" };
            assert.deepEqual(await giteaRepositoryProvider.diff!("x", outs!, unknown), { changes: true });
        });

        it("waits for readiness (bounded) before the first call, and writes nothing before", async () => {
            const version = (r: { path: string }) => r.path === "/api/v1/version";
            gitea.faults.fail(2, { status: 503, match: version });
            await giteaRepositoryProvider.create(inputs());
            assert.deepEqual(gitea.requests("GET", "/api/v1/version").map((r) => r.status), [503, 503, 200]);

            await gitea.hand.deleteRepo("notes-app");
            gitea.faults.fail(10_000, { status: 503, match: version });
            const posts = gitea.requests("POST").length;
            // Another connection (a bound of its own) so the ready client of the first call is not reused.
            await assert.rejects(
                giteaRepositoryProvider.create({ ...inputs(), gitea: { ...giteaConn(gitea), url: `${gitea.url}/`, readyTimeoutMs: 400 } }),
                (e: Error) => /not ready after/.test(e.message) && !e.message.includes(gitea.password),
            );
            assert.equal(gitea.requests("POST").length, posts, "nothing is written before Gitea is ready");
        });
    });

    describe("GiteaFiles", () => {
        const files: FileSpec[] = [
            { path: "Jenkinsfile", content: "pipeline {}\n" },
            { path: "src/app.txt", content: "hello ünïcode\n" },
            { path: "k8s/deployment.yaml", content: "image: r/p/app:0.0.0\n", createOnly: true },
        ];
        const inputs = (fs: FileSpec[] = files): FilesInputs => ({ gitea: giteaConn(gitea), owner: gitea.username, repo: "notes-app", branch: "main", message: "Seed", files: fs });
        const trees = () => gitea.requests("GET", /\/git\/trees\//).length;
        beforeEach(() => gitea.hand.addRepo("notes-app", { autoInit: true }));

        it("lifecycle: one commit for the set, no-op re-run on ONE tree read, drift, update of only what changed (with sha)", async () => {
            const p = giteaFilesProvider;
            const { id, outs } = await p.create(inputs());
            let commits = await gitea.hand.commits("notes-app");
            assert.equal(commits.length, 2, "README from auto_init + ONE seed commit");
            assert.deepEqual(commits[1]!.paths.sort(), ["Jenkinsfile", "k8s/deployment.yaml", "src/app.txt"]);
            assert.equal(outs!.commitSha, commits[1]!.sha);
            assert.equal((await gitea.hand.files("notes-app"))["src/app.txt"], "hello ünïcode\n");

            const [before, mark, treeReads] = [writes(gitea), gitea.log.length, trees()];
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: false });
            assert.equal(writes(gitea), before);
            assert.deepEqual(gitea.log.slice(mark).map((r) => `${r.method} ${r.path}`), [`GET /api/v1/repos/${gitea.username}/notes-app/git/trees/main`], "the re-run reads one tree, no file");
            assert.equal(trees(), treeReads + 1);

            await gitea.hand.putFile("notes-app", "src/app.txt", "edited by hand\n");
            await gitea.hand.putFile("notes-app", "k8s/deployment.yaml", "image: r/p/app:abc1234\n"); // the pipeline's tag bump: not drift
            const refreshed = (await p.read!(id, outs)).props!.files as FileSpec[];
            assert.equal(refreshed.find((f) => f.path === "src/app.txt")?.content, "edited by hand\n");
            assert.equal(refreshed.find((f) => f.path === "Jenkinsfile")?.content, "pipeline {}\n");
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: true });
            const { outs: outs2 } = await p.update!(id, outs!, inputs());
            commits = await gitea.hand.commits("notes-app");
            assert.equal(commits.length, 5);
            assert.deepEqual(commits[4]!.paths, ["src/app.txt"], "only the changed file is committed");
            assert.equal(outs2!.commitSha, commits[4]!.sha);
            assert.equal((await gitea.hand.files("notes-app"))["k8s/deployment.yaml"], "image: r/p/app:abc1234\n");
            assert.deepEqual(await p.diff!(id, outs2!, inputs()), { changes: false });

            // A file dropped from the set is removed; a new one is added — one commit.
            const next = [...files.filter((f) => f.path !== "Jenkinsfile"), { path: "Dockerfile", content: "FROM scratch\n" }];
            assert.deepEqual(await p.diff!(id, outs2!, inputs(next)), { changes: true });
            await p.update!(id, outs2!, inputs(next));
            commits = await gitea.hand.commits("notes-app");
            assert.deepEqual(commits[5]!.paths.sort(), ["Dockerfile", "Jenkinsfile"]);
            assert.equal((await gitea.hand.files("notes-app")).Jenkinsfile, undefined);

            await p.delete!(id, outs2!);
            assert.equal((await gitea.hand.commits("notes-app")).length, 6, "delete leaves the retained repository's content alone");
        });

        it("refresh fetches only the files whose blob id changed", async () => {
            const { id, outs } = await giteaFilesProvider.create(inputs());
            await gitea.hand.putFile("notes-app", "src/app.txt", "edited by hand\n");
            const mark = gitea.log.length;
            const read = await giteaFilesProvider.read!(id, outs);
            assert.deepEqual(
                (read.props!.files as FileSpec[]).map((f) => [f.path, f.content]),
                [["Jenkinsfile", "pipeline {}\n"], ["src/app.txt", "edited by hand\n"], ["k8s/deployment.yaml", "image: r/p/app:0.0.0\n"]],
            );
            assert.deepEqual(
                gitea.log.slice(mark).map((r) => `${r.method} ${r.path.replace(`/api/v1/repos/${gitea.username}/notes-app`, "")}`),
                ["GET ", "GET /git/trees/main", "GET /contents/src/app.txt"],
            );
        });

        it("adopts files already in place: no commit when they match", async () => {
            await giteaFilesProvider.create(inputs());
            const commits = (await gitea.hand.commits("notes-app")).length;
            await giteaFilesProvider.create(inputs());
            assert.equal((await gitea.hand.commits("notes-app")).length, commits);
        });

        it("writes the first files of an empty repository (no branch yet) in one commit", async () => {
            await gitea.hand.addRepo("bare", { autoInit: false });
            const { outs } = await giteaFilesProvider.create({ ...inputs(), repo: "bare" });
            const commits = await gitea.hand.commits("bare");
            assert.equal(commits.length, 1);
            assert.equal(outs!.commitSha, commits[0]!.sha);
            assert.deepEqual(Object.keys(await gitea.hand.files("bare")).sort(), ["Jenkinsfile", "k8s/deployment.yaml", "src/app.txt"]);
        });

        it("refuses to put a file where a directory is, naming the path", async () => {
            await gitea.hand.putFile("notes-app", "Jenkinsfile/inner.txt", "x");
            await assert.rejects(giteaFilesProvider.create(inputs()), new RegExp(`${gitea.username}/notes-app@main: Jenkinsfile is a directory, not a file`));
            assert.equal(gitea.requests("POST").length, 0);
        });

        it("no duplicate commit after a 5xx answered after Gitea applied the batch", async () => {
            gitea.faults.fail(1, { afterApply: true, match: (r) => r.method === "POST" && r.path.endsWith("/contents") });
            await giteaFilesProvider.create(inputs());
            assert.equal((await gitea.hand.commits("notes-app")).length, 2);
            assert.equal(gitea.requests("POST").length, 1);
        });

        it("an update whose commit landed before a reset is found converged, not committed twice", async () => {
            const { id, outs } = await giteaFilesProvider.create(inputs());
            const changed = files.map((f) => (f.path === "Jenkinsfile" ? { ...f, content: "pipeline { agent any }\n" } : f));
            gitea.faults.reset(1, { afterApply: true, match: (r) => r.method === "POST" && r.path.endsWith("/contents") });
            await giteaFilesProvider.update!(id, outs!, inputs(changed));
            const commits = await gitea.hand.commits("notes-app");
            assert.equal(commits.length, 3, "one update commit");
            assert.equal(gitea.requests("POST", /\/contents$/).length, 2, "the update was not re-sent");
            assert.equal((await gitea.hand.files("notes-app")).Jenkinsfile, "pipeline { agent any }\n");
        });
    });

    describe("GiteaWebhook", () => {
        const url = "http://jenkins.jenkins.svc.cluster.local:8080/generic-webhook-trigger/invoke";
        const inputs = (over: Partial<HookInputs> = {}): HookInputs => ({
            gitea: giteaConn(gitea),
            owner: gitea.username,
            repo: "notes-app",
            url,
            events: ["push"],
            branchFilter: "main",
            authorizationHeader: "Bearer s3cr3t-token-value",
            ...over,
        });
        const hooks = () => gitea.hand.hooks("notes-app");
        beforeEach(() => gitea.hand.addRepo("notes-app"));

        it("lifecycle: active JSON push hook, no-op re-run, drift, update, delete; the header never in state", async () => {
            const p = giteaWebhookProvider;
            const { id, outs } = await p.create(inputs());
            const [h, ...more] = await hooks();
            assert.equal(more.length, 0);
            assert.deepEqual([h!.url, h!.contentType, h!.events, h!.branchFilter, h!.active, h!.authorizationHeader], [url, "json", ["push"], "main", true, "Bearer s3cr3t-token-value"]);
            assert.equal(id, String(h!.id));
            assert.ok(!JSON.stringify(outs).includes("s3cr3t-token-value"), "state holds a digest, not the header");
            assert.equal(outs!.authorizationDigest, secretDigest("Bearer s3cr3t-token-value"));

            const before = writes(gitea);
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: false });
            assert.equal(writes(gitea), before);
            assert.equal((await p.read!(id, outs)).props!.url, url);

            await gitea.hand.editHook("notes-app", h!.id, { active: false }); // deactivated by hand
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: true });
            await p.update!(id, outs!, inputs());
            await gitea.hand.editHook("notes-app", h!.id, { events: ["push", "issues"] });
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: true });
            await p.update!(id, outs!, inputs());
            const after = await hooks();
            assert.deepEqual([after.length, after[0]!.active, after[0]!.events], [1, true, ["push"]]);

            // A new token (rotated RandomPassword) is a change even though nothing else differs.
            assert.deepEqual(await p.diff!(id, outs!, inputs({ authorizationHeader: "Bearer rotated" })), { changes: true });
            const { outs: outs2 } = await p.update!(id, outs!, inputs({ authorizationHeader: "Bearer rotated" }));
            assert.equal((await hooks())[0]!.authorizationHeader, "Bearer rotated");

            await gitea.hand.deleteHooks("notes-app");
            assert.deepEqual(await p.diff!(id, outs2!, inputs({ authorizationHeader: "Bearer rotated" })), { changes: true });
            const { outs: outs3 } = await p.update!(id, outs2!, inputs({ authorizationHeader: "Bearer rotated" }));
            const recreated = await hooks();
            assert.equal(recreated.length, 1);
            assert.equal(outs3!.hookId, recreated[0]!.id);
            assert.notEqual(outs3!.hookId, h!.id, "a new hook, a new id");

            await p.delete!(id, outs3!);
            assert.deepEqual(await hooks(), []);
        });

        it("adopts a hook with the same URL instead of adding a second one", async () => {
            const existing = await gitea.hand.addHook("notes-app", { url, contentType: "form", events: ["push"], branchFilter: "*", active: false });
            const { outs } = await giteaWebhookProvider.create(inputs());
            const all = await hooks();
            assert.deepEqual([all.length, outs!.hookId, all[0]!.active, all[0]!.contentType], [1, existing.id, true, "json"]);
        });

        it("finds its hook beyond Gitea's first page of 30: adopted, not duplicated, and read back by id", async () => {
            for (let i = 0; i < 31; i++) await gitea.hand.addHook("notes-app", { url: `http://other.team/${i}` });
            const mine = await gitea.hand.addHook("notes-app", { url, events: ["push"], branchFilter: "main", authorizationHeader: "Bearer s3cr3t-token-value" });
            const { id, outs } = await giteaWebhookProvider.create(inputs());
            assert.deepEqual([(await hooks()).length, outs!.hookId], [32, mine.id]);
            assert.deepEqual(await giteaWebhookProvider.diff!(id, outs!, inputs()), { changes: false });
            assert.equal((await giteaWebhookProvider.read!(id, outs)).props!.url, url);
        });

        it("no duplicate hook after a 5xx answered after Gitea created it", async () => {
            gitea.faults.fail(1, { afterApply: true, match: (q) => q.method === "POST" && q.path.endsWith("/hooks") });
            await giteaWebhookProvider.create(inputs());
            const all = await hooks();
            assert.equal(all.length, 1);
            assert.equal(all[0]!.active, true);
        });
    });
});
