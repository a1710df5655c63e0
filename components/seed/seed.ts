// The seed: notes-app and notes-deploy in Gitea, the pipeline job in a Jenkins folder, the webhook
// token as a folder credential, and the push webhook — all real resources (dynamic providers), so
// preview shows them, re-runs converge with zero writes and destroy removes what it should.
//
// Ordering comes from data only: files need their repository, the app's files need the deploy
// repository's clone URL, the credential and job need the folder, the job names the credential, the
// webhook needs the app repository and the token. Only the roots (repositories, folder) take the
// Helm releases as explicit dependencies (`opts.dependsOn` is not inherited by children).
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Resources, StackConfig } from "../../config";
import { GiteaCollaborator, GiteaFiles, GiteaRepository, GiteaWebhook, JenkinsCredential, JenkinsFolder, JenkinsJob, type FileSpec } from "./providers";
import { appRepoFiles, deployRepoFiles, imageRepository, INITIAL_TAG, jobConfigXml } from "./templates";

export interface SeedConnectionArgs {
    /** Base URL reachable from where `pulumi up` runs (the external NodePort URL). */
    readonly url: pulumi.Input<string>;
    /** Base URL inside the cluster (Jenkins clones from it / Gitea delivers webhooks to it). */
    readonly inClusterUrl: pulumi.Input<string>;
    readonly username: pulumi.Input<string>;
    /** Secret; made secret if it is not already. */
    readonly password: pulumi.Input<string>;
}

/** What the generated Jenkinsfile needs from the rest of the stack. */
export interface SeedPipelineArgs {
    readonly registry: {
        readonly server: pulumi.Input<string>;
        readonly project: pulumi.Input<string>;
        readonly insecure: pulumi.Input<boolean>;
        /** The harbor-auth dockerconfigjson Secret in the agents namespace (HarborAuth.secretName). */
        readonly secretName: pulumi.Input<string>;
    };
    readonly images: { readonly kaniko: pulumi.Input<string>; readonly agent: pulumi.Input<string>; readonly build: pulumi.Input<string> };
    readonly agentResources: pulumi.Input<Resources>;
    readonly agentNamespace: pulumi.Input<string>;
    /** SharedStorage.workspaceClaimName. */
    readonly workspaceClaimName: pulumi.Input<string>;
    /** SharedStorage.cacheClaimName. */
    readonly cacheClaimName: pulumi.Input<string>;
}

export interface SeedArgs {
    readonly gitea: SeedConnectionArgs;
    readonly jenkins: SeedConnectionArgs;
    /** Repository, job, branch and folder names; destroy behaviour. */
    readonly settings: StackConfig["seed"];
    readonly pipeline: SeedPipelineArgs;
    /** Jenkins usernamePassword credential for Gitea defined by JCasC. Default: "gitea-credentials". */
    readonly gitCredentialsId?: string;
    /** Bound on each provider's wait for Gitea/Jenkins readiness, in ms. Default: 300000. */
    readonly readyTimeoutMs?: number;
    /**
     * The pipeline's Gitea user (GiteaBot.username), made a collaborator on the two repositories:
     * read on the app (the job clones it), write on deploy (the pipeline pushes the tag bump).
     * Default: none (no collaborator is added).
     */
    readonly botUsername?: pulumi.Input<string>;
}

/**
 * What the pipeline's user may do on each seeded repository: the job only clones the app, and the
 * Jenkinsfile pushes to the deploy repository only (templates/pipeline.ts, stage "Bump notes-deploy").
 */
export const BOT_REPO_PERMISSIONS = { app: "read", deploy: "write" } as const;

/** Path of the Jenkins endpoint the Generic Webhook Trigger plugin serves. */
export const GWT_INVOKE_PATH = "/generic-webhook-trigger/invoke";

const trimSlash = (u: string) => u.replace(/\/+$/, "");

/** `a/b` → `job/a/job/b` (Jenkins' URL form of an item's full name). */
export function jobUrlPath(fullName: string): string {
    return fullName
        .split("/")
        .map((s) => `job/${encodeURIComponent(s)}`)
        .join("/");
}

