// The smoke run: proves the loop the stack promises — a push ends as an image in Harbor — and times it.
//  1. reads the head of the app repository through the Gitea client and delivers a push event for it
//     to Jenkins exactly as Gitea's webhook does (payload.ts);
//  2. follows what the Generic Webhook Trigger answered: the queue item until its run exists, the run
//     until it stops building (bounded; on failure the error names the build URL and shows the
//     console's tail);
//  3. waits (bounded) until Harbor holds <project>/<image>:<first 8 hex of the commit> — the tag the
//     Jenkinsfile pushes — through the Harbor v2 artifacts API;
//  4. returns what scripts/smoke.ts prints as one JSON line: no secret in it.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { GiteaClient } from "../seed/giteaClient";
import { HarborClient } from "../seed/harborClient";
import { HttpError, redact } from "../seed/http";
import { JenkinsBuildClient } from "../seed/jenkinsBuildClient";
import { deliveryHeaders, pushPayload } from "./payload";
import { targetSecrets, type SmokeTargetValues } from "./target";

/** The tag the Jenkinsfile pushes: `git rev-parse HEAD | cut -c1-8` (templates/pipeline.ts, stage Version). */
export function imageTag(commit: string): string {
    return commit.slice(0, 8);
}

/** What one successful run found. */
export interface SmokeResult {
    /** The run's page, from the Jenkins URL the smoke used (never Jenkins' own root URL). */
    readonly buildUrl: string;
    readonly result: "SUCCESS";
    /** The commit built (the app repository's head). */
    readonly commit: string;
    /** `<registry>/<project>/<image>:<tag>`. */
    readonly image: string;
    /** The manifest digest Harbor holds for that tag. */
    readonly digest: string;
    /** Seconds from the trigger to the image seen in Harbor (0.1 s). */
    readonly seconds: number;
    /** Of which waiting in Jenkins' queue (quiet period, a build already running, an executor). */
    readonly queueSeconds: number;
}

export interface SmokeOptions {
    /** Interval between polls (default 2000 ms). */
    readonly pollMs?: number;
    /** Bound on the wait for the image once the build succeeded (default 60000 ms). */
    readonly imageTimeoutMs?: number;
    /** Lines of the console shown with a failure (default 40). */
    readonly consoleLines?: number;
    /** Progress lines (stderr in the script). */
    readonly log?: (line: string) => void;
    /** HTTP tuning of the three clients (tests make retries fast). */
    readonly http?: { retries?: number; retryDelayMs?: number; maxRetryDelayMs?: number; timeoutMs?: number };
}

