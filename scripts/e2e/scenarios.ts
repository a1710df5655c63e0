// Scenarios 1, 2, 3 and 7 of issue #10 §3, and the second `kyverno.policyType`: the first preview with
// the policy pack, config errors through the real CLI, the first `up`, the empty re-run.
import { textOf, type E2EContext } from "./context";
import { apiPath } from "./kube";
import { checkOutputs, checkRecordedObjects, checkReleases, checkSeed } from "./objects";
import { changes, parsePreviewJson, tail, type ConfigValue } from "./pulumi";
import type { Checks, Scenario } from "./scenario";
import { nameOf } from "./state";
import { ROLLOUT_ANNOTATION } from "../../components/rollout";

/** How `pulumi preview --json` shows a value not known until the update (sdk/go/common/resource/plugin: UnknownStringValue). */
const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Paths (dotted) of every value `pulumi preview --json` shows as unknown under `v`. */
function unknownPaths(v: unknown, at: string): string[] {
    if (v === UNKNOWN_SENTINEL) return [at];
    if (!v || typeof v !== "object") return [];
    return Object.entries(v).flatMap(([k, x]) => unknownPaths(x, `${at}.${k}`));
}

/** A toleration value that passes config validation but is a high-entropy token in Helm values. */
export const TOKEN_LIKE_TOLERATION = "dedicated=Zx9Qr7Lm2Vb8Nc4Kd6Hf1Tg3Jw5:NoSchedule";
const VIOLATED_POLICY = "helm-values-no-plaintext-secrets";

/** Namespaces the program would create (so "nothing was created" can be checked). */
async function stackNamespaces(ctx: E2EContext): Promise<string[]> {
    const names = ["gitea.namespace", "jenkins.namespace", "agents.namespace"].map((k) => ctx.config[k]?.value ?? k.split(".")[0]!);
    const present: string[] = [];
    for (const n of ["gitea", "jenkins", "jenkins-agents", ...names]) {
        if (!present.includes(n) && (await ctx.kube.find(apiPath("v1", "namespaces", undefined, n)))) present.push(n);
    }
    return present;
}

export const policyPreview: Scenario<E2EContext> = {
    id: "1-preview",
    title: "pulumi preview --policy-pack policies (empty stack, then a violating stack)",
    async run(ctx, checks) {
        const r = await ctx.engine(["preview", "--policy-pack", ctx.policyPack], { figure: "preview" });
        const out = textOf(r);
        checks.eq("preview with the policy pack exits 0", r.code, 0);
        checks.ok("no mandatory policy violation for our own stack", !/\[mandatory\]/.test(out), tail(out, 30));
        checks.ok("the pack ran and passed (✅ ci-stack@v… under Policies)", /✅ ci-stack@v\d/.test(out), tail(out, 15));
        checks.ok("preview plans creates", /\+\s+\d+ to create|to create/.test(out), tail(out, 15));
        checks.eq("nothing created by a preview", await stackNamespaces(ctx), []);

        // A second, fresh stack with one value the pack must reject. Its first preview once passed,
        // blind: the rollout digest (salted with a RandomPassword not yet created) made each
        // release's whole `values` unknown. Now only that leaf is (components/rollout.ts).
        const bad = `${ctx.stack}-policy`;
        await ctx.cli.initStack(bad, { ...ctx.config, "jenkins.tolerations": { value: JSON.stringify([TOKEN_LIKE_TOLERATION]) } });
        // --json shows the planned inputs but not the policy verdicts: one run of each.
        const plan = await ctx.engine(["preview", "--json"], { stack: bad });
        // The digest leaf shows as `{}` under podAnnotations in --json (an unknown inside an object is
        // left out of the planned inputs the engine prints), the rest as planned.
        const digestAt: Record<string, string[]> = { gitea: ["gitea", "podAnnotations"], jenkins: ["controller", "podAnnotations"] };
        for (const [name, at] of Object.entries(digestAt)) {
            const release = (parsePreviewJson(plan.stdout).steps ?? []).find((x) => x.newState?.type === "kubernetes:helm.sh/v3:Release" && nameOf(x) === name);
            const values: unknown = release?.newState?.inputs?.values;
            const annotations = at.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), values);
            const digest = annotations && typeof annotations === "object" ? (annotations as Record<string, unknown>)[ROLLOUT_ANNOTATION] : annotations;
            checks.ok(
                `fresh stack: the ${name} release's values are known in its first preview, all but the rollout digest`,
                !!values && typeof values === "object" && unknownPaths(values, "values").every((p) => p.endsWith(ROLLOUT_ANNOTATION)) && (digest === undefined || digest === UNKNOWN_SENTINEL),
                `values: ${JSON.stringify(values)?.slice(0, 300)}; digest: ${JSON.stringify(digest)}`,
            );
        }
        const b = await ctx.engine(["preview", "--policy-pack", ctx.policyPack], { stack: bad });
        const bout = textOf(b);
        checks.ok("fresh violating stack: preview fails", b.code !== 0, `exit ${b.code}`);
        checks.ok(`fresh violating stack: the output names ${VIOLATED_POLICY} as mandatory`, new RegExp(`\\[mandatory\\][^\\n]*${VIOLATED_POLICY}`).test(bout), tail(bout, 30));
        checks.ok("fresh violating stack: the finding points at the toleration value", bout.includes("values.controller.tolerations.0.value"), tail(bout, 30));
        await ctx.cli.run(["stack", "rm", bad, "--yes", "--force"]);
    },
};

