// Secret rotation end to end: the whole program under mocks, applied to the emulators through a model
// of what the cluster does with it (test/support/cluster.ts), then the seed's own providers (the one
// serialized-once provider object, as the engine would call it) converging against what is running.
// Rotated: jenkins.adminPassword and gitea.adminPassword. The Gitea account Jenkins uses is the
// pipeline's own user and token (GiteaBot, issue #13): an admin's rotation leaves it alone.
import * as assert from "node:assert/strict";
import { rolloutDigest, ROLLOUT_ANNOTATION } from "../components/rollout";
import { seedProvider } from "../components/seed/providers";
import { packPolicies } from "../policies/pack";
import { ClusterModel } from "./support/cluster";
import { runPolicy } from "./support/crossguard";
import { MINIMAL, SECRET_KEYS } from "./support/fixtures";
import { start as startGitea, type GiteaEmulator } from "./support/giteaEmulator";
import { start as startJenkins, type JenkinsEmulator } from "./support/jenkinsEmulator";
import { ProgramRun, runProgram } from "./support/mocks";

const OLD = { jenkins: "Jenkins-Old-Pa55w0rd", gitea: "Gitea-Old-Pa55w0rd" };
const NEW = { jenkins: "Jenkins-New-Pa55w0rd", gitea: "Gitea-New-Pa55w0rd" };
const SEED = "pulumi-nodejs:dynamic/seed:";
// The seed's kinds and the pipeline's Gitea user and token (dynamic/gitea), which the seed's collaborators need.
const DYNAMIC = /^pulumi-nodejs:dynamic\/(seed|gitea):/;
// Creation order the engine would follow (dependencies first).
const ORDER = ["GiteaUser", "GiteaAccessToken", "GiteaRepository", "GiteaCollaborator", "GiteaFiles", "JenkinsFolder", "JenkinsCredential", "JenkinsJob", "GiteaWebhook"];

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

async function program(passwords: { jenkins: string; gitea: string }): Promise<ProgramRun> {
    const run = await runProgram(
        { ...MINIMAL, "jenkins.adminPassword": passwords.jenkins, "gitea.adminPassword": passwords.gitea },
        { secretKeys: SECRET_KEYS, stateHook: (a) => (a.type === `${SEED}GiteaRepository` ? { owner: "gitea-admin" } : undefined) },
    );
    if (run.error) throw run.error;
    return run;
}

type Props = Record<string, any>;

/** The seed resources' inputs as the engine hands them to the provider, pointed at the emulators. */
function seedCalls(run: ProgramRun, urls: { gitea: string; jenkins: string }): { name: string; inputs: Props }[] {
    return run.recorder.resources
        .filter((r) => DYNAMIC.test(r.type))
        .map((r) => {
            const { __provider: _, ...inputs } = r.inputs;
            for (const conn of ["gitea", "jenkins"] as const) if (inputs[conn]) inputs[conn] = { ...inputs[conn], url: urls[conn], readyTimeoutMs: 5000 };
            return { name: r.name, inputs };
        })
        .sort((a, b) => ORDER.indexOf(a.inputs.__kind) - ORDER.indexOf(b.inputs.__kind) || a.name.localeCompare(b.name));
}

