// GiteaBot under mocks: the pipeline's Gitea user and token, registered with exact inputs, the admin
// password and the token only as secrets; and how index.ts hands the token (never the admin) to Jenkins.
import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BOT_TOKEN_NAME, BOT_TOKEN_SCOPES, GiteaBot } from "../components/giteaBot";
import { ROLLOUT_ANNOTATION } from "../components/rollout";
import { MINIMAL, SECRET_KEYS, devStackConfig } from "./support/fixtures";
import { ProgramRun, resolve, runProgram } from "./support/mocks";

const USER = "pulumi-nodejs:dynamic/gitea:GiteaUser";
const TOKEN = "pulumi-nodejs:dynamic/gitea:GiteaAccessToken";
const ADMIN_PASSWORD = "gitea-Adm1n-Secret";

describe("GiteaBot (mock mode)", () => {
    let run: ProgramRun;
    let bot: GiteaBot | undefined;
    before(async function () {
        this.timeout(60_000);
        run = await runProgram({ ...MINIMAL }, { secretKeys: SECRET_KEYS }, async () => {
            const release = new k8s.helm.v3.Release("gitea", { chart: "gitea" });
            bot = new GiteaBot("bot", { gitea: { url: "http://10.0.24.28:30022", username: "gitea-admin", password: ADMIN_PASSWORD }, username: "jenkins-bot", tokenRotation: 2 }, { dependsOn: [release] });
            assert.equal(await pulumi.isSecret(bot.token), true, "the token output is secret");
            return { username: bot.username, token: bot.token, tokenId: bot.tokenId };
        });
        if (run.error) throw run.error;
    });

    it("registers the user and its token as children, named from the component", () => {
        const parent = run.recorder.one("cistack:platform:GiteaBot");
        assert.deepEqual(run.recorder.childrenOf(parent).map((r) => [r.type, r.name]), [
            [USER, "bot-user"],
            [TOKEN, "bot-token"],
        ]);
    });

    it("creates the user with the admin's connection; the admin password is a secret input only", () => {
        const user = run.recorder.one(USER);
        assert.deepEqual(
            { ...user.inputs, __provider: undefined },
            {
                __provider: undefined,
                __kind: "GiteaUser",
                gitea: { url: "http://10.0.24.28:30022", username: "gitea-admin", password: ADMIN_PASSWORD },
                username: "jenkins-bot",
                email: "jenkins-bot@ci-stack.invalid",
                fullName: "ci-stack pipeline",
            },
        );
        assert.deepEqual([...user.secretPaths], ["gitea.password"]);
        assert.deepEqual([...user.additionalSecretOutputs], ["gitea"]);
        const release = run.recorder.one("kubernetes:helm.sh/v3:Release");
        assert.ok(user.dependsOn.includes(release.urn), "waits for Gitea's release");
    });

    it("mints the token with write:repository only, for the bot, the rotation counter as input, the value a secret output", async () => {
        assert.deepEqual([...BOT_TOKEN_SCOPES], ["write:repository"]);
        const token = run.recorder.one(TOKEN);
        assert.deepEqual(
            { ...token.inputs, __provider: undefined },
            {
                __provider: undefined,
                __kind: "GiteaAccessToken",
                gitea: { url: "http://10.0.24.28:30022", username: "gitea-admin", password: ADMIN_PASSWORD },
                user: "jenkins-bot",
                userId: 3,
                name: BOT_TOKEN_NAME,
                scopes: ["write:repository"],
                rotation: 2,
            },
        );
        assert.deepEqual([...token.secretPaths], ["gitea.password"]);
        assert.deepEqual([...token.additionalSecretOutputs].sort(), ["gitea", "token"]);
        assert.deepEqual(run.outputs, { username: "jenkins-bot", token: "mock-bot-token-value", tokenId: 11 });
        assert.equal(await resolve(bot!.token), "mock-bot-token-value");
    });
});

describe("the program hands Jenkins the bot's token, never the Gitea admin", () => {
    let dev: ProgramRun;
    before(async function () {
        this.timeout(60_000);
        dev = await runProgram({ ...devStackConfig(), "gitea.botUsername": "ci-bot", "gitea.botTokenRotation": "4" }, {
            secretKeys: SECRET_KEYS,
            stateHook: (a) => (a.type === "pulumi-nodejs:dynamic/seed:GiteaRepository" ? { owner: "gitea-admin" } : undefined),
        });
        if (dev.error) throw dev.error;
    });

    it("gitea-credentials holds the bot's name and token, the token a secret input", () => {
        const s = dev.recorder.one("kubernetes:core/v1:Secret", (r) => r.inputs.metadata.name === "jenkins-gitea-credentials");
        assert.deepEqual(s.inputs.stringData, { username: "ci-bot", password: "mock-gitea-bot-token-value" });
        assert.ok(s.secretPaths.some((p) => p === "stringData" || p === "stringData.password"));
        const token = dev.recorder.one(TOKEN);
        assert.deepEqual([token.inputs.user, token.inputs.rotation], ["ci-bot", 4]);
    });

    it("the controller's rollout digest covers the token; no secret in the values", () => {
        const release = dev.recorder.one("kubernetes:helm.sh/v3:Release", (r) => r.inputs.chart === "jenkins");
        assert.match(release.inputs.values.controller.podAnnotations[ROLLOUT_ANNOTATION], /^[0-9a-f]{32}$/);
        assert.ok(!JSON.stringify(release.inputs.values).includes("mock-gitea-bot-token-value"));
    });

    it("the seed makes the configured bot a collaborator and still works as the admin itself", () => {
        const access = dev.recorder.ofType("pulumi-nodejs:dynamic/seed:GiteaCollaborator").map((r) => [r.inputs.repo, r.inputs.user, r.inputs.permission]);
        assert.deepEqual(access.sort(), [
            ["notes-app", "ci-bot", "read"],
            ["notes-deploy", "ci-bot", "write"],
        ]);
        assert.equal(dev.recorder.one("pulumi-nodejs:dynamic/seed:GiteaRepository", (r) => r.inputs.name === "notes-app").inputs.gitea.username, "gitea-admin");
        assert.equal(dev.outputs!.giteaBotUsername, "ci-bot");
    });
});