/**
 * Pure: `<path> sha256:<hex>` per file, sorted by path — a fingerprint of seeded content that
 * changes exactly when a file's content or path does (the smoke run's triggers).
 */
export function contentDigests(files: readonly { readonly path: string; readonly content: string }[]): string[] {
    return [...files]
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
        .map((f) => `${f.path} sha256:${createHash("sha256").update(f.content, "utf8").digest("hex")}`);
}

/** The name under which the job's config.xml is fingerprinted next to the app's files. */
export const JOB_CONFIG_DIGEST_PATH = "(jenkins job config.xml)";

export class Seed extends pulumi.ComponentResource {
    /** Clone URL of the app repository, from where `pulumi up` runs (external). */
    public readonly appCloneUrl: pulumi.Output<string>;
    /** Clone URL of the deploy repository (external). */
    public readonly deployCloneUrl: pulumi.Output<string>;
    /** URL of the pipeline job (external). */
    public readonly jobUrl: pulumi.Output<string>;
    /** Owner of the app repository (the Gitea user the seed ran as). */
    public readonly appOwner: pulumi.Output<string>;
    /** Full name of the job, `<folder>/<jobName>`. */
    public readonly jobPath: pulumi.Output<string>;
    /** The Generic Webhook Trigger token Gitea's webhook sends (secret). */
    public readonly webhookToken: pulumi.Output<string>;
    /** Digests of every file seeded into the app repository and of the job's config.xml (contentDigests). */
    public readonly contentDigests: pulumi.Output<string[]>;

