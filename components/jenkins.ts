// The Jenkins controller (jenkins chart 5.9.x) configured entirely as code: admin from a Secret we
// create, plugins by policy (the chart's tested set plus ours, or a whole pinned set), and JCasC that
// defines the Kubernetes cloud whose agent Pods share the RWX workspace, plus the Gitea credential
// read from a Kubernetes Secret. Nothing secret ever reaches the Helm values.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { CHART_CORE_PLUGINS, REQUIRED_PLUGINS, Resources, STACK_PLUGINS, StackConfig, Toleration } from "../config";
import { chartSource, releaseNameProblem } from "./helm";
import { PART_OF } from "./namespaces";

export type JenkinsSettings = StackConfig["jenkins"];

export interface JenkinsArgs {
    /** Namespace of the controller (must exist). Default: none, required. */
    readonly namespace: pulumi.Input<string>;
    /** Namespace the Kubernetes cloud starts agent Pods in. Default: none, required. */
    readonly agentNamespace: pulumi.Input<string>;
    /** The validated `jenkins.*` config. Default: none, required. */
    readonly settings: JenkinsSettings;
    /** The validated `agents.*` config (jnlp container resources). Default: none, required. */
    readonly agents: StackConfig["agents"];
    /** The validated `images.*` config (the jnlp image). Default: none, required. */
    readonly images: StackConfig["images"];
    /** StorageClass of JENKINS_HOME's claim. Default: none, required (config: longhorn). */
    readonly storageClass: pulumi.Input<string>;
    /** Node address the NodePort is reached on, for `externalUrl` and Jenkins' own URL. Default: none, required. */
    readonly nodeAddress: pulumi.Input<string>;
    /** RWX claim in the agent namespace mounted as every agent Pod's workspace (SharedStorage). Default: none, required. */
    readonly workspaceClaimName: pulumi.Input<string>;
    /** Gitea account behind the `gitea-credentials` credential: the pipeline's user and its access token (secret). Default: none, required. */
    readonly giteaCredentials: { readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> };
    /**
     * A non-secret value that changes whenever `giteaCredentials` is re-issued (the token's id).
     * JCasC resolves `${…}` secret files only when it applies the configuration, so a rotated token
     * reaches Jenkins by restarting the controller: this value goes into a Pod annotation. Default: none.
     */
    readonly credentialsRevision?: pulumi.Input<string>;
    /** Most agent containers the cloud runs at once. Default: 10 (the chart's agent.containerCap). */
    readonly containerCap?: number;
    /** Keep the release (JENKINS_HOME) and the Secrets it mounts on `pulumi destroy`. Default: true. */
    readonly retainOnDelete?: boolean;
    /** Mark the release `protect`: a replacement or destroy stops instead of deleting JENKINS_HOME. Default: true. */
    readonly protect?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Names the chart derives (charts/jenkins/templates/_helpers.tpl, chart 5.9.53)

const CHART = "jenkins";
const CLUSTER_ZONE = "cluster.local"; // the chart's clusterZone default
const SERVICE_PORT = 8080; // the chart's controller.servicePort default

/** The chart's `jenkins.fullname`: the release name when it contains "jenkins", else `<release>-jenkins`. */
export function chartFullname(releaseName: string): string {
    const full = releaseName.includes(CHART) ? releaseName : `${releaseName}-${CHART}`;
    return full.slice(0, 63).replace(/-+$/, "");
}

/** FQDN of the controller's Service, e.g. for Gitea's webhook allow-list (known before the release exists). */
export function jenkinsServiceHost(releaseName: string, namespace: string): string {
    return `${chartFullname(releaseName)}.${namespace}.svc.${CLUSTER_ZONE}`;
}

/** In-cluster URL of the controller's Service (Gitea's webhooks and the agents use it). */
export function jenkinsInClusterUrl(releaseName: string, namespace: string): string {
    return `http://${jenkinsServiceHost(releaseName, namespace)}:${SERVICE_PORT}`;
}

/** URL on the NodePort: users, and the seed (which runs outside the cluster). */
export function jenkinsExternalUrl(nodeAddress: string, nodePort: number): string {
    return `http://${nodeAddress}:${nodePort}`;
}

/** Name of the Secret holding the admin user (keys `username` / `password`). */
export const adminSecretName = (name: string) => `${name}-admin`;
/** Name of the Secret holding the Gitea account (keys `username` / `password`). */
export const giteaSecretName = (name: string) => `${name}-gitea-credentials`;

/** Id of the JCasC usernamePassword credential the seeded pipeline checks out and pushes with. */
export const GITEA_CREDENTIALS_ID = "gitea-credentials";
/** Name of the Kubernetes cloud and of its default pod template (the parent of every other). */
export const CLOUD_NAME = "kubernetes";
export const DEFAULT_POD_TEMPLATE = "default";
/** Label of the default pod template, for `agent { label … }`. */
export const agentLabel = (name: string) => `${name}-agent`;

// ---------------------------------------------------------------------------------------------
// Plugins

// STACK_PLUGINS and REQUIRED_PLUGINS live in config/shapes/plugins.ts, where the config rules that
// check jenkins.installPlugins read them too; re-exported here for the component's users.
export { REQUIRED_PLUGINS, STACK_PLUGINS };

const pluginId = (p: string) => p.split(":")[0]!;

export interface PluginValues {
    installPlugins?: string[];
    installLatestPlugins?: boolean;
    additionalPlugins: string[];
}

/**
 * Pure: the chart's plugin values. Never a single pin on top of the chart's set: a pinned plugin
 * among floating ones breaks the tested dependency closure ("unresolvable dependencies" at boot).
 * - `installPlugins` empty: the chart's own pinned set stays, and ours plus the user's additions go
 *   in `controller.additionalPlugins` unpinned. An addition that repeats a chart plugin is dropped:
 *   chart 5.9 fails the render with "[PLUGIN CONFLICT]" on any id present in both lists
 *   (templates/config.yaml), and the plugin is installed anyway.
 * - `installPlugins` set: it is the whole set. It must hold every REQUIRED_PLUGINS id (adding one
 *   unpinned would float it again), and `installLatestPlugins: false` makes jenkins-plugin-cli keep
 *   the listed versions instead of upgrading dependencies to the latest.
 * Throws an Error naming the config key when a pinned set lacks a required plugin.
 */
export function pluginValues(s: Pick<JenkinsSettings, "installPlugins" | "additionalPlugins">): PluginValues {
    if (s.installPlugins.length > 0) {
        const ids = new Set(s.installPlugins.map(pluginId));
        const missing = REQUIRED_PLUGINS.filter((p) => !ids.has(p));
        if (missing.length) {
            throw new Error(`jenkins.installPlugins: a replacement plugin set must include ${missing.join(", ")} (pinned as id:version)`);
        }
        return { installPlugins: [...s.installPlugins], installLatestPlugins: false, additionalPlugins: [] };
    }
    const chartIds = new Set<string>(CHART_CORE_PLUGINS);
    const byId = new Map<string, string>();
    for (const p of [...STACK_PLUGINS, ...s.additionalPlugins]) {
        if (chartIds.has(pluginId(p))) continue;
        // A user's explicit entry for one of ours (e.g. a pin) wins over the bare id.
        byId.set(pluginId(p), p);
    }
    return { additionalPlugins: [...byId.values()] };
}

// ---------------------------------------------------------------------------------------------
// JCasC

/** A JCasC secret reference `${file}`: a file of the chart's projected /run/secrets/additional. */
export class JcascSecret {
    constructor(readonly file: string) {}
}

/** JCasC document tree: plain YAML values plus secret references. */
export type JcascNode = string | number | boolean | JcascSecret | readonly JcascNode[] | { readonly [k: string]: JcascNode };

function escapeJcasc(node: JcascNode): unknown {
    if (node instanceof JcascSecret) return `\${${node.file}}`;
    // JCasC resolves `${...}` in every scalar (SecretSourceResolver); `^${` is its escape for a
    // literal one, such as the Kubernetes plugin's own `${computer.jnlpmac}` — the same encoding
    // JCasC's export writes (SecretSourceResolver.encode).
    if (typeof node === "string") return node.replaceAll("${", "^${");
    if (Array.isArray(node)) return node.map(escapeJcasc);
    if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, escapeJcasc(v)]));
    return node;
}

