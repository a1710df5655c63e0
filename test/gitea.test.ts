// Gitea: the values builder against the chart's values.yaml, and the component's wiring under mocks.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, RawConfigSource, StackConfig } from "../config";
import { bitnamiImage, Gitea, giteaApiUrl, giteaExternalUrl, giteaFullname, giteaValues, SUBCHART_RESOURCES } from "../components/gitea";
import { chartSource } from "../components/helm";
import { rolloutDigest, ROLLOUT_ANNOTATION } from "../components/rollout";
import { loadChartKeys, unknownValuePaths, withPaths } from "./support/chartValues";
import { MINIMAL, SECRET_KEYS } from "./support/fixtures";
import { assertValidK8s } from "./support/k8sSchema";
import { ProgramRun, runProgram } from "./support/mocks";

const JENKINS_HOST = "jenkins.jenkins.svc.cluster.local";
const ADMIN_PASSWORD = "Adm1n-from-config";

function configOf(values: Record<string, string>): StackConfig {
    const source: RawConfigSource = { get: (k) => values[k.replace(/^ci-stack:/, "")], isSecret: () => true, keys: () => Object.keys(values).map((k) => `ci-stack:${k}`) };
    return loadConfig("ci-stack", source);
}

const GITEA_RES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };

/** What giteaValues returns for the config defaults (MINIMAL sets no gitea.* key). */
const DEFAULT_VALUES = {
    global: { storageClass: "longhorn" },
    strategy: { type: "Recreate" },
    service: { http: { type: "NodePort", port: 3000, nodePort: 30022 } },
    persistence: { enabled: true, size: "5Gi", storageClass: "longhorn" },
    resources: GITEA_RES,
    initContainers: { resources: GITEA_RES },
    gitea: {
        admin: { existingSecret: "gitea-admin", passwordMode: "keepUpdated" },
        config: {
            server: { DOMAIN: "10.0.24.28", ROOT_URL: "http://10.0.24.28:30022/", DISABLE_SSH: true, START_SSH_SERVER: false },
            webhook: { ALLOWED_HOST_LIST: `external,${JENKINS_HOST}` },
            security: { ALLOWED_HOST_LIST: `external,${JENKINS_HOST}` },
        },
    },
    postgresql: {
        enabled: true,
        image: { registry: "docker.io", repository: "bitnamilegacy/postgresql", tag: "17.6.0-debian-12-r4" },
        global: { security: { allowInsecureImages: true } },
        primary: { resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } } },
    },
    valkey: {
        enabled: true,
        architecture: "standalone",
        image: { registry: "docker.io", repository: "bitnamilegacy/valkey", tag: "8.1.3-debian-12-r3" },
        global: { security: { allowInsecureImages: true } },
        primary: { resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } } },
    },
    "postgresql-ha": { enabled: false },
    "valkey-cluster": { enabled: false },
    test: { enabled: false },
};

function valuesFor(overrides: Record<string, string> = {}, hosts: readonly string[] = [JENKINS_HOST]) {
    const cfg = configOf({ ...MINIMAL, ...overrides });
    return giteaValues({
        settings: cfg.gitea,
        storageClass: cfg.storage.className,
        nodeAddress: cfg.nodeAddress,
        adminSecretName: "gitea-admin",
        webhookAllowedHosts: hosts,
        images: cfg.images,
    });
}

