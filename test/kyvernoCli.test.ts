// Reading the Kyverno CLI's output (scripts/lib/kyvernoCli.ts), on output kubectl-kyverno v1.19.0
// printed (trimmed to a few results).
import * as assert from "node:assert/strict";
import { applyArgs, parseApplyReports, parseTestRows, parseTestSummary } from "../scripts/lib/kyvernoCli";

// `kyverno apply <ClusterPolicy> --resource … --policy-report --output-format json --remove-color`
const APPLY_CLUSTER_POLICY =
    '{"kind":"ClusterReport","apiVersion":"openreports.io/v1alpha1","metadata":{"name":"merged"},"source":"","summary":{"pass":1,"fail":1,"warn":0,"error":0,"skip":0},"results":[' +
    '{"source":"kyverno","policy":"require-app-label","rule":"autogen-require-app-name-label","category":"Best Practices","severity":"low","timestamp":{"seconds":1795993186,"nanos":0},"result":"pass","scored":true,"resources":[{"kind":"Job","namespace":"jenkins-agents","name":"job-pass0-agent","apiVersion":"batch/v1"}],"message":"validation rule \'autogen-require-app-name-label\' passed.","properties":{"process":"background scan"}},' +
    '{"source":"kyverno","policy":"require-app-label","rule":"autogen-cronjob-require-app-name-label","category":"Best Practices","severity":"low","timestamp":{"seconds":1795993186,"nanos":0},"result":"fail","scored":true,"resources":[{"kind":"CronJob","namespace":"jenkins-agents","name":"cj-fail0-unlabelled","apiVersion":"batch/v1"}],"message":"validation error: The label app.kubernetes.io/name is required. rule autogen-cronjob-require-app-name-label failed at path /spec/jobTemplate/spec/template/metadata/labels/app.kubernetes.io/name/","properties":{"process":"background scan"}}]}\n';

// The same for a ValidatingPolicy: results carry no rule name, whatever the kind (autogen included).
const APPLY_VALIDATING_POLICY =
    '{"kind":"ClusterReport","apiVersion":"openreports.io/v1alpha1","metadata":{"name":"merged"},"source":"","summary":{"pass":1,"fail":0,"warn":0,"error":0,"skip":0},"results":[' +
    '{"source":"KyvernoValidatingPolicy","policy":"require-resources","category":"Best Practices","severity":"medium","timestamp":{"seconds":1795993316,"nanos":0},"result":"pass","scored":true,"resources":[{"kind":"Deployment","namespace":"default","name":"nons","apiVersion":"apps/v1"}],"message":"success","properties":{"process":"background scan"}}]}\n';

// `kyverno test <dir> --output-format json --detailed-results --remove-color`
const TEST_OUTPUT = `Loading test  ( /tmp/small/cluster-policy/require-app-label/.kyverno-test/kyverno-test.yaml ) ...
  Loading values/variables ...
  Loading policies ...
  Loading resources ...
  Loading exceptions ...
  Applying 1 policy to 70 resources with 1 exception ...
  Checking results ...

[
  {
    "ID": 1,
    "Message": "validation rule 'require-app-name-label' passed.",
    "POLICY": "require-app-label",
    "REASON": "Ok",
    "RESOURCE": "v1/Pod/jenkins-agents/cp-pod-pass0-agent",
    "RESULT": "Pass",
    "RULE": "require-app-name-label"
  },
  {
    "ID": 2,
    "Message": "rule is skipped due to policy exceptionskyverno/require-app-label-system-namespaces",
    "POLICY": "require-app-label",
    "REASON": "Want pass, got skip",
    "RESOURCE": "v1/Pod/gitea/cp-pod-pass0-agent-x",
    "RESULT": "Fail",
    "RULE": "require-app-name-label"
  }
]


Test Summary: 1 tests passed and 1 tests failed

`;

describe("Kyverno CLI output", () => {
    it("builds a report-producing apply: no --audit-warn (an Audit failure must count as fail)", () => {
        assert.deepEqual(applyArgs({ policies: ["p.yaml"], resources: ["a.yaml", "b.yaml"], exceptions: ["e.yaml"] }), [
            "apply", "p.yaml", "--resource", "a.yaml", "--resource", "b.yaml", "--exception", "e.yaml", "--policy-report", "--output-format", "json", "--remove-color",
        ]);
        assert.throws(() => applyArgs({ policies: [], resources: ["a"] }), /no policy file/);
    });

    it("reads every result of a policy report, with its rule (ClusterPolicy) and its subject", () => {
        assert.deepEqual(parseApplyReports(`Applying…\n${APPLY_CLUSTER_POLICY}`), [
            { policy: "require-app-label", rule: "autogen-require-app-name-label", result: "pass", message: "validation rule 'autogen-require-app-name-label' passed.", subjects: [{ kind: "Job", namespace: "jenkins-agents", name: "job-pass0-agent", apiVersion: "batch/v1" }] },
            {
                policy: "require-app-label",
                rule: "autogen-cronjob-require-app-name-label",
                result: "fail",
                message: "validation error: The label app.kubernetes.io/name is required. rule autogen-cronjob-require-app-name-label failed at path /spec/jobTemplate/spec/template/metadata/labels/app.kubernetes.io/name/",
                subjects: [{ kind: "CronJob", namespace: "jenkins-agents", name: "cj-fail0-unlabelled", apiVersion: "batch/v1" }],
            },
        ]);
        assert.deepEqual(parseApplyReports(APPLY_VALIDATING_POLICY).map((r) => [r.policy, r.rule, r.result]), [["require-resources", "", "pass"]]);
    });

    it("never reads output it does not understand as 'no findings'", () => {
        assert.throws(() => parseApplyReports("Error: failed to load policies\n"), /printed no policy report/);
        assert.throws(() => parseApplyReports('{"kind":"ClusterReport","results":[{"policy":"p","result":"maybe"}]}'), /unexpected report result/);
    });

    it("reads kyverno test rows and its summary", () => {
        assert.deepEqual(parseTestSummary(TEST_OUTPUT), { passed: 1, failed: 1 });
        assert.equal(parseTestSummary("nothing"), undefined);
        const rows = parseTestRows(TEST_OUTPUT);
        assert.deepEqual(rows.map((r) => [r.id, r.resource, r.result, r.reason]), [
            [1, "v1/Pod/jenkins-agents/cp-pod-pass0-agent", "Pass", "Ok"],
            [2, "v1/Pod/gitea/cp-pod-pass0-agent-x", "Fail", "Want pass, got skip"],
        ]);
        assert.equal(rows[1]!.message, "rule is skipped due to policy exceptionskyverno/require-app-label-system-namespaces");
    });
});
