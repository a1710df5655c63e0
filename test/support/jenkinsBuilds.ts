// The build side of the Jenkins emulator: the Generic Webhook Trigger's invoke endpoint, the queue,
// and a job's runs with their console — what the smoke run drives and follows. Sources (jenkinsci/jenkins
// at jenkins-2.578, jenkinsci/generic-webhook-trigger-plugin at 2.4.1; each behaviour names its file):
// - POST /generic-webhook-trigger/invoke (GWT GenericWebHookRequestReceiver): an UnprotectedRootAction
//   and a CrumbExclusion, so no login and no crumb. The token comes from ?token=, a `token` header,
//   `Authorization: Bearer <t>` (case-sensitive "Bearer ") or X-Gitlab-Token (getGivenToken). Jobs are
//   found by token (jobfinder/JobFinder.findAllJobsWithTrigger): a job's tokenCredentialId is looked up
//   as a secret-text credential in the job's folders and the system store (global/CredentialsHelper),
//   falling back to the job's plain `token` when the credential is missing. No job → 404 with GWT's
//   message; a job whose `$.ref` filter does not match → 200 with `triggered: false`
//   (GenericTrigger.trigger, Renderer.isMatching: Pattern.find()); a disabled job is not scheduled
//   (ParameterizedJobMixIn.scheduleBuild2 returns null) → `triggered: false`, url "", id 0 (json-lib
//   writes a null String as ""). A JSON body that does not parse resolves no variable
//   (resolvers/PostContentParameterResolver catches it): the filter then sees "".
//   Every invocation adds a random `jenkins-generic-webhook-trigger-plugin_uuid` parameter unless
//   allowSeveralTriggersPerBuild (ParameterActionUtil), so the queue never folds two into one item.
// - The queue (core hudson/model/Queue.java): an item waits out the quiet period (WaitingItem, why
//   "In the quiet period. Expires in …"), is blocked while a run of a job that disallows concurrent
//   builds is in progress (BlockedItem, jenkins/model/BlockedBecauseOfBuildInProgress "Build #N is
//   already in progress"), waits for an executor (BuildableItem), then leaves: a LeftItem whose
//   `executable` is null until the executor has created the run (LeftItem.getExecutable), or which is
//   `cancelled`. Left items are kept 5 minutes (Queue.leftItems, expireAfterWrite), then 404.
// - Runs (core hudson/model/Run.java): `building` is state < POST_PRODUCTION; the result can be set
//   while the run is still building (a Pipeline's `error` step or currentBuild.result), so only
//   `building: false` says it ended; `url` is absolute, built from Jenkins' configured root URL (JCasC
//   location.url), which need not be the URL a client reached Jenkins by. consoleText
//   (Run.doConsoleText) is text/plain, the whole log so far; it ends with "Finished: <RESULT>"
//   (WorkflowRun.finish) once the run is done, and starts with the cause (Cause.print: GWT's rendered
//   causeString).
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { XMLParser } from "fast-xml-parser";
import { json, type Reply } from "./httpEmulator";

export type BuildResult = "SUCCESS" | "UNSTABLE" | "FAILURE" | "ABORTED" | "NOT_BUILT";

/** How one build goes: injected by a test per scheduled item (`BuildsState.plan`). Times in ms. */
export interface BuildPlan {
    /** Cancel the queue item when its quiet period ends (Queue.cancel → a cancelled LeftItem). */
    readonly cancel?: boolean;
    /** Time as a BuildableItem before an executor takes it (agent capacity). Default 0. */
    readonly pendingMs?: number;
    /** Time between leaving the queue and the run existing (LeftItem with executable null). Default 0. */
    readonly startMs?: number;
    /** How long the run builds; Infinity: it never ends. Default 0. */
    readonly durationMs?: number;
    /** Default SUCCESS. */
    readonly result?: BuildResult;
    /** When the result is set, in ms after the run started, while it may still be building. Default: at the end. */
    readonly resultAtMs?: number;
    /** Console lines between the cause line and "Finished: …", all shown once the run started. */
    readonly log?: readonly string[];
    /** Called once when the run completes — stands in for what the build did (Kaniko's push to Harbor). */
    readonly onComplete?: (run: RunState) => void;
}

