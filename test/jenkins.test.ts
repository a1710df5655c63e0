import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { CHART_CORE_PLUGINS, loadConfig, StackConfig } from "../config";
import { CONFIG_RELOAD_RESOURCES, Jenkins, REQUIRED_PLUGINS, chartFullname, jenkinsServiceHost, jenkinsValues, pluginValues } from "../components/jenkins";
import { GITEA_CREDENTIALS_ID, JcascInput, JcascSecret, jcascConfig, renderJcasc } from "../components/jenkinsCasc";
import { rolloutDigest } from "../components/rollout";
import { loadChartKeys, unknownValuePaths } from "./support/chartValues";
import { MINIMAL, SECRET_KEYS, devStackConfig } from "./support/fixtures";
import { assertValidK8s } from "./support/k8sSchema";
import { ProgramRun, RecordedResource, runProgram } from "./support/mocks";

// The chart's key paths (test/reference, derived by `npm run refdata` from its values.yaml).
const CHART = loadChartKeys("jenkins-5.9.53");

const RES = { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } };
const JENKINS_RES = { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "3Gi" } };

const JCASC: JcascInput = {
    releaseName: "jenkins",
    namespace: "jenkins",
    agentNamespace: "jenkins-agents",
    externalUrl: "http://10.0.24.28:30808",
    jenkinsUrl: "http://jenkins.jenkins.svc.cluster.local:8080",
    giteaSecretName: "jenkins-gitea-credentials",
    workspaceClaimName: "agents-workspace",
    agentImage: "jenkins/inbound-agent:3385.vf1123fb_515da_-1",
    agentResources: RES,
    containerCap: 10,
};

const SETTINGS = {
    nodePort: 30808,
    storageSize: "10Gi",
    tolerations: [{ operator: "Exists" as const }],
    additionalPlugins: [] as string[],
    installPlugins: [] as string[],
    resources: JENKINS_RES,
};

/** Helm `tpl` as it treats our text: only `{{ "literal" }}` actions may appear. */
function helmTpl(text: string): string {
    return text.replace(/\{\{(.*?)\}\}/gs, (_, action: string) => {
        const m = /^\s*("(?:[^"\\]|\\.)*")\s*$/.exec(action);
        if (!m) throw new Error(`tpl would evaluate {{${action}}}`);
        return JSON.parse(m[1]!) as string;
    });
}

/** JCasC's SecretSourceResolver on a parsed document: `${x}` from the secret files, `^${` literal. */
function jcascResolve(node: unknown, files: Record<string, string>): unknown {
    if (typeof node === "string") {
        return node.replace(/(\^?)\$\{([^}]*)\}/g, (_, esc: string, key: string) => {
            if (esc) return `\${${key}}`;
            const v = files[key];
            if (v === undefined) throw new Error(`JCasC cannot resolve \${${key}}`);
            return v;
        });
    }
    if (Array.isArray(node)) return node.map((x) => jcascResolve(x, files));
    if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, jcascResolve(v, files)]));
    return node;
}

/** What Jenkins ends up reading from one configScripts entry. */
const effective = (text: string, files: Record<string, string> = {}) => jcascResolve(parse(helmTpl(text)), files) as any;

// The files the chart projects from controller.additionalExistingSecrets (name-keyName).
const GITEA_FILES = { "jenkins-gitea-credentials-username": "gitea-admin", "jenkins-gitea-credentials-password": "gitea-Pa55word!" };

