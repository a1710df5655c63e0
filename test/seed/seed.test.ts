// The Seed component under mocks: what it registers (types, names, parents, inputs), which inputs
// are secret, what depends on what, and the serialized providers it ships in `__provider`.
import * as assert from "node:assert/strict";
import Module from "node:module";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../../config";
import { Seed, jobUrlPath } from "../../components/seed";
import { parseJobConfigXml } from "../../components/seed/templates";
import { MINIMAL, SECRET_KEYS } from "../support/fixtures";
import { ProgramRun, RecordedResource, resolve, runProgram } from "../support/mocks";

const GITEA_PASSWORD = "gitea-Secret-Pw-1";
const JENKINS_PASSWORD = "jenkins-Secret-Pw-2";
const TOKEN = "mock-seed-webhook-token-password"; // what the mock RandomPassword returns
const T = (name: string) => `pulumi-nodejs:dynamic/seed:${name}`;

async function runSeed(config: Record<string, string> = MINIMAL): Promise<ProgramRun & { seed?: Seed }> {
    let seed: Seed | undefined;
    const run = await runProgram(
        config,
        {
            secretKeys: SECRET_KEYS,
            // The mock engine echoes inputs as outputs; a repository's owner is the authenticated user.
            stateHook: (a) => (a.type === T("GiteaRepository") ? { owner: "gitea_admin", fullName: `gitea_admin/${a.inputs.name}` } : undefined),
        },
        () => {
            const cfg = loadConfig("ci-stack", { get: (k) => config[k.replace(/^ci-stack:/, "")], isSecret: () => true });
            const giteaRelease = new k8s.helm.v3.Release("gitea", { chart: "gitea" });
            const jenkinsRelease = new k8s.helm.v3.Release("jenkins", { chart: "jenkins" });
            seed = new Seed(
                "seed",
                {
                    gitea: { url: "http://10.0.24.28:30022/", inClusterUrl: "http://gitea-http.gitea.svc.cluster.local:3000", username: "gitea_admin", password: pulumi.secret(GITEA_PASSWORD) },
                    // A plain password is made secret by the Seed.
                    jenkins: { url: "http://10.0.24.28:30808", inClusterUrl: "http://jenkins.jenkins.svc.cluster.local:8080", username: "admin", password: JENKINS_PASSWORD },
                    settings: cfg.seed,
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

function evaluate(text: string): any {
    const filename = path.join(__dirname, "__provider.js");
    const m = new Module(filename, module) as Module & { _compile(code: string, file: string): void };
    m.filename = filename;
    m.paths = (Module as any)._nodeModulePaths(__dirname);
    m._compile(text, filename);
    return (m.exports as { handler: () => unknown }).handler();
}

describe("Seed (mock mode)", () => {
    let run: ProgramRun;
    let seed: RecordedResource;
    const one = (type: string, name: string) => run.recorder.one(type, (r) => r.name === name);

    before(async function () {
        this.timeout(60_000);
        run = await runSeed();
        if (run.error) throw run.error;
        seed = run.recorder.one("cistack:seed:Seed");
    });

    it("registers exactly the seed's resources, named from the component, parented to it", () => {
        assert.equal(seed.name, "seed");
        const children = run.recorder.childrenOf(seed).map((r) => [r.type, r.name]);
        assert.deepEqual(children.sort(), [
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

    it("ships each provider as serialized code that holds no secret and evaluates", () => {
        const dynamic = run.recorder.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
        assert.equal(dynamic.length, 8);
        for (const r of dynamic) {
            const text: unknown = r.inputs.__provider;
            assert.equal(typeof text, "string", r.name);
            assert.ok(!r.secretPaths.includes("__provider"), `${r.name}: __provider is not secret (it captured none)`);
            for (const s of [GITEA_PASSWORD, JENKINS_PASSWORD, TOKEN]) assert.ok(!(text as string).includes(s), `${r.name}: __provider contains a secret`);
            const p = evaluate(text as string);
            for (const op of ["create", "read", "diff", "update", "delete"]) assert.equal(typeof p[op], "function", `${r.name}.${op}`);
        }
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
