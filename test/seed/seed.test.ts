// The Seed component under mocks: what it registers (types, names, parents, inputs), which inputs
// are secret, what depends on what, and the one serialized provider it ships in `__provider`.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../../config";
import { type Seed, jobUrlPath } from "../../components/seed";
import { parseJobConfigXml } from "../../components/seed/templates";
import { MINIMAL, SECRET_KEYS } from "../support/fixtures";
import { ProgramRun, RecordedResource, resolve, runProgram } from "../support/mocks";
import { evaluateProvider } from "../support/providerHost";

const GITEA_PASSWORD = "gitea-Secret-Pw-1";
const JENKINS_PASSWORD = "jenkins-Secret-Pw-2";
const TOKEN = "mock-seed-webhook-token-password"; // what the mock RandomPassword returns
const T = (name: string) => `pulumi-nodejs:dynamic/seed:${name}`;

/**
 * The seed components from freshly loaded modules: Pulumi caches a provider's serialization per
 * provider object, so a seedProvider another test file already shipped (HarborAuth ships it too)
 * would make the serialization count below depend on the order the files run in.
 */
function freshSeedModule(): typeof import("../../components/seed") {
    const root = path.resolve(__dirname, "..", "..", "components");
    for (const k of Object.keys(require.cache)) if (k.startsWith(root)) delete require.cache[k];
    return require("../../components/seed") as typeof import("../../components/seed");
}

async function runSeed(config: Record<string, string> = MINIMAL): Promise<ProgramRun & { seed?: Seed }> {
    const { Seed } = freshSeedModule();
    let seed: Seed | undefined;
    const run = await runProgram(
        config,
        {
            secretKeys: SECRET_KEYS,
            // The mock engine echoes inputs as outputs; a repository's owner is the authenticated user.
            stateHook: (a) => (a.type === T("GiteaRepository") ? { owner: "gitea_admin", fullName: `gitea_admin/${a.inputs.name}` } : undefined),
        },
        () => {
            const cfg = loadConfig("ci-stack", { get: (k) => config[k.replace(/^ci-stack:/, "")], isSecret: () => true, keys: () => Object.keys(config).map((k) => `ci-stack:${k}`) });
            const giteaRelease = new k8s.helm.v3.Release("gitea", { chart: "gitea" });
            const jenkinsRelease = new k8s.helm.v3.Release("jenkins", { chart: "jenkins" });
            seed = new Seed(
                "seed",
                {
                    gitea: { url: "http://10.0.24.28:30022/", inClusterUrl: "http://gitea-http.gitea.svc.cluster.local:3000", username: "gitea_admin", password: pulumi.secret(GITEA_PASSWORD) },
                    // A plain password is made secret by the Seed.
                    jenkins: { url: "http://10.0.24.28:30808", inClusterUrl: "http://jenkins.jenkins.svc.cluster.local:8080", username: "admin", password: JENKINS_PASSWORD },
                    settings: cfg.seed,
                    botUsername: pulumi.output("jenkins-bot"),
                    pipeline: {
                        registry: { server: cfg.registry.server, project: cfg.registry.project, insecure: cfg.registry.insecure, secretName: pulumi.output("harbor-auth") },
                        images: cfg.images,
                        agentResources: cfg.agents.resources,
                        agentNamespace: cfg.agents.namespace,
                        workspaceClaimName: pulumi.output("agent-workspace"),
                        cacheClaimName: pulumi.output("agent-cache"),
                    },
                },
                { dependsOn: [giteaRelease, jenkinsRelease] },
            );
            return { appCloneUrl: seed.appCloneUrl, deployCloneUrl: seed.deployCloneUrl, jobUrl: seed.jobUrl };
        },
    );
    return { ...run, seed };
}


