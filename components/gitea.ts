// Gitea from the upstream gitea chart (gitea.com/gitea/helm-gitea v12.5.0: Gitea 1.25.4, sub-charts
// bitnami postgresql 16.7.27 / valkey 3.0.31). The values are checked against the chart's values.yaml
// of main at 2025-12-09, which is byte-identical to the values.yaml released in 12.4.0 and 12.5.0.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Resources, StackConfig } from "../config";
import { chartSource, releaseNameProblem } from "./helm";
import { OWNED_SECRET_ANNOTATIONS, PART_OF } from "./namespaces";
import { ROLLOUT_ANNOTATION, secretsDigest } from "./rollout";

export type GiteaSettings = StackConfig["gitea"];
/** The bitnami sub-charts' images (config `images.postgresql` / `images.valkey`). */
export type GiteaImages = Pick<StackConfig["images"], "postgresql" | "valkey">;

export interface GiteaArgs {
    /** Namespace the release goes to; it must exist (the Namespaces component creates it). */
    readonly namespace: pulumi.Input<string>;
    /** The validated `gitea.*` config: chart, NodePorts, sizes, admin user, sub-charts, resources. */
    readonly settings: GiteaSettings;
    /** The postgresql and valkey images (the validated `images.*` config). */
    readonly images: GiteaImages;
    /** StorageClass for Gitea's data PVC and the sub-charts' PVCs (e.g. "longhorn"). */
    readonly storageClass: string;
    /** Address of a cluster node: the external URL, ROOT_URL and DOMAIN are built from it. */
    readonly nodeAddress: string;
    /**
     * Host names Gitea may deliver webhooks to besides public hosts, e.g. the Jenkins service FQDN
     * `jenkins.jenkins.svc.cluster.local`. Default: none (Gitea's own default, public hosts only).
     */
    readonly webhookAllowedHosts?: pulumi.Input<string>[];
    /** Keep the release (and so its PVC) and the admin Secret it mounts in the cluster on `pulumi destroy`. Default: true. */
    readonly retainOnDelete?: boolean;
    /** Mark the release `protect`, so a replacement or destroy stops instead of deleting data. Default: true. */
    readonly protect?: boolean;
}

/** The Gitea version the default chart (`gitea.chartVersion` 12.5.0, its Chart.yaml appVersion) runs. */
export const GITEA_APP_VERSION = "1.25.4";

/** The chart's `service.http.port` (we set it explicitly so the in-cluster URL cannot drift). */
export const GITEA_HTTP_PORT = 3000;
/** The chart's default `clusterDomain`; we never override it. */
const CLUSTER_DOMAIN = "cluster.local";

/**
 * Requests and limits for the sub-charts' main containers (bitnami `primary.resources`; the gitea
 * chart's values.yaml does not list these keys, the sub-charts' own values.yaml do). The config's
 * resources are Gitea's; these are fixed, sized for the single-node lab, and set explicitly rather
 * than left to bitnami's `resourcesPreset: nano` (192Mi memory limit), which bitnami itself marks
 * as not meant for production. No other sub-chart container runs with the charts' defaults
 * (volumePermissions, metrics and sysctl init containers are all off).
 */
export const SUBCHART_RESOURCES = {
    postgresql: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    valkey: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
} as const satisfies Record<string, Resources>;

/** The chart's `gitea.fullname` helper: the release name, suffixed with "-gitea" unless it already contains it. */
export function giteaFullname(releaseName: string): string {
    const full = releaseName.includes("gitea") ? releaseName : `${releaseName}-gitea`;
    return full.slice(0, 63).replace(/-+$/, "");
}

/** In-cluster base URL of the HTTP service (templates/gitea/http-svc.yaml names it `<fullname>-http`). */
export function giteaApiUrl(releaseName: string, namespace: string): string {
    return `http://${giteaFullname(releaseName)}-http.${namespace}.svc.${CLUSTER_DOMAIN}:${GITEA_HTTP_PORT}`;
}

