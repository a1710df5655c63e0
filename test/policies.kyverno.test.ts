// The Kyverno rendering of the catalogue: ClusterPolicy (default) and ValidatingPolicy (CEL), their
// PolicyExceptions, checked against Kyverno v1.19.0's CRD schemas with unknown fields as errors,
// and the KyvernoPolicies component's wiring under mocks.
import * as assert from "node:assert/strict";
import { Environment } from "@marcbachmann/cel-js";
import * as fs from "node:fs";
import * as k8s from "@pulumi/kubernetes";
import * as path from "node:path";
import { autogenRuleNames, CATALOGUE, requireAppLabel } from "../policies/catalogue";
import {
    AUTOGEN_KINDS,
    celPolicyExceptionManifest,
    clusterPolicyManifest,
    exemptList,
    KyvernoPolicies,
    policyExceptionManifest,
    validatingPolicyManifest,
    type KyvernoPoliciesArgs,
} from "../components/kyvernoPolicies";
import { CONTROLLERS } from "../policies/fixtures";
import { assertValidKyverno, isDeprecatedVersion, kyvernoSchemaProblems } from "./support/kyvernoSchema";
import { evalCelBool, runCel } from "./support/celEval";
import { applyReplacements, CEL_AUTOGEN_KINDS, celSpecFor } from "./support/kyvernoAutogen";
import { runProgram, type RecordedResource } from "./support/mocks";
import { devStackConfig, MINIMAL, SECRET_KEYS } from "./support/fixtures";
import { loadConfig } from "../config";

const EXEMPT = ["gitea", "jenkins", "kube-system", "kyverno", "longhorn-system"];

