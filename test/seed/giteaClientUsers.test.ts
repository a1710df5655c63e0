// GiteaAdminClient's user and collaborator calls, and GiteaClient's tokens of other users (paged), against the Gitea emulator.
import * as assert from "node:assert/strict";
import { GiteaAdminClient } from "../../components/seed/giteaAdminClient";
import { GITEA_PASSWORD, GITEA_USER, GiteaEmulator, start } from "../support/giteaEmulator";

const FAST = { retries: 3, retryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 1000 } as const;
const PASSWORD = "Throwaway-Pa55word-x";

describe("GiteaClient: users, tokens of other users, collaborators", () => {
    let emu: GiteaEmulator;
    let lines: string[];
    let gitea: GiteaAdminClient;
    const user = { username: "jenkins-bot", email: "jenkins-bot@ci-stack.invalid", password: PASSWORD, fullName: "ci-stack pipeline", restricted: true };

    beforeEach(async () => {
        emu = await start();
        lines = [];
        gitea = new GiteaAdminClient({ url: emu.url, username: GITEA_USER, password: GITEA_PASSWORD, ...FAST, log: (l) => lines.push(l) });
    });
    afterEach(() => emu.close());

    it("creates a user that need not change its password; a second create answers exists; the password is never shown", async () => {
        const u = await gitea.createUser(user);
        assert.ok(u !== "exists");
        assert.deepEqual([u.login, u.is_admin, u.restricted], ["jenkins-bot", false, true]);
        assert.equal(emu.state.users.get("jenkins-bot")!.mustChangePassword, false);
        assert.equal(await gitea.createUser(user), "exists");
        await assert.rejects(gitea.createUser({ ...user, username: "other", password: "short" }), (e: Error) => /HTTP 400/.test(e.message) && !e.message.includes("short"));
        await assert.rejects(gitea.createUser({ ...user, username: "other" }), (e: Error) => /HTTP 422 — e-mail already in use/.test(e.message) && !e.message.includes(PASSWORD));
        assert.ok(!lines.join("\n").includes(PASSWORD));
    });

    it("reads, edits and deletes users as site admin", async () => {
        await gitea.createUser(user);
        assert.equal(await gitea.getUser("nobody"), undefined);
        const edited = await gitea.editUser("jenkins-bot", { admin: false, restricted: true, maxRepoCreation: 0, allowCreateOrganization: false, prohibitLogin: false, active: true });
        assert.deepEqual([edited.is_admin, edited.prohibit_login, edited.active], [false, false, true]);
        assert.deepEqual([emu.state.users.get("jenkins-bot")!.maxRepoCreation, emu.state.users.get("jenkins-bot")!.allowCreateOrganization], [0, false]);
        assert.equal(await gitea.deleteUser("jenkins-bot"), "deleted");
        assert.equal(await gitea.deleteUser("jenkins-bot"), "deleted", "absent is fine");
        emu.state.addUser("owner");
        emu.state.addRepo("owner", "r");
        assert.equal(await gitea.deleteUser("owner"), "owns-data");
    });

    it("mints, lists across pages and deletes another user's tokens", async () => {
        await gitea.createUser(user);
        const t = await gitea.createAccessToken("ci", ["write:repository"], "jenkins-bot");
        for (let i = 0; i < 120; i++) await gitea.createAccessToken(`t${i}`, ["read:repository"], "jenkins-bot");
        const all = await gitea.listAccessTokens("jenkins-bot");
        assert.equal(all.length, 121);
        assert.deepEqual(all.find((x) => x.name === "ci"), { id: t.id, name: "ci", scopes: ["write:repository"], lastEight: t.sha1.slice(-8) });
        assert.deepEqual(emu.requests("GET", "/api/v1/users/jenkins-bot/tokens").map((r) => new URLSearchParams(r.query).get("page")), ["1", "2", "3"]);
        await gitea.deleteAccessToken(t.id, "jenkins-bot");
        assert.equal((await gitea.listAccessTokens("jenkins-bot")).length, 120);
        assert.deepEqual(await gitea.listAccessTokens(), [], "the admin's own list is another");
    });

    it("sets, reads and removes a collaborator's permission", async () => {
        await gitea.createUser(user);
        emu.state.addRepo(GITEA_USER, "notes-deploy", { private: true });
        assert.equal(await gitea.getCollaboratorPermission(GITEA_USER, "notes-deploy", "jenkins-bot"), undefined);
        await gitea.setCollaborator(GITEA_USER, "notes-deploy", "jenkins-bot", "write");
        assert.equal(await gitea.getCollaboratorPermission(GITEA_USER, "notes-deploy", "jenkins-bot"), "write");
        await gitea.removeCollaborator(GITEA_USER, "notes-deploy", "jenkins-bot");
        await gitea.removeCollaborator(GITEA_USER, "notes-deploy", "jenkins-bot");
        assert.equal(await gitea.getCollaboratorPermission(GITEA_USER, "notes-deploy", "jenkins-bot"), undefined);
        await assert.rejects(gitea.setCollaborator(GITEA_USER, "notes-deploy", "nobody", "read"), /HTTP 422/);
    });
});
