// Our model of Kyverno v1.19.0's autogen and exceptions (tes./support/kyvernoModel.ts), which lets our
// evaluators judge Pod controllers the way the CLI does; `npm run test:kyverno` compares it with the CLI
// on every fixture. Here: the rewriting rules it cites, on small cases.
import * as assert from "node:assert/strict";
import { CATALOGUE } from "../policies/catalogue";
import { asController, FIXTURES } from "../policies/fixtures";
import { celPolicyExceptionManifest, clusterPolicyManifest, policyExceptionManifest, validatingPolicyManifest } from "../components/kyvernoPolicies";
import { autogenValidate, modelClusterPolicy, modelValidatingPolicy, reportedRuleName } from "./support/kyvernoModel";

const requireAppLabel = CATALOGUE.find((r) => r.name === "require-app-label")!;
const labelled = FIXTURES["require-app-label"]!.pass[0]!.pod;

describe("Kyverno autogen and exceptions (model)", () => {
    it("names autogen rules as pkg/autogen/v1 does (63-character cap)", () => {
        assert.equal(reportedRuleName("r", "Pod"), "r");
        assert.equal(reportedRuleName("r", "StatefulSet"), "autogen-r");
        assert.equal(reportedRuleName("r", "CronJob"), "autogen-cronjob-r");
        assert.equal(reportedRuleName("x".repeat(70), "CronJob").length, 63);
    });

    it("ClusterPolicy: wraps a pattern under the template, rewrites request.object paths as text", () => {
        assert.deepEqual(autogenValidate({ pattern: { metadata: { labels: { a: "?*" } } } }, "Deployment"), { pattern: { spec: { template: { metadata: { labels: { a: "?*" } } } } } });
        assert.deepEqual(autogenValidate({ pattern: { spec: {} } }, "CronJob"), { pattern: { spec: { jobTemplate: { spec: { template: { spec: {} } } } } } });
        assert.deepEqual(autogenValidate({ foreach: [{ list: "request.object.spec.containers" }] }, "Job"), { foreach: [{ list: "request.object.spec.template.spec.containers" }] });
    });

    it("a label check written object.?metadata reads the controller's own labels, object.metadata the template's", () => {
        const deployment = asController("Deployment", labelled);
        const matchConstraints = { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }] };
        const vp = (expression: string) => ({ metadata: { name: "p" }, spec: { matchConstraints, validations: [{ expression, message: "m" }] } });
        // asController puts the labels on the template only.
        assert.equal(modelValidatingPolicy(vp("object.metadata.?labels[?'app.kubernetes.io/name'].orValue('') != ''"), [], "Deployment", deployment), "pass");
        assert.equal(modelValidatingPolicy(vp("object.?metadata.?labels[?'app.kubernetes.io/name'].orValue('') != ''"), [], "Deployment", deployment), "fail");
    });

    it("exceptions: skip in a listed namespace (kyverno.io/v2 by kind and rule; CEL by matchConditions on the object itself)", () => {
        const pod = (ns: string) => asController("CronJob", { ...labelled, metadata: { ...labelled.metadata, namespace: ns } });
        const inNs = (ns: string) => ({ ...pod(ns), metadata: { name: "x", namespace: ns } });
        const cp = clusterPolicyManifest(requireAppLabel) as unknown as Record<string, unknown>;
        const cpx = policyExceptionManifest(requireAppLabel, ["gitea"], "kyverno") as unknown as Record<string, unknown>;
        assert.equal(modelClusterPolicy(cp, [cpx], "CronJob", inNs("gitea")), "skip");
        assert.equal(modelClusterPolicy(cp, [cpx], "CronJob", inNs("jenkins-agents")), "pass");
        const vp = validatingPolicyManifest(requireAppLabel) as unknown as Record<string, unknown>;
        const vpx = celPolicyExceptionManifest(requireAppLabel, ["gitea"], "kyverno") as unknown as Record<string, unknown>;
        assert.equal(modelValidatingPolicy(vp, [vpx], "CronJob", inNs("gitea")), "skip");
        assert.notEqual(modelValidatingPolicy(vp, [vpx], "CronJob", inNs("jenkins-agents")), "skip");
        // An exception for another policy does not apply.
        const other = policyExceptionManifest(CATALOGUE[0]!, ["gitea"], "kyverno") as unknown as Record<string, unknown>;
        assert.equal(modelClusterPolicy(cp, [other], "CronJob", inNs("gitea")), "pass");
    });
});