// The gitea chart's key paths (test/reference, derived by `npm run refdata` from its values.yaml),
// plus the keys the sub-charts' own values.yaml declare and Helm merges under the dependency's name
// (bitnami/charts bitnami/postgresql/values.yaml at 16.7.27 and bitnami/valkey/values.yaml at 3.0.31
// both have `primary.resources` — a container resources map passed through toYaml —,
// `image.{registry,repository,tag,digest}` and `global.security.allowInsecureImages`; the gitea
// chart's file lists only `image.repository`).
const GITEA_CHART = loadChartKeys("gitea-main-20251209");
const SUBCHART_RESOURCE_MAPS = ["postgresql.primary.resources", "valkey.primary.resources"];
const SUBCHART_KEYS = ["postgresql", "valkey"].flatMap((c) => [
    `${c}.primary`,
    `${c}.image`,
    ...["registry", "repository", "tag", "digest"].map((k) => `${c}.image.${k}`),
    `${c}.global`,
    `${c}.global.security`,
    `${c}.global.security.allowInsecureImages`,
]);
const CHART = withPaths(GITEA_CHART, [...SUBCHART_KEYS, ...SUBCHART_RESOURCE_MAPS], SUBCHART_RESOURCE_MAPS);
/** Helm's coalescing of user values over a chart's defaults: maps merge, anything else replaces. */
function helmCoalesce(chart: unknown, user: unknown): unknown {
    const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
    if (!isMap(chart) || !isMap(user)) return user === undefined ? chart : user;
    const out: Record<string, unknown> = { ...chart };
    for (const [k, v] of Object.entries(user)) out[k] = helmCoalesce(chart[k], v);
    return out;
}
function keyPaths(v: unknown, at = ""): string[] {
    if (!v || typeof v !== "object" || Array.isArray(v)) return [];
    return Object.entries(v).flatMap(([k, x]) => [at + k, ...keyPaths(x, `${at}${k}.`)]);
}

