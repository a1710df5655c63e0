// Smoke: after the seed, proves the loop the stack promises — a push to the app repository ends as an
// image in Harbor — and measures it, with @pulumi/command's local.Command running the project's own
// script (scripts/smoke.ts, through the project's tsx). Running a program where `pulumi up` runs is
// exactly what a command resource is for: it shows in preview, it runs after what it depends on, and
// its output is a resource output, never a side effect inside `apply`.
//
// When it runs: its `triggers` are the digests of the seeded app content (Jenkinsfile, Dockerfile,
// sources, the job's config.xml), so a changed pipeline or app replaces it and it runs again; an `up`
// that changes nothing leaves it alone; `pulumi up --replace <urn>` runs it on demand. A changed
// connection (a URL, a rotated password — the command's `environment`) updates it, which runs it again
// too (pulumi/pulumi-command provider/pkg/provider/local/commandController.go: Update runs `update`,
// else `create`; there is no Read, so `pulumi refresh` keeps the last run's outputs).
//
// Secrets (the webhook token, the Jenkins, Gitea and Harbor credentials) reach the script only as
// environment variables marked secret; the command line holds none, and the one JSON line it prints
// holds none (tested), so the fields the stack exports from it are unsecreted — pulumi-command
// marks every output secret once any input is (commandController.go leaves infer's default
// WireDependencies, every output on every input; pulumi/pulumi-command#256).
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HarborRobot } from "../seed/providers";
import { TARGET_FIELDS, type SmokeTargetValues } from "./target";

/** The command the resource runs: the project's script with the project's tsx, from the program's directory. */
export const SMOKE_COMMAND = "node_modules/.bin/tsx scripts/smoke.ts";

/** What the smoke's own Harbor robot may do: read artifacts (GetArtifact needs artifact:read, handler/artifact.go). */
export const SMOKE_ROBOT_ACCESS = [{ resource: "artifact", action: "read" }] as const;

/** The Harbor account the smoke reads artifacts with. */
export type SmokeHarborAccount =
    | {
          /** The stack makes the smoke its own read-only robot with the manager account (registry.username). */
          readonly kind: "robot";
          readonly manager: { readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> };
          readonly project: pulumi.Input<string>;
          /** HarborProject.projectId. */
          readonly projectId: pulumi.Input<number>;
          /** Short robot name: Harbor calls it `robot$<project>+<name>`. */
          readonly robotName: pulumi.Input<string>;
      }
    | {
          /** An existing account (a pre-made robot that has artifact:read). */
          readonly kind: "account";
          readonly username: pulumi.Input<string>;
          readonly password: pulumi.Input<string>;
      };

/**
 * Pure: the smoke's Harbor account from the pipeline's. When the stack manages the pipeline's robot it
 * makes the smoke its own, `<robotName>-smoke`, in the same project; with a pre-made robot the stack
 * makes no Harbor call at all, so the smoke reads as that robot (which then needs artifact:read).
 */
export function smokeHarborAccount(
    pipeline: { readonly kind: "managed"; readonly manager: { readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> }; readonly project: pulumi.Input<string>; readonly robotName: pulumi.Input<string> } | { readonly kind: "premade"; readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> },
    projectId: pulumi.Input<number> | undefined,
): SmokeHarborAccount {
    if (pipeline.kind === "premade") return { kind: "account", username: pipeline.username, password: pipeline.password };
    if (projectId === undefined) throw new Error("smokeHarborAccount: a managed robot needs the project's id (HarborAuth.project)");
    return { kind: "robot", manager: pipeline.manager, project: pipeline.project, projectId, robotName: pulumi.output(pipeline.robotName).apply((n) => `${n}-smoke`) };
}

export interface SmokeArgs {
    /** The seed whose loop is proven: the command runs after all of it. */
    readonly seed: pulumi.Resource;
    /** Digests of the seeded content (Seed.contentDigests): the command's triggers. */
    readonly contentDigests: pulumi.Input<pulumi.Input<string>[]>;
    readonly gitea: { readonly url: pulumi.Input<string>; readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> };
    readonly app: { readonly owner: pulumi.Input<string>; readonly repo: pulumi.Input<string>; readonly branch: pulumi.Input<string> };
    readonly jenkins: { readonly url: pulumi.Input<string>; readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> };
    /** Full name of the seeded job, `<folder>/<job>`. */
    readonly job: pulumi.Input<string>;
    /** The Generic Webhook Trigger token Gitea's webhook sends. */
    readonly webhookToken: pulumi.Input<string>;
    readonly harbor: { readonly url: pulumi.Input<string>; readonly account: SmokeHarborAccount };
    /** Registry host[:port], project and image name of `<registry>/<project>/<image>:<tag>`. */
    readonly image: { readonly registry: pulumi.Input<string>; readonly project: pulumi.Input<string>; readonly name: pulumi.Input<string> };
    /** Bound on trigger → build end, in seconds. Default: 900. */
    readonly timeoutSeconds?: pulumi.Input<number>;
}

/** What the script prints: one JSON line (scripts/smoke.ts; components/smoke/run.ts SmokeResult). */
export interface SmokeLine {
    readonly buildUrl: string;
    readonly result: string;
    readonly commit: string;
    readonly image: string;
    readonly digest: string;
    readonly seconds: number;
    readonly queueSeconds: number;
}