describe("jenkins plugins (pure)", () => {
    it("CHART_CORE_PLUGINS is exactly the chart's own installPlugins set", () => {
        const chart = CHART.data.values["controller.installPlugins"] as string[];
        assert.deepEqual(chart.map((p) => p.split(":")[0]), [...CHART_CORE_PLUGINS]);
        assert.deepEqual(REQUIRED_PLUGINS, ["kubernetes", "workflow-aggregator", "git", "configuration-as-code", "generic-webhook-trigger"]);
    });

    it("default: the chart's set stays, ours goes in additionalPlugins unpinned", () => {
        assert.deepEqual(pluginValues({ installPlugins: [], additionalPlugins: [] }), { additionalPlugins: ["generic-webhook-trigger"] });
    });

    it("additions: user plugins appended, a user entry for ours wins, chart plugins dropped (no [PLUGIN CONFLICT])", () => {
        assert.deepEqual(pluginValues({ installPlugins: [], additionalPlugins: ["blueocean", "git", "generic-webhook-trigger:2.3.1"] }), {
            additionalPlugins: ["generic-webhook-trigger:2.3.1", "blueocean"],
        });
    });

    it("a whole pinned set replaces the chart's and is installed as listed", () => {
        const pinned = ["kubernetes:1", "workflow-aggregator:2", "git:3", "configuration-as-code:4", "generic-webhook-trigger:5", "blueocean:6"];
        assert.deepEqual(pluginValues({ installPlugins: pinned, additionalPlugins: ["ignored"] }), {
            installPlugins: pinned,
            installLatestPlugins: false,
            additionalPlugins: [],
        });
    });

    it("a pinned set without the webhook plugin is rejected, naming the key", () => {
        assert.throws(
            () => pluginValues({ installPlugins: ["kubernetes:1", "workflow-aggregator:2", "git:3", "configuration-as-code:4"], additionalPlugins: [] }),
            /^Error: jenkins\.installPlugins: a replacement plugin set must include generic-webhook-trigger/,
        );
    });
});

describe("jenkinsValues (pure)", () => {
    const scripts = { system: "a: 1\n" };
    const values = jenkinsValues({ releaseName: "jenkins", settings: SETTINGS, storageClass: "longhorn", configScripts: scripts });

    it("builds the exact values for the config defaults", () => {
        assert.deepEqual(values, {
            controller: {
                serviceType: "NodePort",
                nodePort: 30808,
                agentListenerEnabled: false,
                admin: { existingSecret: "jenkins-admin", userKey: "username", passwordKey: "password", createSecret: true },
                additionalExistingSecrets: [
                    { name: "jenkins-gitea-credentials", keyName: "username" },
                    { name: "jenkins-gitea-credentials", keyName: "password" },
                ],
                additionalPlugins: ["generic-webhook-trigger"],
                resources: JENKINS_RES,
                tolerations: [{ operator: "Exists" }],
                sidecars: { configAutoReload: { resources: CONFIG_RELOAD_RESOURCES } },
                JCasC: { defaultConfig: false, configScripts: scripts },
            },
            rbac: { create: false },
            persistence: { storageClass: "longhorn", size: "10Gi" },
        });
    });

    it("sets only keys the chart declares", () => {
        assert.deepEqual(unknownValuePaths(values, CHART), []);
    });

    it("the key check catches a typo, and the free-form rule covers exactly the pass-through maps", () => {
        const typo = { ...values, controller: { ...values.controller, admin: { ...values.controller.admin, existingSecrets: "x" }, nodeport: 1 } };
        assert.deepEqual(unknownValuePaths(typo, CHART), ["controller.admin.existingSecrets", "controller.nodeport"]);
        assert.deepEqual(unknownValuePaths(values, CHART, { ignoreFreeForm: true }), [
            "controller.sidecars.configAutoReload.resources.requests",
            "controller.sidecars.configAutoReload.resources.limits",
            "controller.JCasC.configScripts.system",
        ]);
    });

    it("keeps createSecret: true because the chart mounts the admin Secret only then, and its securityRealm reads those files", () => {
        assert.deepEqual(CHART.data.references["controller.JCasC.securityRealm"], ["chart-admin-username", "chart-admin-password"]);
        assert.equal(values.controller.admin.createSecret, true);
    });

    it("a pinned set goes to installPlugins with installLatestPlugins off", () => {
        const pinned = ["kubernetes:1", "workflow-aggregator:2", "git:3", "configuration-as-code:4", "generic-webhook-trigger:5"];
        const v = jenkinsValues({ releaseName: "ci", settings: { ...SETTINGS, installPlugins: pinned }, storageClass: "x", configScripts: {} });
        assert.deepEqual(
            [v.controller.installPlugins, v.controller.installLatestPlugins, v.controller.additionalPlugins],
            [pinned, false, []],
        );
        assert.deepEqual(unknownValuePaths(v, CHART), []);
        // Secret names follow the release name.
        assert.equal(v.controller.admin.existingSecret, "ci-admin");
        assert.equal(v.controller.additionalExistingSecrets[0]!.name, "ci-gitea-credentials");
    });

    it("names follow the chart's fullname helper", () => {
        assert.equal(chartFullname("jenkins"), "jenkins");
        assert.equal(chartFullname("ci-jenkins-prod"), "ci-jenkins-prod");
        assert.equal(chartFullname("ci"), "ci-jenkins");
        assert.equal(jenkinsServiceHost("ci", "cicd"), "ci-jenkins.cicd.svc.cluster.local");
        // trunc 63, then trimSuffix "-"
        assert.equal(chartFullname("a".repeat(56)), `${"a".repeat(56)}-jenkin`);
        assert.equal(chartFullname("a".repeat(62)), "a".repeat(62));
    });
});

