// `npm run bench`: prints the figures we track. Never fails on time (machines are noisy).
import { performance } from "node:perf_hooks";
import { runProgram } from "../test/support/mocks";
import { devStackConfig, SECRET_KEYS } from "../test/support/fixtures";
import { seedBench } from "./seed";

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

async function main() {
    console.log(`node ${process.version}`);
    await programEvaluation(11);
    await seedBench();
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
