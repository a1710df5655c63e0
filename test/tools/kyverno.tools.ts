// Kyverno's own engine (the kubectl-kyverno v1.19.0 CLI scripts/tools.sh builds) judges the catalogue:
//  1. `kyverno test` on the suite scripts/kyvernoSuite.ts generates (both renderings, every fixture as
//     a Pod and in each Pod controller, the PolicyExceptions) — every expected result must hold;
//  2. `kyverno apply` on the same files: Kyverno's verdict on every fixture is the truth, and the
//     fixture's own expectation, our TypeScript checker (policies/check.ts), the pack
//     (policies/pack.ts through CrossGuard's proxy) and our evaluators with Kyverno's autogen and
//     exceptions modelled (tes./support/kyvernoModel.ts) must all agree with it;
//  3. `kyverno apply` of the policies and exceptions the program registers over the program's own
//     objects: zero failures in the agents namespace, and every object judged by every policy.
// Run: npm run test:kyverno (or test:tools). Needs the CLI; fails when it is missing unless
// CI_STACK_SKIP_MISSING_TOOLS=1 (never set by .ci/run).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { CATALOGUE } from "../../policies/catalogue";
import { checkPod, podOf } from "../../policies/check";
import { podRulePolicy } from "../../policies/pack";
import { CONTROLLERS } from "../../policies/fixtures";
import { defaultSuiteOptions, policyFolder, RENDERINGS, writeKyvernoSuite, type SuiteCase, type WrittenSuite } from "../../scripts/kyvernoSuite";
import { kyvernoApply, kyvernoTest, type ReportResult } from "../../scripts/lib/kyvernoCli";
import { findTool, SKIP_ENV, ToolMissingError } from "../../scripts/lib/tools";
import { runPolicy } from "../support/crossguard";
import { modelClusterPolicy, modelValidatingPolicy, type WorkloadKind } from "../support/kyvernoModel";
import { programObjects } from "../support/programObjects";

const TYPE_OF: Record<string, string> = { Pod: "kubernetes:core/v1:Pod", ...Object.fromEntries(CONTROLLERS.map((c) => [c.kind, c.type])) };

/** The CLI, or a skip (only with the explicit env var) — never a silent pass. */
function kyvernoOrSkip(ctx: Mocha.Context): string {
    try {
        return findTool("kyverno");
    } catch (e) {
        if (e instanceof ToolMissingError && process.env[SKIP_ENV] === "1") {
            console.warn(`      SKIPPED (${SKIP_ENV}=1): ${e.message.split("\n")[0]}`);
            ctx.skip();
        }
        throw e;
    }
}

const key = (ns: string | undefined, name: string) => `${ns ?? ""}/${name}`;

/** Kyverno's results by `namespace/name` of their subject. */
function bySubject(results: readonly ReportResult[]): Map<string, ReportResult[]> {
    const m = new Map<string, ReportResult[]>();
    for (const r of results) {
        for (const s of r.subjects) m.set(key(s.namespace, s.name), [...(m.get(key(s.namespace, s.name)) ?? []), r]);
    }
    return m;
}