/** The URL users, clone URLs and the seed (which runs outside the cluster) reach Gitea on. */
export function giteaExternalUrl(nodeAddress: string, nodePort: number): string {
    return `http://${nodeAddress}:${nodePort}`;
}

/** A bitnami chart's `image` block: `common.images.image` joins registry/repository and `:tag` or `@digest`. */
export interface BitnamiImage {
    readonly registry: string;
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
}

/**
 * Pure: splits an image reference into a bitnami `image` block. The first path segment is a
 * registry when it has a dot or a port or is `localhost` (the Docker reference grammar); otherwise
 * the image is on docker.io. Throws on a reference without a tag or digest.
 */
export function bitnamiImage(ref: string): BitnamiImage {
    const [nameTag, digest] = ref.split("@") as [string, string | undefined];
    const slash = nameTag.lastIndexOf("/");
    const colon = nameTag.indexOf(":", slash + 1);
    const name = colon < 0 ? nameTag : nameTag.slice(0, colon);
    const tag = colon < 0 ? undefined : nameTag.slice(colon + 1);
    if (tag === undefined && digest === undefined) throw new Error(`image ${JSON.stringify(ref)} needs an explicit tag or digest`);
    const first = name.split("/")[0]!;
    const hasRegistry = name.includes("/") && (/[.:]/.test(first) || first === "localhost");
    return {
        registry: hasRegistry ? first : "docker.io",
        repository: hasRegistry ? name.slice(first.length + 1) : name,
        ...(tag !== undefined ? { tag } : {}),
        ...(digest !== undefined ? { digest } : {}),
    };
}

/** Values of one enabled bitnami sub-chart: its image, and leave to run an image it does not list. */
function bitnamiSubchart(image: string) {
    return {
        image: bitnamiImage(image),
        // bitnami common 2.31 `common.errors.insecureImages` (rendered from the sub-charts' NOTES.txt)
        // fails the install when an image's registry is not the one in the chart's `images`
        // annotation — any mirror. The images here are chosen on purpose (config images.*).
        global: { security: { allowInsecureImages: true } },
    };
}

export interface GiteaValuesInput {
    readonly settings: GiteaSettings;
    readonly images: GiteaImages;
    readonly storageClass: string;
    readonly nodeAddress: string;
    /** Name of the Secret holding `username` / `password` for the admin user. */
    readonly adminSecretName: string;
    readonly webhookAllowedHosts: readonly string[];
    /**
     * The salted digest of the admin Secret (rollout.ts): rolls the Pod, whose init container sets
     * the password. An Output stays a leaf of the values (see ROLLOUT_ANNOTATION).
     */
    readonly secretsDigest?: pulumi.Input<string>;
}

/** Gitea's builtin "external" (public unicast addresses, modules/hostmatcher) plus `hosts`. */
function allowList(hosts: readonly string[]): string {
    return ["external", ...hosts.filter((h) => h !== "external")].join(",");
}

