// Pass and fail fixtures per rule, in the manner of kyverno/policies' .kyverno-test resources:
// Pods, and the same Pods wrapped in every Pod controller (where Kyverno's autogen rules and the
// pack look for the template). Every fixture is a valid Kubernetes object (checked by the tests).

/** A minimal Pod manifest shape; fixtures stay plain data. */
export interface PodManifest {
    readonly apiVersion: "v1";
    readonly kind: "Pod";
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
    readonly spec: Record<string, unknown>;
}

export interface Fixture {
    /** What the fixture shows, e.g. "init container without requests". */
    readonly name: string;
    readonly pod: PodManifest;
}

export interface RuleFixtures {
    readonly pass: readonly Fixture[];
    readonly fail: readonly Fixture[];
}

const REQUESTS = { requests: { cpu: "100m", memory: "128Mi" } };
const LABELS = { "app.kubernetes.io/name": "notes-app" };

function pod(name: string, spec: Record<string, unknown>, labels: Record<string, string> = LABELS): PodManifest {
    return { apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec };
}

const c = (name: string, image: string, extra: Record<string, unknown> = { resources: REQUESTS }) => ({ name, image, ...extra });

/** A Pod that passes every catalogue rule: the shape of a build agent Pod. */
export const GOOD_POD = pod("agent", {
    initContainers: [c("clone", "alpine/git:2.49.1")],
    containers: [
        c("jnlp", "jenkins/inbound-agent:3385.vf1123fb_515da_-1"),
        c("kaniko", "gcr.io/kaniko-project/executor:v1.23.2-debug", { resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } } }),
        c("maven", "10.0.24.28:30002/library/maven:3.9.11-eclipse-temurin-21"),
    ],
});

export const FIXTURES: Readonly<Record<string, RuleFixtures>> = {
    "require-resources": {
        pass: [
            { name: "every container and init container requests cpu and memory", pod: GOOD_POD },
            { name: "integer cpu request", pod: pod("int-cpu", { containers: [c("app", "nginx:1.29", { resources: { requests: { cpu: "1", memory: "64Mi" } } })] }) },
        ],
        fail: [
            { name: "no resources at all", pod: pod("no-resources", { containers: [c("app", "nginx:1.29", {})] }) },
            { name: "limits only", pod: pod("limits-only", { containers: [c("app", "nginx:1.29", { resources: { limits: { cpu: "1", memory: "1Gi" } } })] }) },
            { name: "memory request missing", pod: pod("no-memory", { containers: [c("app", "nginx:1.29", { resources: { requests: { cpu: "100m" } } })] }) },
            {
                name: "init container without requests",
                pod: pod("bare-init", { initContainers: [c("clone", "alpine/git:2.49.1", {})], containers: [c("app", "nginx:1.29")] }),
            },
            {
                name: "second container without requests",
                pod: pod("second-bare", { containers: [c("app", "nginx:1.29"), c("sidecar", "busybox:1.37", {})] }),
            },
        ],
    },
    "disallow-latest-tag": {
        pass: [
            { name: "tags on every container", pod: GOOD_POD },
            { name: "digest only", pod: pod("digest", { containers: [c("app", `nginx@sha256:${"a".repeat(64)}`)] }) },
            { name: "latest pinned by a digest", pod: pod("latest-digest", { containers: [c("app", `nginx:latest@sha256:${"b".repeat(64)}`)] }) },
            { name: "registry with a port and a tag", pod: pod("port-tag", { containers: [c("app", "10.0.24.28:30002/bootcamp/notes-app:1.0.3")] }) },
        ],
        fail: [
            { name: "latest tag", pod: pod("latest", { containers: [c("app", "nginx:latest")] }) },
            { name: "no tag", pod: pod("untagged", { containers: [c("app", "nginx")] }) },
            { name: "registry port but no tag", pod: pod("port-untagged", { containers: [c("app", "10.0.24.28:30002/bootcamp/notes-app")] }) },
            {
                name: "init container on latest",
                pod: pod("latest-init", { initContainers: [c("clone", "alpine/git:latest")], containers: [c("app", "nginx:1.29")] }),
            },
            {
                name: "ephemeral debug container untagged",
                pod: pod("latest-ephemeral", { containers: [c("app", "nginx:1.29")], ephemeralContainers: [{ name: "debug", image: "busybox" }] }),
            },
        ],
    },
    "require-app-label": {
        pass: [
            { name: "app.kubernetes.io/name set", pod: GOOD_POD },
            { name: "both labels", pod: pod("both", { containers: [c("app", "nginx:1.29")] }, { app: "web", "app.kubernetes.io/name": "web" }) },
        ],
        fail: [
            { name: "no labels", pod: { apiVersion: "v1", kind: "Pod", metadata: { name: "unlabelled" }, spec: { containers: [c("app", "nginx:1.29")] } } },
            { name: "legacy app label only", pod: pod("legacy", { containers: [c("app", "nginx:1.29")] }, { app: "web" }) },
            { name: "empty value", pod: pod("empty", { containers: [c("app", "nginx:1.29")] }, { "app.kubernetes.io/name": "" }) },
        ],
    },
};

