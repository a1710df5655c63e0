// The whole program under mocks: what index.ts registers and exports.
import * as assert from "node:assert/strict";
import { runProgram, ProgramRun } from "./support/mocks";
import { k8sSchemaProblems } from "./support/k8sSchema";
import { MINIMAL, SECRET_KEYS, devStackConfig } from "./support/fixtures";

describe("program (mock mode)", () => {
    let dev: ProgramRun;
    before(async () => {
        dev = await runProgram(devStackConfig(), {
            secretKeys: SECRET_KEYS,
            // Repositories are created for the authenticated user; the mock returns that owner.
            stateHook: (a) => (a.type === "pulumi-nodejs:dynamic/seed:GiteaRepository" ? { owner: "gitea-admin" } : undefined),
        });
        if (dev.error) throw dev.error;
    });

    it("creates the three namespaces, labelled, retained and protected like the data in them", () => {
        const nss = dev.recorder.ofType("kubernetes:core/v1:Namespace");
        assert.deepEqual(
            nss.map((n) => [n.name, n.inputs.metadata.name, n.inputs.metadata.labels["app.kubernetes.io/component"], n.retainOnDelete, n.protect]),
            [
                ["ci-gitea", "gitea", "gitea", true, true],
                ["ci-jenkins", "jenkins", "jenkins", true, true],
                ["ci-agents", "jenkins-agents", "agents", true, true],
            ],
        );
        const parent = dev.recorder.one("cistack:platform:Namespaces");
        assert.equal(parent.name, "ci");
        for (const ns of nss) assert.equal(ns.parent, parent.urn);
    });

    it("exports no undefined value (Pulumi warns about each on every preview), smoke outputs only with smoke on", () => {
        assert.deepEqual(Object.entries(dev.outputs!).filter(([, v]) => v === undefined).map(([k]) => k), []);
        assert.deepEqual(Object.keys(dev.outputs!).filter((k) => k.startsWith("smoke")), []);
    });

    it("exports URLs built from the node address and NodePorts", () => {
        assert.equal(dev.outputs!.giteaUrl, "http://10.0.24.28:30022");
        assert.equal(dev.outputs!.jenkinsUrl, "http://10.0.24.28:30808");
        assert.equal(dev.outputs!.agentNamespace, "jenkins-agents");
    });

    it("builds the platform: one of each component, children parented to their component", () => {
        const r = dev.recorder;
        const components = r.resources.filter((x) => !x.custom).map((x) => `${x.type}/${x.name}`);
        for (const c of [
            "cistack:platform:Namespaces/ci",
            "cistack:platform:Gitea/gitea",
            "cistack:platform:SharedStorage/agents",
            "cistack:platform:HarborAuth/harbor-auth",
            "cistack:platform:Jenkins/jenkins",
            "cistack:platform:AgentRbac/agent-rbac",
            "cistack:policy:KyvernoPolicies/policies",
            "cistack:seed:Seed/seed",
        ]) assert.ok(components.includes(c), `missing ${c}; have ${components.join(", ")}`);
        for (const x of r.resources.filter((x) => x.custom)) {
            const parent = x.parent ? r.byUrnOf(x.parent) : undefined;
            assert.ok(parent && !parent.custom, `${x.type} ${x.name} is not parented to a component`);
            assert.ok(x.name.startsWith(parent.name), `${x.name}: child names derive from the component name (${parent.name})`);
        }
        assert.deepEqual(
            r.ofType("kubernetes:helm.sh/v3:Release").map((x) => [x.name, x.inputs.chart, x.protect, x.retainOnDelete]).sort(),
            [
                ["gitea", "gitea", true, true],
                ["jenkins", "jenkins", true, true],
            ],
        );
        const rwx = r.ofType("kubernetes:core/v1:PersistentVolumeClaim");
        assert.ok(rwx.length >= 1 && rwx.every((c) => c.inputs.spec.accessModes[0] === "ReadWriteMany" && c.protect && c.retainOnDelete));
        const dockercfg = r.one("kubernetes:core/v1:Secret", (x) => x.inputs.type === "kubernetes.io/dockerconfigjson");
        assert.equal(dockercfg.inputs.metadata.name, "harbor-auth");
        assert.equal(dockercfg.inputs.metadata.namespace, "jenkins-agents");
        assert.equal(r.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").length, 0, "agents get no ClusterRole");
    });

    it("every Secret it writes takes its fields back from a kubectl edit (patchForce), and no other object does", () => {
        // Drift found by the real engine (e2e 4-drift): with enableSecretMutable an edited key is an
        // SSA conflict unless the apply is forced.
        const secrets = dev.recorder.ofType("kubernetes:core/v1:Secret");
        assert.deepEqual(
            secrets.map((x) => x.inputs.metadata.name).sort(),
            ["gitea-admin", "harbor-auth", "jenkins-admin", "jenkins-gitea-credentials"],
        );
        for (const x of secrets) assert.equal(x.inputs.metadata.annotations?.["pulumi.com/patchForce"], "true", `${x.name}`);
        const forced = dev.recorder.resources
            .filter((x) => x.custom && x.inputs?.metadata?.annotations?.["pulumi.com/patchForce"] === "true")
            .map((x) => x.type)
            .filter((t) => t !== "kubernetes:core/v1:Secret" && !t.includes("kyverno.io"));
        assert.deepEqual(forced, [], "patchForce only where the program is the one owner (Secrets) or adopts (Kyverno policies)");
    });

    it("keeps every secret out of Helm values, plain inputs and non-secret outputs", () => {
        const robotSecret = "mock-harbor-auth-robot-secret"; // what the mock Harbor hands out
        const secrets = ["harbor-Pa55word!", "mock-gitea-admin-password-password", "mock-jenkins-admin-password-password", robotSecret];
        const all = JSON.stringify(dev.recorder.resources.map((x) => x.inputs));
        // The checks below would be vacuous if the fixture secrets never reached a resource.
        for (const s of secrets.slice(0, 3)) assert.ok(all.includes(s), `fixture secret ${s} never reaches a resource`);
        const harbor = dev.recorder.one("kubernetes:core/v1:Secret", (x) => x.inputs.type === "kubernetes.io/dockerconfigjson");
        assert.ok(Buffer.from(harbor.inputs.data[".dockerconfigjson"], "base64").toString().includes(robotSecret));
        assert.ok(harbor.secretPaths.some((p) => p === "data" || p.startsWith("data.")));
        for (const x of dev.recorder.resources) {
            const plain = structuredClone(x.inputs);
            for (const p of x.secretPaths) {
                const keys = p.split(".");
                let o: any = plain;
                for (const k of keys.slice(0, -1)) o = o?.[k];
                if (o) delete o[keys[keys.length - 1]!];
            }
            const text = JSON.stringify(plain);
            for (const s of secrets) assert.ok(!text.includes(s), `${x.type} ${x.name} carries a secret outside a secret input`);
        }
        for (const [k, v] of Object.entries(dev.outputs!)) {
            if (dev.secretOutputs.includes(k)) continue;
            for (const s of secrets) assert.ok(!JSON.stringify(v ?? null).includes(s), `output ${k} leaks a secret`);
        }
        assert.deepEqual([...dev.secretOutputs].sort(), ["giteaAdminPassword", "jenkinsAdminPassword"]);
    });

    it("every core Kubernetes object passes the Kubernetes OpenAPI schema (unknown fields rejected)", async () => {
        const core = dev.recorder.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.startsWith("kubernetes:helm.sh") && !x.type.includes("kyverno.io"));
        assert.ok(core.length >= 8, `only ${core.length} core objects`);
        for (const x of core) {
            const [, group, kind] = /^kubernetes:(.+):(\w+)$/.exec(x.type)!;
            const [g, v] = group!.split("/");
            const apiVersion = g === "core" ? v! : `${g}/${v}`;
            const problems = await k8sSchemaProblems({ apiVersion, kind, ...x.inputs });
            assert.deepEqual(problems, [], `${x.type} ${x.name}`);
        }
    });

    it("seeds through the NodePort URLs after both releases, and exports the clone and job URLs", () => {
        const r = dev.recorder;
        const seed = r.one("cistack:seed:Seed");
        const releases = r.ofType("kubernetes:helm.sh/v3:Release").map((x) => x.urn).sort();
        assert.deepEqual([...seed.dependsOn].sort(), releases);
        const app = r.one("pulumi-nodejs:dynamic/seed:GiteaRepository", (x) => x.inputs.name === "notes-app");
        assert.equal(app.inputs.gitea.url, "http://10.0.24.28:30022");
        assert.ok(app.secretPaths.includes("gitea.password"));
        const job = r.one("pulumi-nodejs:dynamic/seed:JenkinsJob");
        assert.equal(job.inputs.jenkins.url, "http://10.0.24.28:30808");
        assert.equal(dev.outputs!.appCloneUrl, "http://10.0.24.28:30022/gitea-admin/notes-app.git");
        assert.equal(dev.outputs!.deployCloneUrl, "http://10.0.24.28:30022/gitea-admin/notes-deploy.git");
        assert.equal(dev.outputs!.jobUrl, "http://10.0.24.28:30808/job/ci/job/notes-app/");
    });

    it("registers no seed resource when seeding is off", async () => {
        const run = await runProgram({ ...MINIMAL, "seed.enabled": "false" }, { secretKeys: SECRET_KEYS });
        if (run.error) throw run.error;
        assert.equal(run.recorder.resources.filter((x) => x.type.includes("seed")).length, 0);
        assert.equal(run.recorder.ofType("pulumi-nodejs:dynamic/harbor:HarborRobot").length, 1, "the pipeline's robot does not depend on the seed");
        assert.equal(run.recorder.ofType("pulumi-nodejs:dynamic/gitea:GiteaAccessToken").length, 1, "nor does its Gitea token: Jenkins clones with it");
        assert.equal(run.outputs!.jobUrl, undefined);
        assert.ok(!("jobUrl" in run.outputs!), "a part that is off exports nothing (no undefined-output warning)");
    });

    it("follows config overrides instead of hard-coded values", async () => {
        const run = await runProgram(
            { ...MINIMAL, nodeAddress: "ci.lab.internal", "gitea.namespace": "scm", "agents.namespace": "builds", "jenkins.nodePort": "31808", "storage.retainOnDelete": "false", "storage.protect": "false" },
            { secretKeys: SECRET_KEYS },
        );
        if (run.error) throw run.error;
        assert.deepEqual(
            run.recorder.ofType("kubernetes:core/v1:Namespace").map((n) => [n.inputs.metadata.name, n.retainOnDelete, n.protect]),
            [["scm", false, false], ["jenkins", false, false], ["builds", false, false]],
        );
        assert.equal(run.outputs!.jenkinsUrl, "http://ci.lab.internal:31808");
    });
});
