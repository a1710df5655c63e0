// The Smoke component in the whole program, under mocks: the command (type, name, the script it runs,
// its environment and which of it is secret, its triggers), its place after the seed, its Harbor
// robot, and the stack outputs parsed from its stdout.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { contentDigests, JOB_CONFIG_DIGEST_PATH } from "../../components/seed/seed";
import { Smoke, SMOKE_COMMAND, SMOKE_ROBOT_ACCESS } from "../../components/smoke/smoke";
import { TARGET_FIELDS } from "../../components/smoke/target";
import { devStackConfig, REGISTRY_PASSWORD, SECRET_KEYS } from "../support/fixtures";
import { MOCK_SMOKE_LINE, runProgram, type ProgramRun, type RecordedResource } from "../support/mocks";

const COMMAND = "command:local:Command";
const ROBOT = "pulumi-nodejs:dynamic/harbor:HarborRobot";

async function program(over: Record<string, string | undefined> = {}): Promise<ProgramRun> {
    const config: Record<string, string> = { ...devStackConfig(), "smoke.enabled": "true" };
    for (const [k, v] of Object.entries(over)) {
        if (v === undefined) delete config[k];
        else config[k] = v;
    }
    // Repositories are created for the authenticated user (the Gitea admin): the app's owner.
    const run = await runProgram(config, { secretKeys: SECRET_KEYS, stateHook: (a) => (a.type === "pulumi-nodejs:dynamic/seed:GiteaRepository" ? { owner: "gitea-admin" } : undefined) });
    if (run.error) throw run.error;
    return run;
}

const filesOf = (r: RecordedResource) => r.inputs.files as { path: string; content: string }[];

