// GiteaUser, GiteaAccessToken and GiteaCollaborator called directly against the Gitea emulator:
// create, read, no-op diff, drift, update, rotation, adoption, destroy.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
    giteaAccessTokenProvider,
    GiteaAccessTokenInputs,
    GiteaAccessTokenOutputs,
    giteaCollaboratorProvider,
    GiteaCollaboratorInputs,
    giteaUserProvider,
    GiteaUserInputs,
    GiteaUserOutputs,
    seedProvider,
} from "../../components/seed/providers";
import { BOT_TOKEN_SCOPES } from "../../components/giteaBot";
import { GITEA_PASSWORD, GITEA_USER, GiteaEmulator, start } from "../support/giteaEmulator";
import { evaluateProvider } from "../support/providerHost";
import { captureLog, writes } from "../support/providerRuns";


describe("Gitea pipeline-identity providers (against the emulator)", () => {
    let emu: GiteaEmulator;
    const conn = () => ({ url: emu.url, username: GITEA_USER, password: GITEA_PASSWORD, readyTimeoutMs: 10_000 });
    beforeEach(async () => (emu = await start()));
    afterEach(() => emu.close());

    describe("GiteaUser", () => {
        const inputs = (): GiteaUserInputs => ({ gitea: conn(), username: "jenkins-bot", email: "jenkins-bot@ci-stack.invalid", fullName: "ci-stack pipeline" });
        const bot = () => emu.state.users.get("jenkins-bot")!;

        it("creates a restricted, non-admin user that cannot create repositories or organizations, with a password nobody has", async () => {
            const { id, outs } = await giteaUserProvider.create(inputs());
            assert.deepEqual([id, outs!.userId, outs!.adopted], ["jenkins-bot", bot().id, false]);
            const u = bot();
            assert.deepEqual(
                [u.admin, u.restricted, u.active, u.prohibitLogin ?? false, u.mustChangePassword, u.maxRepoCreation, u.allowCreateOrganization, u.email],
                [false, true, true, false, false, 0, false, "jenkins-bot@ci-stack.invalid"],
            );
            assert.ok(u.password.length >= 40, "a long generated password");
            assert.ok(!JSON.stringify(outs).includes(u.password), "the password is not in state");
            assert.ok(!emu.log.some((l) => JSON.stringify(l).includes(u.password)));
        });

        it("day 2: no-op re-run, drift (made admin, login prohibited, deleted by hand), destroy", async () => {
            const p = giteaUserProvider;
            const { id, outs } = await p.create(inputs());
            let state: GiteaUserOutputs = outs!;
            const before = writes(emu);
            assert.deepEqual(await p.diff!(id, state, inputs()), { changes: false });
            assert.deepEqual((await p.read!(id, state)).props, state);
            assert.equal(writes(emu), before);

            // Each drift on its own is seen and put back.
            for (const drift of [(u: ReturnType<typeof bot>) => (u.admin = true), (u: ReturnType<typeof bot>) => (u.prohibitLogin = true), (u: ReturnType<typeof bot>) => (u.restricted = false)]) {
                drift(bot());
                assert.deepEqual(await p.diff!(id, state, inputs()), { changes: true });
                state = (await p.update!(id, state, inputs())).outs!;
                assert.deepEqual([bot().admin, bot().prohibitLogin, bot().restricted, state.adopted], [false, false, true, false]);
                assert.deepEqual(await p.diff!(id, state, inputs()), { changes: false });
            }

            emu.state.users.delete("jenkins-bot");
            assert.deepEqual(await p.read!(id, state), {});
            assert.deepEqual(await p.diff!(id, state, inputs()), { changes: true });
            const again = (await p.update!(id, state, inputs())).outs!;
            assert.notEqual(again.userId, state.userId);
            assert.deepEqual([again.adopted, bot().restricted], [false, true]);
            assert.deepEqual(await p.diff!(id, again, { ...inputs(), username: "other" }), { changes: true, replaces: ["username"] });

            await p.delete!(id, again);
            assert.equal(emu.state.users.has("jenkins-bot"), false);
        });

        it("adopts an existing non-admin user, narrows it, and never deletes it", async () => {
            emu.state.addUser("jenkins-bot", { restricted: false });
            const { id, outs } = await giteaUserProvider.create(inputs());
            assert.deepEqual([outs!.adopted, bot().restricted, bot().admin], [true, true, false]);
            const { lines } = await captureLog(() => giteaUserProvider.delete!(id, outs!));
            assert.ok(emu.state.users.has("jenkins-bot"));
            assert.match(lines.join("\n"), /leaving user jenkins-bot in place/);
        });

        it("refuses to take over (and demote) someone else's site admin", async () => {
            emu.state.addUser("jenkins-bot", { admin: true });
            await assert.rejects(giteaUserProvider.create(inputs()), /already exists and is a site admin.*gitea\.botUsername/);
            assert.equal(bot().admin, true);
        });

        it("no duplicate after a 5xx answered after Gitea created the user; still the stack's own", async () => {
            emu.faults.fail(1, { afterApply: true, match: (q) => q.method === "POST" && q.path === "/api/v1/admin/users" });
            const { outs } = await giteaUserProvider.create(inputs());
            assert.deepEqual([outs!.adopted, bot().restricted, bot().maxRepoCreation], [false, true, 0]);
            assert.equal([...emu.state.users.keys()].filter((n) => n === "jenkins-bot").length, 1);
        });
    });

    describe("GiteaAccessToken", () => {
        let userId: number;
        beforeEach(() => (userId = emu.state.addUser("jenkins-bot", { restricted: true }).id));
        const inputs = (over: Partial<GiteaAccessTokenInputs> = {}): GiteaAccessTokenInputs => ({
            gitea: conn(),
            user: "jenkins-bot",
            userId,
            name: "ci-stack-jenkins",
            scopes: BOT_TOKEN_SCOPES,
            rotation: 0,
            ...over,
        });
        const tokens = () => emu.state.tokens.filter((t) => t.user === "jenkins-bot");

        it("the admin mints the bot's token with write:repository only; the value is an output and authenticates as the bot", async () => {
            const { id, outs } = await giteaAccessTokenProvider.create(inputs());
            assert.equal(id, "jenkins-bot/ci-stack-jenkins");
            assert.equal(tokens().length, 1);
            assert.deepEqual([tokens()[0]!.scopes, tokens()[0]!.sha1, outs!.tokenId], [["write:repository"], outs!.token, tokens()[0]!.id]);
            assert.ok(!emu.log.some((l) => JSON.stringify(l).includes(outs!.token)), "the stack never sends it anywhere");
            const who = await fetch(`${emu.url}/api/v1/user`, { headers: { Authorization: `token ${outs!.token}` } });
            assert.equal(who.status, 403, "not even read:user: the token can do repositories only");
        });

        it("day 2: no-op, deleted by hand, replaced by hand, rotation, new scopes, re-created user, destroy", async () => {
            const p = giteaAccessTokenProvider;
            const { id, outs } = await p.create(inputs());
            let state: GiteaAccessTokenOutputs = outs!;
            const before = writes(emu);
            assert.deepEqual(await p.diff!(id, state, inputs()), { changes: false });
            assert.deepEqual((await p.read!(id, state)).props, state);
            assert.equal(writes(emu), before);

            // Deleted (revoked) by hand: refresh blanks it, diff sees it, update re-issues.
            emu.state.tokens.splice(0);
            assert.equal(((await p.read!(id, state)).props as GiteaAccessTokenOutputs).token, "");
            assert.deepEqual(await p.diff!(id, state, inputs()), { changes: true });
            state = (await p.update!(id, state, inputs())).outs!;
            assert.deepEqual([tokens().length, tokens()[0]!.sha1], [1, state.token]);

            // Replaced by hand under the same name: another value → ours is gone.
            const t = tokens()[0]!;
            t.sha1 = "f".repeat(40);
            assert.deepEqual(await p.diff!(id, state, inputs()), { changes: true });
            state = (await p.update!(id, state, inputs())).outs!;
            assert.deepEqual([tokens().length, tokens()[0]!.sha1], [1, state.token]);

            // Rotation: a new value; the old one no longer authenticates.
            const old = state.token;
            assert.deepEqual(await p.diff!(id, state, inputs({ rotation: 1 })), { changes: true });
            state = (await p.update!(id, state, inputs({ rotation: 1 }))).outs!;
            assert.notEqual(state.token, old);
            assert.equal((await fetch(`${emu.url}/api/v1/version`, { headers: { Authorization: `token ${old}` } })).status, 401);
            assert.deepEqual(await p.diff!(id, state, inputs({ rotation: 1 })), { changes: false });

            // New scopes cannot be edited onto a token: a new one.
            assert.deepEqual(await p.diff!(id, state, inputs({ rotation: 1, scopes: ["read:repository"] })), { changes: true });
            // The user made again has a new id and none of its tokens.
            assert.deepEqual(await p.diff!(id, state, inputs({ rotation: 1, userId: 999 })), { changes: true });

            await p.delete!(id, state);
            assert.equal(tokens().length, 0);
        });

        it("a new admin connection (rotated admin password) is a change that keeps the token", async () => {
            const { id, outs } = await giteaAccessTokenProvider.create(inputs());
            emu.state.users.get(GITEA_USER)!.password = "Rotated-Adm1n-Pa55";
            const rotatedAdmin = inputs({ gitea: { ...conn(), password: "Rotated-Adm1n-Pa55" } });
            assert.deepEqual(await giteaAccessTokenProvider.diff!(id, outs!, rotatedAdmin), { changes: true });
            const { outs: after } = await giteaAccessTokenProvider.update!(id, outs!, rotatedAdmin);
            assert.deepEqual([after!.token, after!.tokenId, tokens().length], [outs!.token, outs!.tokenId, 1]);
            assert.equal(after!.gitea.password, "Rotated-Adm1n-Pa55");
        });

        it("a user deleted by hand reads as gone; a token of that name made by someone else is replaced, not trusted", async () => {
            emu.state.tokens.push({ id: 5, user: "jenkins-bot", name: "ci-stack-jenkins", sha1: "a".repeat(40), scopes: ["all"] });
            const { id, outs } = await giteaAccessTokenProvider.create(inputs());
            assert.deepEqual(tokens().map((t) => t.scopes), [["write:repository"]], "the foreign all-scope token is gone");
            emu.state.users.delete("jenkins-bot");
            assert.deepEqual(await giteaAccessTokenProvider.read!(id, outs), {});
        });
    });

    describe("GiteaCollaborator", () => {
        beforeEach(() => {
            emu.state.addUser("jenkins-bot", { restricted: true });
            emu.state.addRepo(GITEA_USER, "notes-app", { private: true });
        });
        const inputs = (over: Partial<GiteaCollaboratorInputs> = {}): GiteaCollaboratorInputs => ({ gitea: conn(), owner: GITEA_USER, repo: "notes-app", user: "jenkins-bot", permission: "read", ...over });
        const mode = () => emu.state.repo(GITEA_USER, "notes-app")!.collaborators.get("jenkins-bot");

        it("lifecycle: grant, no-op, widened by hand, removed by hand, new permission, destroy", async () => {
            const p = giteaCollaboratorProvider;
            const { id, outs } = await p.create(inputs());
            assert.deepEqual([id, mode()], [`${GITEA_USER}/notes-app/jenkins-bot`, "read"]);
            const before = writes(emu);
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: false });
            assert.deepEqual((await p.read!(id, outs)).props, outs);
            assert.equal(writes(emu), before);

            emu.state.repo(GITEA_USER, "notes-app")!.collaborators.set("jenkins-bot", "admin");
            assert.equal(((await p.read!(id, outs)).props as GiteaCollaboratorInputs).permission, "admin", "refresh shows it");
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: true });
            await p.update!(id, outs!, inputs());
            assert.equal(mode(), "read");

            emu.state.repo(GITEA_USER, "notes-app")!.collaborators.clear();
            assert.deepEqual(await p.read!(id, outs), {});
            assert.deepEqual(await p.diff!(id, outs!, inputs()), { changes: true });
            await p.update!(id, outs!, inputs());
            assert.equal(mode(), "read");

            assert.deepEqual(await p.diff!(id, outs!, inputs({ permission: "write" })), { changes: true });
            await p.update!(id, outs!, inputs({ permission: "write" }));
            assert.equal(mode(), "write");
            assert.deepEqual(await p.diff!(id, outs!, inputs({ repo: "other" })), { changes: true, replaces: ["repo"] });

            await p.delete!(id, outs!);
            assert.equal(mode(), undefined);
            await p.delete!(id, outs!);
        });

        it("a user deleted by hand collaborates on nothing: refresh reports the grant gone, destroy is fine", async () => {
            const { id, outs } = await giteaCollaboratorProvider.create(inputs());
            emu.state.users.delete("jenkins-bot");
            assert.deepEqual(await giteaCollaboratorProvider.read!(id, outs), {});
            assert.deepEqual(await giteaCollaboratorProvider.diff!(id, outs!, inputs()), { changes: true });
            await giteaCollaboratorProvider.delete!(id, outs!);
        });

        it("takes over an existing collaboration at the desired permission", async () => {
            emu.state.repo(GITEA_USER, "notes-app")!.collaborators.set("jenkins-bot", "admin");
            await giteaCollaboratorProvider.create(inputs());
            assert.equal(mode(), "read");
        });
    });
    describe("through the serialized seedProvider", () => {
        let ev: any;
        before(async function () {
            this.timeout(60_000);
            const sf = await pulumi.runtime.serializeFunction(() => seedProvider, { allowSecrets: true });
            assert.ok(!sf.text.includes(GITEA_PASSWORD));
            ev = evaluateProvider(sf.text);
        });

        it("routes GiteaUser, GiteaAccessToken and GiteaCollaborator (the admin client survives serialization), re-runs with zero writes", async function () {
            this.timeout(60_000);
            emu.state.addRepo(GITEA_USER, "notes-deploy", { private: true });
            const user = { __kind: "GiteaUser", gitea: conn(), username: "jenkins-bot", email: "jenkins-bot@ci-stack.invalid", fullName: "ci-stack pipeline" };
            const u = await ev.create(user);
            const token = { __kind: "GiteaAccessToken", gitea: conn(), user: "jenkins-bot", userId: u.outs.userId, name: "ci-stack-jenkins", scopes: BOT_TOKEN_SCOPES, rotation: 0 };
            const t = await ev.create(token);
            const access = { __kind: "GiteaCollaborator", gitea: conn(), owner: GITEA_USER, repo: "notes-deploy", user: "jenkins-bot", permission: "write" };
            const c = await ev.create(access);
            assert.deepEqual([u.outs.__kind, t.outs.__kind, c.outs.__kind], ["GiteaUser", "GiteaAccessToken", "GiteaCollaborator"]);
            assert.deepEqual([emu.state.users.get("jenkins-bot")!.restricted, emu.state.tokens[0]!.sha1, emu.state.collaborations("jenkins-bot")], [true, t.outs.token, { [`${GITEA_USER}/notes-deploy`]: "write" }]);
            const w = writes(emu);
            for (const [r, i] of [[u, user], [t, token], [c, access]] as const) assert.deepEqual(await ev.diff(r.id, r.outs, i), { changes: false });
            assert.equal(writes(emu), w);
        });
    });
});
