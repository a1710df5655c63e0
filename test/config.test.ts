import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { CONFIG_KEYS, ConfigError, loadConfig, parseToleration, imageProblem, RawConfigSource } from "../config";
import { pulumiYamlConfig, readmeTable, README_BEGIN, README_END } from "../scripts/configDocs";
import { MINIMAL, REGISTRY_PASSWORD, SECRET_KEYS, devStackConfig } from "./support/fixtures";
import { resolve, runProgram } from "./support/mocks";

const ROOT = path.join(__dirname, "..");

function source(values: Record<string, string>, secretKeys: readonly string[] = SECRET_KEYS): RawConfigSource {
    return {
        get: (k) => values[k.replace(/^ci-stack:/, "")],
        isSecret: (k) => secretKeys.includes(k.replace(/^ci-stack:/, "")),
    };
}

function problemsOf(values: Record<string, string>, secretKeys?: readonly string[]): readonly string[] {
    try {
        loadConfig("ci-stack", source(values, secretKeys));
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
        return e.problems;
    }
    return [];
}

// [what is wrong, overrides on top of MINIMAL (undefined deletes), key the message must name, text it must contain]
const INVALID: [string, Record<string, string | undefined>, string, RegExp][] = [
    ["NodePort below range", { "jenkins.nodePort": "8080" }, "ci-stack:jenkins.nodePort", /30000-32767/],
    ["NodePort above range", { "gitea.nodePort": "40000" }, "ci-stack:gitea.nodePort", /30000-32767/],
    ["NodePort not a number", { "gitea.nodePort": "http" }, "ci-stack:gitea.nodePort", /expected an integer, got "http"/],
    ["NodePort fractional", { "jenkins.nodePort": "30808.5" }, "ci-stack:jenkins.nodePort", /expected an integer/],
    ["two equal NodePorts", { "gitea.nodePort": "30808" }, "ci-stack:jenkins.nodePort", /already used by ci-stack:gitea.nodePort/],
    ["ssh NodePort clashes", { "gitea.sshNodePort": "30022" }, "ci-stack:gitea.sshNodePort", /already used/],
    ["ssh NodePort out of range", { "gitea.sshNodePort": "22" }, "ci-stack:gitea.sshNodePort", /0 \(SSH off\) or a NodePort/],
    ["namespace upper case", { "gitea.namespace": "Gitea" }, "ci-stack:gitea.namespace", /DNS-1123 label/],
    ["namespace too long", { "jenkins.namespace": "j".repeat(64) }, "ci-stack:jenkins.namespace", /at most 63/],
    ["namespace with dot", { "agents.namespace": "ci.agents" }, "ci-stack:agents.namespace", /DNS-1123 label/],
    ["two components in one namespace", { "agents.namespace": "jenkins" }, "ci-stack:agents.namespace", /also ci-stack:jenkins.namespace/],
    ["size not a quantity", { "gitea.storageSize": "5 GB" }, "ci-stack:gitea.storageSize", /Kubernetes quantity/],
    ["size with wrong suffix", { "storage.workspaceSize": "10GiB" }, "ci-stack:storage.workspaceSize", /Kubernetes quantity/],
    ["cpu request not a quantity", { "jenkins.cpuRequest": "half" }, "ci-stack:jenkins.cpuRequest", /Kubernetes quantity/],
    ["image with :latest", { "images.agent": "jenkins/inbound-agent:latest" }, "ci-stack:images.agent", /:latest/],
    ["image untagged", { "images.build": "maven" }, "ci-stack:images.build", /explicit tag/],
    ["kaniko image not debug", { "images.kaniko": "gcr.io/kaniko-project/executor:v1.23.2" }, "ci-stack:images.kaniko", /debug/],
    ["postgresql image untagged", { "images.postgresql": "mirror.lab/bitnamilegacy/postgresql" }, "ci-stack:images.postgresql", /explicit tag/],
    ["valkey image on latest", { "images.valkey": "bitnamilegacy/valkey:latest" }, "ci-stack:images.valkey", /:latest/],
    ["registry with scheme", { "registry.server": "http://10.0.24.28:30002" }, "ci-stack:registry.server", /host\[:port\]/],
    ["registry port out of range", { "registry.server": "harbor.lab:70000" }, "ci-stack:registry.server", /host\[:port\]/],
    ["registry missing", { "registry.server": undefined }, "ci-stack:registry.server", /required/],
    ["registry password missing", { "registry.password": undefined }, "ci-stack:registry.password", /pulumi config set --secret registry.password/],
    ["pre-made robot and the manager's password", { "registry.robotSecret": "Premade-Robot-1", "registry.robotName": "robot$bootcamp+ci" }, "ci-stack:registry.password", /not used with ci-stack:registry.robotSecret/],
    ["pre-made robot by its short name", { "registry.password": undefined, "registry.robotSecret": "Premade-Robot-1" }, "ci-stack:registry.robotName", /full name as Harbor shows it/],
    ["robot name Harbor refuses", { "registry.robotName": "CI-Bot" }, "ci-stack:registry.robotName", /name Harbor accepts for a new robot/],
    ["robot name with a space", { "registry.robotName": "ci bot" }, "ci-stack:registry.robotName", /without spaces/],
    ["robot secret too short", { "registry.password": undefined, "registry.robotName": "robot$b+c", "registry.robotSecret": "short" }, "ci-stack:registry.robotSecret", /at least 8/],
    ["negative robot rotation", { "registry.robotRotation": "-1" }, "ci-stack:registry.robotRotation", /0 or more/],
    ["bot is the admin", { "gitea.botUsername": "Gitea-Admin" }, "ci-stack:gitea.botUsername", /must differ from ci-stack:gitea.adminUsername/],
    ["bot name Gitea refuses", { "gitea.botUsername": "jenkins bot" }, "ci-stack:gitea.botUsername", /Gitea user name/],
    ["negative token rotation", { "gitea.botTokenRotation": "-2" }, "ci-stack:gitea.botTokenRotation", /0 or more/],
    ["chart repo not a URL", { "jenkins.chartRepo": "charts.jenkins.io" }, "ci-stack:jenkins.chartRepo", /http\(s\):\/\/ or oci:\/\//],
    ["chart repo ftp", { "gitea.chartRepo": "ftp://mirror/charts" }, "ci-stack:gitea.chartRepo", /chart repository URL/],
    ["chart version a range", { "jenkins.chartVersion": "^5.9" }, "ci-stack:jenkins.chartVersion", /exact chart version/],
    ["storage class invalid", { "storage.className": "Longhorn_RWX" }, "ci-stack:storage.className", /DNS-1123 subdomain/],
    ["toleration bad effect", { "jenkins.tolerations": '["node-role.kubernetes.io/control-plane:NoRun"]' }, "ci-stack:jenkins.tolerations[0]", /effect must be one of/],
    ["toleration not a list", { "jenkins.tolerations": "Exists" }, "ci-stack:jenkins.tolerations", /expected a YAML list/],
    ["toleration object instead of string", { "jenkins.tolerations": '[{"operator":"Exists"}]' }, "ci-stack:jenkins.tolerations", /list of strings/],
    ["boolean spelled yes", { "registry.insecure": "yes" }, "ci-stack:registry.insecure", /expected true or false, got "yes"/],
    ["gitea admin named admin", { "gitea.adminUsername": "admin" }, "ci-stack:gitea.adminUsername", /reserves it/],
    ["single pinned chart plugin", { "jenkins.additionalPlugins": '["git:5.7.0"]' }, "ci-stack:jenkins.additionalPlugins", /tested dependency set/],
    ["partial replacement plugin set", { "jenkins.installPlugins": '["kubernetes:4540.v612369217f87","git"]' }, "ci-stack:jenkins.installPlugins", /pin every plugin/],
    ["replacement set missing core plugins", { "jenkins.installPlugins": '["git:5.10.1"]' }, "ci-stack:jenkins.installPlugins", /must include kubernetes, workflow-aggregator, configuration-as-code/],
    ["duplicate plugin", { "jenkins.additionalPlugins": '["gitea","gitea"]' }, "ci-stack:jenkins.additionalPlugins[1]", /duplicate entry "gitea"/],
    ["agents namespace exempted", { "kyverno.systemNamespaces": '["kube-system","jenkins-agents"]' }, "ci-stack:kyverno.systemNamespaces", /must stay under the policies/],
    ["unknown policy type", { "kyverno.policyType": "Policy" }, "ci-stack:kyverno.policyType", /ClusterPolicy or ValidatingPolicy/],
    ["same repo twice", { "seed.deployRepo": "notes-app" }, "ci-stack:seed.deployRepo", /must differ/],
    ["seed folder with a slash", { "seed.folder": "ci/seed" }, "ci-stack:seed.folder", /one Jenkins item name/],
    ["branch with ..", { "seed.branch": "main..x" }, "ci-stack:seed.branch", /'\.\.'/],
    ["short admin password", { "jenkins.adminPassword": "short" }, "ci-stack:jenkins.adminPassword", /at least 8/],
    ["nodeAddress with scheme", { nodeAddress: "http://10.0.24.28" }, "ci-stack:nodeAddress", /host name or IP/],
];

describe("config", () => {
    describe("invalid configs name their key and register nothing", () => {
        for (const [what, overrides, key, text] of INVALID) {
            it(what, async () => {
                const values: Record<string, string> = { ...MINIMAL };
                for (const [k, v] of Object.entries(overrides)) {
                    if (v === undefined) delete values[k];
                    else values[k] = v;
                }
                const run = await runProgram(values, { secretKeys: SECRET_KEYS });
                // index.ts is loaded afresh per run, so its ConfigError is another class object: match the name.
                assert.equal(run.error?.name, "ConfigError", `expected a ConfigError, got ${String(run.error)}`);
                const line = (run.error as ConfigError).problems.find((p) => p.startsWith(`${key}:`) || p.startsWith(`${key}[`) || p.startsWith(key));
                assert.ok(line, `no problem names ${key}; got:\n${run.error.message}`);
                assert.match(line, text);
                assert.deepEqual(run.recorder.resources, [], "a resource was registered before config was validated");
            });
        }
    });

    it("reports every problem at once", () => {
        const problems = problemsOf({
            ...MINIMAL,
            "gitea.nodePort": "1",
            "jenkins.namespace": "Jenkins",
            "images.agent": "x:latest",
            "registry.insecure": "maybe",
        });
        assert.deepEqual(
            problems.map((p) => p.split(":").slice(0, 2).join(":")),
            ["ci-stack:gitea.nodePort", "ci-stack:registry.insecure", "ci-stack:images.agent", "ci-stack:jenkins.namespace"].sort((a, b) =>
                Object.keys(CONFIG_KEYS).indexOf(a.slice(9)) - Object.keys(CONFIG_KEYS).indexOf(b.slice(9)),
            ),
        );
    });

    it("rejects a secret stored in plaintext without echoing it", () => {
        const problems = problemsOf({ ...MINIMAL }, []);
        assert.equal(problems.length, 1);
        assert.match(problems[0]!, /^ci-stack:registry.password: is stored in plaintext; set it with `pulumi config set --secret registry.password/);
        assert.ok(!problems[0]!.includes(REGISTRY_PASSWORD));
    });

    it("never echoes a secret's value in a validation message", () => {
        const problems = problemsOf({ ...MINIMAL, "gitea.adminPassword": "tiny" });
        assert.equal(problems.length, 1);
        assert.ok(!problems[0]!.includes("tiny"), problems[0]);
    });

    it("applies every default to a minimal config", async () => {
        const cfg = loadConfig("ci-stack", source({ ...MINIMAL }));
        const { registry, gitea, jenkins, ...plain } = cfg;
        assert.deepEqual(plain, {
            project: "ci-stack",
            nodeAddress: "10.0.24.28",
            storage: { className: "longhorn", workspaceSize: "10Gi", cacheSize: "10Gi", retainOnDelete: true, protect: true },
            images: {
                kaniko: "gcr.io/kaniko-project/executor:v1.23.2-debug",
                agent: "jenkins/inbound-agent:3385.vf1123fb_515da_-1",
                build: "maven:3.9.11-eclipse-temurin-21",
                postgresql: "docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4",
                valkey: "docker.io/bitnamilegacy/valkey:8.1.3-debian-12-r3",
            },
            agents: {
                namespace: "jenkins-agents",
                resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } },
            },
            kyverno: { namespace: "kyverno", exceptionNamespace: "kyverno", systemNamespaces: ["kube-system", "longhorn-system"], policyType: "ClusterPolicy" },
            seed: {
                enabled: true,
                appRepo: "notes-app",
                deployRepo: "notes-deploy",
                jobName: "notes-app",
                folder: "ci",
                branch: "main",
                imageName: "notes-app",
                privateRepos: true,
                deleteReposOnDestroy: false,
            },
        });
        const { password, ...reg } = registry;
        assert.deepEqual(reg, { server: "10.0.24.28:30002", project: "bootcamp", username: "admin", insecure: false, secretName: "harbor-auth", robotName: "ci-stack", robotRotation: 0 });
        assert.equal(await resolve(password), REGISTRY_PASSWORD);
        assert.equal(await pulumi.isSecret(password!), true);
        assert.deepEqual(gitea, {
            namespace: "gitea",
            chart: { repo: "https://dl.gitea.com/charts/", version: "12.5.0" },
            nodePort: 30022,
            storageSize: "5Gi",
            adminUsername: "gitea-admin",
            botUsername: "jenkins-bot",
            botTokenRotation: 0,
            postgresql: true,
            valkey: true,
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        });
        assert.deepEqual(jenkins, {
            namespace: "jenkins",
            chart: { repo: "https://charts.jenkins.io", version: "5.9.53" },
            nodePort: 30808,
            storageSize: "10Gi",
            adminUsername: "admin",
            tolerations: [],
            additionalPlugins: [],
            installPlugins: [],
            resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "3Gi" } },
        });
    });

    it("coerces YAML strings into typed values and parses tolerations", () => {
        const cfg = loadConfig(
            "ci-stack",
            source({
                ...MINIMAL,
                "gitea.nodePort": " 31000 ",
                "gitea.sshNodePort": "30222",
                "storage.protect": "FALSE",
                "registry.insecure": "true",
                "jenkins.tolerations": JSON.stringify(["*", "node-role.kubernetes.io/control-plane:NoSchedule", "dedicated=ci:NoExecute", "*:PreferNoSchedule"]),
                "jenkins.additionalPlugins": '["gitea","generic-webhook-trigger:2.3.1"]',
            }),
        );
        assert.equal(cfg.gitea.nodePort, 31000);
        assert.equal(cfg.gitea.sshNodePort, 30222);
        assert.equal(cfg.storage.protect, false);
        assert.equal(cfg.registry.insecure, true);
        assert.deepEqual(cfg.jenkins.tolerations, [
            { operator: "Exists" },
            { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
            { key: "dedicated", operator: "Equal", value: "ci", effect: "NoExecute" },
            { operator: "Exists", effect: "PreferNoSchedule" },
        ]);
        assert.deepEqual(cfg.jenkins.additionalPlugins, ["gitea", "generic-webhook-trigger:2.3.1"]);
    });

    it("returns a deeply frozen object", () => {
        const cfg = loadConfig("ci-stack", source({ ...MINIMAL }));
        assert.ok(Object.isFrozen(cfg));
        assert.ok(Object.isFrozen(cfg.gitea.resources.requests));
        assert.ok(Object.isFrozen(cfg.kyverno.systemNamespaces));
        assert.throws(() => {
            (cfg.gitea as { nodePort: number }).nodePort = 1;
        }, TypeError);
    });

    it("accepts the dev stack file as written", () => {
        const cfg = loadConfig("ci-stack", source(devStackConfig()));
        assert.equal(cfg.nodeAddress, "10.0.24.28");
        assert.equal(cfg.registry.server, "10.0.24.28:30002");
        assert.equal(cfg.registry.insecure, true);
        assert.deepEqual(cfg.jenkins.tolerations, [{ operator: "Exists" }]);
    });

    it("keeps plaintext secrets out of Pulumi.dev.yaml", () => {
        const file = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
        for (const key of SECRET_KEYS) {
            const v = file.config[`ci-stack:${key}`];
            assert.ok(v === undefined || (typeof v === "object" && v !== null && "secure" in v), `${key} is plaintext in Pulumi.dev.yaml`);
        }
    });

    describe("image and toleration parsers", () => {
        const images: [string, string | undefined][] = [
            ["nginx:1.27", undefined],
            ["10.0.24.28:30002/bootcamp/notes-app:abc1234", undefined],
            ["10.0.24.28:30002/bootcamp/notes-app", "must carry an explicit tag or digest (an untagged image means :latest)"],
            ["registry:5000/x:latest", "must not use the :latest tag (pin a version)"],
            [`alpine@sha256:${"a".repeat(64)}`, undefined],
            ["alpine@sha256:abc", "has a malformed sha256 digest"],
        ];
        for (const [ref, want] of images) it(`imageProblem(${ref})`, () => assert.equal(imageProblem(ref), want));
        it("rejects a wildcard toleration with a value", () => assert.match(parseToleration("*=x:NoSchedule") as string, /wildcard/));
    });

    describe("declarations stay in sync with the schema", () => {
        it("Pulumi.yaml declares every key with type, default and secret flag", () => {
            const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: unknown };
            assert.deepEqual(project.config, pulumiYamlConfig(), "run `npm run config:sync`");
        });
        it("README's config reference is the generated table", () => {
            const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
            const a = readme.indexOf(README_BEGIN);
            const b = readme.indexOf(README_END);
            assert.ok(a >= 0 && b > a, "README lacks the config reference markers");
            assert.equal(readme.slice(a, b + README_END.length), readmeTable(), "run `npm run config:sync`");
        });
        it("every secret key is declared secret and has no default", () => {
            for (const key of SECRET_KEYS) {
                const d = CONFIG_KEYS[key];
                assert.equal(d.secret, true, key);
                assert.equal(d.default, undefined, key);
            }
        });
    });
});
