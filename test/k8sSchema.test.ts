// The schema checker itself must catch what it claims to: unknown fields, bad types and formats.
import * as assert from "node:assert/strict";
import { k8sSchemaProblems } from "./support/k8sSchema";

const pod = (container: Record<string, unknown>) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", labels: { "app.kubernetes.io/name": "p" } },
    spec: { containers: [{ name: "c", image: "busybox:1.37", ...container }] },
});

describe("Kubernetes schema checker", () => {
    it("accepts a valid Pod", async () => {
        assert.deepEqual(await k8sSchemaProblems(pod({ resources: { requests: { cpu: "100m", memory: "64Mi" } } })), []);
    });
    it("rejects an unknown field, naming its path", async () => {
        assert.deepEqual(await k8sSchemaProblems(pod({ resource: { requests: { cpu: "100m" } } })), ["Pod.spec.containers[0].resource: unknown field (not in V1Container)"]);
    });
    it("rejects a malformed quantity", async () => {
        const problems = await k8sSchemaProblems(pod({ resources: { requests: { cpu: "lots" } } }));
        assert.ok(problems.some((p) => p.includes("/spec/containers/0/resources/requests/cpu") && p.includes("quantity")), problems.join("\n"));
    });
    it("rejects a missing required field", async () => {
        const problems = await k8sSchemaProblems({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "x" }, subjects: [] });
        assert.ok(problems.some((p) => p.includes("roleRef")), problems.join("\n"));
    });
    it("knows API groups", async () => {
        assert.deepEqual(await k8sSchemaProblems({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { selector: {}, template: {}, replica: 1 } }), [
            "Deployment.spec.replica: unknown field (not in V1DeploymentSpec)",
        ]);
        assert.deepEqual(await k8sSchemaProblems({ apiVersion: "kyverno.io/v1", kind: "ClusterPolicy" }), ["kyverno.io/v1 is not a core Kubernetes API group/version"]);
    });
});