export const policyViolation: Scenario<E2EContext> = {
    id: "1b-policy-violation",
    title: "a violating value on the existing stack: preview --policy-pack fails naming the policy",
    needs: ["2-up"],
    async run(ctx, checks) {
        const key = "jenkins.tolerations";
        const before = ctx.config[key];
        await ctx.setConfig({ [key]: { value: JSON.stringify([TOKEN_LIKE_TOLERATION]) } });
        try {
            const b = await ctx.engine(["preview", "--policy-pack", ctx.policyPack]);
            const bout = textOf(b);
            checks.ok("preview fails", b.code !== 0, `exit ${b.code}`);
            checks.ok("the pack reports failure (❌ ci-stack@v…)", /❌ ci-stack@v\d/.test(bout), tail(bout, 30));
            checks.ok(`the output names ${VIOLATED_POLICY} as mandatory`, new RegExp(`\\[mandatory\\][^\\n]*${VIOLATED_POLICY}`).test(bout), tail(bout, 30));
            checks.ok("the finding points at the toleration value", bout.includes("values.controller.tolerations.0.value"), tail(bout, 30));
        } finally {
            if (before) await ctx.setConfig({ [key]: before });
            else {
                await ctx.cli.rmConfig(ctx.stack, key);
                delete ctx.config[key];
            }
        }
        const r = await ctx.engine(["preview", "--expect-no-changes"]);
        checks.eq("with the value removed the stack is unchanged", r.code, 0);
    },
};

export const configErrors: Scenario<E2EContext> = {
    id: "7-config",
    title: "a bad stack config through the real CLI: non-zero, key-named messages, nothing created",
    async run(ctx, checks) {
        const bad = `${ctx.stack}-badconfig`;
        const config: Record<string, ConfigValue> = {
            ...ctx.config,
            "jenkins.nodePort": { value: "8080" },
            "images.agent": { value: "jenkins/inbound-agent:latest" },
            "gitea.nodePort": { value: String(ctx.ports.jenkins) },
        };
        await ctx.cli.initStack(bad, config);
        const r = await ctx.engine(["up", "--yes"], { stack: bad });
        const out = textOf(r);
        checks.ok("pulumi up exits non-zero", r.code !== 0, `exit ${r.code}`);
        for (const key of ["ci-stack:jenkins.nodePort", "ci-stack:images.agent"]) checks.ok(`the output names ${key}`, out.includes(key), tail(out, 30));
        checks.ok("all problems reported at once (one message block)", /invalid stack configuration \(\d+ problems?\)/.test(out), tail(out, 30));
        // ConfigError is a pulumi.RunError (config/load.ts): the CLI prints the message, no stack trace.
        checks.ok("printed as a message, not an unhandled exception with a stack trace", !/unhandled exception/.test(out) && !/at loadConfig/.test(out), tail(out, 30));
        const resources = await ctx.cli.resources(bad);
        checks.eq("the stack holds no resource but the root Stack", resources.filter((x) => x.type !== "pulumi:pulumi:Stack").map((x) => `${x.type}::${nameOf(x)}`), []);
        checks.eq("nothing created in the API server", await stackNamespaces(ctx), []);
        await ctx.cli.run(["stack", "rm", bad, "--yes", "--force"]);
    },
};

