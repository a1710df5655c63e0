// docs/destroy.md's table of what `pulumi destroy` removes, checked against the program: every
// resource index.ts registers (under mocks) matches exactly one row, and each row's outcome is what
// the resource's options say (`retainOnDelete`, `protect`) or — for the seed's dynamic resources — what
// their provider's delete does when a whole seed is created and destroyed against the emulators.
// Every "changed by" entry is checked by running the program again with that key set, and every key
// a row does not list must leave the row as it is.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { seedProvider } from "../components/seed/providers";
import { start as startGitea } from "./support/giteaEmulator";
import { start as startHarbor } from "./support/harborEmulator";
import { start as startJenkins } from "./support/jenkinsEmulator";
import { devStackConfig, SECRET_KEYS } from "./support/fixtures";
import { runProgram, type RecordedResource } from "./support/mocks";

const DOC = path.join(__dirname, "..", "docs", "destroy.md");
const DYNAMIC = "pulumi-nodejs:dynamic/";
// Creation order of the dynamic kinds (each after what it needs); destroy runs it backwards.
const SEED_ORDER = [
    "GiteaUser",
    "GiteaAccessToken",
    "GiteaRepository",
    "GiteaFiles",
    "GiteaCollaborator",
    "GiteaWebhook",
    "JenkinsFolder",
    "JenkinsCredential",
    "JenkinsJob",
    "HarborProject",
    "HarborRobot",
];

type Outcome = "kept" | "removed";
interface Change {
    readonly key: string;
    readonly value: string;
    readonly effect: "removed" | "kept" | "unprotected" | "removed unless adopted";
}
interface Row {
    readonly line: string;
    readonly names: readonly RegExp[];
    readonly type: string;
    readonly outcome: Outcome;
    readonly protect: boolean;
    readonly changes: readonly Change[];
}

const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
const glob = (s: string) => new RegExp(`^${s.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^]*")}$`);

/** The rows between the destroy-table markers of docs/destroy.md. */
export function parseDestroyTable(text: string): Row[] {
    const m = /<!-- destroy-table:begin -->\n([^]*?)<!-- destroy-table:end -->/.exec(text);
    if (!m) throw new Error("docs/destroy.md: destroy-table markers not found");
    const lines = m[1]!.trim().split("\n").slice(2);
    return lines.map((line) => {
        const cells = line.split("|").slice(1, -1).map((c) => c.trim());
        if (cells.length !== 6) throw new Error(`docs/destroy.md: row needs 6 cells: ${line}`);
        const [names, type, outcome, prot, , changed] = cells as [string, string, string, string, string, string];
        if (outcome !== "kept" && outcome !== "removed") throw new Error(`docs/destroy.md: outcome "${outcome}" is neither kept nor removed: ${line}`);
        if (prot !== "yes" && prot !== "no") throw new Error(`docs/destroy.md: protected must be yes or no: ${line}`);
        const changes: Change[] = changed === "—" ? [] : changed.split(";").map((c) => {
            const x = /^`([\w.]+)=(\w+)`\s*→\s*(removed unless adopted|removed|kept|unprotected)$/.exec(c.trim());
            if (!x) throw new Error(`docs/destroy.md: cannot read the change "${c.trim()}"`);
            return { key: x[1]!, value: x[2]!, effect: x[3] as Change["effect"] };
        });
        return { line, names: ticks(names).map(glob), type: ticks(type)[0]!, outcome, protect: prot === "yes", changes };
    });
}

// The keys whose effect the table describes; a row must say what each one does to it, or nothing.
const FLIPS: readonly { key: string; value: string }[] = [
    { key: "storage.retainOnDelete", value: "false" },
    { key: "storage.protect", value: "false" },
    { key: "seed.deleteReposOnDestroy", value: "true" },
];

async function program(over: Record<string, string> = {}): Promise<RecordedResource[]> {
    const run = await runProgram({ ...devStackConfig(), ...over }, {
        secretKeys: SECRET_KEYS,
        // Repositories are created for the authenticated user (the Gitea admin).
        stateHook: (a) => (a.type === `${DYNAMIC}seed:GiteaRepository` ? { owner: "gitea-admin" } : undefined),
    });
    if (run.error) throw run.error;
    return run.recorder.resources.filter((r) => r.custom);
}

