// Writes a Kyverno CLI test suite generated from the one rule catalogue, laid out as kyverno/policies
// does (best-practices-vpol/require-pod-requests-limits: a folder per policy holding the policy YAML,
// and .kyverno-test/ holding kyverno-test.yaml with its resources):
//
//   <dir>/<rendering>/<policy>/<policy>.yaml                  the ClusterPolicy or ValidatingPolicy
//   <dir>/<rendering>/<policy>/.kyverno-test/kyverno-test.yaml  kind Test, cli.kyverno.io/v1alpha1
//   <dir>/<rendering>/<policy>/.kyverno-test/{pass,fail,exempt}.yaml  resources
//   <dir>/<rendering>/<policy>/.kyverno-test/exception.yaml   the PolicyException, as the program renders it
//
// Every fixture of policies/fixtures.ts appears as a bare Pod and inside each Pod controller, in the
// agents namespace (never exempt: expected pass/fail as the fixture says) and again in an exempt
// namespace (expected skip, by the exception). Expected ClusterPolicy results name the rule Kyverno's
// autogen reports for the kind (`autogen-<rule>`, `autogen-cronjob-<rule>`); ValidatingPolicy results
// are rule-less (`isValidatingPolicy: true`; commands/test/command.go isRulelessPolicyKind).
//
// Usage: npx tsx scripts/kyvernoSuite.ts <dir>   (the output is generated, never committed)
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { CATALOGUE, type PodRule } from "../policies/catalogue";
import { asController, CONTROLLERS, FIXTURES, type ControllerKind, type Fixture } from "../policies/fixtures";
import {
    celPolicyExceptionManifest,
    clusterPolicyManifest,
    exemptList,
    policyExceptionManifest,
    validatingPolicyManifest,
    type KyvernoPolicyType,
} from "../components/kyvernoPolicies";
import { CONFIG_KEYS } from "../config/keys";

export const RENDERINGS: readonly KyvernoPolicyType[] = ["ClusterPolicy", "ValidatingPolicy"];
export const RENDERING_DIRS: Readonly<Record<KyvernoPolicyType, string>> = { ClusterPolicy: "cluster-policy", ValidatingPolicy: "validating-policy" };

export type WorkloadKind = "Pod" | ControllerKind;
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ["Pod", ...CONTROLLERS.map((c) => c.kind)];

// Short, unique name prefixes: `kyverno test` matches expected resources by name (and namespace)
// across kinds (commands/test/output.go printTestResult), so each kind gets its own names; and the
// rendering is in the name too, so a row of the CLI's output names one case of the whole suite.
const PREFIX: Readonly<Record<WorkloadKind, string>> = { Pod: "pod", Deployment: "deploy", StatefulSet: "sts", DaemonSet: "ds", ReplicaSet: "rs", Job: "job", CronJob: "cj" };
const RENDERING_PREFIX: Readonly<Record<KyvernoPolicyType, string>> = { ClusterPolicy: "cp", ValidatingPolicy: "vp" };

export interface SuiteOptions {
    /** The build agents' namespace: never exempt. */
    readonly agentsNamespace: string;
    /** The namespaces the PolicyExceptions list. */
    readonly exemptNamespaces: readonly string[];
    /** Where the exceptions live (Kyverno's --exceptionNamespace). */
    readonly exceptionNamespace: string;
    readonly rules?: readonly PodRule[];
}

const dflt = (key: keyof typeof CONFIG_KEYS) => CONFIG_KEYS[key].default;

/** The namespaces of a stack on the config defaults, exempted exactly as index.ts exempts them. */
export function defaultSuiteOptions(): SuiteOptions {
    const agents = dflt("agents.namespace") as string;
    const own = [dflt("gitea.namespace"), dflt("jenkins.namespace"), dflt("kyverno.namespace")] as string[];
    return {
        agentsNamespace: agents,
        exemptNamespaces: exemptList([...own, ...(dflt("kyverno.systemNamespaces") as readonly string[])], agents),
        exceptionNamespace: dflt("kyverno.exceptionNamespace") as string,
    };
}