describe("jcascConfig (pure)", () => {
    const scripts = jcascConfig(JCASC);

    it("one configScripts entry per concern", () => {
        assert.deepEqual(Object.keys(scripts), ["system", "kubernetes-cloud", "credentials"]);
    });

    it("system: no executors on the controller, inbound TCP port closed, the external URL as Jenkins' own", () => {
        assert.deepEqual(effective(scripts.system!), {
            jenkins: { numExecutors: 0, slaveAgentPort: -1 },
            unclassified: { location: { url: "http://10.0.24.28:30808/" } },
        });
    });

    it("the Kubernetes cloud: agent namespace, in-cluster URL over WebSocket, cap, default template with the shared workspace", () => {
        assert.deepEqual(effective(scripts["kubernetes-cloud"]!), {
            jenkins: {
                clouds: [
                    {
                        kubernetes: {
                            name: "kubernetes",
                            namespace: "jenkins-agents",
                            jenkinsUrl: "http://jenkins.jenkins.svc.cluster.local:8080",
                            webSocket: true,
                            containerCapStr: "10",
                            defaultsProviderTemplate: "default",
                            podLabels: [
                                { key: "app.kubernetes.io/name", value: "jenkins-agent" },
                                { key: "app.kubernetes.io/part-of", value: "ci-stack" },
                                { key: "app.kubernetes.io/component", value: "jenkins-agent" },
                            ],
                            templates: [
                                {
                                    // Pinned: a change of the digest's input renames the template for every running agent.
                                    id: "817f4c7b2e2d72d5c2e142566f70bb7f4e18415c04e84c5918acd6e416bbc9bc",
                                    name: "default",
                                    label: "jenkins-agent",
                                    namespace: "jenkins-agents",
                                    nodeUsageMode: "NORMAL",
                                    podRetention: "never",
                                    workspaceVolume: { persistentVolumeClaimWorkspaceVolume: { claimName: "agents-workspace", readOnly: false } },
                                    yaml: "spec:\n  automountServiceAccountToken: false\n",
                                    yamlMergeStrategy: "merge",
                                    inheritYamlMergeStrategy: true,
                                    containers: [
                                        {
                                            name: "jnlp",
                                            image: "jenkins/inbound-agent:3385.vf1123fb_515da_-1",
                                            args: "${computer.jnlpmac} ${computer.name}",
                                            workingDir: "/home/jenkins/agent",
                                            resourceRequestCpu: "250m",
                                            resourceRequestMemory: "512Mi",
                                            resourceLimitCpu: "1",
                                            resourceLimitMemory: "2Gi",
                                        },
                                    ],
                                },
                            ],
                        },
                    },
                ],
            },
        });
    });

    it("credentials: gitea-credentials resolved from the projected Secret files, nothing in plaintext", () => {
        const raw = scripts.credentials!;
        assert.doesNotMatch(raw, /gitea-Pa55word!/);
        assert.match(raw, /username: \$\{jenkins-gitea-credentials-username\}/);
        assert.match(raw, /password: \$\{jenkins-gitea-credentials-password\}/);
        assert.deepEqual(effective(raw, GITEA_FILES), {
            credentials: {
                system: {
                    domainCredentials: [
                        {
                            credentials: [
                                {
                                    usernamePassword: {
                                        scope: "GLOBAL",
                                        id: GITEA_CREDENTIALS_ID,
                                        description: "Gitea account (Kubernetes Secret jenkins/jenkins-gitea-credentials)",
                                        username: "gitea-admin",
                                        password: "gitea-Pa55word!",
                                    },
                                },
                            ],
                        },
                    ],
                },
            },
        });
        assert.throws(() => effective(raw, {}), /cannot resolve \$\{jenkins-gitea-credentials-username\}/);
    });

    it("the referenced secret files are exactly those the values project", () => {
        const v = jenkinsValues({ releaseName: "jenkins", settings: SETTINGS, storageClass: "x", configScripts: scripts });
        const projected = v.controller.additionalExistingSecrets.map((s) => `${s.name}-${s.keyName}`);
        const referenced = [...Object.values(scripts).join("\n").matchAll(/(?<!\^)\$\{([^}]+)\}/g)].map((m) => m[1]);
        assert.deepEqual(referenced, projected);
    });

    it("the default pod template has a stable id, so agents keep their template across JCasC applies and restarts", () => {
        // kubernetes-plugin PodTemplate.java: the @DataBoundConstructor JCasC calls gives a template
        // without `id` a random UUID, on every apply; KubernetesSlave keeps the id of its template and
        // KubernetesCloud.getTemplateById looks it up later.
        const jcascApply = (text: string) =>
            (effective(text).jenkins.clouds[0].kubernetes.templates as { id?: string }[]).map((t) => (t.id && t.id !== "" ? t.id : randomUUID()));
        const text = jcascConfig(JCASC)["kubernetes-cloud"]!;
        const first = jcascApply(text);
        assert.deepEqual(jcascApply(jcascConfig(JCASC)["kubernetes-cloud"]!), first, "same config, same id");
        assert.match(first[0]!, /^[0-9a-f]{64}$/);
        // Like the chart's own template (charts/jenkins/templates/_helpers.tpl: id: sha256 of the agent
        // values), it is a digest of the template, so a changed template is a new one.
        const changed = jcascApply(jcascConfig({ ...JCASC, agentImage: "jenkins/inbound-agent:other" })["kubernetes-cloud"]!);
        assert.notDeepEqual(changed, first);
    });

    it("JCasC escape: the plugin's own ${computer.*} is written ^${ so JCasC leaves it", () => {
        assert.match(scripts["kubernetes-cloud"]!, /args: \^\$\{computer\.jnlpmac\} \^\$\{computer\.name\}/);
    });

    it("both escapes round-trip: Helm tpl sees only literals, JCasC resolves only our references", () => {
        const doc = { msg: "{{ .Release.Name }} costs ${HOME} and ^${x}", list: ["a}}b", "{{{{"], secret: new JcascSecret("s-k") };
        const text = renderJcasc(doc);
        assert.doesNotMatch(text.replace(/\{\{ "\{\{" \}\}/g, ""), /\{\{/);
        assert.match(text, /\^\$\{HOME\}/);
        assert.deepEqual(effective(text, { "s-k": "revealed" }), {
            msg: "{{ .Release.Name }} costs ${HOME} and ^${x}",
            list: ["a}}b", "{{{{"],
            secret: "revealed",
        });
        // Unescaped, the same text breaks both ways.
        assert.throws(() => helmTpl("msg: {{ .Release.Name }}"), /tpl would evaluate/);
        assert.throws(() => effective("msg: ${HOME}"), /cannot resolve \$\{HOME\}/);
    });

    it("never mentions securityRealm/authorizationStrategy (the chart would drop its own admin realm)", () => {
        for (const text of Object.values(scripts)) assert.doesNotMatch(text, /securityRealm:|authorizationStrategy:/);
    });

    it("follows its input: namespaces, release, claim, image, resources, cap", () => {
        const cloud = effective(
            jcascConfig({
                ...JCASC,
                releaseName: "ci",
                namespace: "cicd",
                agentNamespace: "builds",
                jenkinsUrl: "http://ci-jenkins.cicd.svc.cluster.local:8080",
                workspaceClaimName: "ws",
                agentImage: "mirror.local/inbound-agent:1",
                agentResources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "3", memory: "4Gi" } },
                containerCap: 3,
            })["kubernetes-cloud"]!,
        ).jenkins.clouds[0].kubernetes;
        const t = cloud.templates[0];
        assert.deepEqual(
            [cloud.namespace, cloud.jenkinsUrl, cloud.containerCapStr, t.label, t.namespace, t.workspaceVolume.persistentVolumeClaimWorkspaceVolume.claimName],
            ["builds", "http://ci-jenkins.cicd.svc.cluster.local:8080", "3", "ci-agent", "builds", "ws"],
        );
        const c = t.containers[0];
        assert.deepEqual(
            [c.image, c.resourceRequestCpu, c.resourceRequestMemory, c.resourceLimitCpu, c.resourceLimitMemory],
            ["mirror.local/inbound-agent:1", "1", "1Gi", "3", "4Gi"],
        );
    });
});