describe("secret rotation converges end to end", function () {
    this.timeout(120_000);
    let jenkins: JenkinsEmulator;
    let gitea: GiteaEmulator;
    let cluster: ClusterModel;
    let oldRun: ProgramRun;
    let newRun: ProgramRun;

    before(async () => {
        oldRun = await program(OLD);
        newRun = await program(NEW);
    });
    beforeEach(async () => {
        jenkins = await startJenkins();
        gitea = await startGitea();
        cluster = new ClusterModel(jenkins, gitea);
    });
    afterEach(async () => {
        await jenkins.close();
        await gitea.close();
    });

    const status = async (url: string, auth: string) => (await fetch(url, { headers: { Authorization: auth } })).status;
    const writes = () => [...jenkins.log, ...gitea.log].filter((r) => r.method !== "GET").length;

    it("each release carries a salted digest of the Secrets its Pod reads; the values stay free of secrets", async () => {
        const values = (run: ProgramRun, name: string) => run.recorder.one("kubernetes:helm.sh/v3:Release", (r) => r.name === name).inputs.values;
        const annotation = (run: ProgramRun) => [values(run, "jenkins").controller.podAnnotations[ROLLOUT_ANNOTATION], values(run, "gitea").gitea.podAnnotations[ROLLOUT_ANNOTATION]];
        const [j, g] = annotation(oldRun);
        assert.match(j, /^[0-9a-f]{32}$/);
        assert.match(g, /^[0-9a-f]{32}$/);
        assert.deepEqual(
            annotation(newRun).map((x, i) => x !== [j, g][i]),
            [true, true],
            "a rotated password changes both digests",
        );
        for (const run of [oldRun, newRun]) {
            for (const name of ["jenkins", "gitea"]) {
                const v = values(run, name);
                // The policy pack's own rule, run as the analyzer runs it over the release.
                const rule = packPolicies().find((p) => p.name === "helm-values-no-plaintext-secrets")!;
                const release = run.recorder.one("kubernetes:helm.sh/v3:Release", (r) => r.name === name);
                assert.deepEqual(await runPolicy(rule, { type: release.type, name, props: release.inputs }), [], `${name}: helm-values-no-plaintext-secrets`);
                const text = JSON.stringify(v);
                for (const p of [OLD.jenkins, OLD.gitea, NEW.jenkins, NEW.gitea]) assert.ok(!text.includes(p));
                assert.ok(!run.recorder.one("kubernetes:helm.sh/v3:Release", (r) => r.name === name).secretPaths.includes("values"), "values stay reviewable in previews");
            }
        }
    });

    it("old passwords refused, new ones work, the seed converges with them, and a re-run writes nothing", async () => {
        // First up: both Pods start with the old Secrets; the seed converges.
        assert.deepEqual(cluster.apply(oldRun), ["gitea", "jenkins"]);
        const created = new Map<string, { id: string; outs: Props }>();
        for (const c of seedCalls(oldRun, { gitea: gitea.url, jenkins: jenkins.url })) {
            const r = await seedProvider.create(c.inputs);
            created.set(c.name, { id: r.id, outs: r.outs! });
        }
        assert.ok(jenkins.state.items.has("ci/notes-app") && gitea.state.repo("gitea-admin", "notes-app"));

        // The same config again rolls nothing: the digest is stable.
        assert.deepEqual(cluster.apply(await program(OLD)), []);

        // Rotation: the Secrets change, and with them the pod templates.
        assert.deepEqual(cluster.apply(newRun), ["gitea", "jenkins"]);
        assert.equal(await status(`${jenkins.url}/api/json`, basic("admin", OLD.jenkins)), 401);
        assert.equal(await status(`${jenkins.url}/api/json`, basic("admin", NEW.jenkins)), 200);
        assert.equal(await status(`${gitea.url}/api/v1/user`, basic("gitea-admin", OLD.gitea)), 401);
        assert.equal(await status(`${gitea.url}/api/v1/user`, basic("gitea-admin", NEW.gitea)), 200);
        // Jenkins' JCasC credential for Gitea (what builds clone and push with) is the pipeline's user and
        // token, never the admin: the admin's rotation leaves it as it was (the mock engine's token).
        const cred = jenkins.state.systemCredentials.get("gitea-credentials")!;
        assert.deepEqual(cred, { username: "jenkins-bot", password: "mock-gitea-bot-token-value" });

        // The seed: every resource sees its connection changed (sameConn), updates with the new
        // password (a new client: the shared memo is keyed on the password's digest), and converges.
        const updated = new Map<string, { id: string; outs: Props }>();
        for (const c of seedCalls(newRun, { gitea: gitea.url, jenkins: jenkins.url })) {
            const { id, outs } = created.get(c.name)!;
            assert.deepEqual(await seedProvider.diff!(id, outs, c.inputs), { changes: true }, `${c.name}: the new password is a change`);
            const r = await seedProvider.update!(id, outs, c.inputs);
            updated.set(c.name, { id, outs: r.outs! });
        }
        // The bot's token the provider minted survives the admin's rotation, and Gitea still takes it.
        const token = [...updated.entries()].find(([n]) => n === "gitea-bot-token")![1].outs.token as string;
        assert.equal(token, created.get("gitea-bot-token")!.outs.token);
        assert.equal(await status(`${gitea.url}/api/v1/version`, `token ${token}`), 200);
        const w = writes();
        for (const c of seedCalls(newRun, { gitea: gitea.url, jenkins: jenkins.url })) {
            const { id, outs } = updated.get(c.name)!;
            assert.deepEqual(await seedProvider.diff!(id, outs, c.inputs), { changes: false }, `${c.name}: converged`);
        }
        assert.equal(writes(), w, "a re-run after the rotation writes nothing");
        assert.ok(jenkins.state.credentials.get("ci")!.has("notes-app-webhook-token"), "the folder's credential survived");
    });

    it("the digest: stable for the same secrets, changed by any of them, and unknowable without the salt", () => {
        const salt = "s".repeat(32);
        const d = rolloutDigest(salt, { a: "x", b: "y" });
        assert.equal(rolloutDigest(salt, { b: "y", a: "x" }), d);
        assert.notEqual(rolloutDigest(salt, { a: "x", b: "z" }), d);
        assert.notEqual(rolloutDigest("t".repeat(32), { a: "x", b: "y" }), d, "another stack's salt, another digest");
        assert.throws(() => rolloutDigest("short", { a: "x" }), /salt/);
    });
});
