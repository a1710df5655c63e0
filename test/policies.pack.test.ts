// The Pulumi policy pack: its policies run through validateResource the way CrossGuard runs them,
// on the preview-only fixtures, with config and unknowns; then on every resource the whole program
// registers in mock mode. (The catalogue rules × fixtures are in policies.catalogue.test.ts.)
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ROLLOUT_ANNOTATION } from "../components/rollout";
import { CATALOGUE } from "../policies/catalogue";
import { HELM_TYPES, packPolicies, POD_TYPES, previewPolicies } from "../policies/pack";
import { asController, CONTROLLERS, HELM_VALUES_FIXTURES, PRIVILEGED_FIXTURES, RUNTIME_SOCKET_FIXTURES, SHARED_PVC_FIXTURES, type RuleFixtures } from "../policies/fixtures";
import { entropy, isRuntimeSocketPath, looksRandom, secretValueFindings, SHARED_ACROSS_NODES_LABEL } from "../policies/previewRules";
import { runPolicy, runPolicyDetailed, UNKNOWN_STRING, type Violation } from "./support/crossguard";
import { runProgram } from "./support/mocks";
import { devStackConfig, SECRET_KEYS } from "./support/fixtures";

const ROOT = path.resolve(__dirname, "..");
const POLICIES = path.join(ROOT, "policies");
const policy = (name: string) => packPolicies().find((p) => p.name === name)!;

