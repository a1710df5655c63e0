// One smoke run (components/smoke/run.ts): delivers a push of the app repository's head to the seeded
// job the way Gitea's webhook does, follows the build, checks Harbor for the image, and prints ONE
// JSON line on stdout (build URL, result, commit, image, digest, seconds) — progress and errors go to
// stderr, and the exit status is 1 when the loop is not proven.
//
//   tsx scripts/smoke.ts                  target from SMOKE_* environment variables (how the Smoke
//                                         component's command runs it; secrets only there, never argv)
//   tsx scripts/smoke.ts --stack [name]   target from `pulumi stack output --json --show-secrets`
//                                         (smokeTarget + smokeCredentials): `npm run smoke [-- name]`
import { execFileSync } from "node:child_process";
import { runSmoke, SmokeError } from "../components/smoke/run";
import { readTarget, targetSecrets, type SmokeTargetValues } from "../components/smoke/target";
import { redact } from "../components/seed/http";

/** The target out of `pulumi stack output --json --show-secrets`; a stack without the smoke outputs is a clear error. */
export function targetFromStackOutputs(outputs: Record<string, unknown>, stack: string): SmokeTargetValues {
    const t = outputs.smokeTarget;
    const c = outputs.smokeCredentials;
    if (!t || typeof t !== "object" || !c || typeof c !== "object") {
        throw new Error(`smoke: stack ${stack} has no smokeTarget/smokeCredentials outputs: set \`pulumi config set smoke.enabled true\` and run \`pulumi up\` (docs/smoke.md)`);
    }
    const merged = { ...(t as Record<string, unknown>), ...(c as Record<string, unknown>) };
    if (Object.values(merged).includes("[secret]")) throw new Error("smoke: the stack outputs came back as [secret]: they must be read with --show-secrets");
    return readTarget((f) => (typeof merged[f.key] === "string" ? (merged[f.key] as string) : undefined), `stack outputs of ${stack}`);
}

function fromStack(stack: string | undefined): SmokeTargetValues {
    const args = ["stack", "output", "--json", "--show-secrets", ...(stack ? ["--stack", stack] : [])];
    const out = execFileSync("pulumi", args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 });
    return targetFromStackOutputs(JSON.parse(out) as Record<string, unknown>, stack ?? "(selected)");
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
    let secrets: string[] = [];
    try {
        const i = argv.indexOf("--stack");
        const target = i >= 0 ? fromStack(argv[i + 1]) : readTarget((f) => env[f.env], "environment");
        secrets = targetSecrets(target);
        // SMOKE_POLL_MS: the interval between polls (default 2000), for tests and impatient runs.
        const pollMs = env.SMOKE_POLL_MS !== undefined && /^\d+$/.test(env.SMOKE_POLL_MS) ? Number(env.SMOKE_POLL_MS) : undefined;
        const result = await runSmoke(target, { ...(pollMs !== undefined ? { pollMs } : {}), log: (l) => process.stderr.write(`${redact(l, secrets)}\n`) });
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return 0;
    } catch (e) {
        const message = e instanceof SmokeError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        process.stderr.write(`${redact(message, secrets)}\n`);
        return 1;
    }
}

if (require.main === module) {
    void main(process.argv.slice(2), process.env).then((code) => {
        process.exitCode = code;
    });
}