export type Expected = "pass" | "fail" | "skip";

/** One resource of the suite and what Kyverno must say about it. */
export interface SuiteCase {
    readonly rendering: KyvernoPolicyType;
    readonly policy: string;
    /** The rule name Kyverno reports (ClusterPolicy; autogen names for controllers); "" for a ValidatingPolicy. */
    readonly rule: string;
    readonly fixture: string;
    /** The fixture's own verdict in the agents namespace. */
    readonly fixtureVerdict: "pass" | "fail";
    readonly expected: Expected;
    readonly kind: WorkloadKind;
    readonly name: string;
    readonly namespace: string;
    readonly file: "pass.yaml" | "fail.yaml" | "exempt.yaml";
    readonly object: Record<string, unknown>;
}

function objectFor(kind: WorkloadKind, f: Fixture, name: string, namespace: string): Record<string, unknown> {
    const pod = { ...f.pod, metadata: { ...f.pod.metadata, name } };
    const obj = kind === "Pod" ? (pod as unknown as Record<string, unknown>) : asController(kind, pod);
    return { ...obj, metadata: { ...(obj.metadata as Record<string, unknown>), namespace } };
}

function reportedRule(rule: PodRule, kind: WorkloadKind): string {
    if (kind === "Pod") return rule.ruleName;
    return kind === "CronJob" ? `autogen-cronjob-${rule.ruleName}` : `autogen-${rule.ruleName}`;
}

/** Pure: every case of the suite, for both renderings. */
export function suiteCases(opts: SuiteOptions = defaultSuiteOptions()): SuiteCase[] {
    if (opts.exemptNamespaces.includes(opts.agentsNamespace)) throw new Error(`the agents namespace ${opts.agentsNamespace} cannot be exempt`);
    if (opts.exemptNamespaces.length === 0) throw new Error("at least one exempt namespace is needed to exercise the exceptions");
    const cases: SuiteCase[] = [];
    for (const rendering of RENDERINGS) {
        for (const rule of opts.rules ?? CATALOGUE) {
            const fx = FIXTURES[rule.name];
            if (!fx) throw new Error(`no fixtures for ${rule.name}`);
            let exemptIndex = 0;
            for (const [verdict, list] of [["pass", fx.pass], ["fail", fx.fail]] as const) {
                list.forEach((f, i) => {
                    for (const kind of WORKLOAD_KINDS) {
                        const base = `${RENDERING_PREFIX[rendering]}-${PREFIX[kind]}-${verdict}${i}-${f.pod.metadata.name}`;
                        const common = { rendering, policy: rule.name, rule: rendering === "ClusterPolicy" ? reportedRule(rule, kind) : "", fixture: f.name, fixtureVerdict: verdict, kind };
                        cases.push({ ...common, expected: verdict, name: base, namespace: opts.agentsNamespace, file: `${verdict}.yaml`, object: objectFor(kind, f, base, opts.agentsNamespace) });
                        // Each exempt namespace in turn, so every one of them is exercised.
                        const ns = opts.exemptNamespaces[exemptIndex++ % opts.exemptNamespaces.length]!;
                        const exempt = `${base}-x`;
                        cases.push({ ...common, expected: "skip", name: exempt, namespace: ns, file: "exempt.yaml", object: objectFor(kind, f, exempt, ns) });
                    }
                });
            }
        }
    }
    return cases;
}

function policyManifest(rendering: KyvernoPolicyType, rule: PodRule) {
    return rendering === "ClusterPolicy" ? clusterPolicyManifest(rule) : validatingPolicyManifest(rule);
}

