// The Gitea API as the seed uses it, by raw fetch (no client in between), against both targets: the
// emulator's claims (test/support/giteaEmulator.ts, each citing its upstream file) checked against a
// real Gitea. A difference here is a bug in the emulator.
import * as assert from "node:assert/strict";
import { GITEA_PASSWORD, GITEA_USER } from "../support/giteaEmulator";
import { describeTargets, GiteaTarget } from "../support/giteaTargets";

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

describeTargets("Gitea API", (target) => {
    let emu: GiteaTarget;
    const auth = { Authorization: basic(GITEA_USER, GITEA_PASSWORD), "Content-Type": "application/json" };
    const post = (path: string, body: unknown, headers: Record<string, string> = auth) => fetch(`${emu.url}/api/v1${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${emu.url}/api/v1${path}`, { headers });
    const body = async (res: Response) => (await res.json()) as Record<string, unknown>;

    beforeEach(() => (emu = target()));

    it("checks credentials on every route (apiAuth), /version included; anonymous reaches only what Gitea leaves public", async () => {
        const wrong = { Authorization: basic(GITEA_USER, "wrong") };
        for (const p of ["/version", "/user", `/repos/${GITEA_USER}/r`]) {
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
        assert.equal((await get(`/repos/${GITEA_USER}/public`)).status, 200, "a public repository is readable anonymously");
        assert.equal((await get(`/repos/${GITEA_USER}/public/hooks`)).status, 401, "hooks: reqToken");
        const hidden = await get(`/repos/${GITEA_USER}/secret/hooks`);
        assert.equal(hidden.status, 404, "a private repository is not even confirmed to exist");
        assert.deepEqual(await body(hidden), { message: "not found", url: emu.swaggerUrl, errors: null });
    });

    it("hides other users' private repositories with 404, refuses their hooks with 403 (repoAssignment, reqAdmin)", async () => {
        await emu.hand.addUser("dev", "dev-Passw0rd");
        const dev = { Authorization: basic("dev", "dev-Passw0rd") };
        await emu.hand.addRepo("public");
        await emu.hand.addRepo("secret", { private: true });
        assert.equal((await get(`/repos/${GITEA_USER}/secret`, dev)).status, 404);
        assert.equal((await get(`/repos/${GITEA_USER}/public`, dev)).status, 200);
        const hooks = await get(`/repos/${GITEA_USER}/public/hooks`, dev);
        assert.equal(hooks.status, 403);
        assert.match(String((await body(hooks)).message), /owner or a collaborator with admin write/);
        assert.equal((await fetch(`${emu.url}/api/v1/repos/${GITEA_USER}/public`, { method: "DELETE", headers: dev })).status, 403);
        const unknownOwner = await get("/repos/nobody/x", dev);
        assert.equal(unknownOwner.status, 404);
        assert.equal((await body(unknownOwner)).message, "GetUserByName");
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
        assert.deepEqual(((await body(await get(`/repos/${GITEA_USER}/bare`, auth))) as { empty: boolean }).empty, true);
        assert.equal((await post("/user/repos", { name: "x.git" })).status, 422, "reserved pattern");
        assert.equal((await post("/user/repos", { name: "-" })).status, 422, "reserved name");
    });

    const hook = (url: string, extra: Record<string, unknown> = {}) => ({ type: "gitea", config: { url, content_type: "json" }, events: ["push"], active: true, ...extra });

    it("pages hook lists as ListHooks does: 30 by default, 50 at most, X-Total-Count, no Link header", async () => {
        await post("/user/repos", { name: "r" });
        for (let i = 0; i < 60; i++) assert.equal((await post(`/repos/${GITEA_USER}/r/hooks`, hook(`http://h/${i}`))).status, 201);
        const first = await get(`/repos/${GITEA_USER}/r/hooks`, auth);
        const ids = ((await first.json()) as { id: number }[]).map((h) => h.id);
        assert.equal(ids.length, 30);
        assert.equal(first.headers.get("x-total-count"), "60");
        assert.equal(first.headers.get("link"), null);
        const second = (await (await get(`/repos/${GITEA_USER}/r/hooks?page=2`, auth)).json()) as { id: number }[];
        assert.deepEqual(second.map((h) => h.id), ids.map((id) => id + 30));
        assert.equal(((await (await get(`/repos/${GITEA_USER}/r/hooks?limit=100`, auth)).json()) as unknown[]).length, 50);
        assert.equal(((await (await get(`/repos/${GITEA_USER}/r/hooks?page=3&limit=25`, auth)).json()) as unknown[]).length, 10);
        assert.equal(((await (await get(`/repos/${GITEA_USER}/r/hooks?page=9`, auth)).json()) as unknown[]).length, 0);
    });

    it("numbers hooks from one table: ids are global, and another repository's id is 404", async () => {
        await post("/user/repos", { name: "a" });
        await post("/user/repos", { name: "b" });
        const a = (await (await post(`/repos/${GITEA_USER}/a/hooks`, hook("http://a"))).json()) as { id: number };
        const b = (await (await post(`/repos/${GITEA_USER}/b/hooks`, hook("http://b"))).json()) as { id: number };
        assert.equal(b.id, a.id + 1);
        assert.equal((await get(`/repos/${GITEA_USER}/b/hooks/${a.id}`, auth)).status, 404);
        assert.equal((await fetch(`${emu.url}/api/v1/repos/${GITEA_USER}/b/hooks/${a.id}`, { method: "DELETE", headers: auth })).status, 404);
    });

    it("create ignores http_method and unknown events; PATCH resets what it omits, except active", async () => {
        await post("/user/repos", { name: "r" });
        const created = (await (await post(
            `/repos/${GITEA_USER}/r/hooks`,
            hook("http://j/invoke", { config: { url: "http://j/invoke", content_type: "json", http_method: "get" }, events: ["PUSH", "create", "no_such_event"], branch_filter: "main", authorization_header: "Bearer t" }),
        )).json()) as { id: number; config: Record<string, string>; events: string[] };
        assert.deepEqual(created.config, { url: "http://j/invoke", content_type: "json" });
        assert.deepEqual([...created.events].sort(), ["create", "push"]);
        if (emu.emulator) assert.equal(emu.emulator.state.repo(GITEA_USER, "r")!.hooks.get(created.id)!.httpMethod, "POST");
        const patched = await fetch(`${emu.url}/api/v1/repos/${GITEA_USER}/r/hooks/${created.id}`, { method: "PATCH", headers: auth, body: JSON.stringify({ active: false }) });
        assert.equal(patched.status, 200);
        const h = (await patched.json()) as Record<string, unknown>;
        assert.deepEqual([h.events, h.branch_filter, h.authorization_header, h.active], [["push"], "", "", false]);
        assert.deepEqual((h.config as Record<string, string>).url, "http://j/invoke", "config keys only change when sent");
        const bad = await post(`/repos/${GITEA_USER}/r/hooks`, hook("not a url"));
        assert.deepEqual([bad.status, (await body(bad)).message], [422, "Invalid url"]);
        const badType = await post(`/repos/${GITEA_USER}/r/hooks`, { ...hook("http://x"), type: "jenkins" });
        assert.deepEqual([badType.status, (await body(badType)).message], [422, "Invalid hook type: jenkins"]);
    });

    it("defaults a hook's active to false when omitted", async () => {
        await post("/user/repos", { name: "r" });
        const res = await post(`/repos/${GITEA_USER}/r/hooks`, { type: "gitea", config: { url: "http://x", content_type: "json" }, events: ["push"] });
        assert.equal(res.status, 201);
        assert.equal(((await res.json()) as { active: boolean }).active, false);
    });

    it("needs basic auth and a scope to mint a token", async () => {
        assert.equal((await post(`/users/${GITEA_USER}/tokens`, { name: "t" })).status, 400);
        const ok = await post(`/users/${GITEA_USER}/tokens`, { name: "t", scopes: ["write:repository"] });
        assert.equal(ok.status, 201);
        const { sha1 } = (await ok.json()) as { sha1: string };
        // A repository token lacks the user scope of the route group (tokenRequiresScopes): 403.
        const viaToken = await post(`/users/${GITEA_USER}/tokens`, { name: "t2", scopes: ["all"] }, { Authorization: `token ${sha1}` });
        assert.equal(viaToken.status, 403);
        // A token with every scope passes that, then reqBasicOrRevProxyAuth wants basic auth: 401.
        const all = await post(`/users/${GITEA_USER}/tokens`, { name: "t-all", scopes: ["all"] });
        const { sha1: allSha } = (await all.json()) as { sha1: string };
        const viaAll = await post(`/users/${GITEA_USER}/tokens`, { name: "t4", scopes: ["all"] }, { Authorization: `token ${allSha}` });
        assert.equal(viaAll.status, 401);
        assert.equal(((await viaAll.json()) as { message: string }).message, "auth required");
        assert.equal((await post(`/users/${GITEA_USER}/tokens`, { name: "t3", scopes: ["write:everything"] })).status, 400);
    });

    it("rejects an update without sha with 422 and applies nothing of the batch", async () => {
        await post("/user/repos", { name: "r", auto_init: true });
        const res = await post(`/repos/${GITEA_USER}/r/contents`, {
            files: [
                { operation: "create", path: "a", content: Buffer.from("a").toString("base64") },
                { operation: "update", path: "README.md", content: "" },
            ],
        });
        assert.equal(res.status, 422);
        assert.deepEqual(Object.keys(await emu.hand.files("r")), ["README.md"]);
    });

    it("serves a branch's tree by name (GetTreeBySHA): the commit as sha, pages, null past the end, 400 for an unknown name", async () => {
        await post("/user/repos", { name: "t", auto_init: true });
        const files = ["a/1", "a/2", "b"].map((path) => ({ operation: "create", path, content: Buffer.from(path).toString("base64") }));
        const commit = ((await (await post(`/repos/${GITEA_USER}/t/contents`, { branch: "main", message: "m", files })).json()) as { commit: { sha: string } }).commit.sha;
        const tree = (q: string, ref = "main") => get(`/repos/${GITEA_USER}/t/git/trees/${ref}${q}`, auth);

        const all = await tree("?recursive=true");
        assert.equal(all.status, 200);
        assert.equal(all.headers.get("x-total-count"), "5");
        const j = (await all.json()) as { sha: string; url: string; tree: { path: string; type: string; mode: string; size: number; sha: string; url: string }[]; truncated: boolean; page: number; total_count: number };
        assert.equal(j.sha, commit, "the name resolves to the commit, and `sha` is that commit");
        assert.equal(j.url, `${emu.rootUrl}/api/v1/repos/${GITEA_USER}/t/git/trees/${commit}`);
        assert.deepEqual([j.truncated, j.page, j.total_count], [false, 1, 5]);
        assert.deepEqual(j.tree.map((e) => [e.path, e.type, e.mode]), [["README.md", "blob", "100644"], ["a", "tree", "040000"], ["a/1", "blob", "100644"], ["a/2", "blob", "100644"], ["b", "blob", "100644"]]);
        const b = j.tree.find((e) => e.path === "b")!;
        assert.equal(b.size, 1);
        assert.equal(b.url, `${emu.rootUrl}/api/v1/repos/${GITEA_USER}/t/git/blobs/${b.sha}`);
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
        assert.equal((await get(`/repos/${GITEA_USER}/bare/git/trees/main`, auth)).status, 400, "an empty repository has no branch to resolve");
        assert.equal((await get(`/repos/${GITEA_USER}/nope/git/trees/main`, auth)).status, 404);
    });
});
