// The pipeline's Gitea identity (issue #13) against both targets (test/support/giteaTargets.ts): the
// GiteaUser, GiteaAccessToken and GiteaCollaborator providers as the stack runs them, checked through
// Gitea's own API — and, on a real Gitea, through git itself: what the write:repository token of a
// read collaborator and of a write collaborator may clone and push. A difference between the targets
// is a bug in the emulator.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { BOT_TOKEN_SCOPES } from "../../components/giteaBot";
import { giteaAccessTokenProvider, giteaCollaboratorProvider, giteaUserProvider, type GiteaAccessTokenOutputs, type GiteaUserOutputs } from "../../components/seed/providers";
import { describeTargets, GiteaTarget } from "../support/giteaTargets";

const run = promisify(execFile);
let bots = 0;
/** A user name unique on a shared server (the real target serves every test of the process). */
const botName = () => `bot-${process.pid.toString(36)}${(++bots).toString(36)}`;

describeTargets("pipeline identity", (target, name) => {
    let t: GiteaTarget;
    let admin: Record<string, string>;
    const conn = () => ({ url: t.url, username: t.username, password: t.password, readyTimeoutMs: 30_000 });
    const api = (method: string, p: string, body?: unknown, headers: Record<string, string> = admin) =>
        fetch(`${t.url}/api/v1${p}`, { method, headers: { ...headers, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = async (res: Response) => (await res.json()) as any;

    beforeEach(() => {
        t = target();
        admin = { Authorization: `Basic ${Buffer.from(`${t.username}:${t.password}`).toString("base64")}` };
    });

    /** The bot, its token and its two grants, made by the providers as the stack makes them. */
    async function converge(bot: string) {
        await t.hand.addRepo("notes-app", { private: true });
        await t.hand.addRepo("notes-deploy", { private: true });
        const user = await giteaUserProvider.create({ gitea: conn(), username: bot, email: `${bot}@ci-stack.invalid`, fullName: "ci-stack pipeline" });
        const tokenInputs = { gitea: conn(), user: bot, userId: user.outs!.userId, name: "ci-stack-jenkins", scopes: BOT_TOKEN_SCOPES, rotation: 0 };
        const token = await giteaAccessTokenProvider.create(tokenInputs);
        for (const [repo, permission] of [["notes-app", "read"], ["notes-deploy", "write"]] as const) {
            await giteaCollaboratorProvider.create({ gitea: conn(), owner: t.username, repo, user: bot, permission });
        }
        const userOuts: GiteaUserOutputs = user.outs!;
        const tokenOuts: GiteaAccessTokenOutputs = token.outs!;
        return { user: { id: user.id, outs: userOuts }, token: { id: token.id, outs: tokenOuts, inputs: tokenInputs } };
    }

    it("the bot is restricted and no admin, its one token is write:repository, it collaborates read on the app and write on deploy", async () => {
        const bot = botName();
        await converge(bot);
        const u = await json(await api("GET", `/users/${bot}`));
        assert.deepEqual([u.is_admin, u.restricted, u.active, u.prohibit_login], [false, true, true, false]);
        const tokens = await json(await api("GET", `/users/${bot}/tokens`));
        assert.deepEqual(tokens.map((x: any) => [x.name, x.scopes]), [["ci-stack-jenkins", ["write:repository"]]]);
        const perm = async (repo: string) => (await json(await api("GET", `/repos/${t.username}/${repo}/collaborators/${bot}/permission`))).permission;
        assert.deepEqual([await perm("notes-app"), await perm("notes-deploy")], ["read", "write"]);
    });

    it("what the token can do through the API: write files of deploy, not of the app, nothing as a user, no admin, no other repository", async () => {
        const bot = botName();
        const { token } = await converge(bot);
        const asBot = { Authorization: `token ${token.outs.token}` };
        const file = { files: [{ operation: "create", path: "x.txt", content: Buffer.from("x").toString("base64") }], message: "x" };
        assert.equal((await api("POST", `/repos/${t.username}/notes-deploy/contents`, file, asBot)).status, 201);
        assert.equal((await api("POST", `/repos/${t.username}/notes-app/contents`, file, asBot)).status, 403);
        assert.equal((await api("GET", `/repos/${t.username}/notes-app`, undefined, asBot)).status, 200);
        await t.hand.addRepo("other", { private: true });
        assert.equal((await api("GET", `/repos/${t.username}/other`, undefined, asBot)).status, 404);
        assert.equal((await api("GET", "/user", undefined, asBot)).status, 403, "no user scope");
        assert.equal((await api("POST", "/admin/users", { username: "x", email: "x@x.invalid", password: "Xx-Pa55word" }, asBot)).status, 403, "no admin scope");
        assert.equal((await api("PUT", `/repos/${t.username}/notes-deploy/collaborators/${bot}`, { permission: "admin" }, asBot)).status, 403, "cannot raise itself");
    });

    it("day 2: a token revoked by hand and a bot made admin by hand are seen and put back", async () => {
        const bot = botName();
        const { user, token } = await converge(bot);
        assert.deepEqual(await giteaAccessTokenProvider.diff!(token.id, token.outs, token.inputs), { changes: false });
        assert.equal((await api("DELETE", `/users/${bot}/tokens/${token.outs.tokenId}`)).status, 204);
        assert.deepEqual(await giteaAccessTokenProvider.diff!(token.id, token.outs, token.inputs), { changes: true });
        const again = (await giteaAccessTokenProvider.update!(token.id, token.outs, token.inputs)).outs!;
        assert.notEqual(again.token, token.outs.token);
        assert.equal((await api("GET", "/version", undefined, { Authorization: `token ${again.token}` })).status, 200);

        assert.equal((await api("PATCH", `/admin/users/${bot}`, { login_name: bot, source_id: 0, admin: true })).status, 200);
        const inputs = { gitea: conn(), username: bot, email: `${bot}@ci-stack.invalid`, fullName: "ci-stack pipeline" };
        assert.deepEqual(await giteaUserProvider.diff!(user.id, user.outs, inputs), { changes: true });
        await giteaUserProvider.update!(user.id, user.outs, inputs);
        assert.equal((await json(await api("GET", `/users/${bot}`))).is_admin, false);
    });

    if (name === "gitea") {
        it("git over HTTP with the token: clones both, pushes to deploy, is refused a push to the app", async function () {
            this.timeout(120_000);
            const bot = botName();
            const { token } = await converge(bot);
            await t.hand.putFile("notes-app", "README.md", "app\n");
            await t.hand.putFile("notes-deploy", "README.md", "deploy\n");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stack-bot-"));
            const env = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", HOME: dir };
            const git = (cwd: string, ...args: string[]) => run("git", ["-c", "user.email=b@x.invalid", "-c", "user.name=b", ...args], { cwd, env });
            // The token as the password, as Jenkins' usernamePassword credential hands it to git.
            const remote = (repo: string) => {
                const u = new URL(`${t.server!.url}/${t.username}/${repo}.git`);
                u.username = bot;
                u.password = token.outs.token;
                return u.toString();
            };
            try {
                for (const repo of ["notes-app", "notes-deploy"]) {
                    await git(dir, "clone", "--quiet", remote(repo), repo);
                    fs.writeFileSync(path.join(dir, repo, "bump.txt"), "1\n");
                    await git(path.join(dir, repo), "add", "bump.txt");
                    await git(path.join(dir, repo), "commit", "--quiet", "-m", "bump");
                }
                await git(path.join(dir, "notes-deploy"), "push", "--quiet", "origin", "HEAD");
                assert.ok((await t.hand.files("notes-deploy"))["bump.txt"], "the push to deploy landed");
                await assert.rejects(git(path.join(dir, "notes-app"), "push", "--quiet", "origin", "HEAD"), /403|denied|not found|unable to access/i);
                assert.equal((await t.hand.files("notes-app"))["bump.txt"], undefined);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});
