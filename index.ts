// The whole stack on one screen: validated config -> components -> stack outputs.
import { loadConfig } from "./config";
import { AgentRbac, Gitea, HarborAuth, Jenkins, jenkinsServiceHost, KyvernoPolicies, Namespaces, SharedStorage } from "./components";

// Throws with every problem (each naming its key) before any resource is registered.
const cfg = loadConfig();
const data = { retainOnDelete: cfg.storage.retainOnDelete, protect: cfg.storage.protect };
// Component names are Helm release names too, so service host names follow from them.
const JENKINS = "jenkins";

const namespaces = new Namespaces("ci", {
    names: { gitea: cfg.gitea.namespace, jenkins: cfg.jenkins.namespace, agents: cfg.agents.namespace },
    retainOnDelete: cfg.storage.retainOnDelete,
});

const gitea = new Gitea("gitea", {
    namespace: namespaces.names.gitea!,
    settings: cfg.gitea,
    storageClass: cfg.storage.className,
    nodeAddress: cfg.nodeAddress,
    // Gitea is built before Jenkins (Jenkins takes its credentials): the host comes from the chart's naming.
    webhookAllowedHosts: [jenkinsServiceHost(JENKINS, cfg.jenkins.namespace)],
    ...data,
});

// RWX claims every agent Pod mounts, whichever node it lands on.
const storage = new SharedStorage("agents", {
    namespace: namespaces.names.agents!,
    storageClassName: cfg.storage.className,
    workspaceSize: cfg.storage.workspaceSize,
    cacheSize: cfg.storage.cacheSize,
    ...data,
});

const harborAuth = new HarborAuth("harbor-auth", {
    namespace: namespaces.names.agents!,
    server: cfg.registry.server,
    username: cfg.registry.username,
    password: cfg.registry.password,
    secretName: cfg.registry.secretName,
});

const jenkins = new Jenkins(JENKINS, {
    namespace: namespaces.names.jenkins!,
    agentNamespace: namespaces.names.agents!,
    settings: cfg.jenkins,
    agents: cfg.agents,
    images: cfg.images,
    storageClass: cfg.storage.className,
    nodeAddress: cfg.nodeAddress,
    workspaceClaimName: storage.workspaceClaimName,
    giteaCredentials: { username: gitea.adminUsername, password: gitea.adminPassword },
    ...data,
});

new AgentRbac("agent-rbac", {
    namespace: namespaces.names.agents!,
    controllerServiceAccount: { name: jenkins.serviceAccountName, namespace: namespaces.names.jenkins! },
    registrySecretName: harborAuth.secretName,
});

// Audit mode: enforcing on day one would block the charts themselves. Gitea's and Jenkins'
// namespaces are exempted through PolicyExceptions; the agents namespace never is.
const policies = new KyvernoPolicies("policies", {
    ...cfg.kyverno,
    exemptNamespaces: [namespaces.names.gitea!, namespaces.names.jenkins!],
    agentsNamespace: namespaces.names.agents!,
});

export const giteaNamespace = namespaces.names.gitea!;
export const jenkinsNamespace = namespaces.names.jenkins!;
export const agentNamespace = namespaces.names.agents!;
export const giteaUrl = gitea.externalUrl;
export const giteaInternalUrl = gitea.apiUrl;
export const giteaAdminUsername = gitea.adminUsername;
export const giteaAdminPassword = gitea.adminPassword; // secret
export const jenkinsUrl = jenkins.externalUrl;
export const jenkinsInternalUrl = jenkins.url;
export const jenkinsAdminUsername = jenkins.adminUsername;
export const jenkinsAdminPassword = jenkins.adminPassword; // secret
export const jenkinsServiceAccount = jenkins.serviceAccountName;
export const workspaceClaimName = storage.workspaceClaimName;
export const cacheClaimName = storage.cacheClaimName;
export const registrySecretName = harborAuth.secretName;
export const kyvernoPolicies = Object.values(policies.policyNames);
