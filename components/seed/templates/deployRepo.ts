// notes-deploy: the manifests a deploy tool (or `kubectl apply -k`) applies, with the image tag the
// notes-app pipeline rewrites. They are written to pass the stack's own policy catalogue: requests
// and limits on every container, a pinned non-latest tag, app.kubernetes.io/name on the workload
// and its Pod template.
import { stringify } from "yaml";
import { imageProblem, Resources } from "../../../config";

export interface DeployRepoSettings {
    /** Name of the Deployment, Service and container, and the app.kubernetes.io/name label. */
    readonly imageName: string;
    /** Full image reference with an explicit, non-latest tag, e.g. `<registry>/<project>/notes-app:0.0.0`. */
    readonly image: string;
    /** Namespace written into the manifests. Default: none (the applier's namespace). */
    readonly namespace?: string;
    /** Default: 1. */
    readonly replicas?: number;
    /** Default: APP_RESOURCES. */
    readonly resources?: Resources;
}

/** Port the notes service listens on (PORT in the app, EXPOSE in its Dockerfile). */
export const APP_PORT = 8080;
/** Non-root UID/GID of the image (the Dockerfile's USER). */
export const APP_UID = 10001;
/** Tag of the image in notes-deploy before the first build bumps it. */
export const INITIAL_TAG = "0.0.0";
/** A small JVM service; the heap is sized from the limit (-XX:MaxRAMPercentage in the Dockerfile). */
export const APP_RESOURCES: Resources = {
    requests: { cpu: "100m", memory: "192Mi" },
    limits: { cpu: "500m", memory: "384Mi" },
};

const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function check(s: DeployRepoSettings): void {
    const p: string[] = [];
    // A Service name is a DNS-1035 label: it must start with a letter.
    if (!NAME.test(s.imageName) || s.imageName.length > 63) p.push(`imageName "${s.imageName}" must be a DNS-1035 label`);
    const ip = imageProblem(s.image);
    if (ip) p.push(`image "${s.image}" ${ip}`);
    if (s.namespace !== undefined && (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.namespace) || s.namespace.length > 63)) {
        p.push(`namespace "${s.namespace}" is not a DNS-1123 label`);
    }
    if (s.replicas !== undefined && (!Number.isInteger(s.replicas) || s.replicas < 0)) p.push(`replicas ${s.replicas} must be a non-negative integer`);
    if (p.length) throw new Error(`invalid deploy settings:\n  - ${p.join("\n  - ")}`);
}

function meta(s: DeployRepoSettings) {
    return {
        name: s.imageName,
        ...(s.namespace !== undefined ? { namespace: s.namespace } : {}),
        labels: { "app.kubernetes.io/name": s.imageName, "app.kubernetes.io/part-of": "notes" },
    };
}

/** Pure: the Deployment. */
export function deploymentManifest(s: DeployRepoSettings) {
    check(s);
    const r = s.resources ?? APP_RESOURCES;
    const selector = { "app.kubernetes.io/name": s.imageName };
    const probe = (path: string, initialDelaySeconds: number) => ({
        httpGet: { path, port: "http" },
        initialDelaySeconds,
        periodSeconds: 10,
    });
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(s),
        spec: {
            replicas: s.replicas ?? 1,
            selector: { matchLabels: selector },
            template: {
                metadata: { labels: { ...selector, "app.kubernetes.io/part-of": "notes" } },
                spec: {
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: APP_UID,
                        runAsGroup: APP_UID,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    containers: [
                        {
                            name: s.imageName,
                            image: s.image,
                            ports: [{ name: "http", containerPort: APP_PORT }],
                            env: [{ name: "PORT", value: String(APP_PORT) }],
                            resources: {
                                requests: { cpu: r.requests.cpu, memory: r.requests.memory },
                                limits: { cpu: r.limits.cpu, memory: r.limits.memory },
                            },
                            readinessProbe: probe("/healthz", 5),
                            livenessProbe: probe("/healthz", 20),
                            securityContext: {
                                allowPrivilegeEscalation: false,
                                readOnlyRootFilesystem: true,
                                capabilities: { drop: ["ALL"] },
                            },
                            // The JVM writes its perf data under /tmp; the root filesystem is read-only.
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        },
                    ],
                    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                },
            },
        },
    };
}

/** Pure: the ClusterIP Service in front of it. */
export function serviceManifest(s: DeployRepoSettings) {
    check(s);
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(s),
        spec: {
            type: "ClusterIP",
            selector: { "app.kubernetes.io/name": s.imageName },
            ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
        },
    };
}

const yamlDoc = (o: unknown) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false });

/** Pure: path -> content of the notes-deploy repository. */
export function deployRepoFiles(s: DeployRepoSettings): Record<string, string> {
    return {
        "k8s/deployment.yaml": yamlDoc(deploymentManifest(s)),
        "k8s/service.yaml": yamlDoc(serviceManifest(s)),
        "k8s/kustomization.yaml": yamlDoc({
            apiVersion: "kustomize.config.k8s.io/v1beta1",
            kind: "Kustomization",
            resources: ["deployment.yaml", "service.yaml"],
        }),
        "README.md": `# ${s.imageName} deployment

Kubernetes manifests of ${s.imageName}, seeded by ci-stack.

- \`k8s/deployment.yaml\` — the Deployment. Its \`image:\` tag is rewritten by the ${s.imageName}
  pipeline after every successful build of the app's default branch (a commit "Deploy <image>:<sha>"
  by Jenkins), so this repository always names the last image built.
- \`k8s/service.yaml\` — a ClusterIP Service on port 80.

Apply with \`kubectl apply -k k8s/\`. The manifests satisfy the cluster's audit policies: requests and
limits on every container, a pinned tag (never \`latest\`), and the \`app.kubernetes.io/name\` label.
`,
    };
}