// ---------------------------------------------------------------------------------------------

const GITEA_PASSWORD = "gitea-Pa55word!";

function construct(cfg: StackConfig, extra: { retainOnDelete?: boolean; protect?: boolean; name?: string } = {}) {
    const j = new Jenkins(extra.name ?? "jenkins", {
        namespace: cfg.jenkins.namespace,
        agentNamespace: cfg.agents.namespace,
        settings: cfg.jenkins,
        agents: cfg.agents,
        images: cfg.images,
        storageClass: cfg.storage.className,
        nodeAddress: cfg.nodeAddress,
        workspaceClaimName: "agents-workspace",
        giteaCredentials: { username: "gitea-admin", password: pulumi.secret(GITEA_PASSWORD) },
        ...(extra.retainOnDelete !== undefined ? { retainOnDelete: extra.retainOnDelete } : {}),
        ...(extra.protect !== undefined ? { protect: extra.protect } : {}),
    });
    return {
        url: j.url,
        externalUrl: j.externalUrl,
        adminUsername: j.adminUsername,
        adminPassword: j.adminPassword,
        serviceAccountName: j.serviceAccountName,
        agentLabel: j.agentLabel,
    };
}

function run(config: Record<string, string>, extra?: Parameters<typeof construct>[1]): Promise<ProgramRun> {
    return runProgram(config, { secretKeys: SECRET_KEYS }, () => construct(loadConfig(), extra));
}

