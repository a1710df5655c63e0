// Unit tests of our own provider plugins (tools/providers/*.mts, tracker issue #10): the behaviour
// that replaces upstream pulumi-random's RandomPassword and pulumi-command's local.Command. No engine,
// no built tools: the modules are imported and their provider functions called directly.
import * as assert from "node:assert/strict";
import * as path from "node:path";

type Props = Record<string, unknown>;
interface RandomModule {
    TYPE: string;
    check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
    diff(id: string, urn: string, olds: Props, news: Props): Promise<{ changes: boolean; replaces: string[] }>;
    create(urn: string, inputs: Props): Promise<{ id: string; outs: Props }>;
    createString(p: Record<string, unknown>): string;
}
interface BcryptModule {
    hashWithSalt(password: string, cost: number, salt: Uint8Array): string;
    decode(s: string): Buffer;
    compare(hash: string, password: string): boolean;
}
interface CommandModule {
    check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string }[] }>;
    diff(id: string, urn: string, olds: Props, news: Props): Promise<{ changes: boolean; replaces: string[] }>;
    create(urn: string, inputs: Props): Promise<{ id: string; outs: Props }>;
    update(id: string, urn: string, olds: Props, news: Props): Promise<{ outs: Props }>;
    del(id: string, urn: string, props: Props): Promise<void>;
}

const PROVIDERS = path.join(__dirname, "..", "tools", "providers");
// The modules are ES modules run by Node's type stripping; import them at run time (tsx loads .mts).
const load = <T>(rel: string): Promise<T> => import(path.join(PROVIDERS, rel)) as Promise<T>;

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const reveal = (v: unknown): unknown => (v && typeof v === "object" && (v as Props)[SIG] === SECRET ? (v as Props).value : v);

