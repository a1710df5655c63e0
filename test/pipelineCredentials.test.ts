// The whole program with its dynamic resources run for real against the Gitea, Jenkins and Harbor
// emulators (a small engine inside the mocks: create on the first run, diff → update on the next),
// so the Kubernetes Secrets and Helm values the program registers carry the values those servers
// handed out. It shows the issue's "done when" end to end: the pipeline's Gitea user is not an
// admin and a collaborator on exactly the two repositories, its token has the minimal scope, the
// robot may push and pull on one project, harbor-auth and Jenkins' credential hold only those — and
// that rotating the token and the robot secret, or losing them by hand, converges with the
// pipeline's credentials following.
import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { seedProvider } from "../components/seed/providers";
import { ROLLOUT_ANNOTATION } from "../components/rollout";
import { start as startGitea, type GiteaEmulator } from "./support/giteaEmulator";
import { start as startHarbor, type HarborEmulator } from "./support/harborEmulator";
import { start as startJenkins, type JenkinsEmulator } from "./support/jenkinsEmulator";
import { devStackConfig, REGISTRY_PASSWORD, SECRET_KEYS } from "./support/fixtures";
import { ProgramRun, runProgram, unwrapSecrets } from "./support/mocks";

const DYNAMIC = "pulumi-nodejs:dynamic/";
type Props = Record<string, any>;

/** Pulumi's part for dynamic resources, against the emulators: create, or diff and update/replace. */
class Engine {
    readonly state = new Map<string, { id: string; outs: Props }>();
    constructor(private readonly urls: Record<"gitea" | "jenkins" | "harbor", string>) {}

    readonly hook = async (args: pulumi.runtime.MockResourceArgs): Promise<Props | undefined> => {
        if (!args.type.startsWith(DYNAMIC)) return undefined;
        // What the engine hands a provider: the inputs with secrets unwrapped, `__provider` aside.
        const { __provider: _, ...inputs } = unwrapSecrets(args.inputs) as Props;
        for (const k of ["gitea", "jenkins", "harbor"] as const) if (inputs[k]) inputs[k] = { ...inputs[k], url: this.urls[k], readyTimeoutMs: 10_000 };
        const key = `${args.type}::${args.name}`;
        const prev = this.state.get(key);
        let next: { id: string; outs: Props };
        if (!prev) {
            const c = await seedProvider.create(inputs);
            next = { id: c.id, outs: c.outs! };
        } else {
            const d = await seedProvider.diff!(prev.id, prev.outs, inputs);
            if (d.replaces?.length) {
                const c = await seedProvider.create(inputs);
                await seedProvider.delete!(prev.id, prev.outs);
                next = { id: c.id, outs: c.outs! };
            } else if (d.changes) {
                next = { id: prev.id, outs: (await seedProvider.update!(prev.id, prev.outs, inputs)).outs! };
            } else next = prev;
        }
        this.state.set(key, next);
        return next.outs;
    };
}

const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