export interface PlanContext {
    readonly job: string;
    readonly queueId: number;
    /** What GWT resolved from the payload (ref, …). */
    readonly variables: Readonly<Record<string, string>>;
    /** The body posted to the invoke endpoint, parsed (undefined when it was not JSON). */
    readonly payload: unknown;
}

export interface QueueItemState {
    readonly id: number;
    readonly job: string;
    readonly plan: BuildPlan;
    readonly cause: string;
    readonly params: Readonly<Record<string, string>>;
    readonly inQueueSince: number;
    stage: "waiting" | "blocked" | "buildable" | "left";
    /** When the current stage began. */
    since: number;
    cancelled: boolean;
    run?: RunState;
}

export interface RunState {
    readonly job: string;
    readonly number: number;
    readonly queueId: number;
    readonly startedAt: number;
    readonly plan: BuildPlan;
    readonly cause: string;
    completed: boolean;
}

const GENERIC_TRIGGER = "org.jenkinsci.plugins.gwt.GenericTrigger";
const STRING_CREDENTIALS = "org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl";
const DISABLE_CONCURRENT = "org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty";
const WORKFLOW_RUN = "org.jenkinsci.plugins.workflow.job.WorkflowRun";
const WORKFLOW_JOB = "org.jenkinsci.plugins.workflow.job.WorkflowJob";

/** The trigger settings GWT reads from a job (GenericTrigger.java fields). */
export interface GwtConfig {
    token: string;
    tokenCredentialId: string;
    regexpFilterText: string;
    regexpFilterExpression: string;
    causeString: string;
    silentResponse: boolean;
    allowSeveralTriggersPerBuild: boolean;
    variables: { key: string; expressionType: string; value: string; defaultValue: string }[];
}

/** What the emulator needs from the item and credential stores of JenkinsState. */
export interface BuildsHost {
    /** Job full name → its config.xml (jobs only). */
    jobs(): Iterable<[string, string]>;
    /** Credential XML documents visible to the job: its folders' stores, innermost first, then the system store. */
    credentialsFor(job: string): string[];
    /** Jenkins' configured root URL (location.url), with a trailing slash. */
    rootUrl(): string;
}

export class BuildsState {
    /** The job's quiet period (Jenkins' default is 5 s; GWT passes -1 = the job's own). */
    quietPeriodMs = 0;
    /** How long a left item stays answerable (Queue.leftItems: 5 minutes). */
    leftItemTtlMs = 300_000;
    /** How each scheduled build goes; default: it succeeds at once. */
    plan: (ctx: PlanContext) => BuildPlan = () => ({});
    readonly queue = new Map<number, QueueItemState>();
    readonly runs = new Map<string, RunState[]>();
    /** Every invocation of the invoke endpoint, as GWT saw it (token given, body). */
    readonly invocations: { token: string | undefined; body: string; headers: IncomingHttpHeaders; at: number }[] = [];
    private queueSeq = 0;
    private readonly nextNumber = new Map<string, number>();

    constructor(private readonly host: BuildsHost) {}

    /** The runs of a job, oldest first. */
    runsOf(job: string): RunState[] {
        return this.runs.get(job) ?? [];
    }

    /**
     * Moves every item and run forward to `now`, one transition at a time in time order, so a lazy
     * look at a late moment gives what Jenkins would have done meanwhile (an item blocked until the
     * earlier run ended, then started).
     */
    advance(now = Date.now()): void {
        for (let guard = 0; guard < 10_000; guard++) {
            const next = this.nextTransition();
            if (!next || next.at > now) break;
            next.apply();
        }
        for (const [id, item] of this.queue) if (item.stage === "left" && now - item.since > this.leftItemTtlMs) this.queue.delete(id);
    }

