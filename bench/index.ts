// `npm run bench`: prints the figures we track. Never fails on time (machines are noisy).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { runProgram } from "../test/support/mocks";
import { devStackConfig, SECRET_KEYS } from "../test/support/fixtures";
import { seedBench } from "./seed";
import { smokeBench } from "./smoke";
import { formatBench, readBenchFigures } from "../scripts/e2e/report";

function stats(xs: number[]) {
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
}

async function programEvaluation(runs: number) {
    const times: number[] = [];
    let resources = 0;
    for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const run = await runProgram(devStackConfig(), { secretKeys: SECRET_KEYS });
        times.push(performance.now() - t0);
        if (run.error) throw run.error;
        resources = run.recorder.resources.length;
    }
    const s = stats(times.slice(1)); // the first run pays for module loading
    console.log(`program evaluation under mocks (dev stack, ${resources} resources): first ${times[0]!.toFixed(0)} ms, then median ${s.median.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}) over ${runs - 1} runs`);
}

/** `npm test`'s wall time: the suite as CI runs it, in a child process (skip with BENCH_SKIP_TESTS=1). */
function testSuiteWallTime() {
    if (process.env.BENCH_SKIP_TESTS) return;
    const mocha = path.join(__dirname, "..", "node_modules", "mocha", "bin", "mocha.js");
    const t0 = performance.now();
    const run = spawnSync(process.execPath, [mocha, "--reporter", "dot"], { cwd: path.join(__dirname, ".."), encoding: "utf8" });
    const ms = performance.now() - t0;
    const summary = /(\d+) passing/.exec(run.stdout)?.[1] ?? "?";
    console.log(`npm test wall time: ${(ms / 1000).toFixed(1)} s (${summary} passing, exit ${run.status})`);
}

/** The real-engine figures the last `npm run e2e` wrote (.cache/e2e/bench.json); the bench never runs the engine itself. */
function realEngine() {
    const b = readBenchFigures(path.join(__dirname, ".."));
    if (!b) {
        console.log("real engine: no figures yet (run `npm run e2e`; it writes .cache/e2e/bench.json)");
        return;
    }
    for (const line of formatBench(b)) console.log(line);
}

async function main() {
    console.log(`node ${process.version}`);
    await programEvaluation(11);
    await seedBench();
    await smokeBench();
    testSuiteWallTime();
    realEngine();
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