describe("Kyverno rendering", () => {
    describe("the schema checker", () => {
        it("rejects an unknown field (a typo the API server would prune), naming it", () => {
            const p = clusterPolicyManifest(CATALOGUE[0]!) as any;
            p.spec.rules[0].validate.failureActon = "Audit";
            assert.deepEqual(kyvernoSchemaProblems(p), ['ClusterPolicy/spec/rules/0/validate: must NOT have additional properties "failureActon"']);
        });
        it("rejects a bad enum and an unserved version", () => {
            const p = clusterPolicyManifest(CATALOGUE[0]!) as any;
            p.spec.rules[0].validate.failureAction = "Warn";
            assert.ok(kyvernoSchemaProblems(p).some((m) => m.includes("failureAction") && m.includes("allowed values")), kyvernoSchemaProblems(p).join("\n"));
            assert.deepEqual(kyvernoSchemaProblems({ apiVersion: "kyverno.io/v3", kind: "ClusterPolicy" }), ["kyverno.io/v3 ClusterPolicy is not served by Kyverno v1.19.0"]);
        });
        it("leaves x-kubernetes-preserve-unknown-fields subtrees open (patterns are free-form)", () => {
            const p = clusterPolicyManifest(CATALOGUE[0]!) as any;
            p.spec.rules[0].validate.pattern = { anything: { goes: "?*" } };
            assert.deepEqual(kyvernoSchemaProblems(p), []);
        });
    });

    describe("ClusterPolicy (kyverno.io/v1, default)", () => {
        for (const rule of CATALOGUE) {
            it(`${rule.name}: valid against the CRD, Audit per rule, Pods only (autogen on)`, () => {
                const p = clusterPolicyManifest(rule);
                assertValidKyverno(p);
                assert.equal(p.metadata.name, rule.name);
                assert.equal((p.spec as Record<string, unknown>).validationFailureAction, undefined, "spec-level validationFailureAction is deprecated since 1.13");
                assert.equal(p.spec.background, true);
                assert.equal(p.spec.rules.length, 1);
                const r = p.spec.rules[0]!;
                assert.equal(r.name, rule.ruleName);
                assert.equal(r.validate.failureAction, "Audit");
                assert.deepEqual(r.match, { any: [{ resources: { kinds: ["Pod"] } }] });
                assert.equal(p.metadata.annotations["pulumi.com/patchForce"], "true");
                assert.equal(p.metadata.annotations["policies.kyverno.io/severity"], rule.severity);
                assert.equal(clusterPolicyManifest(rule, false).metadata.annotations["pulumi.com/patchForce"], undefined);
            });
        }
        it("renders presence checks as an anchored pattern and regex checks as foreach/deny", () => {
            assert.deepEqual((clusterPolicyManifest(CATALOGUE[0]!).spec.rules[0]!.validate as any).pattern, {
                spec: {
                    containers: [{ resources: { requests: { cpu: "?*", memory: "?*" } } }],
                    "=(initContainers)": [{ resources: { requests: { cpu: "?*", memory: "?*" } } }],
                },
            });
            const latest = clusterPolicyManifest(CATALOGUE[1]!).spec.rules[0]!.validate as any;
            assert.deepEqual(
                latest.foreach.map((f: any) => f.list),
                ["request.object.spec.containers", "request.object.spec.initContainers", "request.object.spec.ephemeralContainers"],
            );
            assert.match(latest.foreach[0].deny.conditions.any[0].key, /^\{\{ regex_match\('\^.*\$', element\.image \|\| ''\) \}\}$/);
            assert.deepEqual((clusterPolicyManifest(CATALOGUE[2]!).spec.rules[0]!.validate as any).pattern, { metadata: { labels: { "app.kubernetes.io/name": "?*" } } });
        });
    });

    describe("ValidatingPolicy (policies.kyverno.io/v1, CEL)", () => {
        const env = new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true });
        for (const rule of CATALOGUE) {
            it(`${rule.name}: valid against the CRD, Audit, Pods only, expressions parse`, () => {
                const p = validatingPolicyManifest(rule);
                assertValidKyverno(p);
                assert.equal(isDeprecatedVersion(p.apiVersion, p.kind), false);
                assert.deepEqual(p.spec.validationActions, ["Audit"]);
                assert.deepEqual(p.spec.evaluation, { background: { enabled: true } });
                assert.deepEqual(p.spec.matchConstraints.resourceRules, [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }]);
                assert.equal((p.spec as Record<string, unknown>).autogen, undefined, "default autogen covers every Pod controller");
                assert.equal(p.spec.validations.length, rule.assertions.length);
                for (const v of [...p.spec.validations, ...(p.spec.variables ?? [])]) {
                    assert.doesNotThrow(() => env.parse(v.expression), v.expression);
                    // Kyverno's CEL autogen rewrites the literal text object.spec / object.metadata only:
                    // an optional select on them (object.?metadata) would keep reading the controller.
                    assert.match(v.expression, /\b(object\.(spec|metadata)\b|variables\.)/);
                    assert.doesNotMatch(v.expression, /\bobject\.\?/);
                }
            });
        }
    });

    describe("CEL autogen as Kyverno does it (pkg/cel/autogen)", () => {
        it("the support rewrites text exactly as replacement.go does, per version (kyverno replacement_test.go cases)", () => {
            assert.equal(applyReplacements("object.spec", "defaults"), "object.spec.template.spec");
            assert.equal(applyReplacements("oldObject.spec", "cronjobs"), "oldObject.spec.jobTemplate.spec.template.spec");
            assert.equal(applyReplacements("object.metadata.labels['app']", "defaults"), "object.spec.template.metadata.labels['app']");
            assert.equal(applyReplacements("object.metadata.namespace", "cronjobs", "v1.19"), "object.metadata.namespace", "v1.19 protects .namespace");
            assert.equal(applyReplacements("object.metadata.namespaceFoo", "defaults", "v1.19"), "object.spec.template.metadata.namespaceFoo");
            assert.equal(applyReplacements("object.metadata.namespace", "defaults", "v1.18"), "object.spec.template.metadata.namespace", "v1.17/v1.18: plain ReplaceAll");
            assert.equal(applyReplacements("object.?metadata.?labels", "defaults"), "object.?metadata.?labels", "an optional select is never rewritten");
        });

        it("CEL autogen covers DaemonSet, Deployment, ReplicaSet, StatefulSet, Job, CronJob — no ReplicationController", () => {
            assert.deepEqual(Object.keys(CEL_AUTOGEN_KINDS).sort(), ["CronJob", "DaemonSet", "Deployment", "Job", "ReplicaSet", "StatefulSet"]);
            const spec = validatingPolicyManifest(CATALOGUE[0]!).spec;
            assert.equal(celSpecFor(spec, "ReplicationController"), undefined);
            assert.ok(celSpecFor(spec, "Deployment"));
            assert.equal(celSpecFor({ ...spec, matchConstraints: { resourceRules: [{ apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments"] }] } }, "Deployment"), undefined, "CanAutoGen: pods only");
            // The ClusterPolicy autogen (pkg/autogen/v1) does cover it, and the exceptions match it.
            assert.ok(AUTOGEN_KINDS.includes("ReplicationController"));
            const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "policies.md"), "utf8");
            assert.doesNotMatch(doc, /same autogen/i);
            assert.match(doc, /no ReplicationController/);
        });

        it("a controller is judged on its Pod template, never on its own labels", () => {
            const spec = validatingPolicyManifest(requireAppLabel).spec;
            const deployment = (own: Record<string, string>, template: Record<string, string> | undefined) => ({
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "d", namespace: "team", labels: own },
                spec: { selector: { matchLabels: { x: "y" } }, template: { ...(template ? { metadata: { labels: template } } : {}), spec: { containers: [{ name: "c", image: "nginx:1.29" }] } } },
            });
            const label = { "app.kubernetes.io/name": "d" };
            for (const v of ["v1.17", "v1.19"] as const) {
                const rewritten = celSpecFor(spec, "Deployment", v)!;
                assert.match(rewritten.validations[0]!.expression, /object\.spec\.template\.metadata\.\?labels/);
                assert.deepEqual(runCel(rewritten, deployment(label, {})), [requireAppLabel.assertions[0]!.message], `${v}: labelled controller, bare template`);
                assert.deepEqual(runCel(rewritten, deployment({}, label)), [], `${v}: bare controller, labelled template`);
                assert.deepEqual(runCel(rewritten, deployment(label, undefined)), [requireAppLabel.assertions[0]!.message], `${v}: a template without metadata fails, not errors`);
            }
            const cron = celSpecFor(spec, "CronJob")!;
            assert.match(cron.validations[0]!.expression, /object\.spec\.jobTemplate\.spec\.template\.metadata\.\?labels/);
        });
    });

    describe("PolicyExceptions", () => {
        for (const rule of CATALOGUE) {
            it(`${rule.name}: kyverno.io/v2, one policy, its rule and both autogen rules, Pods and controllers of the listed namespaces`, () => {
                const e = policyExceptionManifest(rule, EXEMPT, "kyverno");
                assertValidKyverno(e);
                assert.equal(isDeprecatedVersion(e.apiVersion, e.kind), false);
                assert.equal(e.metadata.namespace, "kyverno");
                assert.deepEqual(e.spec.exceptions, [{ policyName: rule.name, ruleNames: [rule.ruleName, `autogen-${rule.ruleName}`, `autogen-cronjob-${rule.ruleName}`] }]);
                assert.deepEqual(e.spec.match.any[0]!.resources.namespaces, EXEMPT);
                const kinds = e.spec.match.any[0]!.resources.kinds;
                for (const k of ["Pod", ...CONTROLLERS.map((c) => c.kind)]) assert.ok(kinds.includes(k), `${k} missing`);
                assert.equal(e.spec.match.any.length, 1);
            });
            it(`${rule.name}: policies.kyverno.io/v1 exception for the ValidatingPolicy matches only the listed namespaces`, () => {
                const e = celPolicyExceptionManifest(rule, EXEMPT, "kyverno");
                assertValidKyverno(e);
                assert.deepEqual(e.spec.policyRefs, [{ name: rule.name, kind: "ValidatingPolicy" }]);
                const [cond] = e.spec.matchConditions;
                for (const ns of EXEMPT) assert.equal(evalCelBool(cond!.expression, { object: { metadata: { namespace: ns } } }), true, ns);
                assert.equal(evalCelBool(cond!.expression, { object: { metadata: { namespace: "jenkins-agents" } } }), false);
                assert.equal(evalCelBool(cond!.expression, { object: { metadata: {} } }), false);
            });
        }
        it("Kyverno's default autogen controllers are all matched", () => {
            assert.deepEqual([...AUTOGEN_KINDS].sort(), ["CronJob", "DaemonSet", "Deployment", "Job", "ReplicaSet", "ReplicationController", "StatefulSet"]);
        });
        it("never exempts the agents namespace; sorts and de-duplicates", () => {
            assert.deepEqual(exemptList(["kyverno", "gitea", "kyverno"], "jenkins-agents"), ["gitea", "kyverno"]);
            assert.throws(() => exemptList(["gitea", "jenkins-agents"], "jenkins-agents"), /agents namespace "jenkins-agents"/);
        });
    });
});

describe("KyvernoPolicies component (mock mode)", () => {
    const args = (over: Partial<KyvernoPoliciesArgs> = {}): KyvernoPoliciesArgs => ({
        namespace: "kyverno",
        exceptionNamespace: "kyverno",
        systemNamespaces: ["kube-system", "longhorn-system"],
        policyType: "ClusterPolicy",
        exemptNamespaces: ["gitea", "jenkins"],
        agentsNamespace: "jenkins-agents",
        ...over,
    });
    const build = (a: KyvernoPoliciesArgs) => runProgram({ ...MINIMAL }, { secretKeys: SECRET_KEYS }, () => new KyvernoPolicies("policies", a));

    it("creates one ClusterPolicy and one narrow PolicyException per rule, parented, named from the component", async () => {
        const run = await build(args());
        if (run.error) throw run.error;
        const r = run.recorder;
        const comp = r.one("cistack:policy:KyvernoPolicies");
        const policies = r.ofType("kubernetes:kyverno.io/v1:ClusterPolicy");
        const exceptions = r.ofType("kubernetes:kyverno.io/v2:PolicyException");
        // Registration order is not deterministic (resources register asynchronously).
        assert.deepEqual(policies.map((p) => [p.name, p.inputs.metadata.name]).sort(), CATALOGUE.map((x) => [`policies-${x.name}`, x.name]).sort());
        assert.deepEqual(exceptions.map((e) => e.name).sort(), CATALOGUE.map((x) => `policies-${x.name}-exception`).sort());
        for (const res of [...policies, ...exceptions]) {
            assert.equal(res.parent, comp.urn);
            assertValidKyverno(res.inputs);
        }
        for (const rule of CATALOGUE) {
            const e = r.named(`policies-${rule.name}-exception`);
            assert.deepEqual(e.inputs.spec.match.any[0].resources.namespaces, EXEMPT);
            assert.equal(e.inputs.metadata.namespace, "kyverno");
            assert.deepEqual(e.inputs.spec.exceptions, [{ policyName: rule.name, ruleNames: autogenRuleNames(rule) }]);
            assert.ok(e.dependsOn.includes(r.named(`policies-${rule.name}`).urn), "exception created after its policy");
        }
        assert.deepEqual(r.ofType("kubernetes:policies.kyverno.io/v1:ValidatingPolicy"), []);
    });

    it("policyType ValidatingPolicy renders CEL policies and policies.kyverno.io exceptions", async () => {
        const run = await build(args({ policyType: "ValidatingPolicy", exceptionNamespace: "policy-exceptions" }));
        if (run.error) throw run.error;
        const vps = run.recorder.ofType("kubernetes:policies.kyverno.io/v1:ValidatingPolicy");
        const exs = run.recorder.ofType("kubernetes:policies.kyverno.io/v1:PolicyException");
        assert.equal(vps.length, CATALOGUE.length);
        assert.equal(exs.length, CATALOGUE.length);
        for (const x of [...vps, ...exs]) assertValidKyverno(x.inputs);
        assert.deepEqual(exs.map((e) => e.inputs.metadata.namespace), CATALOGUE.map(() => "policy-exceptions"));
        assert.deepEqual(run.recorder.ofType("kubernetes:kyverno.io/v1:ClusterPolicy"), []);
    });

    it("rejects the agents namespace among the system namespaces, naming the argument", async () => {
        const run = await build(args({ systemNamespaces: ["kube-system", "jenkins-agents"] }));
        assert.match(String(run.error?.message), /systemNamespaces: "jenkins-agents" is the agents namespace/);
    });

    it("takes its args from StackConfig[\"kyverno\"] as index.ts wires it (agents namespace audited)", async () => {
        const run = await runProgram(devStackConfig(), { secretKeys: SECRET_KEYS }, () => {
            const cfg = loadConfig();
            return new KyvernoPolicies("policies", {
                ...cfg.kyverno,
                exemptNamespaces: [cfg.gitea.namespace, cfg.jenkins.namespace],
                agentsNamespace: cfg.agents.namespace,
            });
        });
        if (run.error) throw run.error;
        for (const e of run.recorder.ofType("kubernetes:kyverno.io/v2:PolicyException")) {
            assert.deepEqual(e.inputs.spec.match.any[0].resources.namespaces, EXEMPT);
            assert.ok(!e.inputs.spec.match.any[0].resources.namespaces.includes("jenkins-agents"));
        }
    });

    it("adoption: the docs use the pinned provider's upsert switch, not a create that no longer upserts", async () => {
        // @pulumi/kubernetes >= 4.29 creates client-side (pulumi/pulumi-kubernetes#2926): an existing
        // policy fails with AlreadyExists unless the provider has upsertExistingObjects.
        const version = (require("@pulumi/kubernetes/package.json") as { version: string }).version;
        const [major, minor] = version.split(".").map(Number) as [number, number];
        assert.ok(major > 4 || (major === 4 && minor >= 29), `@pulumi/kubernetes ${version}`);
        const run = await runProgram({ ...MINIMAL }, {}, () => new k8s.Provider("adopt", { upsertExistingObjects: true }));
        if (run.error) throw run.error;
        assert.equal(run.recorder.one("pulumi:providers:kubernetes").inputs.upsertExistingObjects, "true", "the SDK passes the switch to the provider");
        const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "policies.md"), "utf8");
        const section = doc.slice(doc.indexOf("**Adopting policies that already exist.**"), doc.indexOf("## In pull requests"));
        assert.match(section, /AlreadyExists/);
        assert.match(section, /pulumi config set kubernetes:upsertExistingObjects true/);
        assert.match(section, /pulumi config rm kubernetes:upsertExistingObjects/);
        assert.doesNotMatch(section, /creates with server-side apply, which \*upserts\*/);
    });

    it("adoptExisting: false drops the patchForce annotation", async () => {
        const run = await build(args({ adoptExisting: false }));
        if (run.error) throw run.error;
        const all: RecordedResource[] = run.recorder.ofType("kubernetes:kyverno.io/v1:ClusterPolicy");
        for (const p of all) assert.equal(p.inputs.metadata.annotations["pulumi.com/patchForce"], undefined);
    });
});