    private building(job: string): RunState | undefined {
        return this.runsOf(job).find((r) => !r.completed);
    }

    private concurrentDisallowed(job: string): boolean {
        const xml = [...this.host.jobs()].find(([name]) => name === job)?.[1] ?? "";
        return xml.includes(DISABLE_CONCURRENT);
    }

    private blocker(item: QueueItemState): RunState | "starting" | undefined {
        if (!this.concurrentDisallowed(item.job)) return undefined;
        const run = this.building(item.job);
        if (run) return run;
        // An item that left but whose run the executor has not created yet holds the job too.
        return [...this.queue.values()].some((q) => q !== item && q.job === item.job && q.stage === "left" && !q.cancelled && !q.run) ? "starting" : undefined;
    }

    private endOf(run: RunState): number {
        return run.startedAt + (run.plan.durationMs ?? 0);
    }

    private nextTransition(): { at: number; apply: () => void } | undefined {
        const candidates: { at: number; order: number; apply: () => void }[] = [];
        for (const runs of this.runs.values()) {
            for (const run of runs) {
                const end = this.endOf(run);
                if (!run.completed && Number.isFinite(end)) candidates.push({ at: end, order: 0, apply: () => this.complete(run) });
            }
        }
        for (const item of this.queue.values()) {
            if (item.stage === "waiting") {
                candidates.push({
                    at: item.since + this.quietPeriodMs,
                    order: 1,
                    apply: () => {
                        const at = item.since + this.quietPeriodMs;
                        if (item.plan.cancel) return this.leave(item, at, true);
                        this.enter(item, this.blocker(item) ? "blocked" : "buildable", at);
                    },
                });
            } else if (item.stage === "blocked") {
                // Unblocked once the blocking run has completed (its completion is applied first).
                if (this.blocker(item) === undefined) {
                    const at = Math.max(item.since, ...this.runsOf(item.job).map((r) => this.endOf(r)));
                    candidates.push({ at, order: 1, apply: () => this.enter(item, "buildable", at) });
                }
            } else if (item.stage === "buildable") {
                const at = item.since + (item.plan.pendingMs ?? 0);
                candidates.push({ at, order: 1, apply: () => (this.blocker(item) ? this.enter(item, "blocked", at) : this.leave(item, at, false)) });
            } else if (!item.cancelled && !item.run) {
                const at = item.since + (item.plan.startMs ?? 0);
                candidates.push({ at, order: 2, apply: () => this.start(item, at) });
            }
        }
        candidates.sort((a, b) => a.at - b.at || a.order - b.order);
        return candidates[0];
    }

    private enter(item: QueueItemState, stage: QueueItemState["stage"], at: number): void {
        item.stage = stage;
        item.since = at;
    }

    private leave(item: QueueItemState, at: number, cancelled: boolean): void {
        this.enter(item, "left", at);
        item.cancelled = cancelled;
    }

    private start(item: QueueItemState, at: number): void {
        const number = this.nextNumber.get(item.job) ?? 1;
        this.nextNumber.set(item.job, number + 1);
        const run: RunState = { job: item.job, number, queueId: item.id, startedAt: at, plan: item.plan, cause: item.cause, completed: false };
        this.runs.set(item.job, [...this.runsOf(item.job), run]);
        item.run = run;
    }

    private complete(run: RunState): void {
        run.completed = true;
        run.plan.onComplete?.(run);
    }

    /** Whether the run is still building at `now` (Run.isBuilding). */
    isBuilding(run: RunState, now = Date.now()): boolean {
        return !run.completed && now < this.endOf(run);
    }

    /** The run's result at `now`, or null while unset (Run.getResult). */
    resultOf(run: RunState, now = Date.now()): BuildResult | null {
        const at = run.startedAt + (run.plan.resultAtMs ?? run.plan.durationMs ?? 0);
        return run.completed || now >= at ? (run.plan.result ?? "SUCCESS") : null;
    }