/** Pure: the chart values. Holds no secret: the admin password reaches the chart only through the Secret. */
export function giteaValues(input: GiteaValuesInput) {
    const { settings: s, storageClass, nodeAddress, adminSecretName } = input;
    for (const h of input.webhookAllowedHosts) {
        // Gitea splits ALLOWED_HOST_LIST on commas; an empty entry or blank would widen or break it.
        if (!/^[^\s,]+$/.test(h)) throw new Error(`webhookAllowedHosts: ${JSON.stringify(h)} is not a host name or pattern`);
    }
    const ssh = s.sshNodePort !== undefined;

    return {
        // Helm globals reach the sub-charts too: bitnami's common.storage.class falls back to
        // global.storageClass when the sub-chart's persistence.storageClass is empty.
        global: { storageClass },
        // The chart's default is RollingUpdate with maxSurge 100% / maxUnavailable 0, while the data
        // PVC is ReadWriteOnce: a second Pod started on another node can never attach the volume and
        // the old one is never stopped. deployment.yaml renders rollingUpdate only for RollingUpdate.
        strategy: { type: "Recreate" },
        service: {
            // http-svc.yaml emits the default `clusterIP: None` only for type ClusterIP.
            http: { type: "NodePort", port: GITEA_HTTP_PORT, nodePort: s.nodePort },
            // The node's own sshd owns port 22, so SSH is either off or on a high NodePort; the
            // service keeps port 22 and targets the rootless image's SSH_LISTEN_PORT (2222).
            ...(ssh ? { ssh: { type: "NodePort", port: 22, nodePort: s.sshNodePort } } : {}),
        },
        persistence: { enabled: true, size: s.storageSize, storageClass },
        resources: s.resources,
        // init-directories, init-app-ini and configure-gitea (gitea migrate, admin user) all take
        // initContainers.resources (templates/gitea/deployment.yaml); the chart sets requests only.
        // Gitea's own figures: init containers run one at a time, so this adds nothing to what the
        // Pod reserves, and `gitea migrate` needs about what Gitea does.
        initContainers: { resources: s.resources },
        gitea: {
            // The pod template checksums only the inline config; the init container applies the admin
            // Secret (templates/gitea/init.yaml, configure_admin_user) only when the Pod starts.
            ...(input.secretsDigest !== undefined ? { podAnnotations: { [ROLLOUT_ANNOTATION]: input.secretsDigest } } : {}),
            admin: {
                existingSecret: adminSecretName,
                // Re-applied on every Pod start, so a changed gitea.adminPassword takes effect.
                passwordMode: "keepUpdated",
            },
            config: {
                server: {
                    // Without these the chart derives DOMAIN from ingress.hosts[0] (git.example.com,
                    // even with the ingress off) and ROOT_URL from it: clone URLs shown in the UI and
                    // the `repository.clone_url` in webhook payloads would point nowhere.
                    DOMAIN: nodeAddress,
                    ROOT_URL: `${giteaExternalUrl(nodeAddress, s.nodePort)}/`,
                    ...(ssh
                        ? { START_SSH_SERVER: true, SSH_DOMAIN: nodeAddress, SSH_PORT: s.sshNodePort, SSH_LISTEN_PORT: 2222 }
                        : { DISABLE_SSH: true, START_SSH_SERVER: false }),
                },
                // Gitea 1.25 reads ALLOWED_HOST_LIST from [webhook] only (go-gitea/gitea#17482; its
                // default "external" refuses the private ClusterIP behind the Jenkins service).
                // go-gitea/gitea#38406 moves it to [security] and only bridges [webhook] for one
                // release, so both are set: the chart version decides which Gitea reads it. A set
                // list replaces the default (services/webhook/deliver.go Init() falls back to
                // "external" only when it is empty), so "external" is kept for users' own webhooks.
                ...(input.webhookAllowedHosts.length > 0
                    ? {
                          webhook: { ALLOWED_HOST_LIST: allowList(input.webhookAllowedHosts) },
                          security: { ALLOWED_HOST_LIST: allowList(input.webhookAllowedHosts) },
                      }
                    : {}),
                // With neither postgresql sub-chart the chart configures no database at all.
                ...(s.postgresql ? {} : { database: { DB_TYPE: "sqlite3" } }),
            },
        },
        postgresql: s.postgresql
            ? { enabled: true, ...bitnamiSubchart(input.images.postgresql), primary: { resources: SUBCHART_RESOURCES.postgresql } }
            : { enabled: false },
        valkey: s.valkey
            ? { enabled: true, architecture: "standalone", ...bitnamiSubchart(input.images.valkey), primary: { resources: SUBCHART_RESOURCES.valkey } }
            : { enabled: false },
        // The chart turns both HA sub-charts on by default (three valkey nodes, pgpool + repmgr).
        "postgresql-ha": { enabled: false },
        "valkey-cluster": { enabled: false },
        // The helm-test Pod uses busybox:latest without resources; it never runs under Pulumi.
        test: { enabled: false },
    };
}

