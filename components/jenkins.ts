// The Jenkins controller (jenkins chart 5.9.x) configured entirely as code: admin from a Secret we
// create, plugins by policy (the chart's tested set plus ours, or a whole pinned set), and JCasC
// (jenkinsCasc.ts) that defines the Kubernetes cloud whose agent Pods share the RWX workspace, plus
// the Gitea credential read from a Kubernetes Secret. Nothing secret ever reaches the Helm values.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CHART_CORE_PLUGINS, REQUIRED_PLUGINS, Resources, STACK_PLUGINS, StackConfig, Toleration } from "../config";
import { chartSource, releaseNameProblem } from "./helm";
import { agentLabel, jcascConfig } from "./jenkinsCasc";
import { OWNED_SECRET_ANNOTATIONS, PART_OF } from "./namespaces";
import { ROLLOUT_ANNOTATION, secretsDigest } from "./rollout";

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
// Helm values

// The config-reload sidecar (and its init twin) get no resources from the chart (values: `{}`);
// Kyverno's require-resources wants them on every container. k8s-sidecar is a small Python process.
export const CONFIG_RELOAD_RESOURCES: Resources = {
    requests: { cpu: "50m", memory: "64Mi" },
    limits: { cpu: "200m", memory: "256Mi" },
};

export interface JenkinsValuesInput {
    readonly releaseName: string;
    readonly settings: Pick<JenkinsSettings, "nodePort" | "storageSize" | "tolerations" | "additionalPlugins" | "installPlugins" | "resources">;
    readonly storageClass: string;
    readonly configScripts: Record<string, string>;
    /**
     * The salted digest of the Secrets the controller reads (rollout.ts); rolls the Pod when they
     * change. An Output stays a leaf of the values (see ROLLOUT_ANNOTATION).
     */
    readonly secretsDigest?: pulumi.Input<string>;
}

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
            resources: resources(s.resources),
            // The StatefulSet's pod template carries only a checksum of the chart's own config.yaml:
            // a changed admin or Gitea Secret would reach Jenkins only at the next Pod start.
            ...(v.secretsDigest !== undefined ? { podAnnotations: { [ROLLOUT_ANNOTATION]: v.secretsDigest } } : {}),
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
        // The chart's RBAC would add to ours, not replace it: its "<fullname>-schedule-agents" Role
        // (templates/rbac.yaml, chart 5.9.53) grants create/delete/deletecollection/patch/update on
        // pods and persistentvolumeclaims to the same ServiceAccount, so AgentRbac would narrow
        // nothing and the controller could delete the protected shared claims. Off; what else it
        // gave (the reload sidecar's ConfigMap reads) is configReloadRbac below.
        rbac: { create: false },
        persistence: { storageClass: v.storageClass, size: s.storageSize },
    };
}

/**
 * Pure: the Role and RoleBinding the chart's templates/rbac.yaml would have made for the JCasC reload
 * sidecar (k8s-sidecar, and its init twin, list and watch the ConfigMaps labelled
 * `<fullname>-jenkins-config` in the controller's namespace; its default RESOURCE is configmap):
 * the same rules, `get`/`list`/`watch` on configmaps there, under names of our own — the chart's
 * `<fullname>-casc-reload` would collide with the chart's Role while an upgrade from rbac.create
 * true is in flight, and Helm would then delete ours with it.
 */
export function configReloadRbac(r: { name: string; namespace: pulumi.Input<string>; serviceAccount: pulumi.Input<string> }) {
    const metadata = { name: r.name, namespace: r.namespace, labels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/component": "jenkins" } };
    return {
        role: {
            apiVersion: "rbac.authorization.k8s.io/v1" as const,
            kind: "Role" as const,
            metadata,
            rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
        },
        binding: {
            apiVersion: "rbac.authorization.k8s.io/v1" as const,
            kind: "RoleBinding" as const,
            metadata,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: r.name },
            subjects: [{ kind: "ServiceAccount", name: r.serviceAccount, namespace: r.namespace }],
        },
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
            annotations: { ...OWNED_SECRET_ANNOTATIONS },
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

        // Rolls the controller when a Secret it reads changes: JCasC reads the projected files (the
        // admin's, the Gitea account's) only when it applies a configuration, at Pod start.
        const digest = secretsDigest(name, this, {
            "admin/username": s.adminUsername,
            "admin/password": password,
            "gitea/username": args.giteaCredentials.username,
            "gitea/password": args.giteaCredentials.password,
        });

        const externalUrl = pulumi.output(args.nodeAddress).apply((addr) => jenkinsExternalUrl(addr, s.nodePort));
        const values = pulumi
            // The digest goes in as an Output leaf, not an argument of the apply: see ROLLOUT_ANNOTATION.
            .all([args.namespace, args.agentNamespace, args.workspaceClaimName, args.storageClass, externalUrl])
            .apply(([namespace, agentNamespace, workspaceClaimName, storageClass, extUrl]) =>
                jenkinsValues({
                    releaseName: name,
                    settings: s,
                    storageClass,
                    secretsDigest: digest,
                    configScripts: jcascConfig({
                        releaseName: name,
                        namespace,
                        agentNamespace,
                        externalUrl: extUrl,
                        jenkinsUrl: jenkinsInClusterUrl(name, namespace),
                        giteaSecretName: giteaSecretName(name),
                        workspaceClaimName,
                        agentImage: args.images.agent,
                        agentResources: args.agents.resources,
                        containerCap,
                    }),
                }),
            );

        // Before the release: the sidecar's init twin lists the ConfigMaps once at Pod start. Retained
        // with the release, whose sidecar keeps needing it.
        const reload = configReloadRbac({ name: `${chartFullname(name)}-config-reload`, namespace: args.namespace, serviceAccount: chartFullname(name) });
        const reloadRole = new k8s.rbac.v1.Role(`${name}-config-reload-role`, reload.role, { parent: this, retainOnDelete });
        const reloadBinding = new k8s.rbac.v1.RoleBinding(
            `${name}-config-reload-binding`,
            // roleRef from the Role's output: ordered after it.
            { ...reload.binding, roleRef: { ...reload.binding.roleRef, name: reloadRole.metadata.name } },
            { parent: this, retainOnDelete },
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
            { parent: this, dependsOn: [adminSecret, giteaSecret, reloadRole, reloadBinding], retainOnDelete, protect: args.protect ?? true },
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