describe("Kyverno CLI v1.19.0 judges the catalogue", function () {
    this.timeout(900_000);
    let bin: string;
    let dir: string;
    let suite: WrittenSuite;

    before(function () {
        bin = kyvernoOrSkip(this);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stack-kyverno-suite-"));
        suite = writeKyvernoSuite(dir);
    });
    after(() => {
        if (dir && process.env.KEEP_KYVERNO_SUITE !== "1") fs.rmSync(dir, { recursive: true, force: true });
    });

    it("kyverno test: every expected result of the generated suite holds (both renderings, all kinds, exceptions)", () => {
        const run = kyvernoTest(bin, dir);
        const failed = run.rows.filter((r) => r.result.toLowerCase() !== "pass" || r.reason !== "Ok");
        const byName = new Map(suite.cases.map((c) => [c.name, c]));
        const lines = failed.map((r) => {
            const name = r.resource.split("/").pop()!;
            const c = byName.get(name);
            return `${r.policy} ${r.rule || "(rule-less)"} ${r.resource}: ${r.reason}${c ? ` — ${c.rendering}, fixture "${c.fixture}" as ${c.kind}` : ""}${r.message ? ` (${r.message})` : ""}`;
        });
        console.log(`      kyverno test: ${run.summary?.passed ?? "?"} passed, ${run.summary?.failed ?? "?"} failed, ${run.rows.length} rows, ${suite.cases.length} cases, ${run.seconds.toFixed(1)} s`);
        assert.deepEqual(lines, [], `kyverno test disagrees with the fixtures on ${lines.length} results:\n  ${lines.join("\n  ")}`);
        // Each case is one row: a missing resource or an "Excluded" row would read as a pass.
        assert.equal(run.rows.length, suite.cases.length, "one kyverno test row per generated case");
        assert.equal(run.status, 0, run.stdout.slice(-3000) + run.stderr.slice(-2000));
    });

    it("kyverno apply: Kyverno's verdict on every fixture agrees with the fixture, check.ts, the pack and our evaluators", async () => {
        const opts = defaultSuiteOptions();
        const disagreements: string[] = [];
        let compared = 0;
        let seconds = 0;
        for (const rendering of RENDERINGS) {
            for (const rule of CATALOGUE) {
                const folder = path.join(dir, policyFolder(rendering, rule.name));
                const t = path.join(folder, ".kyverno-test");
                const apply = kyvernoApply(bin, {
                    policies: [path.join(folder, `${rule.name}.yaml`)],
                    resources: ["pass.yaml", "fail.yaml", "exempt.yaml"].map((f) => path.join(t, f)),
                    exceptions: [path.join(t, "exception.yaml")],
                });
                seconds += apply.seconds;
                const results = bySubject(apply.results);
                const mine = suite.cases.filter((c) => c.rendering === rendering && c.policy === rule.name);
                const policyDoc = parse(fs.readFileSync(path.join(folder, `${rule.name}.yaml`), "utf8"));
                const exceptionDoc = parse(fs.readFileSync(path.join(t, "exception.yaml"), "utf8"));
                for (const c of mine) {
                    compared++;
                    const got = (results.get(key(c.namespace, c.name)) ?? []).filter((r) => r.policy === c.policy);
                    const where = `${rendering} ${c.policy}: ${c.kind} ${c.namespace}/${c.name} (fixture "${c.fixture}")`;
                    if (got.length !== 1) {
                        disagreements.push(`${where}: Kyverno reported ${got.length} results (${got.map((g) => `${g.rule}=${g.result}`).join(", ") || "none"}), expected exactly one`);
                        continue;
                    }
                    const k = got[0]!;
                    if (rendering === "ClusterPolicy" && k.rule !== c.rule) disagreements.push(`${where}: Kyverno reported rule ${k.rule}, the suite expects ${c.rule}`);
                    const readings = await readingsOf(c, opts.exemptNamespaces, policyDoc, exceptionDoc);
                    const differ = Object.entries(readings).filter(([name, v]) => (name === "pack" ? v !== (k.result === "fail" ? "fail" : "pass") : v !== k.result));
                    if (differ.length) {
                        disagreements.push(
                            `${where}: Kyverno=${k.result}${k.message ? ` ("${k.message}")` : ""}; ` + Object.entries(readings).map(([n, v]) => `${n}=${v}`).join(", "),
                        );
                    }
                }
            }
        }
        console.log(`      kyverno apply: ${compared} fixtures compared across ${RENDERINGS.length * CATALOGUE.length} policies, ${seconds.toFixed(1)} s, ${disagreements.length} disagreements`);
        assert.equal(compared, suite.cases.length);
        assert.deepEqual(disagreements, [], `readings disagree with Kyverno on ${disagreements.length} fixtures:\n  ${disagreements.join("\n  ")}`);
    });

    for (const rendering of RENDERINGS) {
        it(`kyverno apply (${rendering}): the program's own objects — zero failures in the agents namespace, every object judged`, async () => {
            const objs = await programObjects(rendering);
            assert.equal(objs.policies.length, CATALOGUE.length);
            assert.equal(objs.exceptions.length, CATALOGUE.length);
            assert.ok(objs.workloads.some((w) => w.object.metadata?.namespace === objs.agentsNamespace), "the agent Pod lands in the agents namespace");
            const work = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stack-kyverno-program-"));
            try {
                const write = (name: string, docs: readonly unknown[]) => {
                    const f = path.join(work, name);
                    fs.writeFileSync(f, docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n"));
                    return f;
                };
                const apply = kyvernoApply(bin, {
                    policies: [write("policies.yaml", objs.policies)],
                    resources: [write("workloads.yaml", objs.workloads.map((w) => w.object))],
                    exceptions: [write("exceptions.yaml", objs.exceptions)],
                });
                const results = bySubject(apply.results);
                const problems: string[] = [];
                const counts = { pass: 0, fail: 0, skip: 0, other: 0 };
                for (const w of objs.workloads) {
                    const ns = w.object.metadata?.namespace as string | undefined;
                    const got = results.get(key(ns, w.object.metadata.name)) ?? [];
                    for (const r of got) counts[r.result === "pass" || r.result === "fail" || r.result === "skip" ? r.result : "other"]++;
                    const policies = new Set(got.map((r) => r.policy));
                    for (const rule of CATALOGUE) if (!policies.has(rule.name)) problems.push(`${w.source}: not judged by ${rule.name}`);
                    const exempt = ns !== undefined && objs.exemptNamespaces.includes(ns);
                    for (const r of got) {
                        if (r.result === "pass" || (exempt && r.result === "skip")) continue;
                        problems.push(`${w.source} ${w.object.kind} ${ns ?? "(applier's namespace)"}/${w.object.metadata.name}: ${r.policy}/${r.rule} ${r.result}: ${r.message}`);
                    }
                }
                console.log(`      ${rendering}: ${objs.workloads.length} objects (${objs.workloads.map((w) => w.source).join("; ")}); pass ${counts.pass}, fail ${counts.fail}, skip ${counts.skip}, other ${counts.other}; ${apply.seconds.toFixed(1)} s`);
                assert.deepEqual(problems, []);
            } finally {
                fs.rmSync(work, { recursive: true, force: true });
            }
        });
    }
});

type Reading = "pass" | "fail" | "skip";

/** Every other reading of the catalogue on one case. */
async function readingsOf(c: SuiteCase, exempt: readonly string[], policyDoc: Record<string, unknown>, exceptionDoc: Record<string, unknown>): Promise<Record<string, Reading>> {
    const rule = CATALOGUE.find((r) => r.name === c.policy)!;
    const type = TYPE_OF[c.kind]!;
    const isExempt = exempt.includes(c.namespace);
    const checker: Reading = isExempt ? "skip" : checkPod(rule, podOf(type, c.object)!).length ? "fail" : "pass";
    const violations = await runPolicy(podRulePolicy(rule), { type, props: c.object }, { exemptNamespaces: [...exempt] });
    const kind = c.kind as WorkloadKind;
    const model =
        c.rendering === "ClusterPolicy" ? modelClusterPolicy(policyDoc, [exceptionDoc], kind, c.object) : modelValidatingPolicy(policyDoc, [exceptionDoc], kind, c.object);
    return {
        fixture: c.expected,
        "check.ts": checker,
        pack: violations.length ? "fail" : "pass",
        [c.rendering === "ClusterPolicy" ? "kyvernoEval+autogen" : "celEval+autogen"]: model,
    };
}