function exceptionManifest(rendering: KyvernoPolicyType, rule: PodRule, opts: SuiteOptions) {
    return rendering === "ClusterPolicy"
        ? policyExceptionManifest(rule, opts.exemptNamespaces, opts.exceptionNamespace)
        : celPolicyExceptionManifest(rule, opts.exemptNamespaces, opts.exceptionNamespace);
}

const HEADER = "# Generated by scripts/kyvernoSuite.ts from policies/catalogue.ts and policies/fixtures.ts. Do not edit.\n";
const yamlDocs = (docs: readonly unknown[]) => HEADER + docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");

/** The folder of one policy, relative to the suite root. */
export const policyFolder = (rendering: KyvernoPolicyType, policy: string) => path.join(RENDERING_DIRS[rendering], policy);

/** Pure: the suite as relative path -> file content. */
export function suiteFiles(opts: SuiteOptions = defaultSuiteOptions(), cases: readonly SuiteCase[] = suiteCases(opts)): Record<string, string> {
    const files: Record<string, string> = {};
    for (const rendering of RENDERINGS) {
        for (const rule of opts.rules ?? CATALOGUE) {
            const folder = policyFolder(rendering, rule.name);
            const test = path.join(folder, ".kyverno-test");
            const mine = cases.filter((c) => c.rendering === rendering && c.policy === rule.name);
            files[path.join(folder, `${rule.name}.yaml`)] = yamlDocs([policyManifest(rendering, rule)]);
            files[path.join(test, "exception.yaml")] = yamlDocs([exceptionManifest(rendering, rule, opts)]);
            const resourceFiles = ["pass.yaml", "fail.yaml", "exempt.yaml"] as const;
            for (const file of resourceFiles) files[path.join(test, file)] = yamlDocs(mine.filter((c) => c.file === file).map((c) => c.object));

            // One expected result per kind, rule and verdict; resources named `namespace/name`.
            const groups = new Map<string, SuiteCase[]>();
            for (const c of mine) {
                const key = `${c.kind}|${c.rule}|${c.expected}`;
                groups.set(key, [...(groups.get(key) ?? []), c]);
            }
            const results = [...groups.values()].map((g) => {
                const c = g[0]!;
                return {
                    ...(rendering === "ValidatingPolicy" ? { isValidatingPolicy: true } : {}),
                    policy: c.policy,
                    ...(rendering === "ClusterPolicy" ? { rule: c.rule } : {}),
                    kind: c.kind,
                    resources: g.map((x) => `${x.namespace}/${x.name}`),
                    result: c.expected,
                };
            });
            files[path.join(test, "kyverno-test.yaml")] = yamlDocs([
                {
                    apiVersion: "cli.kyverno.io/v1alpha1",
                    kind: "Test",
                    metadata: { name: `${RENDERING_DIRS[rendering]}-${rule.name}` },
                    policies: [`../${rule.name}.yaml`],
                    resources: [...resourceFiles],
                    exceptions: ["exception.yaml"],
                    results,
                },
            ]);
        }
    }
    return files;
}

export interface WrittenSuite {
    readonly dir: string;
    readonly cases: readonly SuiteCase[];
    readonly files: readonly string[];
}

/** Writes the suite below `dir` (created; must be empty or absent). */
export function writeKyvernoSuite(dir: string, opts: SuiteOptions = defaultSuiteOptions()): WrittenSuite {
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new Error(`${dir} is not empty`);
    const cases = suiteCases(opts);
    const files = suiteFiles(opts, cases);
    for (const [rel, content] of Object.entries(files)) {
        fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
    }
    return { dir, cases, files: Object.keys(files) };
}

if (require.main === module) {
    const dir = process.argv[2];
    if (!dir) {
        console.error("usage: npx tsx scripts/kyvernoSuite.ts <empty output dir>");
        process.exit(2);
    }
    const s = writeKyvernoSuite(path.resolve(dir));
    console.log(`wrote ${s.files.length} files, ${s.cases.length} cases, to ${s.dir}`);
}
