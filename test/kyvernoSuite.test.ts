// The Kyverno CLI suite generator (scripts/kyvernoSuite.ts), offline: its layout and Test files follow
// kyverno v1.19.0's cli.kyverno.io/v1alpha1 Test schema, and it covers every fixture, both renderings,
// every Pod controller and the exceptions. `npm run test:kyverno` runs the suite with the real CLI.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { CATALOGUE } from "../policies/catalogue";
import { FIXTURES } from "../policies/fixtures";
import { defaultSuiteOptions, suiteCases, suiteFiles, WORKLOAD_KINDS, writeKyvernoSuite, type SuiteOptions } from "../scripts/kyvernoSuite";
import { assertValidKyverno } from "./support/kyvernoSchema";
import { assertValidK8s } from "./support/k8sSchema";

// Fields of kyverno v1.19.0 cmd/cli/kubectl-kyverno/apis/v1alpha1/test.go (Test) and test_result.go
// (TestResultBase + TestResultData) that the generator may use.
const TEST_FIELDS = new Set(["apiVersion", "kind", "metadata", "policies", "resources", "exceptions", "results"]);
const RESULT_FIELDS = new Set(["policy", "rule", "isValidatingPolicy", "kind", "resources", "result"]);

describe("Kyverno CLI suite generator", () => {
    const opts = defaultSuiteOptions();
    const cases = suiteCases(opts);
    const files = suiteFiles(opts, cases);

    it("takes the exempt namespaces as the program does from the config defaults; the agents namespace is never exempt", () => {
        assert.deepEqual(opts, {
            agentsNamespace: "jenkins-agents",
            exemptNamespaces: ["gitea", "jenkins", "kube-system", "kyverno", "longhorn-system"],
            exceptionNamespace: "kyverno",
        });
        assert.throws(() => suiteCases({ ...opts, exemptNamespaces: ["gitea", "jenkins-agents"] }), /agents namespace jenkins-agents cannot be exempt/);
    });

    it("every fixture, as a Pod and in each of the six controllers, for both renderings, in the agents namespace and an exempt one", () => {
        const fixtures = CATALOGUE.reduce((n, r) => n + FIXTURES[r.name]!.pass.length + FIXTURES[r.name]!.fail.length, 0);
        assert.deepEqual(WORKLOAD_KINDS, ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);
        assert.equal(cases.length, fixtures * WORKLOAD_KINDS.length * 2 /* renderings */ * 2 /* agents + exempt namespace */);
        for (const c of cases) {
            if (c.namespace === opts.agentsNamespace) assert.equal(c.expected, c.fixtureVerdict, c.name);
            else {
                assert.ok(opts.exemptNamespaces.includes(c.namespace), c.namespace);
                assert.equal(c.expected, "skip", c.name);
            }
        }
        // Every exempt namespace is exercised, with pass and fail fixtures.
        for (const ns of opts.exemptNamespaces) assert.ok(cases.some((c) => c.namespace === ns), ns);
        assert.ok(cases.some((c) => c.expected === "skip" && c.fixtureVerdict === "fail"));
    });

    it("names each resource uniquely within a policy folder (kyverno test matches results by name), within the 52-character CronJob limit", () => {
        for (const folder of new Set(cases.map((c) => `${c.rendering}/${c.policy}`))) {
            const names = cases.filter((c) => `${c.rendering}/${c.policy}` === folder).map((c) => c.name);
            assert.equal(new Set(names).size, names.length, folder);
        }
        for (const c of cases) {
            assert.ok(c.name.length <= 52, c.name);
            assert.equal((c.object.metadata as { name: string }).name, c.name);
            assert.equal((c.object.metadata as { namespace: string }).namespace, c.namespace);
        }
    });

    it("expects the rule names Kyverno's autogen reports for ClusterPolicy, and rule-less results for ValidatingPolicy", () => {
        const cp = (kind: string) => cases.find((c) => c.rendering === "ClusterPolicy" && c.policy === "require-resources" && c.kind === kind)!.rule;
        assert.equal(cp("Pod"), "require-container-requests");
        assert.equal(cp("Deployment"), "autogen-require-container-requests");
        assert.equal(cp("Job"), "autogen-require-container-requests");
        assert.equal(cp("CronJob"), "autogen-cronjob-require-container-requests");
        assert.ok(cases.filter((c) => c.rendering === "ValidatingPolicy").every((c) => c.rule === ""));
    });

    it("lays each policy out as kyverno/policies does, with a v1alpha1 Test naming only schema fields", () => {
        const test = parse(files["cluster-policy/require-resources/.kyverno-test/kyverno-test.yaml"]!);
        assert.deepEqual(Object.keys(test).filter((k) => !TEST_FIELDS.has(k)), []);
        assert.equal(test.apiVersion, "cli.kyverno.io/v1alpha1");
        assert.equal(test.kind, "Test");
        assert.deepEqual(test.policies, ["../require-resources.yaml"]);
        assert.deepEqual(test.resources, ["pass.yaml", "fail.yaml", "exempt.yaml"]);
        assert.deepEqual(test.exceptions, ["exception.yaml"]);
        for (const r of test.results) assert.deepEqual(Object.keys(r).filter((k) => !RESULT_FIELDS.has(k)), []);
        const vp = parse(files["validating-policy/require-app-label/.kyverno-test/kyverno-test.yaml"]!);
        assert.ok(vp.results.every((r: Record<string, unknown>) => r.isValidatingPolicy === true && !("rule" in r)));
        assert.deepEqual(Object.keys(files).filter((f) => f.startsWith("cluster-policy/require-resources/")).sort(), [
            "cluster-policy/require-resources/.kyverno-test/exception.yaml",
            "cluster-policy/require-resources/.kyverno-test/exempt.yaml",
            "cluster-policy/require-resources/.kyverno-test/fail.yaml",
            "cluster-policy/require-resources/.kyverno-test/kyverno-test.yaml",
            "cluster-policy/require-resources/.kyverno-test/pass.yaml",
            "cluster-policy/require-resources/require-resources.yaml",
        ]);
    });

    it("every expected result names exactly the generated resources, once", () => {
        for (const [file, text] of Object.entries(files).filter(([f]) => f.endsWith("kyverno-test.yaml"))) {
            const dir = path.dirname(file);
            const test = parse(text);
            const listed = test.results.flatMap((r: { resources: string[] }) => r.resources).sort();
            const resources = test.resources.flatMap((f: string) =>
                parseAllDocuments(files[path.join(dir, f)]!).map((d) => {
                    const o = d.toJS();
                    return `${o.metadata.namespace}/${o.metadata.name}`;
                }),
            );
            assert.deepEqual(listed, resources.sort(), file);
        }
    });

    it("writes the policies and exceptions as the program renders them, valid against Kyverno's CRDs; resources valid Kubernetes objects", async () => {
        for (const [file, text] of Object.entries(files)) {
            if (/\/[a-z-]+\/[a-z-]+\.yaml$/.test(file) || file.endsWith("exception.yaml")) assertValidKyverno(parse(text));
        }
        for (const c of cases.filter((x) => x.rendering === "ClusterPolicy" && x.namespace === opts.agentsNamespace)) await assertValidK8s(c.object);
    });

    it("writes into an empty directory only, and the files it lists", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "suite-test-"));
        try {
            const small: SuiteOptions = { ...opts, rules: [CATALOGUE[2]!] };
            const s = writeKyvernoSuite(dir, small);
            assert.equal(s.files.length, 12);
            for (const f of s.files) assert.ok(fs.existsSync(path.join(dir, f)), f);
            assert.throws(() => writeKyvernoSuite(dir, small), /is not empty/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