/** The Pod controllers, with the API group/version and Pulumi type token of each. */
export const CONTROLLERS = [
    { kind: "Deployment", apiVersion: "apps/v1", type: "kubernetes:apps/v1:Deployment" },
    { kind: "StatefulSet", apiVersion: "apps/v1", type: "kubernetes:apps/v1:StatefulSet" },
    { kind: "DaemonSet", apiVersion: "apps/v1", type: "kubernetes:apps/v1:DaemonSet" },
    { kind: "ReplicaSet", apiVersion: "apps/v1", type: "kubernetes:apps/v1:ReplicaSet" },
    { kind: "Job", apiVersion: "batch/v1", type: "kubernetes:batch/v1:Job" },
    { kind: "CronJob", apiVersion: "batch/v1", type: "kubernetes:batch/v1:CronJob" },
] as const;

export type ControllerKind = (typeof CONTROLLERS)[number]["kind"];

/** The Pod wrapped in a controller of `kind`, the Pod becoming its template. */
export function asController(kind: ControllerKind, p: PodManifest): Record<string, unknown> {
    const ctl = CONTROLLERS.find((x) => x.kind === kind)!;
    const labels = p.metadata.labels ?? {};
    const template = { metadata: { labels }, spec: p.spec };
    const selector = { matchLabels: { "fixture/name": p.metadata.name } };
    const selected = { metadata: { labels: { ...labels, "fixture/name": p.metadata.name } }, spec: p.spec };
    const metadata = { name: p.metadata.name };
    const jobSpec = { template: { ...template, spec: { ...p.spec, restartPolicy: "Never" } } };
    switch (kind) {
        case "Deployment":
        case "ReplicaSet":
        case "DaemonSet":
            return { apiVersion: ctl.apiVersion, kind, metadata, spec: { selector, template: selected } };
        case "StatefulSet":
            return { apiVersion: ctl.apiVersion, kind, metadata, spec: { serviceName: p.metadata.name, selector, template: selected } };
        case "Job":
            return { apiVersion: ctl.apiVersion, kind, metadata, spec: jobSpec };
        case "CronJob":
            return { apiVersion: ctl.apiVersion, kind, metadata, spec: { schedule: "0 3 * * *", jobTemplate: { spec: jobSpec } } };
    }
}

// -------------------------------------------------------------------------------------------------
// Preview-only rules: fixtures for the pack (these objects never reach Kyverno).

export const PRIVILEGED_FIXTURES: RuleFixtures = {
    pass: [
        { name: "Kaniko agent, unprivileged", pod: GOOD_POD },
        { name: "privileged: false", pod: pod("explicit-false", { containers: [c("app", "nginx:1.29", { resources: REQUESTS, securityContext: { privileged: false } })] }) },
    ],
    fail: [
        { name: "privileged container", pod: pod("dind", { containers: [c("docker", "docker:28.3-dind", { resources: REQUESTS, securityContext: { privileged: true } })] }) },
        {
            name: "privileged init container",
            pod: pod("priv-init", { initContainers: [c("sysctl", "busybox:1.37", { resources: REQUESTS, securityContext: { privileged: true } })], containers: [c("app", "nginx:1.29")] }),
        },
    ],
};

