// The Smoke component's command, run by the provider that serves command:local:Command in this
// project — ci-stack's own stand-in for pulumi-command (tools/providers/command, tracker issue #10) —
// with exactly the inputs the component registers (recorded under mocks, secrets re-wrapped as the
// engine hands them over), against the emulators: the provider accepts them, runs the script from
// the program's directory, returns the result line on a secret stdout, replaces on new triggers and
// fails with the script's reason.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseSmokeOutput, Smoke } from "../../components/smoke/smoke";
import { runProgram, type RecordedResource } from "../support/mocks";
import { startSmokeWorld, type SmokeWorld } from "../support/smokeWorld";

type Props = Record<string, unknown>;
interface CommandModule {
    TYPE: string;
    check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
    diff(id: string, urn: string, olds: Props, news: Props): Promise<{ changes: boolean; replaces: string[] }>;
    create(urn: string, inputs: Props): Promise<{ id: string; outs: Props }>;
    update(id: string, urn: string, olds: Props, news: Props): Promise<{ outs: Props }>;
}

// The wire markers of a secret (sdk/nodejs/runtime/rpc.ts), as the provider server passes values on.
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const isSecret = (v: unknown) => !!v && typeof v === "object" && (v as Props)[SIG] === SECRET;
const reveal = (v: unknown) => (isSecret(v) ? (v as Props).value : v);

/** The recorded inputs with every secret path wrapped again, as the engine sends them to a provider. */
function engineInputs(r: RecordedResource): Props {
    const out = structuredClone(r.inputs) as Props;
    for (const p of r.secretPaths) {
        const keys = p.split(".");
        let at = out as Record<string, unknown>;
        for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
        const last = keys[keys.length - 1]!;
        at[last] = { [SIG]: SECRET, value: at[last] };
    }
    return out;
}

describe("the Smoke command under ci-stack's command provider (tools/providers/command)", function () {
    this.timeout(120_000);
    let cmd: CommandModule;
    let w: SmokeWorld;
    let inputs: Props;
    let urn: string;

    before(async () => {
        cmd = (await import(path.join(__dirname, "..", "..", "tools", "providers", "command", "index.mts"))) as CommandModule;
    });
    beforeEach(async () => {
        w = await startSmokeWorld();
        const t = w.target;
        const run = await runProgram({}, {}, () => {
            const seed = new pulumi.ComponentResource("test:index:Seed", "seed");
            new Smoke("smoke", {
                seed,
                contentDigests: ["Jenkinsfile sha256:01"],
                gitea: { url: t.giteaUrl, username: t.giteaUsername, password: t.giteaPassword },
                app: { owner: t.appOwner, repo: t.appRepo, branch: t.branch },
                jenkins: { url: t.jenkinsUrl, username: t.jenkinsUsername, password: t.jenkinsPassword },
                job: t.job,
                webhookToken: t.webhookToken,
                harbor: { url: t.harborUrl, account: { kind: "account", username: t.harborUsername, password: t.harborPassword } },
                image: { registry: t.registry, project: t.project, name: t.image },
                timeoutSeconds: 30,
            });
            return {};
        });
        assert.equal(run.error, undefined, String(run.error));
        const recorded = run.recorder.one("command:local:Command");
        assert.equal(recorded.type, cmd.TYPE);
        urn = recorded.urn;
        const { inputs: checked, failures } = await cmd.check(urn, {}, engineInputs(recorded));
        assert.deepEqual(failures, [], "the provider accepts every input the component registers");
        inputs = checked;
    });
    afterEach(() => w.close());

    it("runs the script from the program's directory: the result line on a secret stdout, no secret in it", async () => {
        const { outs } = await cmd.create(urn, inputs);
        assert.ok(isSecret(outs.stdout) && isSecret(outs.stderr), "stdout and stderr are secret (an input is)");
        const line = parseSmokeOutput(reveal(outs.stdout) as string);
        assert.equal(line.commit, w.head());
        assert.equal(line.buildUrl, `${w.jenkins.url}/job/ci/job/notes-app/1/`);
        for (const s of w.secrets) assert.ok(!(reveal(outs.stdout) as string).includes(s) && !(reveal(outs.stderr) as string).includes(s));
        // New triggers replace it (it runs again); the same inputs are no change.
        assert.deepEqual((await cmd.diff("id", urn, outs, { ...inputs, triggers: ["Jenkinsfile sha256:02"] })).replaces, ["triggers"]);
        assert.equal((await cmd.diff("id", urn, outs, inputs)).changes, false);
    });

    it("a failed build fails the step with the script's reason: the build URL and the console's tail", async () => {
        w.plan = () => ({ durationMs: 10, result: "FAILURE", log: ["[ERROR] There are test failures."] });
        await assert.rejects(cmd.create(urn, inputs), (e: Error) => {
            assert.match(e.message, /^exit status 1: running "node_modules\/\.bin\/tsx scripts\/smoke\.ts":\n/);
            assert.match(e.message, new RegExp(`build ${w.jenkins.url.replace(/\./g, "\\.")}/job/ci/job/notes-app/1/ of [0-9a-f]{40} ended FAILURE`));
            assert.match(e.message, /\[ERROR\] There are test failures\.\nFinished: FAILURE/);
            for (const s of w.secrets) assert.ok(!e.message.includes(s));
            return true;
        });
    });
});
