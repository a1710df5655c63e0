// The PR workflows shipped with the project: they parse, call only npm scripts that exist, refer
// only to paths that exist, run the policy pack, and take every secret from the CI's secret store.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { commentBody, MAX_OUTPUT } from "../scripts/prComment";

const ROOT = path.resolve(__dirname, "..");
const WORKFLOWS = [".github/workflows/pr.yaml", ".gitea/workflows/pr.yaml"];

// The Pulumi CLI the project is tested with. tools/versions.env (PULUMI_VERSION=v3.274.1) is the pin
// file once it is on main; until then this is the same number, and the test below makes both agree.
const PULUMI_CLI = "3.274.1";
const VERSIONS_ENV = path.join(ROOT, "tools", "versions.env");

/** KEY=value lines of a shell-sourceable pin file. */
export function pins(text: string): Record<string, string> {
    return Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]*)=(\S*)\s*$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** `tsx X` / `bash X` / `node X` targets of an npm script's command line. */
export function scriptFiles(command: string): string[] {
    return [...command.matchAll(/\b(?:tsx|bash|sh|node)\s+([\w./-]+\.(?:ts|js|sh)|\.ci\/[\w.-]+)/g)].map((m) => m[1]!);
}

/** Whether `p`, taken relative to the repository root, stays inside it. */
const inside = (p: string) => {
    const abs = path.resolve(ROOT, p);
    return abs === ROOT || abs.startsWith(ROOT + path.sep);
};

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

            it("points nowhere outside the repository (no ../, no absolute path)", () => {
                for (const p of steps.flatMap(pathsOf)) {
                    assert.ok(!path.isAbsolute(p) && inside(p), `${file}: ${p} leaves the repository`);
                }
                for (const s of steps) {
                    for (const v of [s.run ?? "", ...Object.values(s.with ?? {}).map(String)]) {
                        assert.doesNotMatch(v, /(^|[\s"'=:])\.\.\//, `${file}: step "${s.name ?? s.uses}" refers to ../`);
                    }
                }
            });

            it("the npm scripts it calls run files that exist in the repository", () => {
                const scripts = steps.flatMap((s) => [s.run ?? "", ...[...(s.run ?? "").matchAll(/\bbash\s+(\S+)/g)].map((m) => fs.readFileSync(path.join(ROOT, m[1]!), "utf8"))]);
                for (const c of scripts.flatMap(npmCalls)) {
                    const command = scriptsOf(c.dir)[c.script] ?? "";
                    for (const f of scriptFiles(command)) {
                        assert.ok(inside(path.join(c.dir, f)) && fs.existsSync(path.join(ROOT, c.dir, f)), `${file}: npm run ${c.script} runs ${f}, which is missing`);
                    }
                }
            });

            it(`installs the Pulumi CLI at the project's pin (${PULUMI_CLI}), not the latest`, () => {
                const installs = steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
                assert.ok(installs.length > 0, "installs the CLI with pulumi/actions");
                for (const s of installs) assert.equal(s.with?.["pulumi-version"], PULUMI_CLI, `${file}: ${s.name ?? s.uses} pulumi-version`);
                assert.doesNotMatch(text, /get\.pulumi\.com/, "no second, unpinned install script");
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

    if (fs.existsSync(VERSIONS_ENV)) {
        it("the pin agrees with tools/versions.env PULUMI_VERSION", () => {
            assert.equal(pins(fs.readFileSync(VERSIONS_ENV, "utf8")).PULUMI_VERSION?.replace(/^v/, ""), PULUMI_CLI);
        });
    } else {
        it.skip("the pin agrees with tools/versions.env PULUMI_VERSION — skipped: tools/versions.env is not in this checkout yet");
    }

    it("the pin and script-file parsers find what they should", () => {
        assert.deepEqual(pins("# c\nGO_VERSION=go1.26.8\nPULUMI_VERSION=v3.274.1\n  NOT=this\n"), { GO_VERSION: "go1.26.8", PULUMI_VERSION: "v3.274.1" });
        assert.deepEqual(scriptFiles("tsx scripts/prComment.ts"), ["scripts/prComment.ts"]);
        assert.deepEqual(scriptFiles("pulumi login --local && pulumi up -s dev"), []);
        assert.deepEqual(scriptFiles("bash .ci/run && node x/y.js"), [".ci/run", "x/y.js"]);
        assert.equal(inside("policies"), true);
        assert.equal(inside("../shared/reference"), false);
        assert.equal(inside("a/../../b"), false);
    });

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
