// The Gitea API as the seed uses it, by raw fetch (no client in between), against both targets: the
// emulator's claims (test/support/giteaEmulator.ts, each citing its upstream file) checked against a
// real Gitea. A difference here is a bug in the emulator.
import * as assert from "node:assert/strict";
import { gitBlobSha } from "../../components/seed/giteaClient";
import { describeTargets, GiteaTarget } from "../support/giteaTargets";

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

describeTargets("Gitea API", (target) => {
    let emu: GiteaTarget;
    let auth: Record<string, string>;
    const post = (path: string, body: unknown, headers: Record<string, string> = auth) => fetch(`${emu.url}/api/v1${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${emu.url}/api/v1${path}`, { headers });
    const body = async (res: Response) => (await res.json()) as Record<string, unknown>;

    beforeEach(() => {
        emu = target();
        auth = { Authorization: basic(emu.username, emu.password), "Content-Type": "application/json" };
    });

    it("checks credentials on every route (apiAuth), /version included; anonymous reaches only what Gitea leaves public", async () => {
        const wrong = { Authorization: basic(emu.username, "wrong") };
        for (const p of ["/version", "/user", `/repos/${emu.username}/r`]) {
            const res = await get(p, wrong);
            assert.equal(res.status, 401, p);
            assert.deepEqual(await body(res), { message: "invalid username, password or token", url: emu.swaggerUrl });
        }
        assert.equal((await get("/version", { Authorization: "token 0123456789abcdef" })).status, 401, "an unknown token too");
        assert.equal((await get("/version")).status, 200);
        const anonUser = await get("/user");
        assert.equal(anonUser.status, 401);
        assert.equal((await body(anonUser)).message, "token is required");
        await emu.hand.addRepo("public");
        await emu.hand.addRepo("secret", { private: true });
        assert.equal((await get(`/repos/${emu.username}/public`)).status, 200, "a public repository is readable anonymously");
        assert.equal((await get(`/repos/${emu.username}/public/hooks`)).status, 401, "hooks: reqToken");
        const hidden = await get(`/repos/${emu.username}/secret/hooks`);
        assert.equal(hidden.status, 404, "a private repository is not even confirmed to exist");
        assert.deepEqual(await body(hidden), { message: "not found", url: emu.swaggerUrl, errors: null });
    });

    it("hides other users' private repositories with 404, refuses their hooks with 403 (repoAssignment, reqAdmin)", async () => {
        const devName = await emu.hand.addUser("dev", "dev-Passw0rd");
        const dev = { Authorization: basic(devName, "dev-Passw0rd") };
        await emu.hand.addRepo("public");
        await emu.hand.addRepo("secret", { private: true });
        assert.equal((await get(`/repos/${emu.username}/secret`, dev)).status, 404);
        assert.equal((await get(`/repos/${emu.username}/public`, dev)).status, 200);
        const hooks = await get(`/repos/${emu.username}/public/hooks`, dev);
        assert.equal(hooks.status, 403);
        assert.match(String((await body(hooks)).message), /owner or a collaborator with admin write/);
        assert.equal((await fetch(`${emu.url}/api/v1/repos/${emu.username}/public`, { method: "DELETE", headers: dev })).status, 403);
        const unknownOwner = await get("/repos/nobody/x", dev);
        assert.equal(unknownOwner.status, 404);
        assert.deepEqual(await body(unknownOwner), { message: "GetUserByName", url: emu.swaggerUrl, errors: ["user redirect does not exist [name: nobody]"] });
        const unknownUser = await get("/users/nobody/tokens", auth);
        assert.deepEqual([unknownUser.status, await body(unknownUser)], [404, { message: "user redirect does not exist [name: nobody]", url: emu.swaggerUrl }]);
    });

    it("answers 409 for an existing repository name", async () => {
        assert.equal((await post("/user/repos", { name: "r" })).status, 201);
        const again = await post("/user/repos", { name: "R" });
        assert.equal(again.status, 409);
        assert.match(((await again.json()) as { message: string }).message, /already exists/);
    });

    it("auto-init writes Gitea's Default README template in one Initial commit", async () => {
        assert.equal((await post("/user/repos", { name: "notes", description: "my notes", auto_init: true })).status, 201);
        assert.deepEqual(await emu.hand.files("notes"), { "README.md": "# notes\n\nmy notes" });
        assert.deepEqual((await emu.hand.commits("notes")).map((c) => c.message), ["Initial commit"]);
        assert.equal((await post("/user/repos", { name: "bare" })).status, 201);
        assert.deepEqual(((await body(await get(`/repos/${emu.username}/bare`, auth))) as { empty: boolean }).empty, true);
        assert.equal((await post("/user/repos", { name: "x.git" })).status, 422, "reserved pattern");
        assert.equal((await post("/user/repos", { name: "-" })).status, 422, "reserved name");
    });

    const hook = (url: string, extra: Record<string, unknown> = {}) => ({ type: "gitea", config: { url, content_type: "json" }, events: ["push"], active: true, ...extra });

    it("pages hook lists as ListHooks does: 30 a page by default, 50 at most, X-Total-Count, no Link header — and no paging at all without a page", async () => {
        await post("/user/repos", { name: "r" });
        for (let i = 0; i < 60; i++) assert.equal((await post(`/repos/${emu.username}/r/hooks`, hook(`http://h/${i}`))).status, 201);
        const hooks = async (q: string) => ((await (await get(`/repos/${emu.username}/r/hooks${q}`, auth)).json()) as { id: number }[]).map((h) => h.id);
        const first = await get(`/repos/${emu.username}/r/hooks?page=1`, auth);
        const ids = ((await first.json()) as { id: number }[]).map((h) => h.id);
        assert.equal(ids.length, 30);
        assert.equal(first.headers.get("x-total-count"), "60");
        assert.equal(first.headers.get("link"), null);
        assert.deepEqual(await hooks("?page=2"), ids.map((id) => id + 30));
        assert.equal((await hooks("?page=1&limit=100")).length, 50);
        assert.equal((await hooks("?page=3&limit=25")).length, 10);
        assert.equal((await hooks("?page=9")).length, 0);
        // models/db/list.go FindAndCount limits only when page >= 1: no page, every hook, whatever the limit.
        assert.equal((await hooks("")).length, 60);
        assert.equal((await hooks("?limit=10")).length, 60);
        assert.equal((await hooks("?page=0&limit=10")).length, 60);
    });

    it("numbers hooks from one table: ids are global, and another repository's id is 404", async () => {
        await post("/user/repos", { name: "a" });
        await post("/user/repos", { name: "b" });
        const a = (await (await post(`/repos/${emu.username}/a/hooks`, hook("http://a"))).json()) as { id: number };
        const b = (await (await post(`/repos/${emu.username}/b/hooks`, hook("http://b"))).json()) as { id: number };
        assert.equal(b.id, a.id + 1);
        assert.equal((await get(`/repos/${emu.username}/b/hooks/${a.id}`, auth)).status, 404);
        assert.equal((await fetch(`${emu.url}/api/v1/repos/${emu.username}/b/hooks/${a.id}`, { method: "DELETE", headers: auth })).status, 404);
    });

    it("create ignores http_method and unknown events; PATCH resets what it omits, except active", async () => {
        await post("/user/repos", { name: "r" });
        const created = (await (await post(
            `/repos/${emu.username}/r/hooks`,
            hook("http://j/invoke", { config: { url: "http://j/invoke", content_type: "json", http_method: "get" }, events: ["PUSH", "create", "no_such_event"], branch_filter: "main", authorization_header: "Bearer t" }),
        )).json()) as { id: number; config: Record<string, string>; events: string[] };
        assert.deepEqual(created.config, { url: "http://j/invoke", content_type: "json" });
        assert.deepEqual([...created.events].sort(), ["create", "push"]);
        if (emu.emulator) assert.equal(emu.emulator.state.repo(emu.username, "r")!.hooks.get(created.id)!.httpMethod, "POST");
        const patched = await fetch(`${emu.url}/api/v1/repos/${emu.username}/r/hooks/${created.id}`, { method: "PATCH", headers: auth, body: JSON.stringify({ active: false }) });
        assert.equal(patched.status, 200);
        const h = (await patched.json()) as Record<string, unknown>;
        assert.deepEqual([h.events, h.branch_filter, h.authorization_header, h.active], [["push"], "", "", false]);
        assert.deepEqual((h.config as Record<string, string>).url, "http://j/invoke", "config keys only change when sent");
        const bad = await post(`/repos/${emu.username}/r/hooks`, hook("not a url"));
        assert.deepEqual([bad.status, (await body(bad)).message], [422, "Invalid url"]);
        const badType = await post(`/repos/${emu.username}/r/hooks`, { ...hook("http://x"), type: "jenkins" });
        assert.deepEqual([badType.status, (await body(badType)).message], [422, "Invalid hook type: jenkins"]);
    });

    it("defaults a hook's active to false when omitted", async () => {
        await post("/user/repos", { name: "r" });
        const res = await post(`/repos/${emu.username}/r/hooks`, { type: "gitea", config: { url: "http://x", content_type: "json" }, events: ["push"] });
        assert.equal(res.status, 201);
        assert.equal(((await res.json()) as { active: boolean }).active, false);
    });

    it("needs basic auth and a scope to mint a token", async () => {
        assert.equal((await post(`/users/${emu.username}/tokens`, { name: "t" })).status, 400);
        const ok = await post(`/users/${emu.username}/tokens`, { name: "t", scopes: ["write:repository"] });
        assert.equal(ok.status, 201);
        const { sha1 } = (await ok.json()) as { sha1: string };
        // A repository token lacks the user scope of the route group (tokenRequiresScopes): 403.
        const viaToken = await post(`/users/${emu.username}/tokens`, { name: "t2", scopes: ["all"] }, { Authorization: `token ${sha1}` });
        assert.equal(viaToken.status, 403);
        // A token with every scope passes that, then reqBasicOrRevProxyAuth wants basic auth: 401.
        const all = await post(`/users/${emu.username}/tokens`, { name: "t-all", scopes: ["all"] });
        const { sha1: allSha } = (await all.json()) as { sha1: string };
        const viaAll = await post(`/users/${emu.username}/tokens`, { name: "t4", scopes: ["all"] }, { Authorization: `token ${allSha}` });
        assert.equal(viaAll.status, 401);
        assert.equal(((await viaAll.json()) as { message: string }).message, "auth required");
        const badScope = await post(`/users/${emu.username}/tokens`, { name: "t3", scopes: ["write:everything"] });
        assert.deepEqual([badScope.status, (await body(badScope)).message], [400, "invalid access token scope provided: invalid access token scope: write:everything"]);
    });

    it("applies a contents batch all or nothing, with Gitea's checks in Gitea's order", async () => {
        await post("/user/repos", { name: "r", auto_init: true });
        const b64 = (s: string) => Buffer.from(s).toString("base64");
        const batch = async (files: unknown[], extra: Record<string, unknown> = {}) => {
            const res = await post(`/repos/${emu.username}/r/contents`, { message: "m", files, ...extra });
            return [res.status, (await body(res)).message] as const;
        };
        const create = (path: string, content = "x") => ({ operation: "create", path, content: b64(content) });
        const untouched = async () => assert.deepEqual(await emu.hand.files("r"), { "README.md": "# r\n\n" });
        assert.deepEqual(await batch([create("a"), create("README.md")]), [422, "repository file already exists [path: README.md]"]);
        assert.deepEqual(await batch([create("a"), create("README.md/x")]), [422, "a file exists where you’re trying to create a subdirectory [path: README.md]"]);
        assert.deepEqual(await batch([create("a"), { operation: "update", path: "README.md", content: b64("y"), sha: "0".repeat(40) }]), [422, `sha does not match [given: ${"0".repeat(40)}, expected: ${gitBlobSha("# r\n\n")}]`]);
        assert.deepEqual(await batch([create("a"), { operation: "update", path: "nope.md", content: b64("y") }]), [404, "object does not exist [id: , rel_path: nope.md]"]);
        // Every delete's path is checked before anything else (the LsFiles loop).
        assert.deepEqual(await batch([{ operation: "update", path: "nope.md", content: b64("y") }, { operation: "delete", path: "gone.md" }]), [404, "repository file does not exist [path: gone.md]"]);
        assert.deepEqual(await batch([create("a", "")], { branch: "nope" }), [404, `branch does not exist [repo_id: ${(await emu.hand.repo("r"))!.id} name: nope]`]);
        assert.deepEqual(await batch([{ operation: "create", path: "a", content: "%%%" }]), [422, "illegal base64 data at input byte 0"]);
        assert.deepEqual(await batch([{ operation: "create", content: b64("x") }]), [422, "[Path]: Required"]);
        assert.deepEqual(await batch([create("a"), { operation: "frob", path: "README.md", content: b64("x") }]), [500, "invalid file operation: frob README.md, supported operations are create, update, delete"]);
        await untouched();
        assert.deepEqual((await emu.hand.commits("r")).length, 1, "no commit from any refused batch");

        // No sha is no error: LastCommitID defaults to the branch head, so an update or delete
        // without one simply overwrites (services/repository/files/update.go ChangeRepoFiles).
        assert.equal((await batch([{ operation: "update", path: "README.md", content: b64("blind") }]))[0], 201);
        assert.equal((await emu.hand.files("r"))["README.md"], "blind");
        assert.equal((await batch([create("del.md")]))[0], 201);
        assert.equal((await batch([{ operation: "delete", path: "del.md" }]))[0], 201);
        assert.deepEqual(Object.keys(await emu.hand.files("r")), ["README.md"]);
    });

    it("answers a contents batch with the files as read at the new commit and the commit with its parent and tree", async () => {
        await post("/user/repos", { name: "r", auto_init: true });
        const before = (await emu.hand.commits("r")).at(-1)!.sha;
        const res = await post(`/repos/${emu.username}/r/contents`, { branch: "main", message: "two files", files: [{ operation: "create", path: "a/b.txt", content: Buffer.from("x").toString("base64") }, { operation: "delete", path: "README.md" }] });
        assert.equal(res.status, 201);
        const j = (await res.json()) as { files: ({ path: string; sha: string; content: string; last_commit_sha: string; url: string } | null)[]; commit: { sha: string; message: string; parents: { sha: string }[]; tree: { sha: string } } };
        const commit = (await emu.hand.commits("r")).at(-1)!.sha;
        assert.equal(j.commit.sha, commit);
        assert.equal(j.commit.message, "two files\n");
        assert.deepEqual(j.commit.parents.map((p) => p.sha), [before]);
        const root = (await (await get(`/repos/${emu.username}/r/git/trees/${commit}`, auth)).json()) as { tree: { path: string; sha: string }[] };
        assert.match(j.commit.tree.sha, /^[0-9a-f]{40}$/);
        assert.deepEqual(root.tree.map((e) => e.path), ["a"]);
        assert.deepEqual(j.files.map((f) => f && [f.path, f.content, f.last_commit_sha, f.url]), [["a/b.txt", "eA==", commit, `${emu.rootUrl}/api/v1/repos/${emu.username}/r/contents/a/b.txt?ref=main`], null]);
    });

    it("reads contents: a file, a directory as a list (dirs included), 404s that name what is missing", async () => {
        await post("/user/repos", { name: "r", auto_init: true });
        await post(`/repos/${emu.username}/r/contents`, { message: "m", files: [{ operation: "create", path: "a/b.txt", content: Buffer.from("x").toString("base64") }] });
        const root = (await (await get(`/repos/${emu.username}/r/contents`, auth)).json()) as { path: string; type: string; download_url: string | null }[];
        assert.deepEqual(root.map((e) => [e.path, e.type, e.download_url === null]), [["README.md", "file", false], ["a", "dir", true]]);
        const dir = (await (await get(`/repos/${emu.username}/r/contents/a`, auth)).json()) as { path: string }[];
        assert.deepEqual(dir.map((e) => e.path), ["a/b.txt"]);
        const missing = await get(`/repos/${emu.username}/r/contents/nope.md`, auth);
        assert.deepEqual([missing.status, await body(missing)], [404, { message: "GetContentsOrList", url: emu.swaggerUrl, errors: ["object does not exist [id: , rel_path: nope.md]"] }]);
        const badRef = await get(`/repos/${emu.username}/r/contents/README.md?ref=nope`, auth);
        assert.deepEqual([badRef.status, await body(badRef)], [404, { message: "not found", url: emu.swaggerUrl, errors: ["object does not exist [id: nope, rel_path: ]"] }]);
        const branch = await get(`/repos/${emu.username}/r/branches/nope`, auth);
        assert.deepEqual([branch.status, await body(branch)], [404, { message: "not found", url: emu.swaggerUrl, errors: null }]);
    });

    it("reports the first binding error as a 422 APIError \"[Field]: Rule\"", async () => {
        for (const [b, message] of [
            [{ name: "bad name" }, "[Name]: AlphaDashDot"],
            [{}, "[Name]: Required"],
        ] as const) {
            const res = await post("/user/repos", b);
            assert.deepEqual([res.status, await body(res)], [422, { message, url: emu.swaggerUrl }]);
        }
        await post("/user/repos", { name: "r" });
        const res = await post(`/repos/${emu.username}/r/hooks`, { config: { url: "http://x", content_type: "json" } });
        assert.deepEqual([res.status, (await body(res)).message], [422, "[Type]: Required"]);
    });

    it("serves a branch's tree by name (GetTreeBySHA): the commit as sha, pages, null past the end, 400 for an unknown name", async () => {
        await post("/user/repos", { name: "t", auto_init: true });
        const files = ["a/1", "a/2", "b"].map((path) => ({ operation: "create", path, content: Buffer.from(path).toString("base64") }));
        const commit = ((await (await post(`/repos/${emu.username}/t/contents`, { branch: "main", message: "m", files })).json()) as { commit: { sha: string } }).commit.sha;
        const tree = (q: string, ref = "main") => get(`/repos/${emu.username}/t/git/trees/${ref}${q}`, auth);

        const all = await tree("?recursive=true");
        assert.equal(all.status, 200);
        assert.equal(all.headers.get("x-total-count"), "5");
        const j = (await all.json()) as { sha: string; url: string; tree: { path: string; type: string; mode: string; size: number; sha: string; url: string }[]; truncated: boolean; page: number; total_count: number };
        assert.equal(j.sha, commit, "the name resolves to the commit, and `sha` is that commit");
        assert.equal(j.url, `${emu.rootUrl}/api/v1/repos/${emu.username}/t/git/trees/${commit}`);
        assert.deepEqual([j.truncated, j.page, j.total_count], [false, 1, 5]);
        assert.deepEqual(j.tree.map((e) => [e.path, e.type, e.mode]), [["README.md", "blob", "100644"], ["a", "tree", "040000"], ["a/1", "blob", "100644"], ["a/2", "blob", "100644"], ["b", "blob", "100644"]]);
        const b = j.tree.find((e) => e.path === "b")!;
        assert.equal(b.size, 1);
        assert.equal(b.url, `${emu.rootUrl}/api/v1/repos/${emu.username}/t/git/blobs/${b.sha}`);
        assert.equal(j.tree.find((e) => e.path === "a")!.size, 0);

        const top = (await (await tree("")).json()) as { tree: { path: string }[] };
        assert.deepEqual(top.tree.map((e) => e.path), ["README.md", "a", "b"], "not recursive: the top level only");

        const p2 = (await (await tree("?recursive=true&per_page=2&page=2")).json()) as { tree: { path: string }[]; truncated: boolean; page: number };
        assert.deepEqual([p2.tree.map((e) => e.path), p2.truncated, p2.page], [["a/1", "a/2"], true, 2]);
        const p3 = (await (await tree("?recursive=true&per_page=2&page=3")).json()) as { tree: unknown[]; truncated: boolean };
        assert.deepEqual([p3.tree.length, p3.truncated], [1, false]);
        const past = (await (await tree("?recursive=true&per_page=2&page=4")).json()) as { tree: unknown; truncated: boolean; total_count: number };
        assert.deepEqual([past.tree, past.truncated, past.total_count], [null, false, 5]);
        assert.equal(((await (await tree("?recursive=true&per_page=5000")).json()) as { tree: unknown[] }).tree.length, 5, "per_page above 1000 is 1000");

        const byCommit = (await (await tree("?recursive=true", commit)).json()) as { sha: string };
        assert.equal(byCommit.sha, commit);
        const unknown = await tree("", "no-such-branch");
        assert.deepEqual([unknown.status, await body(unknown)], [400, { message: "sha not found [no-such-branch]", url: emu.swaggerUrl }]);
        await post("/user/repos", { name: "bare" });
        assert.equal((await get(`/repos/${emu.username}/bare/git/trees/main`, auth)).status, 400, "an empty repository has no branch to resolve");
        assert.equal((await get(`/repos/${emu.username}/nope/git/trees/main`, auth)).status, 404);
    });
});