/**
 * Creates every seed resource of a program run against fresh emulators with the run's own inputs,
 * destroys them in reverse order, and reads each back: what is still there was kept. `preexisting`
 * puts the repositories, the Jenkins folder and the job in place first, so the seed adopts them.
 */
async function seedDestroy(resources: readonly RecordedResource[], preexisting = false): Promise<Map<string, Outcome>> {
    const dyn = resources.filter((r) => r.type.startsWith(DYNAMIC));
    const g = dyn.find((r) => r.inputs.gitea)!.inputs.gitea as { username: string; password: string };
    const j = dyn.find((r) => r.inputs.jenkins)!.inputs.jenkins as { username: string; password: string };
    const h = dyn.find((r) => r.inputs.harbor)!.inputs.harbor as { username: string; password: string };
    const gitea = await startGitea({ username: g.username, password: g.password });
    const jenkins = await startJenkins({ username: j.username, password: j.password });
    const harbor = await startHarbor({ username: h.username, password: h.password });
    const log = console.log;
    console.log = () => {};
    try {
        const inputsOf = (r: RecordedResource) => {
            const { __provider: _, ...i } = structuredClone(r.inputs);
            if (i.gitea) i.gitea = { ...i.gitea, url: gitea.url, readyTimeoutMs: 10_000 };
            if (i.jenkins) i.jenkins = { ...i.jenkins, url: jenkins.url, readyTimeoutMs: 10_000 };
            if (i.harbor) i.harbor = { ...i.harbor, url: harbor.url, readyTimeoutMs: 10_000 };
            return i;
        };
        const ofKind = (k: string) => dyn.filter((r) => r.type.endsWith(`:${k}`)).sort((a, b) => a.name.localeCompare(b.name));
        assert.deepEqual(dyn.filter((r) => !SEED_ORDER.some((k) => r.type.endsWith(`:${k}`))).map((r) => r.type), [], "a dynamic kind missing from SEED_ORDER");
        if (preexisting) {
            for (const r of ofKind("GiteaRepository")) gitea.state.addRepo(g.username, String(r.inputs.name), { description: "existed before the seed" });
            for (const r of ofKind("JenkinsFolder")) jenkins.state.addFolder(String(r.inputs.path));
            for (const r of ofKind("JenkinsJob")) jenkins.state.setConfigXml(String(r.inputs.path), "<flow-definition><description>existed before the seed</description></flow-definition>");
        }
        const created = new Map<string, { id: string; outs?: Record<string, unknown> }>();
        for (const k of SEED_ORDER) for (const r of ofKind(k)) created.set(r.name, await seedProvider.create(inputsOf(r)));
        for (const k of [...SEED_ORDER].reverse()) for (const r of ofKind(k)) await seedProvider.delete!(created.get(r.name)!.id, created.get(r.name)!.outs!);
        const out = new Map<string, Outcome>();
        for (const [name, c] of created) out.set(name, (await seedProvider.read!(c.id, c.outs)).props ? "kept" : "removed");
        return out;
    } finally {
        console.log = log;
        await gitea.close();
        await jenkins.close();
        await harbor.close();
    }
}

