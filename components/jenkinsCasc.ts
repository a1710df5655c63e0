// JCasC for the Jenkins controller: the configScripts documents (system settings, the Kubernetes
// cloud, the Gitea credential read from a projected Secret file) and their rendering through the
// chart's Helm `tpl` and JCasC's own `${…}` interpolation. Pure: everything it needs arrives in
// JcascInput, so the Jenkins component (jenkins.ts) and the tests build the same text.
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { Resources } from "../config";
import { PART_OF } from "./namespaces";

/** Id of the JCasC usernamePassword credential the seeded pipeline checks out and pushes with. */
export const GITEA_CREDENTIALS_ID = "gitea-credentials";
/** Name of the Kubernetes cloud and of its default pod template (the parent of every other). */
export const CLOUD_NAME = "kubernetes";
export const DEFAULT_POD_TEMPLATE = "default";
/** Label of the default pod template, for `agent { label … }`. */
export const agentLabel = (name: string) => `${name}-agent`;

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
    /** In-cluster URL of the controller's Service, which agents connect to (jenkinsInClusterUrl). */
    readonly jenkinsUrl: string;
    /** Secret holding the Gitea account (keys `username` / `password`), projected as files by the chart. */
    readonly giteaSecretName: string;
    readonly workspaceClaimName: string;
    readonly agentImage: string;
    readonly agentResources: Resources;
    readonly containerCap: number;
}

// Where the chart mounts controller.additionalExistingSecrets: /run/secrets/additional/<name>-<key>
// (templates/jenkins-controller-statefulset.yaml), which JCasC's file secret source reads via $SECRETS.
const secretFile = (secretName: string, key: string) => new JcascSecret(`${secretName}-${key}`);

/** Deterministic JSON: object keys sorted, so equal documents digest equally. */
function canonical(node: JcascNode): string {
    if (node instanceof JcascSecret) return JSON.stringify({ secret: node.file });
    if (Array.isArray(node)) return `[${node.map(canonical).join(",")}]`;
    if (node && typeof node === "object") {
        return `{${Object.keys(node)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical((node as Record<string, JcascNode>)[k]!)}`)
            .join(",")}}`;
    }
    return JSON.stringify(node);
}

/**
 * Pure: a pod template with a stable `id`, the digest of its own content. Without one the Kubernetes
 * plugin gives it a random UUID on every JCasC apply (kubernetes-plugin PodTemplate.java, its
 * @DataBoundConstructor), while a running agent keeps the id of its template (KubernetesSlave
 * podTemplateId) and finds it again by id (KubernetesCloud.getTemplateById): after a reload or a
 * controller restart it would have lost it. The chart pins its own template the same way
 * (charts/jenkins/templates/_helpers.tpl, `id: sha256sum (toYaml .Values.agent)`), so a changed
 * template is a new one and an unchanged one keeps its id.
 */
export function withTemplateId(template: { readonly [k: string]: JcascNode }): { readonly [k: string]: JcascNode } {
    return { id: createHash("sha256").update(canonical(template)).digest("hex"), ...template };
}

/** Pure: the JCasC documents, one configScripts entry each. */
export function jcascDocuments(c: JcascInput): Record<string, JcascNode> {
    const r = c.agentResources;
    const gitea = c.giteaSecretName;
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
                            jenkinsUrl: c.jenkinsUrl,
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
                                withTemplateId({
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
                                }),
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