describe("pipeline credentials end to end (program under mocks, dynamic resources against the emulators)", function () {
    this.timeout(180_000);
    let gitea: GiteaEmulator;
    let jenkins: JenkinsEmulator;
    let harbor: HarborEmulator;
    let engine: Engine;
    const writes = () => [gitea, jenkins, harbor].map((e) => e.log.filter((r) => r.method !== "GET").length);

    async function up(over: Record<string, string> = {}): Promise<ProgramRun> {
        const log = console.log;
        console.log = () => {};
        try {
            const run = await runProgram({ ...devStackConfig(), ...over }, { secretKeys: SECRET_KEYS, stateHook: engine.hook });
            if (run.error) throw run.error;
            return run;
        } finally {
            console.log = log;
        }
    }
    const giteaCredentials = (run: ProgramRun) => run.recorder.one("kubernetes:core/v1:Secret", (r) => r.inputs.metadata.name === "jenkins-gitea-credentials").inputs.stringData as { username: string; password: string };
    const harborAuth = (run: ProgramRun) => {
        const s = run.recorder.one("kubernetes:core/v1:Secret", (r) => r.inputs.type === "kubernetes.io/dockerconfigjson");
        return (JSON.parse(unb64(s.inputs.data[".dockerconfigjson"])) as { auths: Record<string, { username: string; password: string; auth: string }> }).auths["10.0.24.28:30002"]!;
    };
    const revision = (run: ProgramRun) => run.recorder.one("kubernetes:helm.sh/v3:Release", (r) => r.inputs.chart === "jenkins").inputs.values.controller.podAnnotations[ROLLOUT_ANNOTATION] as string;
    const botTokens = () => gitea.state.tokens.filter((t) => t.user === "jenkins-bot");
    /** What Kaniko's login gets on a repository (Harbor's token service). */
    const registryActions = async (user: string, secret: string, repo: string) => {
        const res = await fetch(`${harbor.url}/service/token?service=harbor-registry&scope=${encodeURIComponent(`repository:${repo}:pull,push`)}`, { headers: { Authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}` } });
        const { token } = (await res.json()) as { token: string };
        return (JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { access: { actions: string[] }[] }).access[0]!.actions.sort();
    };

    let first: ProgramRun;
    before(async () => {
        // The admins the program configures (the mock RandomPasswords and the fixture registry password).
        gitea = await startGitea({ username: "gitea-admin", password: "mock-gitea-admin-password-password" });
        jenkins = await startJenkins({ username: "admin", password: "mock-jenkins-admin-password-password" });
        harbor = await startHarbor({ username: "admin", password: REGISTRY_PASSWORD });
        engine = new Engine({ gitea: gitea.url, jenkins: jenkins.url, harbor: harbor.url });
        first = await up();
    });
    after(async () => {
        await gitea.close();
        await jenkins.close();
        await harbor.close();
    });

    it("the pipeline's Gitea user is not an admin and a collaborator on exactly the two seeded repositories", () => {
        const bot = gitea.state.users.get("jenkins-bot")!;
        assert.deepEqual([bot.admin, bot.restricted, bot.maxRepoCreation, bot.allowCreateOrganization], [false, true, 0, false]);
        assert.deepEqual(gitea.state.collaborations("jenkins-bot"), { "gitea-admin/notes-app": "read", "gitea-admin/notes-deploy": "write" });
        assert.equal([...gitea.state.repos.values()].filter((r) => r.owner === "jenkins-bot").length, 0, "owns nothing");
    });

    it("its only token has the minimal scope, and Jenkins' gitea-credentials holds exactly that token", () => {
        assert.deepEqual(botTokens().map((t) => [t.name, t.scopes]), [["ci-stack-jenkins", ["write:repository"]]]);
        assert.deepEqual(giteaCredentials(first), { username: "jenkins-bot", password: botTokens()[0]!.sha1 });
        assert.equal(gitea.state.tokens.filter((t) => t.user === "gitea-admin").length, 0, "the admin got no token");
    });

    it("the robot may push and pull on the one project, and harbor-auth holds exactly the robot", async () => {
        const robots = [...harbor.state.robots.values()];
        assert.equal(robots.length, 1);
        assert.deepEqual(robots[0]!.permissions, [{ kind: "project", namespace: "bootcamp", access: [{ resource: "repository", action: "push" }, { resource: "repository", action: "pull" }] }]);
        const auth = harborAuth(first);
        assert.deepEqual(auth, { username: "robot$bootcamp+ci-stack", password: robots[0]!.secret, auth: auth.auth });
        assert.deepEqual(await registryActions(auth.username, auth.password, "bootcamp/notes-app"), ["pull", "push"]);
        harbor.state.addProject("library");
        assert.deepEqual(await registryActions(auth.username, auth.password, "library/anything"), []);
    });

    it("a re-run makes no write anywhere", async () => {
        const before = writes();
        const again = await up();
        assert.deepEqual(writes(), before);
        assert.deepEqual(giteaCredentials(again), giteaCredentials(first));
        assert.equal(revision(again), revision(first), "no roll without a change");
    });

    it("rotating the token and the robot secret converges: Jenkins' credential and harbor-auth follow, the old ones stop working", async () => {
        const oldToken = botTokens()[0]!;
        const oldRobot = harborAuth(first);
        const before = writes();
        const rotated = await up({ "gitea.botTokenRotation": "1", "registry.robotRotation": "1" });

        const [newToken] = botTokens();
        assert.notEqual(newToken!.sha1, oldToken.sha1);
        assert.deepEqual(giteaCredentials(rotated), { username: "jenkins-bot", password: newToken!.sha1 });
        assert.notEqual(revision(rotated), revision(first), "the controller rolls to read the new token");
        assert.equal((await fetch(`${gitea.url}/api/v1/version`, { headers: { Authorization: `token ${oldToken.sha1}` } })).status, 401);

        const newRobot = harborAuth(rotated);
        assert.equal(newRobot.username, oldRobot.username);
        assert.notEqual(newRobot.password, oldRobot.password);
        assert.deepEqual(await registryActions(newRobot.username, newRobot.password, "bootcamp/notes-app"), ["pull", "push"]);
        assert.deepEqual(await registryActions(oldRobot.username, oldRobot.password, "bootcamp/notes-app"), []);

        // Only the credentials moved: Gitea wrote the token (delete + create), Harbor the secret, Jenkins nothing.
        const after = writes();
        assert.deepEqual([after[0]! - before[0]!, after[1]! - before[1]!, after[2]! - before[2]!], [2, 0, 1]);
        const settled = writes();
        await up({ "gitea.botTokenRotation": "1", "registry.robotRotation": "1" });
        assert.deepEqual(writes(), settled, "converged");
    });

    it("a token revoked and a robot deleted by hand are re-issued on the next run, and the credentials follow", async () => {
        gitea.state.tokens.splice(0, gitea.state.tokens.length, ...gitea.state.tokens.filter((t) => t.user !== "jenkins-bot"));
        harbor.state.robots.clear();
        const healed = await up({ "gitea.botTokenRotation": "1", "registry.robotRotation": "1" });
        assert.deepEqual(giteaCredentials(healed), { username: "jenkins-bot", password: botTokens()[0]!.sha1 });
        const robot = [...harbor.state.robots.values()][0]!;
        assert.deepEqual([harborAuth(healed).username, harborAuth(healed).password], ["robot$bootcamp+ci-stack", robot.secret]);
        const settled = writes();
        await up({ "gitea.botTokenRotation": "1", "registry.robotRotation": "1" });
        assert.deepEqual(writes(), settled, "converged");
    });
});