describe("docs/destroy.md: what `pulumi destroy` removes", function () {
    this.timeout(120_000);
    const rows = parseDestroyTable(fs.readFileSync(DOC, "utf8"));
    const runs: Record<string, RecordedResource[]> = {};
    const seeds: Record<string, Map<string, Outcome>> = {};

    before(async () => {
        runs.base = await program();
        runs.validatingPolicy = await program({ "kyverno.policyType": "ValidatingPolicy" });
        for (const f of FLIPS) runs[f.key] = await program({ [f.key]: f.value });
        seeds.base = await seedDestroy(runs.base);
        seeds.deleteRepos = await seedDestroy(runs["seed.deleteReposOnDestroy"]!);
        seeds.deleteReposAdopted = await seedDestroy(runs["seed.deleteReposOnDestroy"]!, true);
        // The smoke run's resources exist only with smoke.enabled (off by default).
        runs.smoke = await program({ "smoke.enabled": "true" });
        seeds.smoke = await seedDestroy(runs.smoke);
    });

    const rowOf = (r: RecordedResource): Row[] => rows.filter((row) => row.type === r.type && row.names.some((n) => n.test(r.name)));
    const outcome = (r: RecordedResource, seed: Map<string, Outcome>): Outcome =>
        r.type.startsWith(DYNAMIC) ? seed.get(r.name)! : r.retainOnDelete ? "kept" : "removed";

    it("the seed never deletes what it did not create: an adopted Jenkins folder and job are kept (seed.md)", () => {
        const jenkinsKinds = runs.base!.filter((r) => r.type === `${DYNAMIC}seed:JenkinsFolder` || r.type === `${DYNAMIC}seed:JenkinsJob`).map((r) => r.name);
        assert.deepEqual(jenkinsKinds.sort(), ["seed-folder", "seed-job"]);
        for (const name of jenkinsKinds) {
            assert.equal(seeds.base!.get(name), "removed", `${name}: made by the seed, removed`);
            assert.equal(seeds.deleteReposAdopted!.get(name), "kept", `${name}: adopted, kept`);
        }
    });

    it("the table parses, and README points at it", () => {
        assert.ok(rows.length >= 10, `only ${rows.length} rows`);
        assert.match(fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8"), /\(docs\/destroy\.md\)/);
    });

    it("every resource the program registers matches exactly one row, and every row matches some resource", () => {
        const all = [...runs.base!, ...runs.validatingPolicy!, ...runs.smoke!];
        for (const r of all) assert.equal(rowOf(r).length, 1, `${r.type} ${r.name}: ${rowOf(r).length} rows of docs/destroy.md match`);
        for (const row of rows) assert.ok(all.some((r) => rowOf(r)[0] === row), `no resource matches: ${row.line}`);
    });

    it("with the defaults, each resource is kept or removed, protected or not, as its row says", () => {
        for (const [resources, seed] of [[runs.base!, seeds.base!], [runs.validatingPolicy!, seeds.base!], [runs.smoke!, seeds.smoke!]] as const) {
            for (const r of resources) {
                const [row] = rowOf(r);
                assert.equal(outcome(r, seed), row!.outcome, `${r.name}: ${row!.line}`);
                assert.equal(r.protect, row!.protect, `${r.name} protect: ${row!.line}`);
            }
        }
    });

    it("each \"changed by\" entry holds with that key set, and keys a row does not list change nothing", () => {
        for (const f of FLIPS) {
            for (const r of runs[f.key]!) {
                const [row] = rowOf(r);
                const change = row!.changes.find((c) => c.key === f.key);
                if (change) assert.equal(change.value, f.value, `${row!.line}: the table sets ${f.key}=${change.value}`);
                const base = runs.base!.find((b) => b.type === r.type && b.name === r.name)!;
                const seed = f.key === "seed.deleteReposOnDestroy" ? seeds.deleteRepos! : seeds.base!;
                if (r.type.startsWith(DYNAMIC) && f.key !== "seed.deleteReposOnDestroy") {
                    // Nothing else reaches a seed provider: its inputs are the default run's.
                    const strip = (x: RecordedResource) => JSON.stringify({ ...x.inputs, __provider: undefined });
                    assert.equal(strip(r), strip(base), `${r.name}: ${f.key} changes its inputs`);
                }
                const expected = {
                    outcome: change?.effect === "removed" || change?.effect === "removed unless adopted" ? "removed" : change?.effect === "kept" ? "kept" : row!.outcome,
                    protect: change?.effect === "unprotected" ? false : row!.protect,
                };
                assert.deepEqual({ outcome: outcome(r, seed), protect: r.protect }, expected, `${r.name} with ${f.key}=${f.value}: ${row!.line}`);
                if (change?.effect === "removed unless adopted") {
                    assert.equal(seeds.deleteReposAdopted!.get(r.name), "kept", `${r.name}: an adopted repository (and its files) must be kept`);
                }
            }
        }
    });
});
