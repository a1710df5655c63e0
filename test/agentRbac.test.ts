// AgentRbac: the Role's rules verb by verb, the RoleBinding to the controller's ServiceAccount, and
// the wiring under mocks.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../config";
import { AgentRbac, agentRoleBindingManifest, agentRoleManifest, agentRoleRules } from "../components/agentRbac";
import { assertValidK8s } from "./support/k8sSchema";
import { MINIMAL, SECRET_KEYS } from "./support/fixtures";
import { resolve, runProgram } from "./support/mocks";

const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const LABELS = { "app.kubernetes.io/name": "jenkins-agents", "app.kubernetes.io/part-of": "ci-stack" };

const EXPECTED_RULES = [
    { apiGroups: [""], resources: ["pods"], verbs: ["create", "delete", "get", "list", "patch", "watch"] },
    { apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"] },
    { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
    { apiGroups: [""], resources: ["events"], verbs: ["list"] },
];

/** What a rule set allows, as "verb resource[/name]" strings, for subset checks. */
function grants(rules: { resources: string[]; verbs: string[] }[]): Set<string> {
    const out = new Set<string>();
    for (const r of rules) for (const res of r.resources) for (const v of r.verbs) out.add(`${v} ${res}`);
    return out;
}

async function rbacFromConfig(config: Record<string, string>, controllerSa = { name: "jenkins", namespace: "jenkins" }) {
    const run = await runProgram(config, { secretKeys: SECRET_KEYS }, () => {
        const cfg = loadConfig();
        const rbac = new AgentRbac("agent-rbac", {
            namespace: cfg.agents.namespace,
            controllerServiceAccount: { name: pulumi.output(controllerSa.name), namespace: controllerSa.namespace },
        });
        return { roleName: rbac.roleName };
    });
    if (run.error) throw run.error;
    return run;
}

describe("AgentRbac", () => {
    describe("manifests (pure)", () => {
        it("grants exactly the verbs the Kubernetes plugin uses, and no Secret", () => {
            assert.deepEqual(agentRoleRules(), EXPECTED_RULES);
            assert.ok(!JSON.stringify(agentRoleRules()).includes("secrets"));
        });

        it("stays within the jenkins chart 5.9.53's own agent Role", () => {
            // charts/jenkins/templates/rbac.yaml, Role <release>-schedule-agents (chart 5.9.53).
            const chart = grants([
                { resources: ["pods", "pods/exec", "pods/log", "persistentvolumeclaims", "events"], verbs: ["get", "list", "watch"] },
                { resources: ["pods", "pods/exec", "persistentvolumeclaims"], verbs: ["create", "delete", "deletecollection", "patch", "update"] },
            ]);
            assert.deepEqual([...grants(agentRoleRules())].filter((g) => !chart.has(g)), []);
        });

        it("builds the exact Role and RoleBinding, valid against the schema", async () => {
            const role = agentRoleManifest({ name: "agent-rbac", namespace: "jenkins-agents" });
            assert.deepEqual(role, {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "Role",
                metadata: { name: "agent-rbac", namespace: "jenkins-agents", labels: LABELS },
                rules: EXPECTED_RULES,
            });
            const binding = agentRoleBindingManifest({
                name: "agent-rbac",
                namespace: "jenkins-agents",
                roleName: "agent-rbac",
                serviceAccount: { name: "jenkins", namespace: "jenkins" },
            });
            assert.deepEqual(binding, {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "RoleBinding",
                metadata: { name: "agent-rbac", namespace: "jenkins-agents", labels: LABELS },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "agent-rbac" },
                subjects: [{ kind: "ServiceAccount", name: "jenkins", namespace: "jenkins" }],
            });
            await assertValidK8s(role);
            await assertValidK8s(binding);
        });
    });

    describe("component (mock mode)", () => {
        it("registers a Role and a RoleBinding in the agents namespace, children of the component, no ClusterRole", async () => {
            const { recorder, outputs } = await rbacFromConfig({ ...MINIMAL });
            const parent = recorder.one("cistack:platform:AgentRbac");
            assert.equal(parent.name, "agent-rbac");
            const role = recorder.one(ROLE);
            const binding = recorder.one(BINDING);
            assert.deepEqual([role.name, role.parent, binding.name, binding.parent], ["agent-rbac-role", parent.urn, "agent-rbac-binding", parent.urn]);
            assert.deepEqual(role.inputs, {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "Role",
                metadata: { name: "agent-rbac", namespace: "jenkins-agents", labels: LABELS },
                rules: EXPECTED_RULES,
            });
            assert.deepEqual(binding.inputs, {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "RoleBinding",
                metadata: { name: "agent-rbac", namespace: "jenkins-agents", labels: LABELS },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "agent-rbac" },
                subjects: [{ kind: "ServiceAccount", name: "jenkins", namespace: "jenkins" }],
            });
            // The binding takes roleRef.name from the Role's output, so it is ordered after it.
            assert.ok(binding.dependsOn.includes(role.urn), `binding dependsOn ${binding.dependsOn.join(", ")}`);
            await assertValidK8s(role.inputs);
            await assertValidK8s(binding.inputs);
            assert.deepEqual(
                recorder.resources.filter((r) => /ClusterRole|ServiceAccount/.test(r.type)).map((r) => r.type),
                [],
            );
            assert.deepEqual(outputs, { roleName: "agent-rbac" });
        });

        it("follows overrides: agents namespace, controller ServiceAccount", async () => {
            const { recorder } = await rbacFromConfig({ ...MINIMAL, "agents.namespace": "builds" }, { name: "ci-jenkins", namespace: "ci" });
            const role = recorder.one(ROLE);
            const binding = recorder.one(BINDING);
            assert.deepEqual([role.inputs.metadata.namespace, binding.inputs.metadata.namespace], ["builds", "builds"]);
            assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "ci-jenkins", namespace: "ci" }]);
        });

        it("derives child names from the component name, so two instances never collide", async () => {
            const run = await runProgram({ ...MINIMAL }, { secretKeys: SECRET_KEYS }, async () => {
                const a = new AgentRbac("a", { namespace: "x", controllerServiceAccount: { name: "j", namespace: "j" } });
                assert.equal(await resolve(a.roleName), "a");
                new AgentRbac("b", { namespace: "y", controllerServiceAccount: { name: "j", namespace: "j" } });
            });
            if (run.error) throw run.error;
            assert.deepEqual(run.recorder.ofType(ROLE).map((r) => [r.name, r.inputs.metadata.name]), [["a-role", "a"], ["b-role", "b"]]);
        });
    });
});
