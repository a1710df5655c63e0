// The PR workflows shipped with the project: they parse, call only npm scripts that exist, refer
// only to paths that exist, run the policy pack, and take every secret from the CI's secret store.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { commentBody, MAX_OUTPUT } from "../scripts/prComment";

const ROOT = path.resolve(__dirname, "..");
const WORKFLOWS = [".github/workflows/pr.yaml", ".gitea/workflows/pr.yaml"];

interface Step {
    readonly name?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
    readonly env?: Record<string, unknown>;
}

function load(file: string): { doc: any; steps: Step[]; text: string } {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const doc = parse(text);
    const steps = Object.values(doc.jobs as Record<string, { steps: Step[] }>).flatMap((j) => j.steps);
    return { doc, steps, text };
}

function scriptsOf(dir: string): Record<string, string> {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, dir, "package.json"), "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
}

/** `npm run X` / `npm test` calls in a shell script, with the package directory each runs in. */
export function npmCalls(script: string): { dir: string; script: string }[] {
    const out: { dir: string; script: string }[] = [];
    for (const line of script.split("\n")) {
        const prefix = /--prefix\s+(\S+)/.exec(line)?.[1] ?? ".";
        for (const m of line.matchAll(/\bnpm\s+(?:--prefix\s+\S+\s+)?(run(?:-script)?\s+([\w:.-]+)|test\b|t\b)/g)) {
            out.push({ dir: prefix, script: m[2] ?? "test" });
        }
    }
    return out;
}

/** Repository paths a step refers to: `bash X`, `--prefix X`, path-valued action inputs. */
function pathsOf(step: Step): string[] {
    const out: string[] = [];
    for (const m of (step.run ?? "").matchAll(/\b(?:bash|sh)\s+(\.?[\w./-]+)/g)) out.push(m[1]!);
    for (const m of (step.run ?? "").matchAll(/--(?:prefix|policy-pack)\s+(\S+)/g)) out.push(m[1]!);
    for (const key of ["policyPacks", "work-dir", "policyPackConfigs", "cache-dependency-path"]) {
        const v = step.with?.[key];
        if (typeof v === "string") out.push(...v.split("\n").map((s) => s.trim()).filter(Boolean));
    }
    return out;
}

describe("PR workflows", () => {
    for (const file of WORKFLOWS) {
        describe(file, () => {
            const { doc, steps, text } = load(file);

            it("runs on pull requests", () => {
                assert.ok(doc.on.pull_request, "on.pull_request");
                assert.ok(steps.length > 0);
            });

            it("calls only npm scripts that exist (its own and those of the scripts it runs)", () => {
                const scripts = steps.flatMap((s) => [s.run ?? "", ...[...(s.run ?? "").matchAll(/\bbash\s+(\S+)/g)].map((m) => fs.readFileSync(path.join(ROOT, m[1]!), "utf8"))]);
                const calls = scripts.flatMap(npmCalls);
                assert.ok(calls.length > 0, "calls no npm script");
                for (const c of calls) assert.ok(c.script in scriptsOf(c.dir), `${file}: npm script "${c.script}" missing in ${c.dir}/package.json`);
            });

            it("refers only to paths that exist", () => {
                const paths = steps.flatMap(pathsOf);
                assert.ok(paths.includes(".ci/run"));
                for (const p of paths) assert.ok(fs.existsSync(path.join(ROOT, p)), `${file}: ${p} does not exist`);
            });

            it("runs the test suite, installs the pack with npm ci and previews with it", () => {
                assert.ok(steps.some((s) => s.run?.includes("bash .ci/run")), "runs .ci/run (npm ci, tsc, eslint, npm test)");
                assert.ok(steps.some((s) => /npm ci --prefix policies\b/.test(s.run ?? "")), "npm ci --prefix policies");
                const viaAction = steps.some((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "preview" && s.with?.policyPacks === "./policies" && s.with?.["comment-on-pr"] === true);
                const viaCli = steps.some((s) => /pulumi preview .*--policy-pack \.\/policies/.test(s.run ?? ""));
                assert.ok(viaAction || viaCli, "pulumi preview --policy-pack ./policies");
            });

            it("takes credentials from the secret store and writes none down", () => {
                assert.match(text, /\$\{\{ secrets\.PULUMI_CONFIG_PASSPHRASE \}\}/);
                assert.match(text, /\$\{\{ secrets\.KUBECONFIG_B64 \}\}/);
                for (const s of steps) {
                    for (const [k, v] of Object.entries({ ...s.env, ...s.with })) {
                        if (/PASSPHRASE|TOKEN|PASSWORD|KUBECONFIG/i.test(k)) assert.match(String(v), /^\$\{\{ (secrets|github|gitea)\.[\w.]+ \}\}$/, `${file}: ${k} must come from the secret store`);
                    }
                }
            });
        });
    }

    it("the npm-call parser finds what it should (so the checks above can fail)", () => {
        assert.deepEqual(npmCalls("npm test\nnpm run lint -- --fix\nnpm ci --prefix policies\nnpm --prefix policies run build"), [
            { dir: ".", script: "test" },
            { dir: ".", script: "lint" },
            { dir: "policies", script: "build" },
        ]);
    });

    it("the Gitea PR comment reports the status and keeps the end of a long preview", () => {
        const ok = commentBody("Resources:\n    3 unchanged\n", "0");
        assert.match(ok, /: passed/);
        assert.match(ok, /3 unchanged/);
        const long = commentBody(`${"x".repeat(MAX_OUTPUT + 10)}\nPolicies:\n    ❌ ci-stack@v0.1.0 (local: policies)`, "255");
        assert.match(long, /: failed/);
        assert.match(long, /ci-stack@v0\.1\.0/);
        assert.match(long, /characters cut/);
        assert.doesNotMatch(commentBody("a ``` b", "0").split("```\n")[1] ?? "", /```/);
    });
});