/** A smoke run that did not prove the loop; the message says where it stopped (no secret in it). */
export class SmokeError extends Error {
    override readonly name: string;
    constructor(
        message: string,
        readonly buildUrl?: string,
    ) {
        super(message);
        this.name = "SmokeError";
    }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round1 = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Calls `probe` every `pollMs` until it returns a value or `deadline` (performance.now() ms) passes.
 * A transient HTTP failure (refused, 5xx, timeout) is remembered and polled through — Jenkins may be
 * restarting —; anything else ends the wait at once.
 */
async function poll<T>(deadline: number, pollMs: number, probe: () => Promise<T | undefined>): Promise<{ value: T } | { timedOut: true; lastFailure?: string }> {
    let lastFailure: string | undefined;
    for (;;) {
        try {
            const v = await probe();
            if (v !== undefined) return { value: v };
        } catch (e) {
            if (!(e instanceof HttpError && e.transient)) throw e;
            lastFailure = e.message;
        }
        const left = deadline - performance.now();
        if (left <= 0) return { timedOut: true, ...(lastFailure ? { lastFailure } : {}) };
        await sleep(Math.min(pollMs, left));
    }
}

export async function runSmoke(t: SmokeTargetValues, o: SmokeOptions = {}): Promise<SmokeResult> {
    const pollMs = o.pollMs ?? 2000;
    const log = o.log ?? (() => undefined);
    const secrets = targetSecrets(t);
    const safe = (s: string) => redact(s, secrets);
    const http = o.http ?? {};
    const gitea = new GiteaClient({ url: t.giteaUrl, username: t.giteaUsername, password: t.giteaPassword, ...http });
    const jenkins = new JenkinsBuildClient({ url: t.jenkinsUrl, username: t.jenkinsUsername, password: t.jenkinsPassword, ...http });
    const harbor = new HarborClient({ url: t.harborUrl, username: t.harborUsername, password: t.harborPassword, ...http });
    const where = `${t.appOwner}/${t.appRepo}@${t.branch}`;

    // 1. The head, and the push event for it.
    const repository = await gitea.getRepo(t.appOwner, t.appRepo);
    if (!repository) throw new SmokeError(`Gitea has no repository ${t.appOwner}/${t.appRepo} (seed.appRepo) visible to ${t.giteaUsername}`);
    const head = await gitea.getBranchCommit(t.appOwner, t.appRepo, t.branch);
    if (!head) throw new SmokeError(`Gitea repository ${t.appOwner}/${t.appRepo} has no branch ${t.branch} (seed.branch)`);
    const tag = imageTag(head.id);
    const image = `${t.registry}/${t.project}/${t.image}:${tag}`;
    const body = JSON.stringify(pushPayload({ branch: t.branch, repository, head, sender: t.giteaUsername }));
    log(`smoke: delivering a push of ${where} (${head.id}) to ${t.job}`);

    // 2. Trigger, then follow the queue item and the run. The clock starts with the delivery.
    const started = performance.now();
    const deadline = started + Number(t.timeoutSeconds) * 1000;
    const answer = await jenkins.invokeGenericWebhook({ token: t.webhookToken, body, headers: deliveryHeaders(randomUUID()) });
    if (answer.kind === "no-job") {
        throw new SmokeError(
            `Jenkins found no job for the webhook token (Generic Webhook Trigger: ${answer.message.trim().replace(/\n/g, " ")}); ${t.job} must name, as its tokenCredentialId, a secret-text credential in its folder that holds this token`,
        );
    }
    const triggered = answer.jobs[t.job];
    if (triggered === undefined) throw new SmokeError(`the webhook token triggered ${Object.keys(answer.jobs).join(", ") || "no job"}, not ${t.job}`);
    if (typeof triggered === "string") throw new SmokeError(`the Generic Webhook Trigger failed to trigger ${t.job}: ${safe(triggered)}`);
    if (!triggered.triggered) {
        const matched = new RegExp(triggered.regexpFilterExpression).test(triggered.regexpFilterText);
        throw new SmokeError(
            matched
                ? `Jenkins did not schedule ${t.job} (is the job disabled?)`
                : `${t.job}'s filter did not match the push: "${triggered.regexpFilterText}" against ${triggered.regexpFilterExpression} (seed.branch is ${t.branch})`,
        );
    }
    const queueId = triggered.queueId;
    log(`smoke: queued as item ${queueId}`);

    // Written by the probe (a closure), read after the wait.
    const last: { why: string | null } = { why: null };
    const queued = await poll(deadline, pollMs, async () => {
        const item = await jenkins.getQueueItem(queueId);
        if (!item) throw new SmokeError(`Jenkins queue item ${queueId} of ${t.job} is gone before a build started (Jenkins forgets a left item after 5 minutes)`);
        if (item.cancelled) throw new SmokeError(`Jenkins queue item ${queueId} of ${t.job} was cancelled before a build started`);
        last.why = item.why;
        return item.runNumber;
    });
    if ("timedOut" in queued) {
        throw new SmokeError(`no build of ${t.job} started within ${t.timeoutSeconds} s (smoke.timeoutSeconds); queue item ${queueId} still waits${last.why ? `: ${last.why}` : ""}${queued.lastFailure ? `; last failure: ${queued.lastFailure}` : ""}`);
    }
    const number = queued.value;
    const buildUrl = jenkins.runUrl(t.job, number);
    const queueSeconds = round1(performance.now() - started);
    log(`smoke: ${buildUrl} started after ${queueSeconds} s in the queue`);

    const tail = async (): Promise<string> => {
        try {
            const text = await jenkins.getConsoleText(t.job, number);
            if (text === undefined) return "(no console: the build is gone)";
            const lines = text.replace(/\n$/, "").split("\n");
            return safe(lines.slice(-(o.consoleLines ?? 40)).join("\n"));
        } catch (e) {
            return `(console unavailable: ${e instanceof Error ? safe(e.message) : String(e)})`;
        }
    };
    const consoleBlock = async (heading: string) => `\n--- ${heading} (${buildUrl}console) ---\n${await tail()}\n---`;

    const ended = await poll(deadline, pollMs, async () => {
        const run = await jenkins.getRun(t.job, number);
        return run && !run.building ? run : undefined;
    });
    if ("timedOut" in ended) {
        throw new SmokeError(
            `build ${buildUrl} did not finish within ${t.timeoutSeconds} s of the trigger (smoke.timeoutSeconds); it is still building${ended.lastFailure ? ` (last failure: ${ended.lastFailure})` : ""}${await consoleBlock("last lines so far")}`,
            buildUrl,
        );
    }
    const result = ended.value.result ?? "(no result)";
    if (result !== "SUCCESS") throw new SmokeError(`build ${buildUrl} of ${head.id} ended ${result}${await consoleBlock("last lines of its console")}`, buildUrl);
    log(`smoke: ${buildUrl} succeeded; looking for ${image} in Harbor`);

    // 3. The image, through the artifacts API.
    const imageDeadline = performance.now() + (o.imageTimeoutMs ?? 60_000);
    let artifact;
    try {
        artifact = await poll(imageDeadline, pollMs, () => harbor.getArtifact(t.project, t.image, tag));
    } catch (e) {
        if (e instanceof HttpError && (e.status === 401 || e.status === 403)) {
            throw new SmokeError(`Harbor refused to show ${image} to ${t.harborUsername} (${safe(e.message)}); the smoke's Harbor account needs artifact:read on project ${t.project}`, buildUrl);
        }
        throw e;
    }
    if ("timedOut" in artifact) {
        // The job checks out the branch, not the pushed commit: a push meanwhile means it built another one.
        const now = await gitea.getBranchCommit(t.appOwner, t.appRepo, t.branch).catch(() => undefined);
        const moved = now && now.id !== head.id ? `; ${t.branch} moved to ${now.id} meanwhile, so the build may have built and pushed that commit instead` : "; did the pipeline push somewhere else?";
        throw new SmokeError(
            `Harbor holds no ${image} ${round1(o.imageTimeoutMs ?? 60_000)} s after build ${buildUrl} succeeded${artifact.lastFailure ? ` (last failure: ${artifact.lastFailure})` : ""}${moved}${await consoleBlock("last lines of its console")}`,
            buildUrl,
        );
    }
    const seconds = round1(performance.now() - started);
    log(`smoke: ${image} is in Harbor (${artifact.value.digest}), ${seconds} s after the trigger`);
    return { buildUrl, result: "SUCCESS", commit: head.id, image, digest: artifact.value.digest, seconds, queueSeconds };
}