describe("policy pack", () => {
    it("holds the catalogue's rules and the preview-only rules, with deliberate enforcement levels", () => {
        assert.deepEqual(
            packPolicies().map((p) => [p.name, p.enforcementLevel, p.severity]),
            [
                ["require-resources", "mandatory", "medium"],
                ["disallow-latest-tag", "mandatory", "medium"],
                ["require-app-label", "advisory", "low"],
                ["no-privileged-containers", "mandatory", "high"],
                ["no-runtime-socket", "mandatory", "high"],
                ["shared-pvc-rwx", "mandatory", "medium"],
                ["helm-values-no-plaintext-secrets", "mandatory", "high"],
            ],
        );
        for (const p of packPolicies()) assert.ok(p.description.length > 20 && typeof p.validateResource === "function", p.name);
    });

    it("looks for Pod templates in Pods and every controller kind", () => {
        for (const t of ["kubernetes:core/v1:Pod", ...CONTROLLERS.map((c) => c.type)]) assert.ok(POD_TYPES.includes(t), t);
    });

    const podFixtureCases = (name: string, fx: RuleFixtures) => {
        for (const [expected, list] of [["pass", fx.pass], ["fail", fx.fail]] as const) {
            for (const f of list) {
                for (const s of [{ kind: "Pod", type: "kubernetes:core/v1:Pod" }, ...CONTROLLERS]) {
                    it(`${name} ${expected}s: ${f.name} [${s.kind}]`, async () => {
                        const obj = s.kind === "Pod" ? (f.pod as any) : asController(s.kind as any, f.pod);
                        const v = await runPolicy(policy(name), { type: s.type, name: f.pod.metadata.name, props: obj });
                        assert.equal(v.length > 0 ? "fail" : "pass", expected, JSON.stringify(v));
                    });
                }
            }
        }
    };
    podFixtureCases("no-privileged-containers", PRIVILEGED_FIXTURES);
    podFixtureCases("no-runtime-socket", RUNTIME_SOCKET_FIXTURES);

    for (const [expected, list] of [["pass", SHARED_PVC_FIXTURES.pass], ["fail", SHARED_PVC_FIXTURES.fail]] as const) {
        for (const f of list) {
            it(`shared-pvc-rwx ${expected}s: ${f.name}`, async () => {
                const v = await runPolicy(policy("shared-pvc-rwx"), { type: "kubernetes:core/v1:PersistentVolumeClaim", props: f.object });
                assert.equal(v.length > 0 ? "fail" : "pass", expected, JSON.stringify(v));
            });
        }
    }

    for (const [expected, list] of [["pass", HELM_VALUES_FIXTURES.pass], ["fail", HELM_VALUES_FIXTURES.fail]] as const) {
        for (const f of list) {
            for (const type of HELM_TYPES) {
                it(`helm-values-no-plaintext-secrets ${expected}s: ${f.name} [${type}]`, async () => {
                    const v = await runPolicy(policy("helm-values-no-plaintext-secrets"), { type, props: f.object });
                    assert.equal(v.length > 0 ? "fail" : "pass", expected, JSON.stringify(v));
                });
            }
        }
    }

    describe("messages, config and unknowns", () => {
        it("names the resource, the place and the reason", async () => {
            const v = await runPolicy(policy("no-runtime-socket"), { type: "kubernetes:core/v1:Pod", name: "builder", props: RUNTIME_SOCKET_FIXTURES.fail[0]!.pod as any });
            assert.deepEqual(v.map((x) => x.message), [
                "kubernetes:core/v1:Pod builder: spec.volumes[0] (sock): hostPath /var/run/docker.sock exposes the container runtime socket (build with Kaniko, not the node's daemon)",
            ]);
            const h = await runPolicy(policy("helm-values-no-plaintext-secrets"), { type: "kubernetes:helm.sh/v3:Release", name: "gitea", props: HELM_VALUES_FIXTURES.fail[0]!.object });
            assert.equal(h.length, 1);
            assert.match(h[0]!.message, /values\.gitea\.admin\.password: key "password" names a credential/);
        });

        it("allowPaths accepts a deliberate value; enforcementLevel can be changed or disabled", async () => {
            const p = policy("helm-values-no-plaintext-secrets");
            const props = HELM_VALUES_FIXTURES.fail[0]!.object;
            assert.deepEqual(await runPolicy(p, { type: "kubernetes:helm.sh/v3:Release", props }, { allowPaths: ["gitea.admin.password"] }), []);
            assert.deepEqual(await runPolicy(p, { type: "kubernetes:helm.sh/v3:Release", props }, { enforcementLevel: "disabled" }), []);
            const v = await runPolicy(policy("require-app-label"), { type: "kubernetes:core/v1:Pod", props: { metadata: { name: "x" }, spec: { containers: [] } } }, { enforcementLevel: "mandatory" });
            assert.deepEqual(v.map((x) => x.enforcementLevel), ["mandatory"]);
        });

        it("exemptNamespaces mirrors the Kyverno exceptions for the catalogue rules", async () => {
            const props = { metadata: { name: "x", namespace: "kube-system" }, spec: { containers: [{ name: "c", image: "nginx" }] } };
            assert.equal((await runPolicy(policy("disallow-latest-tag"), { type: "kubernetes:core/v1:Pod", props })).length, 1);
            assert.deepEqual(await runPolicy(policy("disallow-latest-tag"), { type: "kubernetes:core/v1:Pod", props }, { exemptNamespaces: ["kube-system"] }), []);
        });

        it("a namespace unknown during preview skips an exemptable rule (not applicable) instead of a mandatory violation", async () => {
            const pod = (namespace: unknown) => ({ metadata: { name: "x", namespace }, spec: { containers: [{ name: "c", image: "nginx" }] } });
            const p = policy("disallow-latest-tag");
            const exempt = { exemptNamespaces: ["kube-system"] };
            const unknown = await runPolicyDetailed(p, { type: "kubernetes:core/v1:Pod", props: pod(UNKNOWN_STRING) }, exempt);
            assert.deepEqual(unknown.violations, [], "the cluster would not report it if the namespace turns out exempt");
            assert.equal(unknown.notApplicable.length, 1);
            assert.match(unknown.notApplicable[0]!, /metadata\.namespace is unknown during preview.*kube-system.*pulumi up/);
            // Known namespaces, and no exemptions at all, are judged as always.
            assert.equal((await runPolicy(p, { type: "kubernetes:core/v1:Pod", props: pod("team") }, exempt)).length, 1);
            assert.deepEqual(await runPolicy(p, { type: "kubernetes:core/v1:Pod", props: pod("kube-system") }, exempt), []);
            assert.equal((await runPolicy(p, { type: "kubernetes:core/v1:Pod", props: pod(UNKNOWN_STRING) })).length, 1, "nothing exempt: the namespace does not matter");
            // A Pod that passes needs no namespace to pass.
            const good = { ...pod(UNKNOWN_STRING), spec: { containers: [{ name: "c", image: "nginx:1.29" }] } };
            assert.deepEqual(await runPolicyDetailed(p, { type: "kubernetes:core/v1:Pod", props: good }, exempt), { violations: [], notApplicable: [] });
        });

        it("values unknown during preview are skipped, not reported and not fatal", async () => {
            const values = { gitea: { admin: { password: UNKNOWN_STRING, username: "gitea-admin" } }, token: "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB" };
            const v = await runPolicy(policy("helm-values-no-plaintext-secrets"), { type: "kubernetes:helm.sh/v3:Release", props: { values } });
            assert.deepEqual(v.map((x) => x.message), ["kubernetes:helm.sh/v3:Release r: values.token: looks like a GitHub token; put it in a Secret and point the chart at it (existingSecret-style)"]);
            const pod = { metadata: { name: "p", labels: { "app.kubernetes.io/name": "p" } }, spec: { containers: [{ name: "c", image: UNKNOWN_STRING, resources: { requests: { cpu: "1", memory: "1Gi" } } }] } };
            for (const p of packPolicies()) assert.deepEqual(await runPolicy(p, { type: "kubernetes:core/v1:Pod", props: pod }), [], p.name);
            assert.deepEqual(await runPolicy(policy("helm-values-no-plaintext-secrets"), { type: "kubernetes:helm.sh/v3:Release", props: { values: UNKNOWN_STRING } as any }), []);
        });

        it("leaves resources it has no rule for alone", async () => {
            const cm = { metadata: { name: "c" }, data: { password: "hunter2hunter2", "docker.sock": "/var/run/docker.sock" } };
            for (const p of packPolicies()) assert.deepEqual(await runPolicy(p, { type: "kubernetes:core/v1:ConfigMap", props: cm }), [], p.name);
        });

        it("reads documents in values (JCasC scripts) line by line: placeholders pass, literals fail", () => {
            const jcasc = (pw: string) => ({ controller: { JCasC: { configScripts: { credentials: `credentials:\n  system:\n    - usernamePassword:\n        username: \${user}\n        password: ${pw}\n` } } } });
            assert.deepEqual(secretValueFindings(jcasc("${jenkins-gitea-password}")), []);
            assert.deepEqual(secretValueFindings(jcasc("hunter2")).map((f) => f.at), ["values.controller.JCasC.configScripts.credentials (line 5)"]);
            assert.deepEqual(secretValueFindings({ script: "password: |\n  text\nautomountServiceAccountToken: false\ntoken: 42\n" }), []);
        });

        it("secret heuristics: reference keys, entropy and runtime socket paths", () => {
            assert.deepEqual(secretValueFindings({ existingSecret: "x", secretName: "y", passwordKey: "password", userKey: "u", adminPasswordFile: "/run/secrets/p" }), []);
            assert.deepEqual(secretValueFindings({ apiKey: "k-1", clientSecret: "s", s3: { secretKey: "abc" } }).map((f) => f.path), ["apiKey", "clientSecret", "s3.secretKey"]);
            assert.ok(entropy("aaaa") === 0 && entropy("abcd") === 2);
            assert.equal(looksRandom("jenkins-agents-workspace-cache"), false);
            assert.equal(looksRandom("q8Zr1Lw0Xy7NcB5vK2mT9pHs4dGf"), true);
            assert.equal(looksRandom("a".repeat(64)), false);
            for (const p of ["/var/run/docker.sock", "/run/k3s/containerd", "/var/run", "/", "/home/u/.docker/docker.sock"]) assert.equal(isRuntimeSocketPath(p), true, p);
            for (const p of ["/etc/localtime", "/var/lib/kubelet", "/runner", "/var/run2"]) assert.equal(isRuntimeSocketPath(p), false, p);
        });

        it("the RWX marker is the label the storage component is told to set", () => {
            assert.equal(SHARED_ACROSS_NODES_LABEL, "cistack.dev/shared-across-nodes");
        });
    });

    describe("packaging", () => {
        it("PulumiPolicy.yaml, package.json (with a version) and a lock file for `npm ci --prefix policies`", () => {
            const proj = parse(fs.readFileSync(path.join(POLICIES, "PulumiPolicy.yaml"), "utf8"));
            assert.equal(proj.runtime.name, "nodejs");
            const pkg = JSON.parse(fs.readFileSync(path.join(POLICIES, "package.json"), "utf8"));
            assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
            assert.match(pkg.dependencies["@pulumi/policy"], /^\^1\.(2[1-9]|[3-9]\d)/);
            assert.match(pkg.dependencies["@pulumi/pulumi"], /^\^3\.2[7-9]\d/);
            const lock = JSON.parse(fs.readFileSync(path.join(POLICIES, "package-lock.json"), "utf8"));
            assert.deepEqual([lock.name, lock.version], [pkg.name, pkg.version]);
            assert.deepEqual(lock.packages[""].dependencies, pkg.dependencies);
        });

        it("only index.ts constructs the PolicyPack; the rule modules load nothing from @pulumi at run time", () => {
            for (const f of fs.readdirSync(POLICIES).filter((x) => x.endsWith(".ts"))) {
                const src = fs.readFileSync(path.join(POLICIES, f), "utf8");
                const runtimeImports = [...src.matchAll(/^import (?!type )[^;]*from "([^"]+)"/gm)].map((m) => m[1]!);
                const outside = runtimeImports.filter((m) => !m.startsWith("./"));
                if (f === "index.ts") {
                    assert.deepEqual(outside, ["@pulumi/policy"]);
                    assert.match(src, /new PolicyPack\(/);
                } else {
                    assert.deepEqual(outside, [], `${f} must import only ./ modules (and @pulumi types) at run time`);
                    assert.doesNotMatch(src, /new PolicyPack\(/, f);
                }
            }
            for (const f of fs.readdirSync(__dirname).filter((x) => x.endsWith(".ts"))) {
                assert.doesNotMatch(fs.readFileSync(path.join(__dirname, f), "utf8"), /from "\.\.\/policies(\/index)?"/, `${f} imports the pack entry`);
            }
        });
    });

    describe("the whole program (mock mode)", () => {
        let violations: Violation[] = [];
        let count = 0;
        before(async () => {
            const run = await runProgram(devStackConfig(), { secretKeys: SECRET_KEYS });
            if (run.error) throw run.error;
            const custom = run.recorder.resources.filter((r) => r.custom);
            count = custom.length;
            violations = [];
            for (const r of custom) {
                for (const p of packPolicies()) violations.push(...(await runPolicy(p, { type: r.type, name: r.name, props: r.inputs })));
            }
        });

        it("registers resources for the pack to check", () => {
            assert.ok(count > 0);
        });

        it("has no mandatory violation (advisory ones are reported by preview, not failed here)", () => {
            const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
            assert.deepEqual(mandatory.map((v) => `${v.policy}: ${v.message}`), []);
        });
    });

    describe("the first preview of a new stack (mock mode, generated secrets unknown)", () => {
        // On a new stack every RandomPassword (the rollout salts, generated admin passwords) is unknown
        // at the first `pulumi preview`. The values must stay known but for the digest leaf, or the
        // pack's Helm-values rule has nothing to judge in the PR that creates the stack.
        const SENTINEL = pulumi.runtime.unknownValue;
        const unknownPaths = (v: unknown, at = "values"): string[] =>
            v === SENTINEL ? [at] : v && typeof v === "object" ? Object.entries(v).flatMap(([k, x]) => unknownPaths(x, `${at}.${k}`)) : [];
        const withProxyUnknowns = (v: unknown): unknown =>
            v === SENTINEL ? UNKNOWN_STRING : Array.isArray(v) ? v.map(withProxyUnknowns) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withProxyUnknowns(x)])) : v;
        let releases: { name: string; values: unknown }[] = [];
        before(async () => {
            const run = await runProgram(devStackConfig(), {
                secretKeys: SECRET_KEYS,
                preview: true,
                stateHook: (a) => (a.type === "random:index/randomPassword:RandomPassword" ? { result: undefined, bcryptHash: undefined } : undefined),
            });
            if (run.error) throw run.error;
            releases = run.recorder.ofType("kubernetes:helm.sh/v3:Release").map((r) => ({ name: r.name, values: r.inputs.values }));
        });

        it("each release's values are known but for the rollout digest leaf", () => {
            assert.deepEqual(
                releases.map((r) => [r.name, unknownPaths(r.values)]),
                [
                    ["gitea", [`values.gitea.podAnnotations.${ROLLOUT_ANNOTATION}`]],
                    ["jenkins", [`values.controller.podAnnotations.${ROLLOUT_ANNOTATION}`]],
                ],
            );
        });

        it("so the Helm-values rule still finds a token someone puts in them", async () => {
            const rule = packPolicies().find((p) => p.name === "helm-values-no-plaintext-secrets")!;
            for (const r of releases) {
                const values = withProxyUnknowns(r.values) as Record<string, unknown>;
                assert.deepEqual(await runPolicy(rule, { type: "kubernetes:helm.sh/v3:Release", name: r.name, props: { values } }), [], r.name);
                const planted = { ...values, extraToken: "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB" };
                const v = await runPolicy(rule, { type: "kubernetes:helm.sh/v3:Release", name: r.name, props: { values: planted } });
                assert.deepEqual(v.map((x) => /^(\S+ \S+): (values\.[\w.]+)/.exec(x.message)?.slice(1)), [[`kubernetes:helm.sh/v3:Release ${r.name}`, "values.extraToken"]], r.name);
            }
        });
    });

    it("the catalogue rules in the pack are exactly the catalogue", () => {
        assert.deepEqual(packPolicies().slice(0, CATALOGUE.length).map((p) => p.name), CATALOGUE.map((r) => r.name));
        assert.equal(previewPolicies().length, 4);
    });
});
