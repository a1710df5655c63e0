// Every catalogue rule × every fixture (Pods and the same Pods in each controller), pass and fail,
// through every reading of the rule: the TypeScript checker, the pack policy (validateResource),
// the Kyverno ClusterPolicy `validate` block and the CEL ValidatingPolicy validations. A controller
// is judged on its Pod template — what Kyverno's autogen rules evaluate. For CEL the controller
// object itself is evaluated with the expressions Kyverno's autogen rewrites them into
// (test/support/kyvernoAutogen.ts, after kyverno/kyverno pkg/cel/autogen), in v1.17/v1.18 and v1.19.
import * as assert from "node:assert/strict";
import { CATALOGUE, autogenRuleNames, PINNED_IMAGE, LATEST_TAG, type PodRule } from "../policies/catalogue";
import { checkPod, podOf } from "../policies/check";
import { podRulePolicy } from "../policies/pack";
import { asController, CONTROLLERS, FIXTURES, GOOD_POD, type Fixture } from "../policies/fixtures";
import { clusterPolicyManifest, validatingPolicyManifest } from "../components/kyvernoPolicies";
import { celSpecFor, type KyvernoCelVersion } from "./support/kyvernoAutogen";
import { runKyvernoValidate } from "./support/kyvernoEval";
import { runCel } from "./support/celEval";
import { runPolicy } from "./support/crossguard";
import { assertValidK8s } from "./support/k8sSchema";

type Verdict = "pass" | "fail";

/** The four engines, each answering pass/fail for a rule on a resource of `type`. */
const ENGINES: Record<string, (rule: PodRule, type: string, obj: Record<string, unknown>) => Promise<Verdict> | Verdict> = {
    checker: (rule, type, obj) => (checkPod(rule, podOf(type, obj)!).length ? "fail" : "pass"),
    pack: async (rule, type, obj) => ((await runPolicy(podRulePolicy(rule), { type, props: obj })).length ? "fail" : "pass"),
    kyverno: (rule, type, obj) => {
        const validate = clusterPolicyManifest(rule).spec.rules[0]!.validate as Record<string, unknown>;
        return runKyvernoValidate(validate, podOf(type, obj) as Record<string, unknown>) ? "fail" : "pass";
    },
    cel: (rule, _type, obj) => celVerdict(rule, obj, "v1.19"),
    "cel v1.17": (rule, _type, obj) => celVerdict(rule, obj, "v1.17"),
};

/** The ValidatingPolicy's verdict on `obj` as Kyverno computes it: the Pod spec, or its autogen variant on the controller. */
function celVerdict(rule: PodRule, obj: Record<string, unknown>, version: KyvernoCelVersion): Verdict {
    const kind = String(obj.kind);
    const spec = celSpecFor(validatingPolicyManifest(rule).spec, kind, version);
    if (!spec) throw new Error(`Kyverno ${version} generates no CEL autogen variant for ${kind}`);
    return runCel(spec, obj).length ? "fail" : "pass";
}

const SUBJECTS = [{ kind: "Pod", type: "kubernetes:core/v1:Pod" }, ...CONTROLLERS] as const;

function objectFor(kind: string, f: Fixture): Record<string, unknown> {
    return kind === "Pod" ? (f.pod as unknown as Record<string, unknown>) : asController(kind as (typeof CONTROLLERS)[number]["kind"], f.pod);
}

describe("policy catalogue", () => {
    it("names are stable and every rule has pass and fail fixtures", () => {
        assert.deepEqual(
            CATALOGUE.map((r) => r.name),
            ["require-resources", "disallow-latest-tag", "require-app-label"],
        );
        for (const r of CATALOGUE) {
            const f = FIXTURES[r.name];
            assert.ok(f && f.pass.length > 0 && f.fail.length > 0, `${r.name} needs pass and fail fixtures`);
        }
    });

    it("Kyverno's autogen rule names fit the 63-character rule-name limit", () => {
        for (const r of CATALOGUE) for (const n of autogenRuleNames(r)) assert.ok(n.length <= 63, n);
        assert.deepEqual(autogenRuleNames(CATALOGUE[0]!), ["require-container-requests", "autogen-require-container-requests", "autogen-cronjob-require-container-requests"]);
    });

    it("every fixture, bare and in each controller, is a valid Kubernetes object", async () => {
        for (const r of CATALOGUE) {
            for (const f of [...FIXTURES[r.name]!.pass, ...FIXTURES[r.name]!.fail]) {
                for (const s of SUBJECTS) await assertValidK8s(objectFor(s.kind, f));
            }
        }
    });

    it("the image regexes agree with config's imageProblem on the usual references", async () => {
        const { imageProblem } = await import("../config");
        const refs = ["nginx", "nginx:1.29", "nginx:latest", "10.0.24.28:30002/bootcamp/app", "10.0.24.28:30002/bootcamp/app:1.0", `app@sha256:${"c".repeat(64)}`, "gcr.io/kaniko-project/executor:v1.23.2-debug"];
        for (const ref of refs) {
            const pinned = new RegExp(PINNED_IMAGE).test(ref) && !new RegExp(LATEST_TAG).test(ref);
            assert.equal(pinned, imageProblem(ref) === undefined, ref);
        }
    });

    for (const rule of CATALOGUE) {
        describe(rule.name, () => {
            const fx = FIXTURES[rule.name]!;
            for (const [expected, list] of [["pass", fx.pass], ["fail", fx.fail]] as const) {
                for (const f of list) {
                    for (const s of SUBJECTS) {
                        it(`${expected}s: ${f.name} [${s.kind}] in checker, pack, kyverno and cel`, async () => {
                            const obj = objectFor(s.kind, f);
                            const got: Record<string, Verdict> = {};
                            for (const [engine, run] of Object.entries(ENGINES)) got[engine] = await run(rule, s.type, obj);
                            assert.deepEqual(got, { checker: expected, pack: expected, kyverno: expected, cel: expected, "cel v1.17": expected });
                        });
                    }
                }
            }
        });
    }

    it("a good build-agent Pod passes every rule in every engine", async () => {
        for (const rule of CATALOGUE) {
            for (const [engine, run] of Object.entries(ENGINES)) assert.equal(await run(rule, "kubernetes:core/v1:Pod", GOOD_POD as any), "pass", `${rule.name} / ${engine}`);
        }
    });

    it("the checker names the container and the missing field", () => {
        const [rule] = CATALOGUE;
        const bad = FIXTURES["require-resources"]!.fail.find((f) => f.name === "init container without requests")!;
        assert.deepEqual(checkPod(rule!, bad.pod), [
            { at: "spec.initContainers[0] (clone)", message: "resources.requests.cpu is required" },
            { at: "spec.initContainers[0] (clone)", message: "resources.requests.memory is required" },
        ]);
    });
});