/** Gitea with its single-node postgresql and valkey, an admin user from a Secret, on a NodePort. */
export class Gitea extends pulumi.ComponentResource {
    /** In-cluster base URL (Jenkins clones from it), e.g. `http://gitea-http.gitea.svc.cluster.local:3000`. */
    public readonly apiUrl: pulumi.Output<string>;
    /** External base URL on the NodePort, e.g. `http://10.0.24.28:30022`. */
    public readonly externalUrl: pulumi.Output<string>;
    public readonly adminUsername: pulumi.Output<string>;
    /** Secret. */
    public readonly adminPassword: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: GiteaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cistack:platform:Gitea", name, {}, opts);
        // The component name is the Helm release name, so the service names are predictable.
        const badName = releaseNameProblem(name);
        if (badName) throw new pulumi.ResourceError(badName, this);
        const s = args.settings;

        const password: pulumi.Output<string> =
            s.adminPassword ??
            new random.RandomPassword(
                `${name}-admin-password`,
                // Letters and digits only: it ends up in `git clone http://user:pass@…` and shell quoting.
                { length: 24, special: false },
                { parent: this },
            ).result;

        const adminSecret = new k8s.core.v1.Secret(
            `${name}-admin`,
            {
                metadata: {
                    name: `${name}-admin`,
                    namespace: args.namespace,
                    labels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/component": "gitea" },
                    annotations: { ...OWNED_SECRET_ANNOTATIONS },
                },
                type: "Opaque",
                // Keys the chart reads with gitea.admin.existingSecret (templates/gitea/deployment.yaml).
                stringData: { username: s.adminUsername, password: pulumi.secret(password) },
            },
            // The retained release mounts it (configure-gitea reads it on every start): kept with it.
            { parent: this, retainOnDelete: args.retainOnDelete ?? true },
        );

        const digest = secretsDigest(name, this, { "admin/username": s.adminUsername, "admin/password": password });
        // The digest goes in as an Output leaf, not an argument of the apply: see ROLLOUT_ANNOTATION.
        const values = pulumi.all([adminSecret.metadata.name, pulumi.all(args.webhookAllowedHosts ?? [])]).apply(([secretName, hosts]) =>
            giteaValues({ settings: s, images: args.images, storageClass: args.storageClass, nodeAddress: args.nodeAddress, adminSecretName: secretName, webhookAllowedHosts: hosts, secretsDigest: digest }),
        );

        this.release = new k8s.helm.v3.Release(
            name,
            {
                name,
                ...chartSource(s.chart.repo, "gitea"),
                version: s.chart.version,
                namespace: args.namespace,
                createNamespace: false,
                // First install pulls four images and runs `gitea migrate` against a fresh postgres.
                timeout: 600,
                values,
            },
            // The release owns the data PVC (the chart also annotates it helm.sh/resource-policy: keep).
            { parent: this, retainOnDelete: args.retainOnDelete ?? true, protect: args.protect ?? true },
        );

        // Derived from the release's status so consumers (the seed) wait until it is deployed.
        const status = this.release.status;
        this.apiUrl = status.apply((st) => giteaApiUrl(name, st.namespace));
        this.externalUrl = status.apply(() => giteaExternalUrl(args.nodeAddress, s.nodePort));
        this.adminUsername = pulumi.output(s.adminUsername);
        this.adminPassword = pulumi.secret(password);

        this.registerOutputs({
            apiUrl: this.apiUrl,
            externalUrl: this.externalUrl,
            adminUsername: this.adminUsername,
            adminPassword: this.adminPassword,
            release: this.release,
        });
    }
}