describe("tools/providers: random (RandomPassword)", function () {
    this.timeout(30_000); // bcrypt at cost 10 is ~0.4 s of CPU per hash, more on a busy machine
    const urn = "urn:pulumi:dev::ci-stack::cistack:platform:Gitea$random:index/randomPassword:RandomPassword::gitea-admin-password";
    let random: RandomModule;
    let bcrypt: BcryptModule;
    before(async () => {
        random = await load<RandomModule>("random/index.mts");
        bcrypt = await load<BcryptModule>("random/bcrypt.mts");
    });

    it("bcrypt matches the OpenBSD test vectors and verifies its own hashes", () => {
        assert.equal(bcrypt.hashWithSalt("U*U", 5, bcrypt.decode("CCCCCCCCCCCCCCCCCCCCC.")), "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW");
        assert.ok(bcrypt.compare("$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe", "a"));
        assert.ok(bcrypt.compare("$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC", "abcdefghijklmnopqrstuvwxyz"));
        assert.ok(!bcrypt.compare("$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe", "b"));
    });

    it("fills the upstream defaults and validates length against the minimums", async () => {
        const { inputs, failures } = await random.check(urn, {}, { length: 24, special: false });
        assert.deepEqual(failures, []);
        assert.deepEqual(inputs, {
            length: 24, special: false, upper: true, lower: true, number: true, numeric: true,
            minNumeric: 0, minUpper: 0, minLower: 0, minSpecial: 0,
        });
        const bad = await random.check(urn, {}, { length: 3, minUpper: 2, minLower: 2 });
        assert.deepEqual(bad.failures.map((f) => f.property), ["length"]);
        assert.deepEqual((await random.check(urn, {}, { length: 8, number: true, numeric: false })).failures.map((f) => f.property), ["numeric"]);
    });

    it("creates a secret result from the enabled sets, with its bcrypt hash and id 'none'", async () => {
        const { inputs } = await random.check(urn, {}, { length: 40, special: false });
        const { id, outs } = await random.create(urn, inputs);
        assert.equal(id, "none");
        const result = reveal(outs.result) as string;
        assert.notEqual(outs.result, result, "result must be a secret");
        assert.match(result, /^[A-Za-z0-9]{40}$/);
        assert.ok(bcrypt.compare(reveal(outs.bcryptHash) as string, result));
    });

    it("honours min_* counts and overrideSpecial", () => {
        const s = random.createString({
            length: 12, upper: false, lower: false, numeric: true, special: true,
            minNumeric: 0, minUpper: 3, minLower: 0, minSpecial: 2, overrideSpecial: "_-",
        });
        assert.equal(s.length, 12);
        assert.ok((s.match(/[A-Z]/g) ?? []).length >= 3, s); // like upstream, min_* also draws from a disabled set
        assert.match(s, /^[A-Z0-9_-]+$/);
    });

    it("replaces on any argument change, keepers included, and not for '' -> null overrideSpecial", async () => {
        const { inputs } = await random.check(urn, {}, { length: 24, overrideSpecial: "" });
        const { outs } = await random.create(urn, inputs);
        assert.deepEqual(await random.diff("none", urn, outs, inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
        assert.deepEqual((await random.diff("none", urn, outs, { ...inputs, length: 25 })).replaces, ["length"]);
        assert.deepEqual((await random.diff("none", urn, outs, { ...inputs, keepers: { a: "1" } })).replaces, ["keepers"]);
        assert.deepEqual((await random.diff("none", urn, outs, { ...inputs, overrideSpecial: undefined })).replaces, []);
    });

    it("rejects other resource types", () => {
        // Thrown synchronously; the provider server awaits each call in a try block either way.
        assert.throws(() => random.check("urn:pulumi:dev::p::random:index/randomString:RandomString::s", {}, { length: 1 }), /only implements/);
    });
});

describe("tools/providers: command (local.Command)", () => {
    const urn = "urn:pulumi:dev::ci-stack::command:local:Command::cmd";
    let cmd: CommandModule;
    before(async () => {
        cmd = await load<CommandModule>("command/index.mts");
    });

    it("runs create with the environment, trims one newline, id = name + 8 hex", async () => {
        const { inputs } = await cmd.check(urn, {}, { create: "printf 'out-%s\\n' \"$X\"; echo err >&2", environment: { X: "1" } });
        assert.equal(inputs.addPreviousOutputInEnv, true);
        const { id, outs } = await cmd.create(urn, inputs);
        assert.match(id, /^cmd[0-9a-f]{8}$/);
        assert.equal(outs.stdout, "out-1");
        assert.equal(outs.stderr, "err");
    });

    it("fails on a non-zero exit with the command and its output in the message", async () => {
        const { inputs } = await cmd.check(urn, {}, { create: "echo partial; echo broken >&2; exit 3" });
        await assert.rejects(cmd.create(urn, inputs), (e: Error) => {
            assert.match(e.message, /^exit status 3: running "echo partial; echo broken >&2; exit 3":\npartial\nbroken/);
            return true;
        });
    });

    it("update runs `update` (else `create`) with the previous output in PULUMI_COMMAND_STDOUT", async () => {
        const { inputs } = await cmd.check(urn, {}, { create: "echo first" });
        const { id, outs } = await cmd.create(urn, inputs);
        const news = { ...inputs, update: "echo \"was $PULUMI_COMMAND_STDOUT\"" };
        assert.deepEqual(await cmd.diff(id, urn, outs, news), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.equal((await cmd.update(id, urn, outs, news)).outs.stdout, "was first");
    });

    it("replaces when triggers change and keeps stdout secret when an input is", async () => {
        const { inputs } = await cmd.check(urn, {}, { create: "echo $T", environment: { T: { [SIG]: SECRET, value: "s" } }, triggers: [1] });
        const { id, outs } = await cmd.create(urn, inputs);
        assert.equal(reveal(outs.stdout), "s");
        assert.notEqual(outs.stdout, "s");
        assert.deepEqual((await cmd.diff(id, urn, outs, { ...inputs, triggers: [2] })).replaces, ["triggers"]);
    });

    it("delete runs `delete` in `dir` and rejects unsupported inputs", async () => {
        await cmd.del("x", urn, { delete: "test \"$(pwd)\" = /", dir: "/" });
        await assert.rejects(cmd.del("x", urn, { delete: "false" }), /exit status 1/);
        assert.deepEqual((await cmd.check(urn, {}, { create: "true", assetPaths: ["*"] })).failures.map((f) => f.property), ["assetPaths"]);
    });
});