describe("Seed (mock mode)", () => {
    let run: ProgramRun;
    let seed: RecordedResource;
    const one = (type: string, name: string) => run.recorder.one(type, (r) => r.name === name);

    let serializations = 0;
    before(async function () {
        this.timeout(60_000);
        // dynamic/index.js requires this module lazily and calls serializeFunction through its exports.
        const sc = require("@pulumi/pulumi/runtime/closure/serializeClosure") as { serializeFunction: (...a: unknown[]) => Promise<unknown> };
        const original = sc.serializeFunction;
        sc.serializeFunction = (...a) => {
            serializations++;
            return original(...a);
        };
        try {
            run = await runSeed();
        } finally {
            sc.serializeFunction = original;
        }
        if (run.error) throw run.error;
        seed = run.recorder.one("cistack:seed:Seed");
    });

    it("registers exactly the seed's resources, named from the component, parented to it", () => {
        assert.equal(seed.name, "seed");
        const children = run.recorder.childrenOf(seed).map((r) => [r.type, r.name]);
        assert.deepEqual(children.sort(), [
            ["pulumi-nodejs:dynamic/seed:GiteaCollaborator", "seed-app-bot-access"],
            ["pulumi-nodejs:dynamic/seed:GiteaCollaborator", "seed-deploy-bot-access"],
            ["pulumi-nodejs:dynamic/seed:GiteaFiles", "seed-app-files"],
            ["pulumi-nodejs:dynamic/seed:GiteaFiles", "seed-deploy-files"],
            ["pulumi-nodejs:dynamic/seed:GiteaRepository", "seed-app-repo"],
            ["pulumi-nodejs:dynamic/seed:GiteaRepository", "seed-deploy-repo"],
            ["pulumi-nodejs:dynamic/seed:GiteaWebhook", "seed-app-webhook"],
            ["pulumi-nodejs:dynamic/seed:JenkinsCredential", "seed-webhook-credential"],
            ["pulumi-nodejs:dynamic/seed:JenkinsFolder", "seed-folder"],
            ["pulumi-nodejs:dynamic/seed:JenkinsJob", "seed-job"],
            ["random:index/randomPassword:RandomPassword", "seed-webhook-token"],
        ].sort());
    });

    it("creates the repositories private on main, retained on destroy by default, talking to the external URL", () => {
        for (const [name, repo] of [["seed-app-repo", "notes-app"], ["seed-deploy-repo", "notes-deploy"]] as const) {
            const r = one(T("GiteaRepository"), name);
            assert.deepEqual(
                [r.inputs.name, r.inputs.private, r.inputs.defaultBranch, r.inputs.deleteOnDestroy, r.inputs.gitea.url, r.inputs.gitea.username],
                [repo, true, "main", false, "http://10.0.24.28:30022/", "gitea_admin"],
            );
        }
    });

    it("seeds both repositories' files; the pipeline-owned deployment is create-only", () => {
        const app = one(T("GiteaFiles"), "seed-app-files");
        assert.deepEqual([app.inputs.owner, app.inputs.repo, app.inputs.branch], ["gitea_admin", "notes-app", "main"]);
        const jenkinsfile = app.inputs.files.find((f: any) => f.path === "Jenkinsfile");
        assert.ok(jenkinsfile, "the app repository has a Jenkinsfile");
        assert.match(jenkinsfile.content, /10\.0\.24\.28:30002\/bootcamp\/notes-app/);
        assert.match(jenkinsfile.content, /http:\/\/gitea-http\.gitea\.svc\.cluster\.local:3000\/gitea_admin\/notes-deploy\.git/, "bumps the deploy repo in-cluster");
        assert.match(jenkinsfile.content, /agent-workspace/);
        assert.ok(!app.inputs.files.some((f: any) => f.createOnly));

        const deploy = one(T("GiteaFiles"), "seed-deploy-files");
        assert.equal(deploy.inputs.repo, "notes-deploy");
        const byPath = Object.fromEntries(deploy.inputs.files.map((f: any) => [f.path, f]));
        assert.equal(byPath["k8s/deployment.yaml"].createOnly, true);
        assert.match(byPath["k8s/deployment.yaml"].content, /image: 10\.0\.24\.28:30002\/bootcamp\/notes-app:0\.0\.0/);
        assert.equal(byPath["k8s/service.yaml"].createOnly, undefined);
    });

    it("puts the job in the configured folder, cloning in-cluster with the JCasC credential, triggered by the folder token", () => {
        const folder = one(T("JenkinsFolder"), "seed-folder");
        assert.equal(folder.inputs.path, "ci");
        const job = one(T("JenkinsJob"), "seed-job");
        assert.equal(job.inputs.path, "ci/notes-app");
        assert.equal(job.inputs.jenkins.url, "http://10.0.24.28:30808");
        const spec = parseJobConfigXml(job.inputs.configXml);
        assert.deepEqual(spec, {
            description: spec.description,
            cloneUrl: "http://gitea-http.gitea.svc.cluster.local:3000/gitea_admin/notes-app.git",
            credentialsId: "gitea-credentials",
            branch: "main",
            scriptPath: "Jenkinsfile",
            trigger: { kind: "generic-webhook", tokenCredentialId: "notes-app-webhook-token", branchRef: "refs/heads/main" },
        });
        assert.ok(!job.inputs.configXml.includes(TOKEN), "the token is referenced by credential id, never inline");

        const cred = one(T("JenkinsCredential"), "seed-webhook-credential");
        assert.deepEqual([cred.inputs.folder, cred.inputs.credentialId, cred.inputs.secret], ["ci", "notes-app-webhook-token", TOKEN]);
        const token = one("random:index/randomPassword:RandomPassword", "seed-webhook-token");
        assert.deepEqual([token.inputs.length, token.inputs.special], [40, false]);
    });

    it("hooks notes-app pushes on main to the in-cluster Generic Webhook Trigger with a bearer token", () => {
        const hook = one(T("GiteaWebhook"), "seed-app-webhook");
        assert.deepEqual(
            [hook.inputs.owner, hook.inputs.repo, hook.inputs.url, hook.inputs.events, hook.inputs.branchFilter, hook.inputs.authorizationHeader],
            ["gitea_admin", "notes-app", "http://jenkins.jenkins.svc.cluster.local:8080/generic-webhook-trigger/invoke", ["push"], "main", `Bearer ${TOKEN}`],
        );
    });

    it("makes the pipeline's user a collaborator on the two repositories only: read on the app, write on deploy", () => {
        const access = run.recorder.ofType(T("GiteaCollaborator")).map((r) => [r.name, r.inputs.owner, r.inputs.repo, r.inputs.user, r.inputs.permission, r.inputs.gitea.username]);
        assert.deepEqual(access.sort(), [
            ["seed-app-bot-access", "gitea_admin", "notes-app", "jenkins-bot", "read", "gitea_admin"],
            ["seed-deploy-bot-access", "gitea_admin", "notes-deploy", "jenkins-bot", "write", "gitea_admin"],
        ]);
        for (const r of run.recorder.ofType(T("GiteaCollaborator"))) assert.deepEqual([...r.secretPaths], ["gitea.password"]);
        const deps = (name: string) => run.recorder.named(name).dependsOn.map((u) => run.recorder.byUrnOf(u)?.name).sort();
        assert.deepEqual(deps("seed-app-bot-access"), ["seed-app-repo"]);
        assert.deepEqual(deps("seed-deploy-bot-access"), ["seed-deploy-repo"]);
    });

    it("passes every credential as a secret input and keeps secret outputs secret", () => {
        const secretsOf = (type: string, name: string) => [...one(T(type), name).secretPaths].sort();
        assert.deepEqual(secretsOf("GiteaRepository", "seed-app-repo"), ["gitea.password"]);
        assert.deepEqual(secretsOf("GiteaFiles", "seed-app-files"), ["gitea.password"]);
        assert.deepEqual(secretsOf("GiteaWebhook", "seed-app-webhook"), ["authorizationHeader", "gitea.password"]);
        assert.deepEqual(secretsOf("JenkinsFolder", "seed-folder"), ["jenkins.password"]);
        assert.deepEqual(secretsOf("JenkinsJob", "seed-job"), ["jenkins.password"]);
        assert.deepEqual(secretsOf("JenkinsCredential", "seed-webhook-credential"), ["jenkins.password", "secret"]);
        assert.deepEqual([...one(T("GiteaWebhook"), "seed-app-webhook").additionalSecretOutputs].sort(), ["authorizationDigest", "gitea"]);
        assert.deepEqual([...one(T("JenkinsCredential"), "seed-webhook-credential").additionalSecretOutputs].sort(), ["jenkins", "secretDigest"]);
        assert.deepEqual([...one(T("JenkinsJob"), "seed-job").additionalSecretOutputs], ["jenkins"]);
    });

    it("ships ONE provider, serialized once, to every seed resource, each naming its kind; it holds no secret and evaluates", () => {
        const dynamic = run.recorder.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
        assert.equal(dynamic.length, 10);
        assert.equal(serializations, 1, "one closure serialization for the whole seed");
        const text: unknown = dynamic[0]!.inputs.__provider;
        assert.equal(typeof text, "string");
        for (const r of dynamic) {
            assert.equal(r.inputs.__provider, text, `${r.name}: the shared provider`);
            assert.equal(r.inputs.__kind, r.type.replace("pulumi-nodejs:dynamic/seed:", ""), `${r.name}: __kind is its type`);
            assert.ok(!r.secretPaths.includes("__provider") && !r.secretPaths.includes("__kind"), `${r.name}: __provider and __kind are not secret`);
        }
        for (const s of [GITEA_PASSWORD, JENKINS_PASSWORD, TOKEN]) assert.ok(!(text as string).includes(s), "__provider contains a secret");
        const p = evaluateProvider(text as string);
        for (const op of ["check", "create", "read", "diff", "update", "delete"]) assert.equal(typeof p[op], "function", op);
    });

    it("waits for the Helm releases at the roots only; everything else follows its data", () => {
        const urn = (name: string) => run.recorder.one("kubernetes:helm.sh/v3:Release", (r) => r.name === name).urn;
        const releases = [urn("gitea"), urn("jenkins")];
        for (const name of ["seed-app-repo", "seed-deploy-repo", "seed-folder"]) {
            const r = run.recorder.named(name);
            for (const rel of releases) assert.ok(r.dependsOn.includes(rel), `${name} depends on ${rel}`);
        }
        const deps = (name: string) => run.recorder.named(name).dependsOn.map((u) => run.recorder.byUrnOf(u)?.name).sort();
        assert.deepEqual(deps("seed-app-files"), ["seed-app-repo", "seed-deploy-repo"]);
        assert.deepEqual(deps("seed-deploy-files"), ["seed-deploy-repo"]);
        assert.deepEqual(deps("seed-webhook-credential"), ["seed-folder", "seed-webhook-token"]);
        assert.deepEqual(deps("seed-job"), ["seed-app-repo", "seed-folder", "seed-webhook-credential"]);
        assert.deepEqual(deps("seed-app-webhook"), ["seed-app-repo", "seed-webhook-token"]);
        assert.deepEqual(deps("seed-webhook-token"), []);
    });

    it("outputs external clone URLs and the job URL", async () => {
        assert.deepEqual(run.outputs, {
            appCloneUrl: "http://10.0.24.28:30022/gitea_admin/notes-app.git",
            deployCloneUrl: "http://10.0.24.28:30022/gitea_admin/notes-deploy.git",
            jobUrl: "http://10.0.24.28:30808/job/ci/job/notes-app/",
        });
        assert.equal(jobUrlPath("a b/c"), "job/a%20b/job/c");
        assert.equal(await resolve(pulumi.output("x")), "x");
    });

    it("follows the seed settings: folder, names, branch, privacy, deleteReposOnDestroy", async function () {
        this.timeout(60_000);
        const r = await runSeed({
            ...MINIMAL,
            "seed.folder": "builds",
            "seed.jobName": "app-build",
            "seed.appRepo": "app",
            "seed.branch": "trunk",
            "seed.privateRepos": "false",
            "seed.deleteReposOnDestroy": "true",
        });
        if (r.error) throw r.error;
        const repo = r.recorder.named("seed-app-repo");
        assert.deepEqual([repo.inputs.name, repo.inputs.private, repo.inputs.defaultBranch, repo.inputs.deleteOnDestroy], ["app", false, "trunk", true]);
        assert.equal(r.recorder.named("seed-job").inputs.path, "builds/app-build");
        assert.equal(r.recorder.named("seed-webhook-credential").inputs.credentialId, "app-build-webhook-token");
        assert.equal(r.recorder.named("seed-app-webhook").inputs.branchFilter, "trunk");
        assert.equal(parseJobConfigXml(r.recorder.named("seed-job").inputs.configXml).trigger.branchRef, "refs/heads/trunk");
        assert.equal(r.outputs!.jobUrl, "http://10.0.24.28:30808/job/builds/job/app-build/");
    });
});
