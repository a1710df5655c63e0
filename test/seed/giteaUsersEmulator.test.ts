// The Gitea emulator's users, tokens-for-others and collaborators, by raw fetch (no client in
// between), so the GiteaUser/GiteaAccessToken/GiteaCollaborator tests mean something.
import * as assert from "node:assert/strict";
import { GITEA_PASSWORD, GITEA_USER, GiteaEmulator, start } from "../support/giteaEmulator";

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;
const ADMIN = { Authorization: basic(GITEA_USER, GITEA_PASSWORD), "Content-Type": "application/json" };

describe("Gitea emulator: users, tokens for others, collaborators", () => {
    let emu: GiteaEmulator;
    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN) =>
        fetch(`${emu.url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const newUser = (over: Record<string, unknown> = {}) => call("POST", "/admin/users", { username: "bot", email: "bot@x.invalid", password: "Bot-Pa55word", must_change_password: false, ...over });

    beforeEach(async () => (emu = await start()));
    afterEach(() => emu.close());

    it("creates users as site admin only: must_change_password defaults to true, a taken name or e-mail is 422", async () => {
        const res = await newUser({ must_change_password: undefined, restricted: true });
        assert.equal(res.status, 201);
        assert.deepEqual([emu.state.users.get("bot")!.mustChangePassword, emu.state.users.get("bot")!.restricted, emu.state.users.get("bot")!.admin], [true, true, false]);
        assert.equal((await newUser({ username: "BOT", email: "other@x.invalid" })).status, 422, "names are case-insensitive");
        assert.equal((await newUser({ username: "bot2" })).status, 422, "the e-mail is taken");
        assert.equal((await newUser({ username: "bad--name" })).status, 422);
        assert.equal((await newUser({ username: "bot3", email: "b3@x.invalid", password: "short" })).status, 400);
        // A non-admin cannot, even with its password.
        const asBot = { Authorization: basic("bot", "Bot-Pa55word"), "Content-Type": "application/json" };
        assert.equal((await call("POST", "/admin/users", { username: "x", email: "x@x.invalid", password: "Xx-Pa55word" }, asBot)).status, 403);
    });

    it("shows is_admin and the login flags to a site admin or the user only", async () => {
        await newUser();
        emu.state.users.get("bot")!.prohibitLogin = true;
        const asAdmin = (await (await call("GET", "/users/bot")).json()) as Record<string, unknown>;
        assert.deepEqual([asAdmin.is_admin, asAdmin.prohibit_login, asAdmin.active], [false, true, true]);
        emu.state.addUser("other", { password: "Other-Pa55" });
        const asOther = (await (await call("GET", "/users/bot", undefined, { Authorization: basic("other", "Other-Pa55") })).json()) as Record<string, unknown>;
        assert.equal(asOther.prohibit_login, undefined);
        assert.equal((await call("GET", "/users/nobody")).status, 404);
    });

    it("edits flags (login_name required) and refuses to demote the last admin; deletes a user with its tokens, not one owning repositories", async () => {
        await newUser();
        assert.equal((await call("PATCH", "/admin/users/bot", { admin: true })).status, 422, "login_name is required");
        assert.equal((await call("PATCH", "/admin/users/bot", { login_name: "bot", admin: true, max_repo_creation: 0 })).status, 200);
        assert.deepEqual([emu.state.users.get("bot")!.admin, emu.state.users.get("bot")!.maxRepoCreation], [true, 0]);
        await call("PATCH", "/admin/users/bot", { login_name: "bot", admin: false });
        assert.equal((await call("PATCH", `/admin/users/${GITEA_USER}`, { login_name: GITEA_USER, admin: false })).status, 400, "the last admin");

        await call("POST", "/users/bot/tokens", { name: "t", scopes: ["write:repository"] });
        emu.state.addRepo(GITEA_USER, "r", { private: true }).collaborators.set("bot", "write");
        assert.equal((await call("DELETE", "/admin/users/bot")).status, 204);
        assert.deepEqual([emu.state.users.has("bot"), emu.state.tokens.length, emu.state.collaborations("bot")], [false, 0, {}]);
        assert.equal((await call("DELETE", `/admin/users/${GITEA_USER}`)).status, 422, "not yourself");
        emu.state.addUser("owner");
        emu.state.addRepo("owner", "mine");
        assert.equal((await call("DELETE", "/admin/users/owner")).status, 422);
    });

    it("a site admin mints, lists (paged, last eight only) and deletes another user's tokens; the user's token cannot", async () => {
        await newUser();
        const made = (await (await call("POST", "/users/bot/tokens", { name: "ci", scopes: ["write:repository"] })).json()) as { id: number; sha1: string };
        for (let i = 0; i < 55; i++) await call("POST", "/users/bot/tokens", { name: `t${i}`, scopes: ["read:repository"] });
        const first = await call("GET", "/users/bot/tokens?page=1&limit=100");
        const page = (await first.json()) as { id: number; sha1: string; token_last_eight: string }[];
        assert.deepEqual([first.headers.get("x-total-count"), page.length], ["56", 50]);
        assert.equal(((await (await call("GET", "/users/bot/tokens?limit=10")).json()) as unknown[]).length, 56, "no page: not paged at all");
        assert.deepEqual([page[0]!.sha1, page[0]!.token_last_eight], ["", made.sha1.slice(-8)]);
        const asToken = { Authorization: `token ${made.sha1}` };
        assert.equal((await call("GET", "/users/bot/tokens", undefined, asToken)).status, 403, "a repository token has no user scope");
        assert.equal((await call("DELETE", `/users/bot/tokens/${made.id}`)).status, 204);
    });

    it("collaborators: 204/404 membership, PUT/DELETE need repository admin, /permission reports the mode", async () => {
        await newUser();
        emu.state.addRepo(GITEA_USER, "app", { private: true });
        emu.state.addRepo(GITEA_USER, "deploy", { private: true });
        assert.equal((await call("GET", `/repos/${GITEA_USER}/app/collaborators/bot`)).status, 404);
        assert.equal((await call("PUT", `/repos/${GITEA_USER}/app/collaborators/bot`, { permission: "read" })).status, 204);
        assert.equal((await call("PUT", `/repos/${GITEA_USER}/deploy/collaborators/bot`, {})).status, 204, "no permission means write");
        assert.equal((await call("GET", `/repos/${GITEA_USER}/app/collaborators/bot`)).status, 204);
        assert.deepEqual(emu.state.collaborations("bot"), { [`${GITEA_USER}/app`]: "read", [`${GITEA_USER}/deploy`]: "write" });
        assert.equal(((await (await call("GET", `/repos/${GITEA_USER}/deploy/collaborators/bot/permission`)).json()) as { permission: string }).permission, "write");
        assert.equal((await call("PUT", `/repos/${GITEA_USER}/app/collaborators/nobody`, {})).status, 422);

        // What the bot's write:repository token may do: read app, write deploy, nothing else.
        const token = ((await (await call("POST", "/users/bot/tokens", { name: "ci", scopes: ["write:repository"] })).json()) as { sha1: string }).sha1;
        const asBot = { Authorization: `token ${token}`, "Content-Type": "application/json" };
        const file = { files: [{ operation: "create", path: "x", content: Buffer.from("x").toString("base64") }] };
        assert.equal((await call("POST", `/repos/${GITEA_USER}/deploy/contents`, file, asBot)).status, 201);
        assert.equal((await call("POST", `/repos/${GITEA_USER}/app/contents`, file, asBot)).status, 403);
        assert.equal((await call("PUT", `/repos/${GITEA_USER}/deploy/collaborators/bot`, { permission: "admin" }, asBot)).status, 403, "write is not admin");
        emu.state.addRepo(GITEA_USER, "secret", { private: true });
        assert.equal((await call("GET", `/repos/${GITEA_USER}/secret`, undefined, asBot)).status, 404);
        assert.equal((await call("POST", "/admin/users", { username: "x", email: "x@x.invalid", password: "Xx-Pa55word" }, asBot)).status, 403, "no admin scope");

        assert.equal((await call("DELETE", `/repos/${GITEA_USER}/app/collaborators/bot`)).status, 204);
        assert.equal((await call("GET", `/repos/${GITEA_USER}/app`, undefined, asBot)).status, 404, "private again to the bot");
    });
});