    constructor(name: string, args: SeedArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cistack:seed:Seed", name, {}, opts);
        const s = args.settings;
        if (s.appRepo === s.deployRepo) throw new pulumi.ResourceError(`settings.deployRepo must differ from settings.appRepo ("${s.appRepo}")`, this);
        const ready = args.readyTimeoutMs !== undefined ? { readyTimeoutMs: args.readyTimeoutMs } : {};
        const gitea = { url: args.gitea.url, username: args.gitea.username, password: pulumi.secret(args.gitea.password), ...ready };
        const jenkins = { url: args.jenkins.url, username: args.jenkins.username, password: pulumi.secret(args.jenkins.password), ...ready };
        // The roots wait for the Helm releases; everything else follows from the data it uses.
        const roots: pulumi.CustomResourceOptions = { parent: this, ...(opts?.dependsOn ? { dependsOn: opts.dependsOn } : {}) };
        const child: pulumi.CustomResourceOptions = { parent: this };

        const repo = (role: "app" | "deploy", repoName: string, description: string) =>
            new GiteaRepository(
                `${name}-${role}-repo`,
                { gitea, name: repoName, private: s.privateRepos, description, defaultBranch: s.branch, deleteOnDestroy: s.deleteReposOnDestroy },
                roots,
            );
        const appRepo = repo("app", s.appRepo, "Sample app built by the Jenkins pipeline (seeded by ci-stack)");
        const deployRepo = repo("deploy", s.deployRepo, "Deployment manifests; the pipeline bumps the image tag (seeded by ci-stack)");

        const cloneUrl = (base: pulumi.Input<string>, r: GiteaRepository) => pulumi.all([base, r.owner, r.name]).apply(([u, o, n]) => `${trimSlash(u)}/${o}/${n}.git`);
        const deployInClusterUrl = cloneUrl(args.gitea.inClusterUrl, deployRepo);
        const appInClusterUrl = cloneUrl(args.gitea.inClusterUrl, appRepo);
        const p = args.pipeline;

        const deployFiles = pulumi.all([p.registry.server, p.registry.project]).apply(([server, project]) =>
            Object.entries(deployRepoFiles({ imageName: s.imageName, image: `${imageRepository({ registry: { server, project, insecure: false, secretName: "" } }, s.imageName)}:${INITIAL_TAG}` })).map(
                // The pipeline owns the image tag in the Deployment after the first build: never reset it.
                ([path, content]): FileSpec => ({ path, content, ...(path === "k8s/deployment.yaml" ? { createOnly: true } : {}) }),
            ),
        );
        new GiteaFiles(`${name}-deploy-files`, { gitea, owner: deployRepo.owner, repo: deployRepo.name, branch: s.branch, files: deployFiles }, child);

        const appFiles = pulumi
            .all([p.registry, p.images, p.agentResources, p.agentNamespace, p.workspaceClaimName, p.cacheClaimName, deployInClusterUrl])
            .apply(([registry, images, agentResources, agentNamespace, workspaceClaimName, cacheClaimName, deployRepoCloneUrl]) =>
                Object.entries(
                    appRepoFiles({
                        registry,
                        imageName: s.imageName,
                        images,
                        agentResources,
                        agentNamespace,
                        workspaceClaimName,
                        cacheClaimName,
                        deployRepoCloneUrl,
                        gitCredentialsId: args.gitCredentialsId ?? "gitea-credentials",
                        branch: s.branch,
                    }),
                ).map(([path, content]): FileSpec => ({ path, content })),
            );
        new GiteaFiles(`${name}-app-files`, { gitea, owner: appRepo.owner, repo: appRepo.name, branch: s.branch, files: appFiles }, child);

        const folder = new JenkinsFolder(`${name}-folder`, { jenkins, path: s.folder, description: "Seeded by ci-stack: the notes pipeline and its webhook token" }, roots);

        // Generic Webhook Trigger token: Gitea sends it as `Authorization: Bearer <token>`, the job
        // finds it through a secret-text credential in the folder store (JCasC replaces the system
        // store on every reload, configuration-as-code-plugin#1167).
        const token = new random.RandomPassword(`${name}-webhook-token`, { length: 40, special: false }, child);
        const credential = new JenkinsCredential(
            `${name}-webhook-credential`,
            { jenkins, folder: folder.path, credentialId: `${s.jobName}-webhook-token`, description: `Generic Webhook Trigger token of ${s.jobName} (seeded by ci-stack)`, secret: token.result },
            child,
        );

        const jobXml = pulumi.all([appInClusterUrl, credential.credentialId]).apply(([cloneUrl, tokenCredentialId]) =>
            jobConfigXml({
                description: `Builds ${s.appRepo} with Kaniko on every push to ${s.branch} (seeded by ci-stack)`,
                cloneUrl,
                credentialsId: args.gitCredentialsId ?? "gitea-credentials",
                branch: s.branch,
                scriptPath: "Jenkinsfile",
                trigger: { kind: "generic-webhook", tokenCredentialId, branchRef: `refs/heads/${s.branch}` },
            }),
        );
        const job = new JenkinsJob(`${name}-job`, { jenkins, path: pulumi.interpolate`${folder.path}/${s.jobName}`, configXml: jobXml }, child);

        new GiteaWebhook(
            `${name}-app-webhook`,
            {
                gitea,
                owner: appRepo.owner,
                repo: appRepo.name,
                url: pulumi.output(args.jenkins.inClusterUrl).apply((u) => `${trimSlash(u)}${GWT_INVOKE_PATH}`),
                events: ["push"],
                branchFilter: s.branch,
                authorizationHeader: pulumi.interpolate`Bearer ${token.result}`,
            },
            child,
        );

        if (args.botUsername !== undefined) {
            for (const [role, r] of [["app", appRepo], ["deploy", deployRepo]] as const) {
                new GiteaCollaborator(`${name}-${role}-bot-access`, { gitea, owner: r.owner, repo: r.name, user: args.botUsername, permission: BOT_REPO_PERMISSIONS[role] }, child);
            }
        }

        this.appCloneUrl = cloneUrl(args.gitea.url, appRepo);
        this.deployCloneUrl = cloneUrl(args.gitea.url, deployRepo);
        this.jobUrl = pulumi.all([args.jenkins.url, job.path]).apply(([u, path]) => `${trimSlash(u)}/${jobUrlPath(path)}/`);
        this.appOwner = appRepo.owner;
        this.jobPath = job.path;
        this.webhookToken = pulumi.secret(token.result);
        this.contentDigests = pulumi.all([appFiles, jobXml]).apply(([files, xml]) => contentDigests([...files, { path: JOB_CONFIG_DIGEST_PATH, content: xml }]));
        this.registerOutputs({ appCloneUrl: this.appCloneUrl, deployCloneUrl: this.deployCloneUrl, jobUrl: this.jobUrl });
    }
}
