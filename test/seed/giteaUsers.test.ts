// Gitea's users, tokens of other users and collaborators, by raw fetch (no client in between), against
// both targets (test/support/giteaTargets.ts): the emulator's claims checked against a real Gitea, so
// the GiteaUser/GiteaAccessToken/GiteaCollaborator tests mean something. A difference is an emulator bug.
import * as assert from "node:assert/strict";
import { describeTargets, GiteaTarget } from "../support/giteaTargets";

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;
let n = 0;
/** A user name (and e-mail) unique on a shared server. */
const unique = (prefix: string) => `${prefix}-${process.pid.toString(36)}u${(++n).toString(36)}`;

describeTargets("Gitea API: users, tokens for others, collaborators", (target) => {
    let t: GiteaTarget;
    let admin: Record<string, string>;
    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = admin) =>
        fetch(`${t.url}/api/v1${path}`, { method, headers: { ...headers, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = async (res: Response) => (await res.json()) as any;
    const newUser = (name: string, over: Record<string, unknown> = {}) =>
        call("POST", "/admin/users", { username: name, email: `${name}@ci-stack.invalid`, password: "Bot-Pa55word", must_change_password: false, ...over });

    beforeEach(() => {
        t = target();
        admin = { Authorization: basic(t.username, t.password) };
    });

    it("creates users as site admin only; a taken name (any case) or e-mail is 422, a bad name 422, a short password 400", async () => {
        const bot = unique("bot");
        const res = await newUser(bot, { restricted: true });
        assert.equal(res.status, 201);
        const made = await json(res);
        assert.deepEqual([made.login, made.is_admin, made.restricted], [bot, false, true]);
        assert.equal((await newUser(bot.toUpperCase(), { email: `${unique("o")}@ci-stack.invalid` })).status, 422, "names are case-insensitive");
        assert.equal((await newUser(unique("bot2"), { email: `${bot}@ci-stack.invalid` })).status, 422, "the e-mail is taken");
        assert.equal((await newUser(`bad--${unique("n")}`)).status, 422);
        assert.equal((await newUser(unique("bot3"), { password: "short" })).status, 400);
        const asBot = { Authorization: basic(bot, "Bot-Pa55word") };
        assert.equal((await call("POST", "/admin/users", { username: unique("x"), email: `${unique("x")}@ci-stack.invalid`, password: "Xx-Pa55word" }, asBot)).status, 403, "not as a non-admin");
    });

    it("shows is_admin and the login flags truly to a site admin or the user only", async () => {
        const bot = unique("bot");
        await newUser(bot);
        assert.equal((await call("PATCH", `/admin/users/${bot}`, { login_name: bot, source_id: 0, prohibit_login: true, admin: true })).status, 200);
        const asAdmin = await json(await call("GET", `/users/${bot}`));
        assert.deepEqual([asAdmin.is_admin, asAdmin.prohibit_login, asAdmin.active], [true, true, true]);
        const other = await t.hand.addUser(unique("other"), "Other-Pa55word");
        const asOther = await json(await call("GET", `/users/${bot}`, undefined, { Authorization: basic(other, "Other-Pa55word") }));
        assert.deepEqual([asOther.is_admin, asOther.prohibit_login], [false, false], "zero values, not the truth");
        assert.equal((await call("GET", `/users/${unique("nobody")}`)).status, 404);
    });

    it("edits need login_name (422 without); deletes a user with its tokens, not yourself, not a user owning a repository", async () => {
        const bot = unique("bot");
        await newUser(bot);
        assert.equal((await call("PATCH", `/admin/users/${bot}`, { admin: false })).status, 422, "login_name is required");
        assert.equal((await call("PATCH", `/admin/users/${bot}`, { login_name: bot, source_id: 0, max_repo_creation: 0, allow_create_organization: false, restricted: true })).status, 200);
        assert.equal((await call("POST", `/users/${bot}/tokens`, { name: "t", scopes: ["write:repository"] })).status, 201);
        assert.equal((await call("DELETE", `/admin/users/${bot}`)).status, 204);
        assert.equal((await call("GET", `/users/${bot}`)).status, 404);
        assert.equal((await call("DELETE", `/admin/users/${t.username}`)).status, 422, "not yourself");
        const owner = await t.hand.addUser(unique("owner"), "Owner-Pa55word");
        assert.equal((await call("POST", "/user/repos", { name: "mine" }, { Authorization: basic(owner, "Owner-Pa55word") })).status, 201);
        assert.equal((await call("DELETE", `/admin/users/${owner}`)).status, 422);
    });

    it("a site admin mints, lists (paged only with a page, last eight only) and deletes another user's tokens; a repository token cannot", async () => {
        const bot = unique("bot");
        await newUser(bot);
        const made = await json(await call("POST", `/users/${bot}/tokens`, { name: "ci", scopes: ["write:repository"] }));
        for (let i = 0; i < 55; i++) await call("POST", `/users/${bot}/tokens`, { name: `t${i}`, scopes: ["read:repository"] });
        const first = await call("GET", `/users/${bot}/tokens?page=1&limit=100`);
        const page = await json(first);
        assert.deepEqual([first.headers.get("x-total-count"), page.length], ["56", 50]);
        const ci = page.find((x: any) => x.name === "ci");
        assert.deepEqual([ci.sha1, ci.token_last_eight, ci.scopes], ["", made.sha1.slice(-8), ["write:repository"]]);
        assert.equal((await json(await call("GET", `/users/${bot}/tokens?limit=10`))).length, 56, "no page: not paged at all");
        assert.equal((await call("GET", `/users/${bot}/tokens`, undefined, { Authorization: `token ${made.sha1}` })).status, 403, "a repository token has no user scope");
        assert.equal((await call("DELETE", `/users/${bot}/tokens/${made.id}`)).status, 204);
    });

    it("collaborators: 204/404 membership, 422 for an unknown user, no permission means write, /permission reports the mode", async () => {
        const bot = unique("bot");
        await newUser(bot);
        await t.hand.addRepo("app", { private: true });
        await t.hand.addRepo("deploy", { private: true });
        const c = (repo: string, who = bot) => `/repos/${t.username}/${repo}/collaborators/${who}`;
        assert.equal((await call("GET", c("app"))).status, 404);
        assert.equal((await call("PUT", c("app"), { permission: "read" })).status, 204);
        assert.equal((await call("PUT", c("deploy"), {})).status, 204);
        assert.equal((await call("GET", c("app"))).status, 204);
        assert.equal((await json(await call("GET", `${c("deploy")}/permission`))).permission, "write");
        assert.equal((await json(await call("GET", `${c("app")}/permission`))).permission, "read");
        assert.equal((await call("PUT", c("app", unique("nobody")), {})).status, 422);
        assert.equal((await call("GET", c("app", unique("nobody")))).status, 422);
        assert.equal((await call("DELETE", c("app"))).status, 204);
        assert.equal((await call("GET", c("app"))).status, 404);
        const asBot = { Authorization: basic(bot, "Bot-Pa55word") };
        assert.equal((await call("GET", `/repos/${t.username}/app`, undefined, asBot)).status, 404, "private again to it");
        assert.equal((await call("GET", `/repos/${t.username}/deploy`, undefined, asBot)).status, 200);
    });
});
