// The two reads the smoke run adds to the seed's clients, against the emulators: a branch head as
// Gitea's webhooks describe a commit (GiteaClient.getBranchCommit), and an artifact by tag or digest
// through Harbor's v2 artifacts API (HarborClient.getArtifact), with the accounts the smoke uses.
import * as assert from "node:assert/strict";
import { GiteaClient } from "../../components/seed/giteaClient";
import { HarborClient } from "../../components/seed/harborClient";
import { HttpError } from "../../components/seed/http";
import { GITEA_PASSWORD, GITEA_USER, GiteaEmulator, start as startGitea } from "../support/giteaEmulator";
import { HARBOR_ADMIN, HARBOR_PASSWORD, HarborEmulator, start as startHarbor } from "../support/harborEmulator";

const FAST = { retries: 2, retryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 2000 } as const;

describe("GiteaClient.getBranchCommit against the Gitea emulator", () => {
    let emu: GiteaEmulator;
    beforeEach(async () => {
        emu = await startGitea();
    });
    afterEach(() => emu.close());

    it("returns the head as a PayloadCommit (id, message, url, author, committer, timestamp)", async () => {
        const r = emu.state.addRepo(GITEA_USER, "notes-app", { private: true });
        const gitea = new GiteaClient({ url: emu.url, username: GITEA_USER, password: GITEA_PASSWORD, ...FAST });
        const head = (await gitea.getBranchCommit(GITEA_USER, "notes-app", "main"))!;
        assert.equal(head.id, r.heads.get("main"));
        assert.equal(head.message, "Initial commit");
        assert.equal(head.url, `${emu.url}/${GITEA_USER}/notes-app/commit/${head.id}`);
        assert.deepEqual(head.author, { name: GITEA_USER, email: `${GITEA_USER}@noreply.localhost`, username: GITEA_USER });
        assert.match(head.timestamp, /^\d{4}-\d\d-\d\dT/);
        assert.equal(await gitea.getBranchCommit(GITEA_USER, "notes-app", "nope"), undefined);
    });

    it("reads a private repository as the pipeline's user with its token (a read collaborator), and a branch with a slash", async () => {
        const r = emu.state.addRepo(GITEA_USER, "notes-app", { private: true, defaultBranch: "release/2025.12" });
        emu.state.addUser("jenkins-bot", { restricted: true });
        r.collaborators.set("jenkins-bot", "read");
        emu.state.tokens.push({ id: 77, user: "jenkins-bot", name: "ci-stack", sha1: "b".repeat(40), scopes: ["write:repository"] });
        const bot = new GiteaClient({ url: emu.url, username: "jenkins-bot", password: "b".repeat(40), ...FAST });
        assert.equal((await bot.getBranchCommit(GITEA_USER, "notes-app", "release/2025.12"))!.id, r.heads.get("release/2025.12"));
        // Without the collaboration the private repository does not exist for it (404, not 403).
        r.collaborators.clear();
        assert.equal(await bot.getBranchCommit(GITEA_USER, "notes-app", "release/2025.12"), undefined);
        assert.equal(await bot.getRepo(GITEA_USER, "notes-app"), undefined);
    });
});

describe("HarborClient.getArtifact against the Harbor emulator", () => {
    let emu: HarborEmulator;
    let admin: HarborClient;
    beforeEach(async () => {
        emu = await startHarbor();
        emu.state.addProject("bootcamp");
        admin = new HarborClient({ url: emu.url, username: HARBOR_ADMIN, password: HARBOR_PASSWORD, ...FAST });
    });
    afterEach(() => emu.close());

    it("finds an artifact by tag and by digest; an unknown tag or repository is undefined (404)", async () => {
        assert.equal(await admin.getArtifact("bootcamp", "notes-app", "0123abcd"), undefined, "no repository yet");
        const digest = emu.state.pushImage("bootcamp", "notes-app", "0123abcd");
        emu.state.pushImage("bootcamp", "notes-app", "latest", { digest });
        const byTag = (await admin.getArtifact("bootcamp", "notes-app", "0123abcd"))!;
        assert.equal(byTag.digest, digest);
        assert.deepEqual([...byTag.tags].sort(), ["0123abcd", "latest"]);
        assert.equal((await admin.getArtifact("bootcamp", "notes-app", digest))!.digest, digest);
        assert.equal(await admin.getArtifact("bootcamp", "notes-app", "ffffffff"), undefined);
        assert.match(emu.log.at(-1)!.path, /\/artifacts\/ffffffff$/);
        assert.equal(emu.log.at(-1)!.status, 404);
    });

    it("a new push moves the tag; the repository name is encoded twice (a/b → a%252Fb)", async () => {
        const first = emu.state.pushImage("bootcamp", "team/notes-app", "latest");
        const second = emu.state.pushImage("bootcamp", "team/notes-app", "latest");
        assert.equal((await admin.getArtifact("bootcamp", "team/notes-app", "latest"))!.digest, second);
        assert.deepEqual((await admin.getArtifact("bootcamp", "team/notes-app", first))!.tags, []);
        assert.ok(emu.requests("GET").every((r) => r.path.includes("team%2Fnotes-app")), "the emulator saw the name still encoded once");
        assert.equal(emu.state.projects.get("bootcamp")!.repoCount, 1);
    });

    it("needs artifact:read: the pipeline's robot (push + pull) is refused, a read-only robot is not", async () => {
        emu.state.pushImage("bootcamp", "notes-app", "0123abcd");
        const pipeline = emu.state.addProjectRobot("bootcamp", "ci-stack", { access: [{ resource: "repository", action: "push" }, { resource: "repository", action: "pull" }] });
        const reader = emu.state.addProjectRobot("bootcamp", "ci-stack-smoke", { access: [{ resource: "artifact", action: "read" }] });
        const as = (name: string, secret: string) => new HarborClient({ url: emu.url, username: `robot$${name}`, password: secret, ...FAST });
        await assert.rejects(as(pipeline.name, pipeline.secret).getArtifact("bootcamp", "notes-app", "0123abcd"), (e: unknown) => {
            assert.ok(e instanceof HttpError);
            assert.equal(e.status, 403);
            assert.match(e.message, /HTTP 403 — FORBIDDEN: forbidden/);
            assert.ok(!e.message.includes(pipeline.secret));
            return true;
        });
        assert.ok(await as(reader.name, reader.secret).getArtifact("bootcamp", "notes-app", "0123abcd"));
        // A project that does not exist is 403 too for anyone but a system admin (RequireProjectAccess).
        await assert.rejects(as(reader.name, reader.secret).getArtifact("nowhere", "notes-app", "0123abcd"), /HTTP 403/);
        await assert.rejects(new HarborClient({ url: emu.url, username: "robot$bootcamp+ci-stack-smoke", password: "Wrong-Secret-1", ...FAST }).getArtifact("bootcamp", "notes-app", "0123abcd"), /HTTP 401/);
    });
});