/** Pure: the result line out of the command's stdout (its last non-empty line); throws naming what is wrong. */
export function parseSmokeOutput(stdout: string): SmokeLine {
    const line = stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "").pop();
    if (line === undefined) throw new Error("smoke: the command printed no result line");
    let v: unknown;
    try {
        v = JSON.parse(line);
    } catch {
        throw new Error(`smoke: the command's last line is not JSON: ${line.slice(0, 200)}`);
    }
    const o = (v ?? {}) as Record<string, unknown>;
    const problems: string[] = [];
    for (const k of ["buildUrl", "result", "commit", "image", "digest"] as const) if (typeof o[k] !== "string" || o[k] === "") problems.push(`${k} must be a non-empty string`);
    for (const k of ["seconds", "queueSeconds"] as const) if (typeof o[k] !== "number" || !Number.isFinite(o[k]) || o[k] < 0) problems.push(`${k} must be a number ≥ 0`);
    if (typeof o.digest === "string" && !/^sha256:[0-9a-f]{64}$/.test(o.digest)) problems.push("digest must be sha256:<64 hex>");
    if (problems.length) throw new Error(`smoke: the result line is not a smoke result (${problems.join("; ")}): ${line.slice(0, 200)}`);
    return o as unknown as SmokeLine;
}

export class Smoke extends pulumi.ComponentResource {
    /** Seconds from the trigger to the image in Harbor. */
    public readonly seconds: pulumi.Output<number>;
    /** `<registry>/<project>/<image>:<tag>@sha256:…`: the image the loop produced. */
    public readonly image: pulumi.Output<string>;
    /** The build's page. */
    public readonly buildUrl: pulumi.Output<string>;
    /** The non-secret half of what `npm run smoke` needs (stack output `smokeTarget`). */
    public readonly target: pulumi.Output<Record<string, string>>;
    /** The secret half (stack output `smokeCredentials`). */
    public readonly credentials: pulumi.Output<Record<string, string>>;
    /** The command resource. */
    public readonly run: command.local.Command;

    constructor(name: string, args: SmokeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cistack:platform:Smoke", name, {}, opts);
        const a = args.harbor.account;
        let harborUsername: pulumi.Input<string>;
        let harborPassword: pulumi.Input<string>;
        if (a.kind === "robot") {
            // Its own robot, reading artifacts only: the pipeline's robot (push + pull on
            // repositories) cannot read the artifacts API, and the manager account never has to
            // leave Pulumi for a smoke run.
            const robot = new HarborRobot(
                `${name}-harbor-reader`,
                {
                    harbor: { url: args.harbor.url, username: a.manager.username, password: a.manager.password },
                    project: a.project,
                    projectId: a.projectId,
                    name: a.robotName,
                    description: "Reads artifacts for the ci-stack smoke run (managed by Pulumi)",
                    access: SMOKE_ROBOT_ACCESS,
                },
                { parent: this },
            );
            harborUsername = robot.fullName;
            harborPassword = robot.secret;
        } else {
            harborUsername = a.username;
            harborPassword = a.password;
        }

        const values: { [K in keyof SmokeTargetValues]: pulumi.Input<string> } = {
            giteaUrl: args.gitea.url,
            giteaUsername: args.gitea.username,
            giteaPassword: args.gitea.password,
            appOwner: args.app.owner,
            appRepo: args.app.repo,
            branch: args.app.branch,
            jenkinsUrl: args.jenkins.url,
            jenkinsUsername: args.jenkins.username,
            jenkinsPassword: args.jenkins.password,
            job: args.job,
            webhookToken: args.webhookToken,
            harborUrl: args.harbor.url,
            harborUsername,
            harborPassword,
            registry: args.image.registry,
            project: args.image.project,
            image: args.image.name,
            timeoutSeconds: pulumi.output(args.timeoutSeconds ?? 900).apply(String),
        };
        const environment: Record<string, pulumi.Input<string>> = {};
        const target: Record<string, pulumi.Input<string>> = {};
        const credentials: Record<string, pulumi.Input<string>> = {};
        for (const f of TARGET_FIELDS) {
            // A secret field is secret whatever the caller passed.
            const v = f.secret ? pulumi.secret(values[f.key]) : values[f.key];
            environment[f.env] = v;
            (f.secret ? credentials : target)[f.key] = v;
        }

        this.run = new command.local.Command(
            `${name}-run`,
            { create: SMOKE_COMMAND, environment, triggers: args.contentDigests },
            // stderr carries the console tail of a failed build: kept secret in state like stdout.
            { parent: this, dependsOn: [args.seed], additionalSecretOutputs: ["stdout", "stderr"] },
        );

        const line = this.run.stdout.apply(parseSmokeOutput);
        this.seconds = pulumi.unsecret(line.apply((l) => l.seconds));
        this.image = pulumi.unsecret(line.apply((l) => `${l.image}@${l.digest}`));
        this.buildUrl = pulumi.unsecret(line.apply((l) => l.buildUrl));
        this.target = pulumi.output(target);
        this.credentials = pulumi.secret(credentials);
        this.registerOutputs({ seconds: this.seconds, image: this.image, buildUrl: this.buildUrl });
    }
}
