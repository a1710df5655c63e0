// The Jenkins controller's EFFECTIVE rights: the union of every Role bound to its ServiceAccount,
// from the program (AgentRbac, the Jenkins component) and from what the jenkins chart renders for
// the values we give it. Least privilege holds only if the sum is what we mean.
import * as assert from "node:assert/strict";
import { chartFullname } from "../components/jenkins";
import { devStackConfig, SECRET_KEYS } from "./support/fixtures";
import { ProgramRun, runProgram } from "./support/mocks";
import { effectiveGrants, jenkinsChartRbac, recordedRbac } from "./support/rbac";

// What the controller needs (docs/agent-rbac.md): agent Pods in the agents namespace, and the JCasC
// reload sidecar's ConfigMap reads in its own namespace. Nothing else, no Secret, no PVC.
const EXPECTED = [
    "jenkins-agents: create /pods",
    "jenkins-agents: create /pods/exec",
    "jenkins-agents: delete /pods",
    "jenkins-agents: get /pods",
    "jenkins-agents: get /pods/exec",
    "jenkins-agents: get /pods/log",
    "jenkins-agents: list /events",
    "jenkins-agents: list /pods",
    "jenkins-agents: patch /pods",
    "jenkins-agents: watch /pods",
    "jenkins: get /configmaps",
    "jenkins: list /configmaps",
    "jenkins: watch /configmaps",
];

describe("RBAC: effective rights of the Jenkins controller's ServiceAccount", () => {
    let dev: ProgramRun;
    before(async () => {
        dev = await runProgram(devStackConfig(), {
            secretKeys: SECRET_KEYS,
            stateHook: (a) => (a.type === "pulumi-nodejs:dynamic/seed:GiteaRepository" ? { owner: "gitea-admin" } : undefined),
        });
        if (dev.error) throw dev.error;
    });

    const release = () => dev.recorder.one("kubernetes:helm.sh/v3:Release", (r) => r.name === "jenkins");
    const sa = () => ({ name: String(dev.outputs!.jenkinsServiceAccount), namespace: String(dev.outputs!.jenkinsNamespace) });
    const chartObjects = () =>
        jenkinsChartRbac(release().inputs.values, { name: "jenkins", namespace: release().inputs.namespace, fullname: chartFullname("jenkins"), serviceAccount: sa().name });

    it("the chart model renders the chart's own Roles for the chart defaults (rbac.create: true)", () => {
        const grants = effectiveGrants(jenkinsChartRbac({}, { name: "jenkins", namespace: "jenkins", fullname: "jenkins", serviceAccount: "jenkins" }), { name: "jenkins", namespace: "jenkins" });
        assert.ok(grants.includes("jenkins: deletecollection /persistentvolumeclaims"), grants.join("\n"));
        assert.ok(grants.includes("jenkins: watch /configmaps"));
    });

    it("is exactly the union of what the program and the chart bind: agent Pods and the reload sidecar's ConfigMap reads", () => {
        const all = [...recordedRbac(dev.recorder.resources), ...chartObjects()];
        assert.deepEqual(effectiveGrants(all, sa()), EXPECTED);
    });

    it("the chart itself binds nothing (rbac.create: false): no PVC, deletecollection or update rights sneak in", () => {
        assert.equal(release().inputs.values.rbac?.create, false);
        assert.deepEqual(chartObjects(), []);
    });

    it("no Secret at all, no ClusterRole, nothing for any other subject", () => {
        const all = [...recordedRbac(dev.recorder.resources), ...chartObjects()];
        assert.deepEqual(all.filter((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding"), []);
        assert.deepEqual(effectiveGrants(all, sa()).filter((g) => /secrets|persistentvolumeclaims|deletecollection|update/.test(g)), []);
        const subjects = all.flatMap((o) => ("subjects" in o ? o.subjects : []));
        assert.deepEqual([...new Set(subjects.map((s) => `${s.kind} ${s.namespace}/${s.name}`))], ["ServiceAccount jenkins/jenkins"]);
    });
});