describe("giteaValues (pure)", () => {
    it("builds the exact values for the config defaults", () => {
        assert.deepEqual(valuesFor(), DEFAULT_VALUES);
    });

    it("puts the Secrets' digest on the pod template (gitea.podAnnotations), only when given", () => {
        const cfg = configOf({ ...MINIMAL });
        const v = giteaValues({ settings: cfg.gitea, images: cfg.images, storageClass: "longhorn", nodeAddress: "n", adminSecretName: "gitea-admin", webhookAllowedHosts: [], secretsDigest: "0123456789abcdef0123456789abcdef" });
        assert.deepEqual(v.gitea.podAnnotations, { "ci-stack/secrets-rollout": "0123456789abcdef0123456789abcdef" });
        assert.deepEqual(unknownValuePaths(v, CHART), []);
        assert.equal("podAnnotations" in valuesFor().gitea, false);
    });

    it("sets only keys the chart (or its sub-charts) declares", () => {
        assert.deepEqual(unknownValuePaths(valuesFor(), CHART), []);
        const everything = valuesFor({ "gitea.sshNodePort": "30222", "gitea.postgresql": "false", "gitea.valkey": "false" });
        assert.deepEqual(unknownValuePaths(everything, CHART), []);
    });

    it("the key check catches a typo; sub-chart keys and the free-form rule are both needed", () => {
        const v = valuesFor();
        const typo = { ...v, persistence: { ...v.persistence, storageclass: "longhorn" }, gitea: { ...v.gitea, admin: { existingSecrets: "x" } } };
        assert.deepEqual(unknownValuePaths(typo, CHART), ["persistence.storageclass", "gitea.admin.existingSecrets"]);
        // Without the sub-charts' keys the resources would be flagged: the check is not vacuous there.
        assert.deepEqual(unknownValuePaths(v, GITEA_CHART), [
            "postgresql.image.registry",
            "postgresql.image.tag",
            "postgresql.global.security",
            "postgresql.primary.resources",
            "valkey.image.registry",
            "valkey.image.tag",
            "valkey.global.security",
            "valkey.primary",
        ]);
        // And the free-form rule is what lets the pass-through maps through.
        assert.deepEqual(unknownValuePaths(v, CHART, { ignoreFreeForm: true }), [
            "resources.requests",
            "resources.limits",
            "initContainers.resources.limits.cpu",
            "initContainers.resources.limits.memory",
            "gitea.config.server.DOMAIN",
            "gitea.config.server.ROOT_URL",
            "gitea.config.server.DISABLE_SSH",
            "gitea.config.server.START_SSH_SERVER",
            "gitea.config.webhook",
            "gitea.config.security",
            "postgresql.primary.resources.requests",
            "postgresql.primary.resources.limits",
            "valkey.primary.resources.requests",
            "valkey.primary.resources.limits",
        ]);
    });

    it("SSH on a high NodePort: service and app.ini agree, the container keeps listening on 2222", () => {
        const v = valuesFor({ "gitea.sshNodePort": "30222" });
        assert.deepEqual(v.service, {
            http: { type: "NodePort", port: 3000, nodePort: 30022 },
            ssh: { type: "NodePort", port: 22, nodePort: 30222 },
        });
        assert.deepEqual(v.gitea.config.server, {
            DOMAIN: "10.0.24.28",
            ROOT_URL: "http://10.0.24.28:30022/",
            START_SSH_SERVER: true,
            SSH_DOMAIN: "10.0.24.28",
            SSH_PORT: 30222,
            SSH_LISTEN_PORT: 2222,
        });
    });

    it("without the sub-charts: sqlite, and postgresql/valkey off", () => {
        const v = valuesFor({ "gitea.postgresql": "false", "gitea.valkey": "false" });
        assert.deepEqual(v.postgresql, { enabled: false });
        assert.deepEqual(v.valkey, { enabled: false });
        assert.deepEqual((v.gitea.config as Record<string, unknown>).database, { DB_TYPE: "sqlite3" });
        assert.deepEqual(v["postgresql-ha"], { enabled: false });
        assert.deepEqual(v["valkey-cluster"], { enabled: false });
    });

    it("follows config: NodePort, node address, storage class, size, resources", () => {
        const v = valuesFor({
            nodeAddress: "git.lab.internal",
            "gitea.nodePort": "31000",
            "storage.className": "fast-rwo",
            "gitea.storageSize": "20Gi",
            "gitea.cpuRequest": "250m",
            "gitea.memoryLimit": "2Gi",
        });
        assert.deepEqual(v.service.http, { type: "NodePort", port: 3000, nodePort: 31000 });
        assert.deepEqual(v.persistence, { enabled: true, size: "20Gi", storageClass: "fast-rwo" });
        assert.deepEqual(v.global, { storageClass: "fast-rwo" });
        assert.equal(v.gitea.config.server.DOMAIN, "git.lab.internal");
        assert.equal(v.gitea.config.server.ROOT_URL, "http://git.lab.internal:31000/");
        const res = { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "2Gi" } };
        assert.deepEqual(v.resources, res);
        assert.deepEqual(v.initContainers, { resources: res });
    });

    it("webhook allow-list: Gitea's default `external` kept, hosts added, none leaves the default, junk rejected", () => {
        // modules/hostmatcher/hostmatcher.go (go-gitea/gitea v1.25.2): the list REPLACES the default that
        // services/webhook/deliver.go Init() applies only when the setting is empty ("external").
        const two = valuesFor({}, [JENKINS_HOST, "*.ci.internal"]).gitea.config as Record<string, unknown>;
        assert.deepEqual(two.webhook, { ALLOWED_HOST_LIST: `external,${JENKINS_HOST},*.ci.internal` });
        assert.deepEqual(two.security, { ALLOWED_HOST_LIST: `external,${JENKINS_HOST},*.ci.internal` });
        const none = valuesFor({}, []).gitea.config as Record<string, unknown>;
        assert.equal(none.webhook, undefined);
        assert.equal(none.security, undefined);
        assert.throws(() => valuesFor({}, ["a,b"]), /webhookAllowedHosts: "a,b"/);
        assert.throws(() => valuesFor({}, [""]), /webhookAllowedHosts: ""/);
    });

    it("the rollout cannot deadlock on the ReadWriteOnce data volume (Recreate, not a surge)", () => {
        // gitea chart 12.5.0 values.yaml defaults, and templates/gitea/deployment.yaml, which renders
        // `rollingUpdate` only when strategy.type is RollingUpdate (gitea.com/gitea/helm-gitea v12.5.0).
        const chart = {
            replicaCount: 1,
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "100%", maxUnavailable: 0 } },
            persistence: { accessModes: ["ReadWriteOnce"] },
        };
        const merged = helmCoalesce(chart, valuesFor()) as typeof chart;
        const rendered = merged.strategy.type === "RollingUpdate" ? merged.strategy : { type: merged.strategy.type };
        // A surge starts a second Pod while the first still holds the RWO claim: on another node it
        // can never attach the volume, and maxUnavailable 0 keeps the old Pod until it does.
        const rwo = merged.persistence.accessModes.includes("ReadWriteOnce");
        assert.ok(rwo && merged.replicaCount === 1);
        assert.deepEqual(rendered, { type: "Recreate" });
    });

    it("sub-chart images: the pinned chart's bitnamilegacy references by default, a mirror through images.*", () => {
        const def = valuesFor();
        assert.deepEqual(def.postgresql, { ...DEFAULT_VALUES.postgresql });
        const mirrored = valuesFor({
            "images.postgresql": "harbor.lab:30002/mirror/postgresql:17.6.0-debian-12-r4",
            "images.valkey": `registry.lab/bitnami/valkey:8.1.3@sha256:${"e".repeat(64)}`,
        });
        assert.deepEqual((mirrored.postgresql as Record<string, unknown>).image, { registry: "harbor.lab:30002", repository: "mirror/postgresql", tag: "17.6.0-debian-12-r4" });
        assert.deepEqual((mirrored.valkey as Record<string, unknown>).image, { registry: "registry.lab", repository: "bitnami/valkey", tag: "8.1.3", digest: `sha256:${"e".repeat(64)}` });
        // A relocated image fails bitnami's common.errors.insecureImages unless this is set.
        assert.deepEqual((mirrored.postgresql as Record<string, unknown>).global, { security: { allowInsecureImages: true } });
        // Off sub-charts get no image (nothing renders them).
        const off = valuesFor({ "gitea.postgresql": "false", "gitea.valkey": "false" });
        assert.deepEqual([off.postgresql, off.valkey], [{ enabled: false }, { enabled: false }]);
    });

    it("bitnamiImage splits references the way the sub-charts' common.images.image joins them", () => {
        assert.deepEqual(bitnamiImage("docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4"), { registry: "docker.io", repository: "bitnamilegacy/postgresql", tag: "17.6.0-debian-12-r4" });
        assert.deepEqual(bitnamiImage("bitnamilegacy/valkey:8.1.3-debian-12-r3"), { registry: "docker.io", repository: "bitnamilegacy/valkey", tag: "8.1.3-debian-12-r3" });
        assert.deepEqual(bitnamiImage("localhost:5000/pg:17"), { registry: "localhost:5000", repository: "pg", tag: "17" });
        assert.deepEqual(bitnamiImage(`mirror.lab/pg@sha256:${"a".repeat(64)}`), { registry: "mirror.lab", repository: "pg", digest: `sha256:${"a".repeat(64)}` });
        assert.throws(() => bitnamiImage("postgresql"), /explicit tag or digest/);
    });

    it("never carries the admin password, configured or not", () => {
        const v = valuesFor({ "gitea.adminPassword": ADMIN_PASSWORD });
        assert.ok(!JSON.stringify(v).includes(ADMIN_PASSWORD));
        // Not even the chart's inline gitea.admin.password key: the Secret is the only source.
        assert.deepEqual(keyPaths(v).filter((p) => /(^|\.)password$/i.test(p)), []);
    });

    it("names and URLs follow the chart's fullname helper", () => {
        assert.equal(giteaFullname("gitea"), "gitea");
        assert.equal(giteaFullname("scm-gitea-1"), "scm-gitea-1");
        assert.equal(giteaFullname("scm"), "scm-gitea");
        assert.equal(giteaApiUrl("gitea", "gitea"), "http://gitea-http.gitea.svc.cluster.local:3000");
        assert.equal(giteaApiUrl("scm", "code"), "http://scm-gitea-http.code.svc.cluster.local:3000");
        assert.equal(giteaExternalUrl("10.0.24.28", 30022), "http://10.0.24.28:30022");
    });

    it("chart source: classic repository or OCI registry", () => {
        assert.deepEqual(chartSource("https://dl.gitea.com/charts/", "gitea"), { chart: "gitea", repositoryOpts: { repo: "https://dl.gitea.com/charts/" } });
        assert.deepEqual(chartSource("oci://registry.lab/charts/", "gitea"), { chart: "oci://registry.lab/charts/gitea" });
    });

    it("sub-chart resources have requests and limits for cpu and memory", () => {
        for (const r of Object.values(SUBCHART_RESOURCES)) {
            assert.deepEqual(Object.keys(r.requests).sort(), ["cpu", "memory"]);
            assert.deepEqual(Object.keys(r.limits).sort(), ["cpu", "memory"]);
        }
    });
});

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const RANDOM = "random:index/randomPassword:RandomPassword";