describe("Smoke under mocks", function () {
    // Each case evaluates the whole program once or twice (seconds each on a busy machine).
    this.timeout(120_000);
    let run: ProgramRun;
    let cmd: RecordedResource;
    before(async () => {
        run = await program();
        cmd = run.recorder.one(COMMAND);
    });

    it("is off by default: no command, no smoke robot, no smoke outputs", async () => {
        const off = await program({ "smoke.enabled": undefined });
        assert.deepEqual(off.recorder.ofType(COMMAND), []);
        assert.deepEqual(off.recorder.ofType(ROBOT).map((r) => r.name), ["harbor-auth-robot"]);
        for (const k of ["smokeSeconds", "smokeImage", "smokeBuildUrl", "smokeTarget", "smokeCredentials"]) assert.equal(off.outputs![k], undefined, k);
    });

    it("registers one local.Command `smoke-run` under the Smoke component, running the project's script with no secret in its command line", () => {
        assert.equal(cmd.name, "smoke-run");
        const parent = run.recorder.byUrnOf(cmd.parent!)!;
        assert.deepEqual([parent.type, parent.name], ["cistack:platform:Smoke", "smoke"]);
        assert.equal(cmd.inputs.create, SMOKE_COMMAND);
        assert.equal(cmd.inputs.create, "node_modules/.bin/tsx scripts/smoke.ts");
        for (const k of ["update", "delete", "interpreter", "dir", "stdin", "assetPaths", "archivePaths"]) assert.equal(cmd.inputs[k], undefined, `${k} is not set`);
        assert.deepEqual([...cmd.additionalSecretOutputs].sort(), ["stderr", "stdout"]);
        // @pulumi/command 1.2.1 local.Command: a change of any trigger replaces it, i.e. runs it again.
        assert.deepEqual(cmd.replaceOnChanges, ["triggers[*]"]);
    });

    it("hands the script its whole target as environment variables; exactly the credentials are secret", () => {
        const env = cmd.inputs.environment as Record<string, string>;
        assert.deepEqual(Object.keys(env).sort(), TARGET_FIELDS.map((f) => f.env).sort());
        assert.deepEqual(
            cmd.secretPaths.filter((p) => p.startsWith("environment.")).sort(),
            TARGET_FIELDS.filter((f) => f.secret).map((f) => `environment.${f.env}`).sort(),
        );
        // Nothing else of the inputs is secret, and no secret value appears outside those wrappers.
        assert.ok(cmd.secretPaths.every((p) => p.startsWith("environment.")), cmd.secretPaths.join(", "));
        const secrets = TARGET_FIELDS.filter((f) => f.secret).map((f) => env[f.env]!);
        const { environment: _e, ...rest } = cmd.inputs;
        const plain = JSON.stringify({ ...rest, environment: Object.fromEntries(TARGET_FIELDS.filter((f) => !f.secret).map((f) => [f.env, env[f.env]])) });
        for (const s of secrets) assert.ok(!plain.includes(s), "a secret outside its wrapper");
        assert.deepEqual(
            { ...env, SMOKE_GITEA_PASSWORD: "-", SMOKE_JENKINS_PASSWORD: "-", SMOKE_WEBHOOK_TOKEN: "-", SMOKE_HARBOR_PASSWORD: "-" },
            {
                SMOKE_GITEA_URL: "http://10.0.24.28:30022",
                SMOKE_GITEA_USERNAME: "jenkins-bot",
                SMOKE_GITEA_PASSWORD: "-",
                SMOKE_APP_OWNER: "gitea-admin",
                SMOKE_APP_REPO: "notes-app",
                SMOKE_BRANCH: "main",
                SMOKE_JENKINS_URL: "http://10.0.24.28:30808",
                SMOKE_JENKINS_USERNAME: "admin",
                SMOKE_JENKINS_PASSWORD: "-",
                SMOKE_JOB: "ci/notes-app",
                SMOKE_WEBHOOK_TOKEN: "-",
                SMOKE_HARBOR_URL: "http://10.0.24.28:30002",
                SMOKE_HARBOR_USERNAME: "robot$bootcamp+ci-stack-smoke",
                SMOKE_HARBOR_PASSWORD: "-",
                SMOKE_REGISTRY: "10.0.24.28:30002",
                SMOKE_PROJECT: "bootcamp",
                SMOKE_IMAGE: "notes-app",
                SMOKE_TIMEOUT_SECONDS: "900",
            },
        );
        // The least-privileged credentials: the bot's token, the webhook token, the reader robot's secret.
        assert.equal(env.SMOKE_GITEA_PASSWORD, "mock-gitea-bot-token-value");
        assert.equal(env.SMOKE_WEBHOOK_TOKEN, "mock-seed-webhook-token-password");
        assert.equal(env.SMOKE_HARBOR_PASSWORD, "mock-smoke-harbor-reader-secret");
        assert.ok(!Object.values(env).includes(REGISTRY_PASSWORD), "the Harbor manager's password never reaches the script");
    });

    it("its triggers are the digests of every file the seed writes into the app repository and of the job's config.xml", () => {
        const files = filesOf(run.recorder.named("seed-app-files"));
        const job = run.recorder.named("seed-job");
        assert.deepEqual(cmd.inputs.triggers, contentDigests([...files, { path: JOB_CONFIG_DIGEST_PATH, content: job.inputs.configXml as string }]));
        const paths = (cmd.inputs.triggers).map((t) => t.slice(0, t.lastIndexOf(" sha256:")));
        for (const p of ["Jenkinsfile", "Dockerfile", "pom.xml", "src/main/java/notes/NotesServer.java", JOB_CONFIG_DIGEST_PATH]) assert.ok(paths.includes(p), p);
    });

    it("new triggers when the pipeline changes (another Kaniko image), the same ones when nothing seeded changes", async () => {
        const again = (await program()).recorder.one(COMMAND);
        assert.deepEqual(again.inputs.triggers, cmd.inputs.triggers);
        // Another Kaniko image changes the Jenkinsfile; a longer timeout is no change of the seeded
        // content (an update of the environment, not a replacement): only the Jenkinsfile's digest moves.
        const changedRun = (await program({ "images.kaniko": "gcr.io/kaniko-project/executor:v1.24.0-debug", "smoke.timeoutSeconds": "1800" })).recorder.one(COMMAND);
        const changed = (changedRun.inputs.triggers as string[]).filter((t) => !(cmd.inputs.triggers as string[]).includes(t));
        assert.deepEqual(changed.map((t) => t.split(" ")[0]), ["Jenkinsfile"]);
        assert.equal((changedRun.inputs.triggers as string[]).length, (cmd.inputs.triggers as string[]).length);
        assert.equal(changedRun.inputs.environment.SMOKE_TIMEOUT_SECONDS, "1800");
    });

    it("a rotated Jenkins password changes only the command's environment (an update, which runs it again with it), not its triggers", async () => {
        const rotated = (await program({ "jenkins.adminPassword": "Rotated-Pa55word-9" })).recorder.one(COMMAND);
        assert.deepEqual(rotated.inputs.triggers, cmd.inputs.triggers);
        assert.equal(rotated.inputs.environment.SMOKE_JENKINS_PASSWORD, "Rotated-Pa55word-9");
        assert.notEqual(cmd.inputs.environment.SMOKE_JENKINS_PASSWORD, "Rotated-Pa55word-9");
        const changedKeys = Object.keys(cmd.inputs.environment as object).filter((k) => cmd.inputs.environment[k] !== rotated.inputs.environment[k]);
        assert.deepEqual(changedKeys, ["SMOKE_JENKINS_PASSWORD"]);
        assert.ok(rotated.secretPaths.includes("environment.SMOKE_JENKINS_PASSWORD"));
    });

    it("runs after every resource of the seed", () => {
        const seed = run.recorder.one("cistack:seed:Seed");
        const seedResources = run.recorder.resources.filter((r) => r.custom && r.urn.includes("cistack:seed:Seed$"));
        assert.ok(seedResources.length >= 8);
        for (const r of seedResources) assert.ok(cmd.dependsOn.includes(r.urn) || cmd.dependsOn.includes(seed.urn), `${r.name} is not a dependency`);
    });

    it("makes the smoke its own Harbor robot that only reads artifacts, with the manager account, in the pipeline's project", () => {
        const robot = run.recorder.one(ROBOT, (r) => r.name === "smoke-harbor-reader");
        assert.equal(run.recorder.byUrnOf(robot.parent!)!.type, "cistack:platform:Smoke");
        assert.deepEqual(robot.inputs.access, [...SMOKE_ROBOT_ACCESS]);
        assert.deepEqual(robot.inputs.access, [{ resource: "artifact", action: "read" }]);
        assert.equal(robot.inputs.name, "ci-stack-smoke");
        assert.equal(robot.inputs.project, "bootcamp");
        assert.equal(robot.inputs.projectId, 42);
        assert.equal(robot.inputs.harbor.password, REGISTRY_PASSWORD);
        assert.ok(robot.secretPaths.includes("harbor.password"));
    });

    it("with a pre-made pipeline robot, makes no robot and reads as the pre-made one", async () => {
        const premade = await program({ "registry.password": undefined, "registry.robotName": "robot$bootcamp+ci", "registry.robotSecret": "Robot-Secret-123" });
        assert.deepEqual(premade.recorder.ofType(ROBOT), []);
        const env = premade.recorder.one(COMMAND).inputs.environment as Record<string, string>;
        assert.equal(env.SMOKE_HARBOR_USERNAME, "robot$bootcamp+ci");
        assert.equal(env.SMOKE_HARBOR_PASSWORD, "Robot-Secret-123");
        assert.ok(premade.recorder.one(COMMAND).secretPaths.includes("environment.SMOKE_HARBOR_PASSWORD"));
    });

    it("exports smokeSeconds, smokeImage and smokeBuildUrl parsed from stdout — not secret, though stdout is —, and the target for npm run smoke", () => {
        assert.equal(run.outputs!.smokeSeconds, MOCK_SMOKE_LINE.seconds);
        assert.equal(run.outputs!.smokeImage, `${MOCK_SMOKE_LINE.image}@${MOCK_SMOKE_LINE.digest}`);
        assert.equal(run.outputs!.smokeBuildUrl, MOCK_SMOKE_LINE.buildUrl);
        for (const k of ["smokeSeconds", "smokeImage", "smokeBuildUrl", "smokeTarget"]) assert.ok(!run.secretOutputs.includes(k), `${k} is secret`);
        assert.ok(run.secretOutputs.includes("smokeCredentials"));
        const target = run.outputs!.smokeTarget as Record<string, string>;
        const credentials = run.outputs!.smokeCredentials as Record<string, string>;
        assert.deepEqual(Object.keys(target).sort(), TARGET_FIELDS.filter((f) => !f.secret).map((f) => f.key).sort());
        assert.deepEqual(Object.keys(credentials).sort(), TARGET_FIELDS.filter((f) => f.secret).map((f) => f.key).sort());
        const env = cmd.inputs.environment as Record<string, string>;
        for (const f of TARGET_FIELDS) assert.equal((f.secret ? credentials : target)[f.key], env[f.env], f.key);
    });

    it("makes every credential secret even when given as a plain string; nothing else", async () => {
        const plain = { gitea: "plain-gitea-pw", jenkins: "plain-jenkins-pw", token: "plain-webhook-token", harbor: "plain-harbor-secret" };
        const direct = await runProgram({}, {}, () => {
            const seed = new pulumi.ComponentResource("test:index:Seed", "seed");
            const smoke = new Smoke("smoke", {
                seed,
                contentDigests: ["Jenkinsfile sha256:00"],
                gitea: { url: "http://g", username: "bot", password: plain.gitea },
                app: { owner: "o", repo: "r", branch: "main" },
                jenkins: { url: "http://j", username: "admin", password: plain.jenkins },
                job: "ci/notes-app",
                webhookToken: plain.token,
                harbor: { url: "http://h", account: { kind: "account", username: "robot$p+r", password: plain.harbor } },
                image: { registry: "h:5000", project: "p", name: "i" },
            });
            return { credentials: smoke.credentials, target: smoke.target };
        });
        assert.equal(direct.error, undefined, String(direct.error));
        const c = direct.recorder.one(COMMAND);
        assert.deepEqual([...c.secretPaths].sort(), ["environment.SMOKE_GITEA_PASSWORD", "environment.SMOKE_HARBOR_PASSWORD", "environment.SMOKE_JENKINS_PASSWORD", "environment.SMOKE_WEBHOOK_TOKEN"]);
        assert.equal(c.inputs.environment.SMOKE_TIMEOUT_SECONDS, "900", "the default bound");
        assert.deepEqual(c.dependsOn, [], "a component without children: nothing to wait for, and no error");
        assert.deepEqual(direct.secretOutputs, ["credentials"]);
        assert.ok(!JSON.stringify(direct.outputs!.target).includes("plain-"));
    });

    it("a result line that does not parse fails the program with the reason, instead of exporting nonsense", async () => {
        await assert.rejects(
            runProgram({ ...devStackConfig(), "smoke.enabled": "true" }, { secretKeys: SECRET_KEYS, stateHook: (a) => (a.type === COMMAND ? { stdout: "Finished: SUCCESS" } : undefined) }),
            /smoke: the command's last line is not JSON: Finished: SUCCESS/,
        );
    });
});
