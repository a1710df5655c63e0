// scripts/smoke.ts as the Smoke component's command runs it — SMOKE_COMMAND through /bin/sh from the
// project directory, the target only in its environment — against the emulators: one JSON line on
// stdout and exit 0, or the reason on stderr and exit 1; no secret on either. And `npm run smoke`'s
// reading of the stack outputs.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { parseSmokeOutput, SMOKE_COMMAND } from "../../components/smoke/smoke";
import { TARGET_FIELDS } from "../../components/smoke/target";
import { targetFromStackOutputs } from "../../scripts/smoke";
import { startSmokeWorld, type SmokeWorld } from "../support/smokeWorld";

const ROOT = path.join(__dirname, "..", "..");

function runCommand(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("/bin/sh", ["-c", SMOKE_COMMAND], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

const envOf = (w: SmokeWorld): Record<string, string> => ({ ...Object.fromEntries(TARGET_FIELDS.map((f) => [f.env, w.target[f.key]])), SMOKE_POLL_MS: "20" });

describe("scripts/smoke.ts", function () {
    this.timeout(60_000);
    let w: SmokeWorld;
    beforeEach(async () => {
        w = await startSmokeWorld();
    });
    afterEach(() => w.close());

    it("runs from SMOKE_COMMAND with the target in its environment: one JSON line on stdout, exit 0, no secret anywhere", async () => {
        assert.equal(SMOKE_COMMAND, "node_modules/.bin/tsx scripts/smoke.ts");
        const r = await runCommand(envOf(w));
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.split("\n").filter((l) => l !== "").length, 1, r.stdout);
        const line = parseSmokeOutput(r.stdout);
        assert.equal(line.commit, w.head());
        assert.equal(line.result, "SUCCESS");
        assert.match(r.stderr, /smoke: .* is in Harbor \(sha256:[0-9a-f]{64}\)/);
        for (const s of w.secrets) assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), "a secret was printed");
    });

    it("a failed build: exit 1, nothing on stdout, the build URL and the console tail on stderr", async () => {
        w.plan = () => ({ durationMs: 10, result: "FAILURE", log: ["[ERROR] BUILD FAILURE"] });
        const r = await runCommand(envOf(w));
        assert.equal(r.code, 1);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, new RegExp(`build ${w.jenkins.url.replace(/\./g, "\\.")}/job/ci/job/notes-app/1/ of [0-9a-f]{40} ended FAILURE`));
        assert.match(r.stderr, /\[ERROR\] BUILD FAILURE\nFinished: FAILURE\n---\n$/);
        for (const s of w.secrets) assert.ok(!r.stderr.includes(s));
    });

    it("names every variable it misses, and exits 1", async () => {
        const { SMOKE_WEBHOOK_TOKEN: _t, SMOKE_HARBOR_PASSWORD: _h, ...env } = envOf(w);
        const r = await runCommand(env);
        assert.equal(r.code, 1);
        assert.equal(r.stderr, "Error: smoke: missing from the environment: SMOKE_WEBHOOK_TOKEN, SMOKE_HARBOR_PASSWORD\n");
    });

    describe("npm run smoke: the target from `pulumi stack output --json --show-secrets`", () => {
        const target = Object.fromEntries(TARGET_FIELDS.filter((f) => !f.secret).map((f) => [f.key, f.key === "timeoutSeconds" ? "900" : `v-${f.key}`]));
        const credentials = Object.fromEntries(TARGET_FIELDS.filter((f) => f.secret).map((f) => [f.key, `s-${f.key}`]));

        it("merges smokeTarget and smokeCredentials", () => {
            const t = targetFromStackOutputs({ jobUrl: "x", smokeTarget: target, smokeCredentials: credentials }, "dev");
            assert.equal(t.webhookToken, "s-webhookToken");
            assert.equal(t.jenkinsUrl, "v-jenkinsUrl");
        });
        it("a stack without the smoke outputs says how to get them", () => {
            assert.throws(() => targetFromStackOutputs({ jobUrl: "x" }, "dev"), /stack dev has no smokeTarget\/smokeCredentials outputs: set `pulumi config set smoke\.enabled true` and run `pulumi up`/);
        });
        it("outputs read without --show-secrets are refused, not sent as passwords", () => {
            assert.throws(() => targetFromStackOutputs({ smokeTarget: target, smokeCredentials: Object.fromEntries(Object.keys(credentials).map((k) => [k, "[secret]"])) }, "dev"), /\[secret\]: they must be read with --show-secrets/);
        });
        it("a missing field is named by its output key", () => {
            const { job: _j, ...partial } = target;
            assert.throws(() => targetFromStackOutputs({ smokeTarget: partial, smokeCredentials: credentials }, "dev"), /missing from the stack outputs of dev: job$/);
        });
    });
});
