// The whole stack on one screen: validated config -> components -> stack outputs.
import { loadConfig } from "./config";
import { AgentRbac, Gitea, GITEA_CREDENTIALS_ID, GiteaBot, HarborAuth, harborAccount, harborApiUrl, Jenkins, jenkinsServiceHost, KyvernoPolicies, Namespaces, SharedStorage, Seed, Smoke, smokeHarborAccount } from "./components";

// Throws with every problem (each naming its key) before any resource is registered.
const cfg = loadConfig();
const data = { retainOnDelete: cfg.storage.retainOnDelete, protect: cfg.storage.protect };
// Component names are Helm release names too, so service host names follow from them.
const JENKINS = "jenkins";

const namespaces = new Namespaces("ci", {
    names: { gitea: cfg.gitea.namespace, jenkins: cfg.jenkins.namespace, agents: cfg.agents.namespace },
    // Deleting a namespace deletes every claim and release in it: protected and kept with the data.
    ...data,
});

const gitea = new Gitea("gitea", {
    namespace: namespaces.names.gitea!,
    settings: cfg.gitea,
    images: cfg.images,
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

// The pipeline pushes as a project robot (push + pull on registry.project only), created with
// registry.username/password unless a pre-made one is configured; the manager never enters a Pod.
const pipelineRobot = harborAccount(cfg.registry);
const harborAuth = new HarborAuth("harbor-auth", {
    namespace: namespaces.names.agents!,
    server: cfg.registry.server,
    account: pipelineRobot,
    secretName: cfg.registry.secretName,
});

// The pipeline's Gitea identity: a restricted, non-admin user with a write:repository token. Jenkins
// holds the token; the admin password stays with Pulumi and the seed.
const bot = new GiteaBot(
    "gitea-bot",
    {
        gitea: { url: gitea.externalUrl, username: gitea.adminUsername, password: gitea.adminPassword },
        username: cfg.gitea.botUsername,
        tokenRotation: cfg.gitea.botTokenRotation,
    },
    { dependsOn: [gitea.release] },
);

const jenkins = new Jenkins(JENKINS, {
    namespace: namespaces.names.jenkins!,
    agentNamespace: namespaces.names.agents!,
    settings: cfg.jenkins,
    agents: cfg.agents,
    images: cfg.images,
    storageClass: cfg.storage.className,
    nodeAddress: cfg.nodeAddress,
    workspaceClaimName: storage.workspaceClaimName,
    giteaCredentials: { username: bot.username, password: bot.token },
    ...data,
});

new AgentRbac("agent-rbac", {
    namespace: namespaces.names.agents!,
    controllerServiceAccount: { name: jenkins.serviceAccountName, namespace: namespaces.names.jenkins! },
});

// Audit mode: enforcing on day one would block the charts themselves. Gitea's and Jenkins'
// namespaces are exempted through PolicyExceptions; the agents namespace never is.
const policies = new KyvernoPolicies("policies", {
    ...cfg.kyverno,
    exemptNamespaces: [namespaces.names.gitea!, namespaces.names.jenkins!],
    agentsNamespace: namespaces.names.agents!,
});

// Repos, files, the job, its folder credential and the push webhook, through typed REST clients
// inside dynamic providers. They run where `pulumi up` runs, so they use the NodePort URLs.
const seed = cfg.seed.enabled
    ? new Seed(
          "seed",
          {
              gitea: { url: gitea.externalUrl, inClusterUrl: gitea.apiUrl, username: gitea.adminUsername, password: gitea.adminPassword },
              jenkins: { url: jenkins.externalUrl, inClusterUrl: jenkins.url, username: jenkins.adminUsername, password: jenkins.adminPassword },
              settings: cfg.seed,
              gitCredentialsId: GITEA_CREDENTIALS_ID,
              botUsername: bot.username,
              pipeline: {
                  registry: { server: cfg.registry.server, project: cfg.registry.project, insecure: cfg.registry.insecure, secretName: harborAuth.secretName },
                  images: cfg.images,
                  agentResources: cfg.agents.resources,
                  agentNamespace: namespaces.names.agents!,
                  workspaceClaimName: storage.workspaceClaimName,
                  cacheClaimName: storage.cacheClaimName,
              },
          },
          { dependsOn: [gitea.release, jenkins.release] },
      )
    : undefined;

// With smoke.enabled, after the seed: a push of the app's head delivered to the job as Gitea does, the
// build followed, the image found in Harbor and timed (docs/smoke.md). It reads as the least
// privileged accounts the stack has: the pipeline's Gitea user, a Harbor robot that only reads artifacts.
const smoke =
    seed && cfg.smoke.enabled
        ? new Smoke("smoke", {
              seed,
              contentDigests: seed.contentDigests,
              gitea: { url: gitea.externalUrl, username: bot.username, password: bot.token },
              app: { owner: seed.appOwner, repo: cfg.seed.appRepo, branch: cfg.seed.branch },
              jenkins: { url: jenkins.externalUrl, username: jenkins.adminUsername, password: jenkins.adminPassword },
              job: seed.jobPath,
              webhookToken: seed.webhookToken,
              harbor: { url: harborApiUrl(cfg.registry.server, cfg.registry.insecure), account: smokeHarborAccount(pipelineRobot, harborAuth.project?.projectId) },
              image: { registry: cfg.registry.server, project: cfg.registry.project, name: cfg.seed.imageName },
              timeoutSeconds: cfg.smoke.timeoutSeconds,
          })
        : undefined;

export const giteaNamespace = namespaces.names.gitea!;
export const jenkinsNamespace = namespaces.names.jenkins!;
export const agentNamespace = namespaces.names.agents!;
export const giteaUrl = gitea.externalUrl;
export const giteaInternalUrl = gitea.apiUrl;
export const giteaAdminUsername = gitea.adminUsername;
export const giteaAdminPassword = gitea.adminPassword; // secret
export const giteaBotUsername = bot.username;
export const jenkinsUrl = jenkins.externalUrl;
export const jenkinsInternalUrl = jenkins.url;
export const jenkinsAdminUsername = jenkins.adminUsername;
export const jenkinsAdminPassword = jenkins.adminPassword; // secret
export const jenkinsServiceAccount = jenkins.serviceAccountName;
export const workspaceClaimName = storage.workspaceClaimName;
export const cacheClaimName = storage.cacheClaimName;
export const registrySecretName = harborAuth.secretName;
export const registryRobot = harborAuth.robotName;
export const kyvernoPolicies = Object.values(policies.policyNames);
// The optional parts' outputs exist only while the part is on. An exported `undefined` makes every
// preview and up warn "Undefined value (…) will not show as a stack output" (@pulumi/pulumi
// runtime/stack.ts massage): five warnings on a default stack, where smoke is off. `module.exports`,
// not `exports`: a transpiler may replace the module's exports object (esbuild, under tsx, does).
Object.assign(module.exports, {
    ...(seed ? { appCloneUrl: seed.appCloneUrl, deployCloneUrl: seed.deployCloneUrl, jobUrl: seed.jobUrl } : {}),
    ...(smoke
        ? {
              smokeSeconds: smoke.seconds,
              smokeImage: smoke.image,
              smokeBuildUrl: smoke.buildUrl,
              // What `npm run smoke` reads: URLs and names, and the credentials (secret).
              smokeTarget: smoke.target,
              smokeCredentials: smoke.credentials,
          }
        : {}),
});
