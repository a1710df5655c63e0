// The key table: every stack configuration key declared once (type, default, description, secret
// flag, validation). Pulumi.yaml's `config:` block and README's reference table are generated from
// it (`npm run config:sync`) and checked against it by test/config.test.ts, so they cannot drift.
// Longer than 400 lines because it is that one table: split by area, it would no longer be one source.
//
// zod v4 rather than v3: its issues carry exact paths and codes we turn into key-named messages,
// and v3 is in maintenance only.
import { z } from "zod";
import {
    basicAuthUserProblem,
    byteQuantity,
    chartRepo,
    chartVersion,
    checked,
    componentNamespace,
    cpuQuantity,
    credentialIdProblem,
    dns1035Label,
    dnsLabel,
    dnsSubdomain,
    firstProblem,
    giteaRepoNameProblem,
    giteaUserNameProblem,
    harborProjectProblem,
    host,
    imageProblem,
    jenkinsItemNameProblem,
    jenkinsUserIdProblem,
    kanikoImageProblem,
    nodePort,
    pluginList,
    registryHostProblem,
    seedBranchProblem,
    toleration,
    uniqueStrings,
} from "./shapes";

const image = checked(imageProblem);

/** Pulumi project-level config types (Pulumi.yaml `config:` only knows these). */
export type ConfigType = "string" | "integer" | "boolean" | "array";

export interface KeyDef<S extends z.ZodType = z.ZodType> {
    readonly type: ConfigType;
    readonly description: string;
    /** Default applied when the key is unset; absent means the key is required. */
    readonly default?: string | number | boolean | readonly string[];
    /** Optional keys with no default (secrets that fall back to a generated value). */
    readonly optional?: boolean;
    /** What an unset optional key means, for the reference table (default: "generated"). */
    readonly unset?: string;
    /** An optional key that is required unless this other key is set (config/rules.ts checks it). */
    readonly requiredUnless?: string;
    readonly secret?: boolean;
    /** Validation of the already-coerced value. */
    readonly schema: S;
}

// ---------------------------------------------------------------------------------------------
// The key table. Key names are `<area>.<name>`; the full key is `<project>:<area>.<name>`.

const def = <S extends z.ZodType>(d: KeyDef<S>): KeyDef<S> => d;
// A rotation counter: bumping it re-issues a credential.
const counter = z.number().int("must be an integer").min(0, "must be 0 or more");