/**
 * Pure: YAML text for one configScripts entry. Two interpolations run over it before Jenkins reads
 * it: the chart passes every configScripts value through Helm `tpl` (templates/jcasc-config.yaml),
 * so `{{` becomes `{{ "{{" }}`; then JCasC resolves `${…}`, so literal ones are written `^${`.
 * Only JcascSecret nodes stay live references.
 */
export function renderJcasc(doc: JcascNode): string {
    const text = stringify(escapeJcasc(doc), { lineWidth: 0 });
    return text.replace(/\{\{/g, '{{ "{{" }}');
}

export interface JcascInput {
    /** Helm release name (the component name). */
    readonly releaseName: string;
    readonly namespace: string;
    readonly agentNamespace: string;
    /** Jenkins' own URL (links in mails and the UI): the NodePort URL. */
    readonly externalUrl: string;
    readonly workspaceClaimName: string;
    readonly agentImage: string;
    readonly agentResources: Resources;
    readonly containerCap: number;
}

// Where the chart mounts controller.additionalExistingSecrets: /run/secrets/additional/<name>-<key>
// (templates/jenkins-controller-statefulset.yaml), which JCasC's file secret source reads via $SECRETS.
const secretFile = (secretName: string, key: string) => new JcascSecret(`${secretName}-${key}`);

/** Pure: the JCasC documents, one configScripts entry each. */
export function jcascDocuments(c: JcascInput): Record<string, JcascNode> {
    const r = c.agentResources;
    const gitea = giteaSecretName(c.releaseName);
    return {
        system: {
            jenkins: {
                // Builds never run on the controller, only in agent Pods.
                numExecutors: 0,
                // Agents connect over WebSocket through the HTTP Service; the inbound TCP port is closed.
                slaveAgentPort: -1,
            },
            unclassified: { location: { url: `${c.externalUrl}/` } },
        },
        "kubernetes-cloud": {
            jenkins: {
                clouds: [
                    {
                        kubernetes: {
                            name: CLOUD_NAME,
                            // No serverUrl: the plugin then uses the in-cluster API and the
                            // controller's ServiceAccount token.
                            namespace: c.agentNamespace,
                            jenkinsUrl: jenkinsInClusterUrl(c.releaseName, c.namespace),
                            webSocket: true,
                            containerCapStr: String(c.containerCap),
                            // The default template becomes the parent of every template, including a
                            // pipeline's own podTemplate/kubernetes agent: they all get the shared
                            // workspace and the jnlp container below.
                            defaultsProviderTemplate: DEFAULT_POD_TEMPLATE,
                            // app.kubernetes.io/name satisfies require-app-label for every build Pod
                            // (the agents namespace is never exempt from the policies).
                            podLabels: [
                                { key: "app.kubernetes.io/name", value: "jenkins-agent" },
                                { key: "app.kubernetes.io/part-of", value: PART_OF },
                                { key: "app.kubernetes.io/component", value: "jenkins-agent" },
                            ],
                            templates: [
                                {
                                    name: DEFAULT_POD_TEMPLATE,
                                    label: agentLabel(c.releaseName),
                                    namespace: c.agentNamespace,
                                    nodeUsageMode: "NORMAL",
                                    podRetention: "never",
                                    workspaceVolume: {
                                        persistentVolumeClaimWorkspaceVolume: { claimName: c.workspaceClaimName, readOnly: false },
                                    },
                                    // No API token in build Pods: nothing in them calls the API (AgentRbac).
                                    // A child template's yaml would replace this one under the default
                                    // "override" strategy; inheriting "merge" keeps it.
                                    yaml: stringify({ spec: { automountServiceAccountToken: false } }),
                                    yamlMergeStrategy: "merge",
                                    inheritYamlMergeStrategy: true,
                                    containers: [
                                        {
                                            name: "jnlp",
                                            image: c.agentImage,
                                            // Substituted by the Kubernetes plugin at launch (PodTemplateBuilder),
                                            // so JCasC must leave it alone: renderJcasc writes `^${`.
                                            args: "${computer.jnlpmac} ${computer.name}",
                                            workingDir: "/home/jenkins/agent",
                                            resourceRequestCpu: r.requests.cpu,
                                            resourceRequestMemory: r.requests.memory,
                                            resourceLimitCpu: r.limits.cpu,
                                            resourceLimitMemory: r.limits.memory,
                                        },
                                    ],
                                },
                            ],
                        },
                    },
                ],
            },
        },
        credentials: {
            credentials: {
                system: {
                    domainCredentials: [
                        {
                            credentials: [
                                {
                                    usernamePassword: {
                                        scope: "GLOBAL",
                                        id: GITEA_CREDENTIALS_ID,
                                        description: `Gitea account (Kubernetes Secret ${c.namespace}/${gitea})`,
                                        username: secretFile(gitea, "username"),
                                        password: secretFile(gitea, "password"),
                                    },
                                },
                            ],
                        },
                    ],
                },
            },
        },
    };
}

/** Pure: `controller.JCasC.configScripts`, ready for the chart's `tpl` and JCasC's interpolation. */
export function jcascConfig(c: JcascInput): Record<string, string> {
    return Object.fromEntries(Object.entries(jcascDocuments(c)).map(([k, doc]) => [k, renderJcasc(doc)]));
}

// ---------------------------------------------------------------------------------------------
// Helm values

// The config-reload sidecar (and its init twin) get no resources from the chart (values: `{}`);
// Kyverno's require-resources wants them on every container. k8s-sidecar is a small Python process.
export const CONFIG_RELOAD_RESOURCES: Resources = {
    requests: { cpu: "50m", memory: "64Mi" },
    limits: { cpu: "200m", memory: "256Mi" },
};

export interface JenkinsValuesInput {
    readonly releaseName: string;
    readonly agentNamespace: string;
    readonly settings: Pick<JenkinsSettings, "nodePort" | "storageSize" | "tolerations" | "additionalPlugins" | "installPlugins" | "resources">;
    readonly storageClass: string;
    readonly configScripts: Record<string, string>;
    /** See JenkinsArgs.credentialsRevision; undefined: no annotation. */
    readonly credentialsRevision?: string;
}

/** Pod annotation that rolls the controller when the Gitea credential is re-issued. */
export const CREDENTIALS_REVISION_ANNOTATION = "ci-stack.dev/gitea-credentials-revision";

/** Pure: values for the jenkins chart 5.9.x. Holds Secret names only, never a secret value. */
export function jenkinsValues(v: JenkinsValuesInput) {
    const s = v.settings;
    const gitea = giteaSecretName(v.releaseName);
    return {
        controller: {
            serviceType: "NodePort",
            nodePort: s.nodePort,
            // Agents use WebSocket (see the cloud in jcascDocuments): no agent Service, no port 50000.
            agentListenerEnabled: false,
            admin: {
                existingSecret: adminSecretName(v.releaseName),
                userKey: "username",
                passwordKey: "password",
                // Not a leftover: chart 5.9 projects the admin Secret into /run/secrets/additional
                // (as chart-admin-username/-password, which its securityRealm reads) only when
                // createSecret is true (templates/jenkins-controller-statefulset.yaml). With
                // existingSecret set, templates/secret.yaml creates nothing.
                createSecret: true,
            },
            // Files <secret>-<key> under /run/secrets/additional, read by JCasC as ${<secret>-<key>}.
            additionalExistingSecrets: [
                { name: gitea, keyName: "username" },
                { name: gitea, keyName: "password" },
            ],
            ...pluginValues(s),
            ...(v.credentialsRevision !== undefined ? { podAnnotations: { [CREDENTIALS_REVISION_ANNOTATION]: v.credentialsRevision } } : {}),
            resources: resources(s.resources),
            tolerations: s.tolerations.map((t: Toleration) => ({ ...t })),
            sidecars: { configAutoReload: { resources: resources(CONFIG_RELOAD_RESOURCES) } },
            JCasC: {
                // The chart's default config always adds its own Kubernetes cloud, and JCasC appends
                // sequences from several files (ErrorOnConflictMergeStrategy): two clouds. Ours
                // replaces it; securityRealm and authorizationStrategy are still rendered by the
                // chart (templates/jcasc-config.yaml) as long as no configScript mentions them.
                defaultConfig: false,
                configScripts: v.configScripts,
            },
        },
        // Only placement of the chart's own Role "<fullname>-schedule-agents" (templates/rbac.yaml):
        // in the agent namespace, where the cloud starts Pods, not the policy-exempt controller one.
        agent: { namespace: v.agentNamespace },
        persistence: { storageClass: v.storageClass, size: s.storageSize },
    };
}

function resources(r: Resources) {
    return { requests: { ...r.requests }, limits: { ...r.limits } };
}

/** Pure: a Secret with `username` / `password` keys (kubernetes.io/basic-auth mandates exactly these). */
export function basicAuthSecret(m: { name: string; namespace: pulumi.Input<string>; component: string; username: pulumi.Input<string>; password: pulumi.Input<string> }) {
    return {
        apiVersion: "v1" as const,
        kind: "Secret" as const,
        metadata: {
            name: m.name,
            namespace: m.namespace,
            labels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/component": m.component },
        },
        type: "kubernetes.io/basic-auth",
        stringData: { username: m.username, password: m.password },
    };
}

// ---------------------------------------------------------------------------------------------

/** The Jenkins controller: a Helm release of the jenkins chart, configured as code. */
export class Jenkins extends pulumi.ComponentResource {
    /** In-cluster base URL, e.g. `http://jenkins.jenkins.svc.cluster.local:8080`. */
    public readonly url: pulumi.Output<string>;
    /** External base URL on the NodePort, e.g. `http://10.0.24.28:30808`. */
    public readonly externalUrl: pulumi.Output<string>;
    public readonly adminUsername: pulumi.Output<string>;
    /** Secret. */
    public readonly adminPassword: pulumi.Output<string>;
    /** The controller's ServiceAccount (the chart's `jenkins.serviceAccountName`). */
    public readonly serviceAccountName: pulumi.Output<string>;
    /** Label of the cloud's default pod template. */
    public readonly agentLabel: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: JenkinsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cistack:platform:Jenkins", name, {}, opts);
        // The component name is the Helm release name, so the Service and ServiceAccount names are predictable.
        const badName = releaseNameProblem(name);
        if (badName) throw new pulumi.ResourceError(badName, this);
        const containerCap = args.containerCap ?? 10;
        if (!Number.isInteger(containerCap) || containerCap < 1) {
            throw new pulumi.ResourceError(`containerCap: must be a positive integer (got ${containerCap})`, this);
        }
        const s = args.settings;
        try {
            pluginValues(s);
        } catch (e) {
            throw new pulumi.ResourceError((e as Error).message, this);
        }
        const retainOnDelete = args.retainOnDelete ?? true;

        const password: pulumi.Output<string> =
            s.adminPassword ??
            new random.RandomPassword(
                `${name}-admin-password`,
                // Letters and digits only: it goes into basic-auth headers and shell quoting.
                { length: 24, special: false },
                { parent: this },
            ).result;

        // The StatefulSet mounts both Secrets; a retained release must not lose them on destroy.
        // Explicit metadata.name (no auto-name suffix): the values and the JCasC file references
        // name them before they exist.
        const adminSecret = new k8s.core.v1.Secret(
            `${name}-admin`,
            basicAuthSecret({ name: adminSecretName(name), namespace: args.namespace, component: "jenkins", username: s.adminUsername, password: pulumi.secret(password) }),
            { parent: this, retainOnDelete },
        );
        const giteaSecret = new k8s.core.v1.Secret(
            `${name}-gitea-credentials`,
            basicAuthSecret({
                name: giteaSecretName(name),
                namespace: args.namespace,
                component: "jenkins",
                username: args.giteaCredentials.username,
                password: pulumi.secret(args.giteaCredentials.password),
            }),
            { parent: this, retainOnDelete },
        );

        const externalUrl = pulumi.output(args.nodeAddress).apply((addr) => jenkinsExternalUrl(addr, s.nodePort));
        const values = pulumi
            .all([args.namespace, args.agentNamespace, args.workspaceClaimName, args.storageClass, externalUrl, args.credentialsRevision])
            .apply(([namespace, agentNamespace, workspaceClaimName, storageClass, extUrl, credentialsRevision]) =>
                jenkinsValues({
                    releaseName: name,
                    agentNamespace,
                    settings: s,
                    storageClass,
                    ...(credentialsRevision !== undefined ? { credentialsRevision } : {}),
                    configScripts: jcascConfig({
                        releaseName: name,
                        namespace,
                        agentNamespace,
                        externalUrl: extUrl,
                        workspaceClaimName,
                        agentImage: args.images.agent,
                        agentResources: args.agents.resources,
                        containerCap,
                    }),
                }),
            );

        this.release = new k8s.helm.v3.Release(
            name,
            {
                name,
                ...chartSource(s.chart.repo, CHART),
                version: s.chart.version,
                namespace: args.namespace,
                createNamespace: false,
                // First boot downloads the plugins in the init container before the probes pass.
                timeout: 900,
                values,
            },
            // The release owns JENKINS_HOME's PVC: jobs, build history, folder credentials.
            { parent: this, dependsOn: [adminSecret, giteaSecret], retainOnDelete, protect: args.protect ?? true },
        );

        // Derived from the release's status so consumers (the seed, AgentRbac) wait until it is deployed.
        const status = this.release.status;
        this.url = status.apply((st) => jenkinsInClusterUrl(name, st.namespace));
        this.externalUrl = pulumi.all([status, externalUrl]).apply(([, url]) => url);
        this.adminUsername = pulumi.output(s.adminUsername);
        this.adminPassword = pulumi.secret(password);
        // serviceAccount.create is the chart default and serviceAccount.name unset: the fullname.
        this.serviceAccountName = status.apply(() => chartFullname(name));
        this.agentLabel = pulumi.output(agentLabel(name));

        this.registerOutputs({
            url: this.url,
            externalUrl: this.externalUrl,
            adminUsername: this.adminUsername,
            adminPassword: this.adminPassword,
            serviceAccountName: this.serviceAccountName,
            agentLabel: this.agentLabel,
            release: this.release,
        });
    }
}