const hostPathPod = (name: string, path: string) =>
    pod(name, {
        containers: [c("build", "docker:28.3-cli", { resources: REQUESTS, volumeMounts: [{ name: "sock", mountPath: "/var/run/docker.sock" }] })],
        volumes: [{ name: "sock", hostPath: { path } }],
    });

export const RUNTIME_SOCKET_FIXTURES: RuleFixtures = {
    pass: [
        { name: "no hostPath", pod: GOOD_POD },
        { name: "unrelated hostPath", pod: hostPathPod("tz", "/etc/localtime") },
        { name: "emptyDir and PVC volumes", pod: pod("vols", { containers: [c("app", "nginx:1.29")], volumes: [{ name: "tmp", emptyDir: {} }, { name: "ws", persistentVolumeClaim: { claimName: "ws" } }] }) },
    ],
    fail: [
        { name: "docker.sock", pod: hostPathPod("docker-sock", "/var/run/docker.sock") },
        { name: "RKE2 containerd socket", pod: hostPathPod("rke2-sock", "/run/k3s/containerd/containerd.sock") },
        { name: "the directory holding the socket", pod: hostPathPod("var-run", "/var/run/") },
        { name: "the node's root", pod: hostPathPod("root", "/") },
    ],
};

export interface Manifest {
    readonly name: string;
    readonly object: Record<string, unknown>;
}

const pvc = (name: string, accessModes: string[], labels: Record<string, string>): Record<string, unknown> => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, labels },
    spec: { accessModes, storageClassName: "longhorn", resources: { requests: { storage: "10Gi" } } },
});

export const SHARED_PVC_FIXTURES: { pass: readonly Manifest[]; fail: readonly Manifest[] } = {
    pass: [
        { name: "shared and RWX", object: pvc("workspace", ["ReadWriteMany"], { "cistack.dev/shared-across-nodes": "true" }) },
        { name: "not shared, RWO", object: pvc("gitea-data", ["ReadWriteOnce"], {}) },
    ],
    fail: [
        { name: "shared but RWO", object: pvc("cache", ["ReadWriteOnce"], { "cistack.dev/shared-across-nodes": "true" }) },
        { name: "shared but RWOP", object: pvc("cache-op", ["ReadWriteOncePod"], { "cistack.dev/shared-across-nodes": "true" }) },
    ],
};

const release = (name: string, values: Record<string, unknown>): Record<string, unknown> => ({ name, chart: name, namespace: name, values });

export const HELM_VALUES_FIXTURES: { pass: readonly Manifest[]; fail: readonly Manifest[] } = {
    pass: [
        {
            name: "existingSecret-style credentials",
            object: release("gitea", {
                gitea: { admin: { existingSecret: "gitea-admin", passwordMode: "keepUpdated" }, config: { server: { ROOT_URL: "http://10.0.24.28:30022" } } },
                persistence: { enabled: true, size: "5Gi", storageClass: "longhorn" },
            }),
        },
        {
            name: "Jenkins admin from a Secret",
            object: release("jenkins", {
                controller: { admin: { existingSecret: "jenkins-admin", userKey: "username", passwordKey: "password" }, image: { tag: "2.568.2-jdk21" } },
                agent: { enabled: false },
            }),
        },
        { name: "template placeholders", object: release("app", { auth: { password: "{{ .Values.global.password }}" } }) },
    ],
    fail: [
        { name: "admin password literal", object: release("gitea", { gitea: { admin: { username: "gitea-admin", password: "changeme123" } } }) },
        { name: "token under an innocent key", object: release("bot", { webhook: { header: "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB" } }) },
        { name: "credentials in a URL", object: release("db", { externalDatabase: { url: "postgres://gitea:S3cret@db:5432/gitea" } }) },
        { name: "high-entropy token in a list", object: release("x", { extraEnv: [{ name: "SEED", value: "q8Zr1Lw0Xy7NcB5vK2mT9pHs4dGf" }] }) },
    ],
};