export const CONFIG_KEYS = {
    nodeAddress: def({
        type: "string",
        description: "Address of a cluster node (IPv4, [IPv6] or DNS name), used to build the external NodePort URLs.",
        schema: host,
    }),

    "storage.className": def({
        type: "string",
        description: "StorageClass for every PVC (Longhorn; RWX volumes need an NFSv4 client on each node).",
        default: "longhorn",
        schema: dnsSubdomain,
    }),
    "storage.workspaceSize": def({
        type: "string",
        description: "Size of the shared RWX workspace PVC that agent Pods on any node mount.",
        default: "10Gi",
        schema: byteQuantity,
    }),
    "storage.cacheSize": def({
        type: "string",
        description: "Size of the shared RWX build cache PVC (Maven repository).",
        default: "10Gi",
        schema: byteQuantity,
    }),
    "storage.retainOnDelete": def({
        type: "boolean",
        description: "Keep data volumes (PVCs, Helm releases holding data) in the cluster on `pulumi destroy`.",
        default: true,
        schema: z.boolean(),
    }),
    "storage.protect": def({
        type: "boolean",
        description: "Mark data volumes `protect` so an accidental replacement or destroy stops instead of deleting data.",
        default: true,
        schema: z.boolean(),
    }),

    "registry.server": def({
        type: "string",
        description: "Harbor registry as host[:port], no scheme (the dockerconfigjson key and image prefix); IPv6 in brackets.",
        schema: checked(registryHostProblem),
    }),
    "registry.project": def({
        type: "string",
        description: "Harbor project images are pushed to.",
        default: "bootcamp",
        schema: checked(harborProjectProblem),
    }),
    "registry.username": def({
        type: "string",
        description: "Harbor user the stack manages the project and the pipeline's robot account with (system admin, or the project's Project Admin); never mounted into a Pod.",
        default: "admin",
        schema: checked(basicAuthUserProblem),
    }),
    "registry.password": def({
        type: "string",
        description: "Password of registry.username; stays with Pulumi (not needed with registry.robotSecret).",
        secret: true,
        optional: true,
        unset: "required unless registry.robotSecret",
        requiredUnless: "registry.robotSecret",
        schema: z.string().min(1, "must not be empty"),
    }),
    "registry.robotName": def({
        type: "string",
        description: "Robot account the pipeline pushes with: the name of the project robot the stack creates (Harbor calls it robot$<project>+<name>), or with registry.robotSecret the full name of a pre-made one.",
        default: "ci-stack",
        // Further rules depend on registry.robotSecret (config/rules.ts registryAccount).
        schema: checked(basicAuthUserProblem),
    }),
    "registry.robotSecret": def({
        type: "string",
        description: "Secret of a pre-made robot account named registry.robotName: the stack then makes no Harbor API call at all.",
        secret: true,
        optional: true,
        unset: "the stack creates the robot",
        schema: z.string().min(8, "must be at least 8 characters (Harbor's robot secret rule)"),
    }),
    "registry.robotRotation": def({ type: "integer", description: "Bump to issue the stack's robot account a new secret (harbor-auth follows in the same run).", default: 0, schema: counter }),
    "registry.insecure": def({
        type: "boolean",
        description: "The registry speaks plain HTTP (Kaniko gets --insecure/--skip-tls-verify flags only then).",
        default: false,
        schema: z.boolean(),
    }),
    "registry.secretName": def({
        type: "string",
        description: "Name of the kubernetes.io/dockerconfigjson Secret Kaniko mounts.",
        default: "harbor-auth",
        schema: dnsSubdomain,
    }),

    "images.kaniko": def({
        type: "string",
        description: "Kaniko executor image; its tag must be a debug variant (debug, <v>-debug): the agent keeps it alive with /busybox/cat.",
        default: "gcr.io/kaniko-project/executor:v1.23.2-debug",
        schema: checked(kanikoImageProblem),
    }),
    "images.agent": def({
        type: "string",
        description: "Jenkins inbound agent (jnlp) image.",
        default: "jenkins/inbound-agent:3385.vf1123fb_515da_-1",
        schema: image,
    }),
    "images.build": def({
        type: "string",
        description: "Build container image for the sample app (Maven + JDK).",
        default: "maven:3.9.11-eclipse-temurin-21",
        schema: image,
    }),
    // The gitea chart's bitnami sub-charts: the defaults are what gitea chart 12.5.0 renders
    // (values.yaml `postgresql.image.repository: bitnamilegacy/postgresql` over bitnami postgresql
    // 16.7.27's registry docker.io and tag 17.6.0-debian-12-r4; valkey 3.0.31 likewise). Bitnami
    // stopped publishing versioned tags under docker.io/bitnami in 2025; bitnamilegacy is frozen.
    "images.postgresql": def({
        type: "string",
        description: "PostgreSQL image of the gitea chart's postgresql sub-chart (a mirror or another bitnami-compatible build).",
        default: "docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4",
        schema: image,
    }),
    "images.valkey": def({
        type: "string",
        description: "Valkey image of the gitea chart's valkey sub-chart (a mirror or another bitnami-compatible build).",
        default: "docker.io/bitnamilegacy/valkey:8.1.3-debian-12-r3",
        schema: image,
    }),

    "gitea.namespace": def({ type: "string", description: "Namespace for Gitea.", default: "gitea", schema: componentNamespace }),
    "gitea.chartRepo": def({
        type: "string",
        description: "Helm repository of the gitea chart (point at a mirror for air-gapped clusters).",
        default: "https://dl.gitea.com/charts/",
        schema: chartRepo,
    }),
    "gitea.chartVersion": def({
        type: "string",
        description: "Exact gitea chart version (12.5.0 runs Gitea 1.25.4; the values are checked against its values.yaml).",
        default: "12.5.0",
        schema: chartVersion,
    }),
    "gitea.nodePort": def({
        type: "integer",
        description: "NodePort of Gitea's HTTP service (external clone/push URL).",
        default: 30022,
        schema: nodePort,
    }),
    "gitea.sshNodePort": def({
        type: "integer",
        description: "NodePort for Gitea SSH; 0 disables SSH (the node's own sshd owns port 22).",
        default: 0,
        schema: z
            .number()
            .int("must be an integer")
            .refine((n) => n === 0 || (n >= 30000 && n <= 32767), "must be 0 (SSH off) or a NodePort in 30000-32767"),
    }),
    "gitea.storageSize": def({
        type: "string",
        description: "Size of Gitea's data PVC.",
        default: "5Gi",
        schema: byteQuantity,
    }),
    "gitea.adminUsername": def({
        type: "string",
        description: "Gitea admin user (the chart refuses 'admin').",
        default: "gitea-admin",
        schema: checked(
            firstProblem(giteaUserNameProblem, (s) => (s.toLowerCase() === "admin" ? "must not be 'admin': the gitea chart reserves it and fails the install" : undefined)),
        ),
    }),
    "gitea.adminPassword": def({
        type: "string",
        description: "Gitea admin password; generated with @pulumi/random when unset.",
        secret: true,
        optional: true,
        schema: z.string().min(8, "must be at least 8 characters (Gitea's MIN_PASSWORD_LENGTH)"),
    }),
    "gitea.botUsername": def({ type: "string", description: "Gitea user the pipeline clones and pushes as: restricted, never an admin, a collaborator on the two seeded repositories only; Jenkins holds its access token, never a password.", default: "jenkins-bot", schema: checked(giteaUserNameProblem) }),
    "gitea.botTokenRotation": def({ type: "integer", description: "Bump to re-issue the pipeline user's access token (Jenkins' gitea-credentials follows in the same run).", default: 0, schema: counter }),
    "gitea.postgresql": def({
        type: "boolean",
        description: "Run the single-node postgresql sub-chart (the HA postgresql-ha is always off).",
        default: true,
        schema: z.boolean(),
    }),
    "gitea.valkey": def({
        type: "boolean",
        description: "Run the single-node valkey sub-chart (the valkey-cluster is always off).",
        default: true,
        schema: z.boolean(),
    }),
    "gitea.cpuRequest": def({ type: "string", description: "Gitea container CPU request.", default: "100m", schema: cpuQuantity }),
    "gitea.memoryRequest": def({ type: "string", description: "Gitea container memory request.", default: "256Mi", schema: byteQuantity }),
    "gitea.cpuLimit": def({ type: "string", description: "Gitea container CPU limit.", default: "1", schema: cpuQuantity }),
    "gitea.memoryLimit": def({ type: "string", description: "Gitea container memory limit.", default: "1Gi", schema: byteQuantity }),

    "jenkins.namespace": def({ type: "string", description: "Namespace for the Jenkins controller.", default: "jenkins", schema: componentNamespace }),
    "jenkins.chartRepo": def({
        type: "string",
        description: "Helm repository of the jenkins chart.",
        default: "https://charts.jenkins.io",
        schema: chartRepo,
    }),
    "jenkins.chartVersion": def({
        type: "string",
        description: "Exact jenkins chart version (5.9.x is what the values are checked against).",
        default: "5.9.53",
        schema: chartVersion,
    }),
    "jenkins.nodePort": def({
        type: "integer",
        description: "NodePort of the Jenkins UI/API service.",
        default: 30808,
        schema: nodePort,
    }),
    "jenkins.storageSize": def({
        type: "string",
        description: "Size of JENKINS_HOME's PVC.",
        default: "10Gi",
        schema: byteQuantity,
    }),
    "jenkins.adminUsername": def({
        type: "string",
        description: "Jenkins admin user.",
        default: "admin",
        schema: checked(jenkinsUserIdProblem),
    }),
    "jenkins.adminPassword": def({
        type: "string",
        description: "Jenkins admin password; generated with @pulumi/random when unset.",
        secret: true,
        optional: true,
        schema: z.string().min(8, "must be at least 8 characters"),
    }),
    "jenkins.tolerations": def({
        type: "array",
        description: "Controller tolerations in taint syntax: *, key, key:Effect or key=value:Effect.",
        default: [],
        schema: z.array(toleration),
    }),
    "jenkins.additionalPlugins": def({
        type: "array",
        description: "Plugins added to the chart's tested set (ids; a pin of a chart plugin is rejected).",
        default: [],
        schema: pluginList,
    }),
    "jenkins.installPlugins": def({
        type: "array",
        description: "Replace the chart's plugin set with a whole pinned set (every entry id:version); empty keeps the chart's.",
        default: [],
        schema: pluginList,
    }),
    "jenkins.cpuRequest": def({ type: "string", description: "Jenkins controller CPU request.", default: "500m", schema: cpuQuantity }),
    "jenkins.memoryRequest": def({ type: "string", description: "Jenkins controller memory request.", default: "1Gi", schema: byteQuantity }),
    "jenkins.cpuLimit": def({ type: "string", description: "Jenkins controller CPU limit.", default: "2", schema: cpuQuantity }),
    "jenkins.memoryLimit": def({ type: "string", description: "Jenkins controller memory limit.", default: "3Gi", schema: byteQuantity }),

    "agents.namespace": def({
        type: "string",
        description: "Namespace where build agent Pods run (and harbor-auth lives).",
        default: "jenkins-agents",
        schema: componentNamespace,
    }),
    "agents.cpuRequest": def({ type: "string", description: "CPU request of each agent container.", default: "250m", schema: cpuQuantity }),
    "agents.memoryRequest": def({ type: "string", description: "Memory request of each agent container.", default: "512Mi", schema: byteQuantity }),
    "agents.cpuLimit": def({ type: "string", description: "CPU limit of each agent container.", default: "1", schema: cpuQuantity }),
    "agents.memoryLimit": def({ type: "string", description: "Memory limit of each agent container.", default: "2Gi", schema: byteQuantity }),

    "kyverno.namespace": def({ type: "string", description: "Namespace Kyverno runs in (exempted from the policies).", default: "kyverno", schema: dnsLabel }),
    "kyverno.exceptionNamespace": def({
        type: "string",
        description: "Namespace PolicyExceptions are created in; must equal Kyverno's --exceptionNamespace.",
        default: "kyverno",
        schema: dnsLabel,
    }),
    "kyverno.systemNamespaces": def({
        type: "array",
        description: "Namespaces exempted from the policies besides Gitea's, Jenkins' and Kyverno's own (the agents namespace never is).",
        default: ["kube-system", "longhorn-system"],
        schema: uniqueStrings(dnsLabel),
    }),
    "kyverno.policyType": def({
        type: "string",
        description: "ClusterPolicy (kyverno.io/v1) or ValidatingPolicy (policies.kyverno.io, Kyverno >= 1.17).",
        default: "ClusterPolicy",
        schema: z.enum(["ClusterPolicy", "ValidatingPolicy"], { error: "must be ClusterPolicy or ValidatingPolicy" }),
    }),

    "seed.enabled": def({
        type: "boolean",
        description: "Seed the Gitea repos, the Jenkins job and the webhook.",
        default: true,
        schema: z.boolean(),
    }),
    "seed.appRepo": def({ type: "string", description: "Gitea repository holding the app source.", default: "notes-app", schema: checked(giteaRepoNameProblem) }),
    "seed.deployRepo": def({ type: "string", description: "Gitea repository holding the deploy manifests.", default: "notes-deploy", schema: checked(giteaRepoNameProblem) }),
    "seed.jobName": def({
        type: "string",
        description: "Jenkins pipeline job name (also the prefix of its webhook-token credential id).",
        default: "notes-app",
        // The job's webhook token is the credential `<jobName>-webhook-token`, so the name must be
        // a credential id too.
        schema: checked(firstProblem(jenkinsItemNameProblem, credentialIdProblem)),
    }),
    "seed.folder": def({
        type: "string",
        description: "Jenkins folder holding the seeded job and its webhook-token credential (REST-made credentials must live in a folder store: JCasC replaces the system store on reload).",
        default: "ci",
        schema: checked(jenkinsItemNameProblem),
    }),
    "seed.branch": def({
        type: "string",
        description: "Branch the job builds.",
        default: "main",
        schema: checked(seedBranchProblem),
    }),
    "seed.imageName": def({
        type: "string",
        description: "Image repository name inside the registry project (also the notes Deployment and Service name).",
        default: "notes-app",
        // The deploy manifests name a Service after it: a DNS-1035 label (kubernetes
        // pkg/apis/core/validation ValidateServiceName), which is also a repository path component.
        schema: dns1035Label,
    }),
    "seed.privateRepos": def({ type: "boolean", description: "Create the seeded repositories as private.", default: true, schema: z.boolean() }),
    "seed.deleteReposOnDestroy": def({
        type: "boolean",
        description: "Delete the seeded repositories on destroy (default keeps them: they hold data); a repository that existed before the seed is never deleted.",
        default: false,
        schema: z.boolean(),
    }),

    "smoke.enabled": def({
        type: "boolean",
        description: "After the seed, deliver a push of the app's head to the job, follow the build and check Harbor for the image (stack outputs smokeSeconds, smokeImage).",
        // Off for the first `up` of a new cluster: its first build pulls every agent image (docs/smoke.md).
        default: false,
        schema: z.boolean(),
    }),
    "smoke.timeoutSeconds": def({
        type: "integer",
        description: "Bound on the smoke run from the trigger to the build's end, in seconds (a first build pulls the agent images; later ones use Kaniko's layer cache).",
        default: 900,
        schema: z.number().int("must be an integer").min(30, "must be at least 30 (seconds)").max(7200, "must be at most 7200 (two hours)"),
    }),
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;