    /** The console as consoleText serves it at `now`. */
    consoleText(run: RunState, now = Date.now()): string {
        const lines = [run.cause, ...(run.plan.log ?? [])];
        if (!this.isBuilding(run, now)) lines.push(`Finished: ${this.resultOf(run, now) ?? "SUCCESS"}`);
        return `${lines.join("\n")}\n`;
    }

    /** GWT's doInvoke for one request. */
    invoke(headers: IncomingHttpHeaders, query: URLSearchParams, body: string, now = Date.now()): Reply {
        this.advance(now);
        const token = givenToken(headers, query);
        this.invocations.push({ token, body, headers, at: now });
        let payload: unknown;
        try {
            payload = JSON.parse(body);
        } catch {
            payload = undefined;
        }
        const found: [string, GwtConfig, string][] = [];
        // JobFinderImpersonater: without a token GWT looks as the caller — anonymous, who sees no job here.
        if (token) {
            for (const [job, xml] of this.host.jobs()) {
                const gwt = readGwt(xml);
                if (!gwt) continue;
                const configured = this.tokenValue(job, gwt);
                if (configured !== "" && configured === token) found.push([job, gwt, xml]);
            }
        }
        if (found.length === 0) {
            const msg = `Did not find any jobs with GenericTrigger configured!\n${token ? "A token was supplied.\n" : "No token was supplied.\nIf you are using a token, you need to pass it like ...trigger/invoke?token=TOKENHERE\nIf you are not using a token, you need to authenticate like http://user:passsword@example.org/generic-webhook...\n"}`;
            return json(404, { jobs: null, message: msg });
        }
        const results: Record<string, unknown> = {};
        let allSilent = true;
        for (const [job, gwt, xml] of found) {
            const variables = resolveVariables(gwt, payload);
            const text = renderText(gwt.regexpFilterText, variables);
            const matching = (text === "" && gwt.regexpFilterExpression === "") || new RegExp(gwt.regexpFilterExpression).test(text);
            let url = "";
            let id = 0;
            let triggered = false;
            if (matching && !/<disabled>\s*true\s*<\/disabled>/.test(xml)) {
                const item = this.schedule(job, gwt, variables, payload, now);
                url = `queue/item/${item.id}/`;
                id = item.id;
                triggered = true;
            }
            if (!gwt.silentResponse) {
                allSilent = false;
                // GenericTriggerResults as json-lib writes a bean: its getters, alphabetically.
                results[job] = { id, regexpFilterExpression: gwt.regexpFilterExpression, regexpFilterText: text, resolvedVariables: variables, triggered, url };
            }
        }
        if (allSilent) return { status: 200, body: "" };
        return json(200, { jobs: results, message: "Triggered jobs." });
    }

    private schedule(job: string, gwt: GwtConfig, variables: Record<string, string>, payload: unknown, now: number): QueueItemState {
        const id = ++this.queueSeq;
        const params: Record<string, string> = gwt.allowSeveralTriggersPerBuild ? {} : { "jenkins-generic-webhook-trigger-plugin_uuid": randomUUID() };
        const item: QueueItemState = {
            id,
            job,
            plan: this.plan({ job, queueId: id, variables, payload }),
            cause: renderText(gwt.causeString, variables),
            params,
            inQueueSince: now,
            stage: "waiting",
            since: now,
            cancelled: false,
        };
        this.queue.set(id, item);
        return item;
    }

    /** JobFinder.determineTokenValue: the credential's secret when found, else the plain token. */
    private tokenValue(job: string, gwt: GwtConfig): string {
        if (gwt.tokenCredentialId === "") return gwt.token;
        for (const xml of this.host.credentialsFor(job)) {
            const c = readStringCredential(xml);
            if (c && c.id === gwt.tokenCredentialId) return c.secret;
        }
        return gwt.token;
    }