function runGitea(config: Record<string, string>, name = "gitea"): Promise<ProgramRun> {
    return runProgram(config, { secretKeys: SECRET_KEYS }, () => {
        const cfg = loadConfig();
        const g = new Gitea(name, {
            namespace: cfg.gitea.namespace,
            settings: cfg.gitea,
            images: cfg.images,
            storageClass: cfg.storage.className,
            nodeAddress: cfg.nodeAddress,
            webhookAllowedHosts: [pulumi.output(JENKINS_HOST)],
            retainOnDelete: cfg.storage.retainOnDelete,
            protect: cfg.storage.protect,
        });
        return { apiUrl: g.apiUrl, externalUrl: g.externalUrl, adminUsername: g.adminUsername, adminPassword: g.adminPassword };
    });
}

describe("Gitea component (mock mode)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runGitea({ ...MINIMAL });
        if (run.error) throw run.error;
    });

    it("registers the component with exactly a generated password, the admin Secret and the release", () => {
        const comp = run.recorder.one("cistack:platform:Gitea");
        assert.equal(comp.name, "gitea");
        assert.deepEqual(
            run.recorder.childrenOf(comp).map((r) => [r.type, r.name]),
            [
                [RANDOM, "gitea-admin-password"],
                [RANDOM, "gitea-rollout-salt"],
                [SECRET, "gitea-admin"],
                [RELEASE, "gitea"],
            ],
        );
        assert.deepEqual(run.recorder.one(RANDOM, (r) => r.name === "gitea-admin-password").inputs, { length: 24, special: false });
        assert.deepEqual(run.recorder.one(RANDOM, (r) => r.name === "gitea-rollout-salt").inputs, { length: 32, special: false });
    });

    it("the release: pinned chart, explicit name, config namespace, data kept", () => {
        const rel = run.recorder.one(RELEASE);
        const { values, ...rest } = rel.inputs;
        assert.deepEqual(rest, {
            name: "gitea",
            chart: "gitea",
            repositoryOpts: { repo: "https://dl.gitea.com/charts/" },
            version: "12.5.0",
            namespace: "gitea",
            createNamespace: false,
            timeout: 600,
            compat: "true", // added by @pulumi/kubernetes itself
        });
        // The pod template carries the salted digest of the admin Secret, so a new password rolls the Pod.
        const digest = rolloutDigest("mock-gitea-rollout-salt-password", { "admin/username": "gitea-admin", "admin/password": "mock-gitea-admin-password-password" });
        assert.deepEqual(values, { ...DEFAULT_VALUES, gitea: { ...DEFAULT_VALUES.gitea, podAnnotations: { [ROLLOUT_ANNOTATION]: digest } } });
        assert.equal(rel.protect, true);
        assert.equal(rel.retainOnDelete, true);
    });

    it("the admin Secret: schema-valid, keys username/password, password secret", async () => {
        const sec = run.recorder.one(SECRET);
        await assertValidK8s(sec.inputs);
        assert.deepEqual(sec.inputs, {
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
                name: "gitea-admin",
                namespace: "gitea",
                labels: { "app.kubernetes.io/part-of": "ci-stack", "app.kubernetes.io/component": "gitea" },
                annotations: { "pulumi.com/patchForce": "true" },
            },
            type: "Opaque",
            stringData: { username: "gitea-admin", password: "mock-gitea-admin-password-password" },
        });
        // The SDK marks the whole map that holds a secret Output as secret.
        assert.deepEqual(sec.secretPaths, ["stringData"]);
        // The retained release mounts it: kept with the release, not deleted from under it.
        assert.equal(sec.retainOnDelete, true);
    });

    it("outputs: URLs and user in clear, the password only as a secret", () => {
        assert.deepEqual(run.outputs, {
            apiUrl: "http://gitea-http.gitea.svc.cluster.local:3000",
            externalUrl: "http://10.0.24.28:30022",
            adminUsername: "gitea-admin",
            adminPassword: "mock-gitea-admin-password-password",
        });
        assert.deepEqual(run.secretOutputs, ["adminPassword"]);
    });

    it("the generated password appears in no Helm value and no non-secret output", () => {
        const rel = run.recorder.one(RELEASE);
        assert.ok(!JSON.stringify(rel.inputs).includes("mock-gitea-admin-password"));
        assert.deepEqual(rel.secretPaths, []);
        const clear = Object.entries(run.outputs!).filter(([k]) => !run.secretOutputs.includes(k));
        assert.ok(!JSON.stringify(clear).includes("mock-gitea-admin-password"));
    });

    it("a configured password: no RandomPassword, used in the Secret, absent from values and clear outputs", async () => {
        const r = await runGitea({ ...MINIMAL, "gitea.adminPassword": ADMIN_PASSWORD, "gitea.adminUsername": "root-user" });
        if (r.error) throw r.error;
        assert.deepEqual(r.recorder.ofType(RANDOM).map((x) => x.name), ["gitea-rollout-salt"]);
        const sec = r.recorder.one(SECRET);
        assert.deepEqual(sec.inputs.stringData, { username: "root-user", password: ADMIN_PASSWORD });
        assert.deepEqual(sec.secretPaths, ["stringData"]);
        const rel = r.recorder.one(RELEASE);
        assert.ok(!JSON.stringify(rel.inputs).includes(ADMIN_PASSWORD));
        assert.deepEqual(rel.secretPaths, []);
        assert.deepEqual(r.secretOutputs, ["adminPassword"]);
        assert.equal(r.outputs!.adminPassword, ADMIN_PASSWORD);
        assert.equal(r.outputs!.adminUsername, "root-user");
        const clear = Object.entries(r.outputs!).filter(([k]) => !r.secretOutputs.includes(k));
        assert.ok(!JSON.stringify(clear).includes(ADMIN_PASSWORD));
    });

    it("follows config overrides: namespace, NodePorts, storage, chart, data options", async () => {
        const r = await runGitea(
            {
                ...MINIMAL,
                nodeAddress: "git.lab.internal",
                "gitea.namespace": "scm",
                "gitea.nodePort": "31000",
                "gitea.sshNodePort": "31022",
                "gitea.storageSize": "20Gi",
                "storage.className": "fast-rwo",
                "gitea.chartRepo": "oci://mirror.lab/charts",
                "gitea.chartVersion": "12.5.1",
                "storage.retainOnDelete": "false",
                "storage.protect": "false",
            },
            "code",
        );
        if (r.error) throw r.error;
        const rel = r.recorder.one(RELEASE);
        assert.equal(rel.name, "code");
        assert.equal(rel.inputs.name, "code");
        assert.equal(rel.inputs.namespace, "scm");
        assert.equal(rel.inputs.chart, "oci://mirror.lab/charts/gitea");
        assert.equal(rel.inputs.repositoryOpts, undefined);
        assert.equal(rel.inputs.version, "12.5.1");
        assert.deepEqual(rel.inputs.values.service.ssh, { type: "NodePort", port: 22, nodePort: 31022 });
        assert.deepEqual(rel.inputs.values.service.http, { type: "NodePort", port: 3000, nodePort: 31000 });
        assert.deepEqual(rel.inputs.values.persistence, { enabled: true, size: "20Gi", storageClass: "fast-rwo" });
        assert.equal(rel.inputs.values.gitea.admin.existingSecret, "code-admin");
        assert.equal(rel.protect, false);
        assert.equal(rel.retainOnDelete, false);
        const sec = r.recorder.one(SECRET);
        assert.equal(sec.name, "code-admin");
        assert.equal(sec.retainOnDelete, false, "follows the release's retainOnDelete");
        assert.deepEqual([sec.inputs.metadata.name, sec.inputs.metadata.namespace], ["code-admin", "scm"]);
        assert.deepEqual(r.recorder.ofType(RANDOM).map((x) => x.name), ["code-admin-password", "code-rollout-salt"]);
        assert.deepEqual(r.outputs, {
            apiUrl: "http://code-gitea-http.scm.svc.cluster.local:3000",
            externalUrl: "http://git.lab.internal:31000",
            adminUsername: "gitea-admin",
            adminPassword: "mock-code-admin-password-password",
        });
    });

    it("rejects a component name that cannot be a Helm release name", async () => {
        const r = await runGitea({ ...MINIMAL }, "Gitea_Main");
        assert.match(String(r.error), /name: "Gitea_Main" must be a valid Helm release name/);
    });
});
