// The smoke run's own overhead against the in-process emulators: how many requests one run makes and
// to whom, how late it notices the end of a build (its poll interval), and what one poll costs. The
// time the loop itself takes (the build) is the cluster's, not the script's: see docs/smoke.md.
import { performance } from "node:perf_hooks";
import { runSmoke } from "../components/smoke/run";
import { GiteaClient } from "../components/seed/giteaClient";
import { HarborClient } from "../components/seed/harborClient";
import { JenkinsBuildClient } from "../components/seed/jenkinsBuildClient";
import { startSmokeWorld } from "../test/support/smokeWorld";

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
}

async function perRequest(label: string, n: number, call: () => Promise<unknown>): Promise<string> {
    await call(); // a warm connection, as in a run
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await call();
        times.push(performance.now() - t0);
    }
    return `${label} ${median(times).toFixed(2)} ms`;
}

export async function smokeBench(): Promise<void> {
    const quietMs = 200;
    const buildMs = 1000;
    const pollMs = 100;
    const w = await startSmokeWorld();
    try {
        w.jenkins.state.builds.quietPeriodMs = quietMs;
        w.plan = () => ({ durationMs: buildMs, onComplete: () => void w.pushHead() });
        const t0 = performance.now();
        const r = await runSmoke(w.target, { pollMs });
        const wall = performance.now() - t0;
        const jobRuns = w.jenkins.requests("GET", /^\/job\/.*\/\d+\/api\/json$/).length;
        const queue = w.jenkins.requests("GET", /^\/queue\/item\//).length;
        const invoke = w.jenkins.requests("POST", "/generic-webhook-trigger/invoke").length;
        const total = w.gitea.log.length + w.jenkins.log.length + w.harbor.log.length;
        console.log(
            `smoke run (emulators; ${quietMs} ms quiet period, ${buildMs} ms build, polling every ${pollMs} ms): ${total} requests — Gitea ${w.gitea.log.length}, Jenkins ${invoke} invoke + ${queue} queue + ${jobRuns} run, Harbor ${w.harbor.log.length}; smokeSeconds ${r.seconds} for ${((quietMs + buildMs) / 1000).toFixed(1)} s of queue and build, run wall time ${(wall / 1000).toFixed(2)} s`,
        );

        const t = w.target;
        const jenkins = new JenkinsBuildClient({ url: t.jenkinsUrl, username: t.jenkinsUsername, password: t.jenkinsPassword });
        const harbor = new HarborClient({ url: t.harborUrl, username: t.harborUsername, password: t.harborPassword });
        const gitea = new GiteaClient({ url: t.giteaUrl, username: t.giteaUsername, password: t.giteaPassword });
        const queueId = w.jenkins.state.builds.runsOf(t.job)[0]!.queueId;
        const tag = r.image.split(":").pop()!;
        const costs = [
            await perRequest("queue item", 50, () => jenkins.getQueueItem(queueId)),
            await perRequest("run", 50, () => jenkins.getRun(t.job, 1)),
            await perRequest("artifact", 50, () => harbor.getArtifact(t.project, t.image, tag)),
            await perRequest("branch head", 50, () => gitea.getBranchCommit(t.appOwner, t.appRepo, t.branch)),
        ];
        const at120 = Math.ceil(120_000 / 2000);
        console.log(`smoke poll cost per request (median of 50, warm connection): ${costs.join(", ")}; at the default 2 s interval a 120 s build costs about ${at120} run polls and the end is noticed at most 2 s late`);
    } finally {
        await w.close();
    }
}