    /** GET queue/item/<id>/api/json: the item's JSON, or undefined (404) when unknown or expired. */
    queueItemJson(id: number, now = Date.now()): Record<string, unknown> | undefined {
        this.advance(now);
        const item = this.queue.get(id);
        if (!item) return undefined;
        const root = this.host.rootUrl();
        const name = item.job.split("/").pop()!;
        const base = {
            actions: [{ _class: "hudson.model.ParametersAction", parameters: Object.entries(item.params).map(([n, value]) => ({ _class: "hudson.model.StringParameterValue", name: n, value })) }, { _class: "hudson.model.CauseAction", causes: [{ _class: "org.jenkinsci.plugins.gwt.GenericCause", shortDescription: item.cause }] }],
            blocked: item.stage === "blocked",
            buildable: item.stage === "buildable",
            id: item.id,
            inQueueSince: item.inQueueSince,
            params: Object.entries(item.params).map(([k, v]) => `\n${k}=${v}`).join(""),
            stuck: false,
            task: { _class: WORKFLOW_JOB, name, url: `${root}${jobPath(item.job)}/`, color: "notbuilt" },
            url: `queue/item/${item.id}/`,
        };
        switch (item.stage) {
            case "waiting": {
                const left = Math.max(0, item.since + this.quietPeriodMs - now);
                return { _class: "hudson.model.Queue$WaitingItem", ...base, why: `In the quiet period. Expires in ${(left / 1000).toFixed(1)} sec`, timestamp: item.since + this.quietPeriodMs };
            }
            case "blocked": {
                const b = this.blocker(item);
                const why = b && b !== "starting" ? `Build #${b.number} is already in progress` : "A build is already in progress";
                return { _class: "hudson.model.Queue$BlockedItem", ...base, why, buildableStartMilliseconds: item.since };
            }
            case "buildable":
                return { _class: "hudson.model.Queue$BuildableItem", ...base, why: "Waiting for next available executor", buildableStartMilliseconds: item.since, pending: false };
            default:
                return {
                    _class: "hudson.model.Queue$LeftItem",
                    ...base,
                    why: null,
                    cancelled: item.cancelled,
                    executable: item.run ? { _class: WORKFLOW_RUN, number: item.run.number, url: `${root}${jobPath(item.job)}/${item.run.number}/` } : null,
                };
        }
    }

    /** GET job/…/<n>/api/json, or undefined (404). */
    runJson(job: string, number: number, now = Date.now()): Record<string, unknown> | undefined {
        this.advance(now);
        const run = this.runsOf(job).find((r) => r.number === number);
        if (!run) return undefined;
        const building = this.isBuilding(run, now);
        const end = this.endOf(run);
        return {
            _class: WORKFLOW_RUN,
            actions: [{ _class: "hudson.model.CauseAction", causes: [{ _class: "org.jenkinsci.plugins.gwt.GenericCause", shortDescription: run.cause }] }],
            artifacts: [],
            building,
            description: null,
            displayName: `#${run.number}`,
            duration: building ? 0 : end - run.startedAt,
            estimatedDuration: -1,
            executor: building ? {} : null,
            fullDisplayName: `${job.split("/").join(" » ")} #${run.number}`,
            id: String(run.number),
            keepLog: false,
            number: run.number,
            queueId: run.queueId,
            result: this.resultOf(run, now),
            timestamp: run.startedAt,
            url: `${this.host.rootUrl()}${jobPath(job)}/${run.number}/`,
            changeSets: [],
            culprits: [],
            inProgress: building,
            nextBuild: null,
            previousBuild: null,
        };
    }

    /** GET job/…/<n>/consoleText, or undefined (404). */
    console(job: string, number: number, now = Date.now()): string | undefined {
        this.advance(now);
        const run = this.runsOf(job).find((r) => r.number === number);
        return run ? this.consoleText(run, now) : undefined;
    }
}

const jobPath = (job: string) => job.split("/").map((n) => `job/${encodeURIComponent(n)}`).join("/");