async function checkStack(ctx: E2EContext, checks: Checks, policyType: string): Promise<void> {
    await ctx.settlePeers();
    const resources = await ctx.cli.resources(ctx.stack);
    const out = await ctx.cli.outputs(ctx.stack);
    await checkRecordedObjects(ctx, checks, resources);
    await checkReleases(ctx, checks, resources);
    await checkOutputs(ctx, checks, out, policyType);
    await checkSeed(ctx, checks, out);
}

export const firstUp: Scenario<E2EContext> = {
    id: "2-up",
    title: "pulumi up --yes (kyverno.policyType ClusterPolicy): every object, release and seeded item",
    needs: ["1-preview"],
    async run(ctx, checks) {
        const r = await ctx.engine(["up", "--yes"], { figure: "up" });
        if (!checks.eq("pulumi up exits 0", r.code, 0)) throw new Error(`pulumi up failed:\n${tail(textOf(r), 40)}`);
        await checkStack(ctx, checks, ctx.config["kyverno.policyType"]?.value ?? "ClusterPolicy");
    },
};

/** `preview --expect-no-changes --json`: exit 0, no step other than "same", and no write to the peers. */
export async function expectNoChanges(ctx: E2EContext, checks: Checks, figure: string): Promise<void> {
    const r = await ctx.engine(["preview", "--expect-no-changes", "--json"], { figure });
    let steps: string[] = [];
    try {
        steps = changes(parsePreviewJson(r.stdout)).map((s) => `${s.op} ${nameOf(s)} ${JSON.stringify(s.diffReasons ?? [])}`);
    } catch (e) {
        steps = [`unparsable preview output: ${(e as Error).message}`];
    }
    checks.eq("preview --expect-no-changes exits 0", r.code, 0);
    checks.eq("no change planned", steps, []);
    const f = ctx.figures[figure];
    checks.eq("the re-run writes nothing to Gitea", f?.gitea?.writes ?? 0, 0);
    checks.eq("the re-run writes nothing to Jenkins", f?.jenkins?.writes ?? 0, 0);
}

export const rerun: Scenario<E2EContext> = {
    id: "3-rerun",
    title: "pulumi preview --expect-no-changes right after up",
    needs: ["2-up"],
    run: (ctx, checks) => expectNoChanges(ctx, checks, "rerunPreview"),
};

export const validatingPolicy: Scenario<E2EContext> = {
    id: "2b-validatingpolicy",
    title: "kyverno.policyType ValidatingPolicy: up replaces the policies, the CEL objects pass CRD validation",
    needs: ["2-up"],
    async run(ctx, checks) {
        await ctx.setConfig({ "kyverno.policyType": { value: "ValidatingPolicy" } });
        const r = await ctx.engine(["up", "--yes"], { figure: "upValidatingPolicy" });
        if (!checks.eq("pulumi up exits 0", r.code, 0)) throw new Error(`pulumi up failed:\n${tail(textOf(r), 40)}`);
        const resources = await ctx.cli.resources(ctx.stack);
        await checkRecordedObjects(ctx, checks, resources.filter((x) => /kyverno\.io/.test(x.type)));
        await checkOutputs(ctx, checks, await ctx.cli.outputs(ctx.stack), "ValidatingPolicy");
        await expectNoChanges(ctx, checks, "rerunPreviewValidatingPolicy");
    },
};