const releaseOf = (r: ProgramRun) => r.recorder.one("kubernetes:helm.sh/v3:Release");
const secretNamed = (r: ProgramRun, n: string) => r.recorder.one("kubernetes:core/v1:Secret", (s) => s.name === n);
const valuesOf = (r: ProgramRun) => releaseOf(r).inputs.values;

describe("Jenkins component (mock mode)", () => {
    let dev: ProgramRun;
    before(async () => {
        dev = await run(devStackConfig());
        if (dev.error) throw dev.error;
    });

    it("registers the component with exactly a generated password, two Secrets and the release, all its children", () => {
        const comp = dev.recorder.one("cistack:platform:Jenkins");
        assert.equal(comp.name, "jenkins");
        assert.equal(comp.parent, undefined);
        const children = dev.recorder.childrenOf(comp).map((c) => `${c.type} ${c.name}`);
        assert.deepEqual(children.sort(), [
            "kubernetes:core/v1:Secret jenkins-admin",
            "kubernetes:core/v1:Secret jenkins-gitea-credentials",
            "kubernetes:helm.sh/v3:Release jenkins",
            "kubernetes:rbac.authorization.k8s.io/v1:Role jenkins-config-reload-role",
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding jenkins-config-reload-binding",
            "random:index/randomPassword:RandomPassword jenkins-admin-password",
            "random:index/randomPassword:RandomPassword jenkins-rollout-salt",
        ]);
        assert.equal(dev.recorder.resources.length, 8);
        const pw = dev.recorder.one("random:index/randomPassword:RandomPassword", (r) => r.name === "jenkins-admin-password");
        assert.deepEqual([pw.inputs.length, pw.inputs.special], [24, false]);
        const salt = dev.recorder.one("random:index/randomPassword:RandomPassword", (r) => r.name === "jenkins-rollout-salt");
        assert.deepEqual([salt.inputs.length, salt.inputs.special], [32, false]);
    });

    it("the release: pinned chart, explicit name, config namespace, values from the pure builders, data kept, after its Secrets", () => {
        const rel = releaseOf(dev);
        const { values, ...rest } = rel.inputs;
        assert.deepEqual(rest, {
            name: "jenkins",
            chart: "jenkins",
            compat: "true", // added by @pulumi/kubernetes itself
            repositoryOpts: { repo: "https://charts.jenkins.io" },
            version: "5.9.53",
            namespace: "jenkins",
            createNamespace: false,
            timeout: 900,
        });
        const cfg = { ...SETTINGS, additionalPlugins: [], installPlugins: [] };
        assert.match(values.controller.podAnnotations["ci-stack/secrets-rollout"], /^[0-9a-f]{32}$/);
        assert.deepEqual(
            values,
            jenkinsValues({
                releaseName: "jenkins",
                settings: cfg,
                storageClass: "longhorn",
                configScripts: jcascConfig(JCASC),
                // Every Secret the controller reads, salted: a rotation of any of them rolls the Pod.
                secretsDigest: rolloutDigest("mock-jenkins-rollout-salt-password", {
                    "admin/username": "admin",
                    "admin/password": "mock-jenkins-admin-password-password",
                    "gitea/username": "gitea-admin",
                    "gitea/password": GITEA_PASSWORD,
                }),
            }),
        );
        assert.deepEqual(rel.secretPaths, [], "values are not secret: previews keep showing their changes");
        assert.deepEqual([rel.retainOnDelete, rel.protect], [true, true]);
        const rbac = (t: string) => dev.recorder.one(`kubernetes:rbac.authorization.k8s.io/v1:${t}`).urn;
        const random = (n: string) => dev.recorder.one("random:index/randomPassword:RandomPassword", (r) => r.name === n).urn;
        assert.deepEqual(
            [...rel.dependsOn].sort(),
            // The passwords through the digest in the values: the release follows them.
            [secretNamed(dev, "jenkins-admin").urn, secretNamed(dev, "jenkins-gitea-credentials").urn, rbac("Role"), rbac("RoleBinding"), random("jenkins-admin-password"), random("jenkins-rollout-salt")].sort(),
        );
    });

    it("the reload sidecar's Role: ConfigMap reads in the controller namespace, bound to the chart's ServiceAccount, retained with the release", async () => {
        const role = dev.recorder.one("kubernetes:rbac.authorization.k8s.io/v1:Role");
        const binding = dev.recorder.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
        const metadata = { name: "jenkins-config-reload", namespace: "jenkins", labels: { "app.kubernetes.io/part-of": "ci-stack", "app.kubernetes.io/component": "jenkins" } };
        assert.deepEqual(role.inputs, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata,
            rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
        });
        assert.deepEqual(binding.inputs, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "jenkins-config-reload" },
            subjects: [{ kind: "ServiceAccount", name: "jenkins", namespace: "jenkins" }],
        });
        assert.ok(binding.dependsOn.includes(role.urn));
        assert.deepEqual([role.retainOnDelete, binding.retainOnDelete], [true, true]);
        await assertValidK8s(role.inputs);
        await assertValidK8s(binding.inputs);
        // Not the chart's own names (<fullname>-casc-reload / -watch-configmaps): no collision while
        // an upgrade from rbac.create: true removes those.
        assert.notEqual(role.inputs.metadata.name, "jenkins-casc-reload");
    });

    it("the Secrets: schema-valid basic-auth, named as the values say, password inputs secret, retained with the release", async () => {
        const admin = secretNamed(dev, "jenkins-admin");
        const gitea = secretNamed(dev, "jenkins-gitea-credentials");
        for (const s of [admin, gitea]) {
            await assertValidK8s(s.inputs);
            assert.equal(s.inputs.type, "kubernetes.io/basic-auth");
            // The SDK marks all of stringData secret; the password is wrapped by us too.
            assert.ok(s.secretPaths.some((p) => p === "stringData" || p === "stringData.password"), `${s.name}: ${s.secretPaths.join(",")}`);
            assert.deepEqual([s.retainOnDelete, s.protect], [true, false]);
        }
        const values = valuesOf(dev);
        assert.deepEqual(admin.inputs.metadata, {
            name: values.controller.admin.existingSecret,
            namespace: "jenkins",
            labels: { "app.kubernetes.io/part-of": "ci-stack", "app.kubernetes.io/component": "jenkins" },
            annotations: { "pulumi.com/patchForce": "true" },
        });
        assert.deepEqual(admin.inputs.stringData, { username: "admin", password: "mock-jenkins-admin-password-password" });
        assert.equal(gitea.inputs.metadata.name, values.controller.additionalExistingSecrets[0].name);
        assert.deepEqual(gitea.inputs.stringData, { username: "gitea-admin", password: GITEA_PASSWORD });
        assert.deepEqual(Object.keys(admin.inputs.stringData).sort(), [values.controller.admin.passwordKey, values.controller.admin.userKey].sort());
    });

    it("outputs: URLs, user and ServiceAccount in clear, the password only as a secret", () => {
        assert.deepEqual(dev.outputs, {
            url: "http://jenkins.jenkins.svc.cluster.local:8080",
            externalUrl: "http://10.0.24.28:30808",
            adminUsername: "admin",
            adminPassword: "mock-jenkins-admin-password-password",
            serviceAccountName: "jenkins",
            agentLabel: "jenkins-agent",
        });
        assert.deepEqual(dev.secretOutputs, ["adminPassword"]);
    });

    it("no secret value in Helm values or non-secret outputs (generated admin password, Gitea password)", () => {
        const values = JSON.stringify(valuesOf(dev));
        const clear = JSON.stringify(Object.entries(dev.outputs!).filter(([k]) => !dev.secretOutputs.includes(k)));
        for (const secret of ["mock-jenkins-admin-password-password", GITEA_PASSWORD]) {
            assert.ok(!values.includes(secret), `values carry ${secret}`);
            assert.ok(!clear.includes(secret), `outputs carry ${secret}`);
        }
    });

    it("a configured password: no RandomPassword, used in the Secret, absent from values and clear outputs", async () => {
        const r = await run({ ...MINIMAL, "jenkins.adminPassword": "Jenk1ns-Configured!", "jenkins.adminUsername": "root-ci" });
        if (r.error) throw r.error;
        assert.deepEqual(r.recorder.ofType("random:index/randomPassword:RandomPassword").map((x) => x.name), ["jenkins-rollout-salt"]);
        assert.deepEqual(secretNamed(r, "jenkins-admin").inputs.stringData, { username: "root-ci", password: "Jenk1ns-Configured!" });
        assert.ok(!JSON.stringify(valuesOf(r)).includes("Jenk1ns-Configured!"));
        assert.deepEqual([r.outputs!.adminUsername, r.outputs!.adminPassword, r.secretOutputs], ["root-ci", "Jenk1ns-Configured!", ["adminPassword"]]);
    });

    it("follows config overrides: namespaces, NodePort, storage, tolerations, plugins, resources, chart source", async () => {
        const r = await run({
            ...MINIMAL,
            nodeAddress: "ci.lab.internal",
            "jenkins.namespace": "cicd",
            "agents.namespace": "builds",
            "jenkins.nodePort": "31808",
            "jenkins.storageSize": "20Gi",
            "storage.className": "fast-rwx",
            "jenkins.tolerations": JSON.stringify(["node-role.kubernetes.io/control-plane:NoSchedule", "dedicated=ci:NoExecute"]),
            "jenkins.additionalPlugins": JSON.stringify(["blueocean"]),
            "jenkins.cpuLimit": "4",
            "agents.memoryLimit": "3Gi",
            "images.agent": "mirror.local/jenkins/inbound-agent:3385.vf1123fb_515da_-1",
            "jenkins.chartRepo": "oci://registry.local/charts",
            "jenkins.chartVersion": "5.9.60",
        });
        if (r.error) throw r.error;
        const rel = releaseOf(r);
        assert.deepEqual([rel.inputs.chart, rel.inputs.repositoryOpts, rel.inputs.version, rel.inputs.namespace], [
            "oci://registry.local/charts/jenkins",
            undefined,
            "5.9.60",
            "cicd",
        ]);
        const v = rel.inputs.values;
        assert.deepEqual(unknownValuePaths(v, CHART), []);
        assert.equal(v.controller.nodePort, 31808);
        assert.deepEqual(v.persistence, { storageClass: "fast-rwx", size: "20Gi" });
        assert.deepEqual(v.controller.tolerations, [
            { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
            { key: "dedicated", operator: "Equal", value: "ci", effect: "NoExecute" },
        ]);
        assert.deepEqual(v.controller.additionalPlugins, ["generic-webhook-trigger", "blueocean"]);
        assert.equal(v.controller.resources.limits.cpu, "4");
        assert.deepEqual(v.rbac, { create: false });
        const cloud = effective(v.controller.JCasC.configScripts["kubernetes-cloud"]).jenkins.clouds[0].kubernetes;
        assert.deepEqual([cloud.namespace, cloud.jenkinsUrl], ["builds", "http://jenkins.cicd.svc.cluster.local:8080"]);
        assert.deepEqual(
            [cloud.templates[0].containers[0].image, cloud.templates[0].containers[0].resourceLimitMemory],
            ["mirror.local/jenkins/inbound-agent:3385.vf1123fb_515da_-1", "3Gi"],
        );
        assert.equal(effective(v.controller.JCasC.configScripts.system).unclassified.location.url, "http://ci.lab.internal:31808/");
        assert.deepEqual(secretNamed(r, "jenkins-gitea-credentials").inputs.metadata.namespace, "cicd");
        assert.deepEqual([r.outputs!.url, r.outputs!.externalUrl], ["http://jenkins.cicd.svc.cluster.local:8080", "http://ci.lab.internal:31808"]);
    });

    it("a whole pinned plugin set replaces the chart's; one without the webhook plugin is refused before any resource", async () => {
        const pinned = ["kubernetes:1", "workflow-aggregator:2", "git:3", "configuration-as-code:4", "generic-webhook-trigger:5"];
        const ok = await run({ ...MINIMAL, "jenkins.installPlugins": JSON.stringify(pinned) });
        if (ok.error) throw ok.error;
        assert.deepEqual(valuesOf(ok).controller.installPlugins, pinned);
        assert.deepEqual(valuesOf(ok).controller.additionalPlugins, []);

        const bad = await run({ ...MINIMAL, "jenkins.installPlugins": JSON.stringify(pinned.slice(0, 4)) });
        assert.match(String(bad.error), /jenkins\.installPlugins: a replacement plugin set must include generic-webhook-trigger/);
        assert.equal(bad.recorder.ofType("kubernetes:helm.sh/v3:Release").length, 0);
    });

    it("data options: retainOnDelete/protect off when asked", async () => {
        const r = await run({ ...MINIMAL }, { retainOnDelete: false, protect: false });
        if (r.error) throw r.error;
        const rel: RecordedResource = releaseOf(r);
        assert.deepEqual([rel.retainOnDelete, rel.protect], [false, false]);
        assert.deepEqual(r.recorder.ofType("kubernetes:core/v1:Secret").map((s) => s.retainOnDelete), [false, false]);
        assert.deepEqual(r.recorder.resources.filter((x) => x.type.includes("rbac")).map((x) => x.retainOnDelete), [false, false]);
    });

    it("another component name: release, Secrets, ServiceAccount and URL follow the chart's naming", async () => {
        const r = await run({ ...MINIMAL }, { name: "ci" });
        if (r.error) throw r.error;
        assert.equal(releaseOf(r).inputs.name, "ci");
        assert.deepEqual(r.recorder.ofType("kubernetes:core/v1:Secret").map((s) => s.inputs.metadata.name).sort(), ["ci-admin", "ci-gitea-credentials"]);
        assert.deepEqual([r.outputs!.serviceAccountName, r.outputs!.url], ["ci-jenkins", "http://ci-jenkins.jenkins.svc.cluster.local:8080"]);
        const binding = r.recorder.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
        assert.deepEqual([binding.name, binding.inputs.metadata.name, binding.inputs.subjects], [
            "ci-config-reload-binding",
            "ci-jenkins-config-reload",
            [{ kind: "ServiceAccount", name: "ci-jenkins", namespace: "jenkins" }],
        ]);
    });

    it("rejects a component name that cannot be a Helm release name", async () => {
        const r = await run({ ...MINIMAL }, { name: "Jenkins_CI" });
        assert.match(String(r.error), /name: "Jenkins_CI" must be a valid Helm release name/);
        assert.equal(r.recorder.ofType("kubernetes:helm.sh/v3:Release").length, 0);
    });
});