/** GenericWebHookRequestReceiver.getGivenToken, in its order. */
export function givenToken(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
    const q = query.get("token");
    if (q !== null) return q;
    const h = headers.token;
    if (h !== undefined) return Array.isArray(h) ? h[0] : h;
    const auth = headers.authorization;
    for (const v of Array.isArray(auth) ? auth : auth !== undefined ? [auth] : []) if (v.startsWith("Bearer ")) return v.slice(7);
    const gitlab = headers["x-gitlab-token"];
    if (gitlab !== undefined) return Array.isArray(gitlab) ? gitlab[0] : gitlab;
    return undefined;
}

const parser = () => new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });
const text = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : typeof v === "number" || typeof v === "boolean" ? String(v) : "");

/** The GenericTrigger of a job config.xml (written by hand here, not with the seed's own parser). */
export function readGwt(xml: string): GwtConfig | undefined {
    const doc = parser().parse(xml) as Record<string, any>;
    const root = doc["flow-definition"] ?? doc.project;
    const trigger = root?.properties?.["org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty"]?.triggers?.[GENERIC_TRIGGER] ?? root?.triggers?.[GENERIC_TRIGGER];
    if (!trigger || typeof trigger !== "object") return undefined;
    const vars = trigger.genericVariables?.["org.jenkinsci.plugins.gwt.GenericVariable"];
    const list = (Array.isArray(vars) ? vars : vars ? [vars] : []) as Record<string, unknown>[];
    return {
        token: text(trigger.token),
        tokenCredentialId: text(trigger.tokenCredentialId),
        regexpFilterText: text(trigger.regexpFilterText),
        regexpFilterExpression: text(trigger.regexpFilterExpression),
        causeString: text(trigger.causeString) || "Generic Cause",
        silentResponse: text(trigger.silentResponse) === "true",
        allowSeveralTriggersPerBuild: text(trigger.allowSeveralTriggersPerBuild) === "true",
        variables: list.map((v) => ({ key: text(v.key), expressionType: text(v.expressionType) || "JSONPath", value: text(v.value), defaultValue: text(v.defaultValue) })),
    };
}

/** A secret-text credential's id and secret, or undefined for any other kind (CredentialsMatchers.instanceOf). */
function readStringCredential(xml: string): { id: string; secret: string } | undefined {
    const doc = parser().parse(xml) as Record<string, any>;
    const c = doc[STRING_CREDENTIALS];
    return c && typeof c === "object" ? { id: text(c.id), secret: text(c.secret) } : undefined;
}

/**
 * PostContentParameterResolver for the JSONPath variables: `$.a.b` paths only (what the seed
 * configures; anything else is an emulator limit and throws). A path that is not there, or a body
 * that is not JSON, gives the default value.
 */
function resolveVariables(gwt: GwtConfig, payload: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const v of gwt.variables) {
        if (v.expressionType !== "JSONPath" || !/^\$(\.[A-Za-z_][\w-]*)+$/.test(v.value)) throw new Error(`jenkins emulator: GWT variable ${v.key}: only $.a.b JSONPath is modelled (got ${v.expressionType} ${v.value})`);
        let x: unknown = payload;
        for (const k of v.value.split(".").slice(1)) x = x && typeof x === "object" ? (x as Record<string, unknown>)[k] : undefined;
        if (x !== undefined && x !== null && typeof x === "object") throw new Error(`jenkins emulator: GWT variable ${v.key}: flattening an object is not modelled`);
        const s = typeof x === "string" ? x : typeof x === "number" || typeof x === "boolean" ? String(x) : "";
        out[v.key] = s === "" ? v.defaultValue : s;
    }
    return out;
}

/** Renderer.renderText: $name and ${name}, longest names first. */
function renderText(template: string, variables: Record<string, string>): string {
    if (template === "") return "";
    let out = template;
    const names = Object.keys(variables).sort((a, b) => b.length - a.length || a.localeCompare(b));
    for (const n of names) out = out.split(`$${n}`).join(variables[n]).split(`\${${n}}`).join(variables[n]);
    return out;
}
