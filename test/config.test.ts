import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { CONFIG_KEYS, ConfigError, loadConfig, parseToleration, imageProblem, RawConfigSource } from "../config";
import { pulumiYamlConfig, readmeTable, README_BEGIN, README_END } from "../scripts/configDocs";
import { MINIMAL, REGISTRY_PASSWORD, SECRET_KEYS, devStackConfig } from "./support/fixtures";
import { ProgramRun, resolve, runProgram } from "./support/mocks";

const ROOT = path.join(__dirname, "..");

function source(values: Record<string, string>, secretKeys: readonly string[] = SECRET_KEYS): RawConfigSource {
    return {
        get: (k) => values[k.replace(/^ci-stack:/, "")],
        isSecret: (k) => secretKeys.includes(k.replace(/^ci-stack:/, "")),
        keys: () => Object.keys(values).map((k) => `ci-stack:${k}`),
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

const SHA = "a".repeat(64);
const CHART_PW = "S3cret-chart-pw";

// [what is wrong, overrides on top of MINIMAL (undefined deletes), key the message must name, text it
// must contain, and optionally a string no message may contain (a secret)]
const INVALID: [string, Record<string, string | undefined>, string, RegExp, string?][] = [
    ["NodePort below range", { "jenkins.nodePort": "8080" }, "ci-stack:jenkins.nodePort", /30000-32767/],
    ["a smoke run without the seed", { "smoke.enabled": "true", "seed.enabled": "false" }, "ci-stack:smoke.enabled", /needs ci-stack:seed\.enabled/],
    ["a smoke timeout too short to build anything", { "smoke.timeoutSeconds": "10" }, "ci-stack:smoke.timeoutSeconds", /at least 30/],
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
    ["registry port out of range", { "registry.server": "harbor.lab:70000" }, "ci-stack:registry.server", /port 70000 is not in 1-65535/],
    ["registry missing", { "registry.server": undefined }, "ci-stack:registry.server", /required/],
    ["registry password missing", { "registry.password": undefined }, "ci-stack:registry.password", /pulumi config set --secret registry.password/],
    ["pre-made robot and the manager's password", { "registry.robotSecret": "Premade-Robot-1", "registry.robotName": "robot$bootcamp+ci" }, "ci-stack:registry.password", /not used with ci-stack:registry.robotSecret/],
    ["pre-made robot by its short name", { "registry.password": undefined, "registry.robotSecret": "Premade-Robot-1" }, "ci-stack:registry.robotName", /full name as Harbor shows it/],
    ["robot name Harbor refuses", { "registry.robotName": "CI-Bot" }, "ci-stack:registry.robotName", /name Harbor accepts for a new robot/],
    ["robot name with a colon", { "registry.robotName": "ci:bot" }, "ci-stack:registry.robotName", /must not contain ':'/],
    ["robot secret too short", { "registry.password": undefined, "registry.robotName": "robot$b+c", "registry.robotSecret": "short" }, "ci-stack:registry.robotSecret", /at least 8/],
    ["negative robot rotation", { "registry.robotRotation": "-1" }, "ci-stack:registry.robotRotation", /0 or more/],
    ["bot is the admin", { "gitea.botUsername": "Gitea-Admin" }, "ci-stack:gitea.botUsername", /must differ from ci-stack:gitea.adminUsername/],
    ["bot name Gitea refuses", { "gitea.botUsername": "jenkins--bot" }, "ci-stack:gitea.botUsername", /no two of/],
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
    ["seed folder with a slash", { "seed.folder": "ci/seed" }, "ci-stack:seed.folder", /one item name: '\/' separates folders/],
    ["branch with ..", { "seed.branch": "main..x" }, "ci-stack:seed.branch", /'\.\.'/],
    ["short admin password", { "jenkins.adminPassword": "short" }, "ci-stack:jenkins.adminPassword", /at least 8/],
    ["nodeAddress with scheme", { nodeAddress: "http://10.0.24.28" }, "ci-stack:nodeAddress", /IPv4 address, a bracketed IPv6 address or a DNS name/],

    // Unknown keys: a typo is an error, with the declared key it most likely meant.
    ["typo in a safety key", { "storage.retainondelete": "false" }, "ci-stack:storage.retainondelete", /unknown key; did you mean ci-stack:storage\.retainOnDelete\?/],
    ["a key under the wrong area", { "jenkins.retainOnDelete": "false" }, "ci-stack:jenkins.retainOnDelete", /did you mean ci-stack:storage\.retainOnDelete\?/],
    ["a misspelt key", { "registry.sever": "harbor.lab" }, "ci-stack:registry.sever", /did you mean ci-stack:registry\.server\?/],
    ["a misspelt secret key, value not shown", { "gitea.adminPasword": "Pa55word-typo" }, "ci-stack:gitea.adminPasword", /did you mean ci-stack:gitea\.adminPassword\?/, "Pa55word-typo"],
    ["an unknown key with nothing near", { frobnicate: "1" }, "ci-stack:frobnicate", /unknown key; README's configuration table lists every key/],

    // Namespaces that belong to the cluster or to Kyverno, for any component.
    ["Gitea in kube-system", { "gitea.namespace": "kube-system" }, "ci-stack:gitea.namespace", /"kube-system" belongs to the cluster/],
    ["Jenkins in default", { "jenkins.namespace": "default" }, "ci-stack:jenkins.namespace", /"default" belongs to the cluster/],
    ["agents in kube-public", { "agents.namespace": "kube-public" }, "ci-stack:agents.namespace", /belongs to the cluster/],
    ["Gitea in kube-node-lease", { "gitea.namespace": "kube-node-lease" }, "ci-stack:gitea.namespace", /belongs to the cluster/],
    ["a kube- prefix", { "jenkins.namespace": "kube-ci" }, "ci-stack:jenkins.namespace", /must not start with kube-/],
    ["Jenkins in Longhorn's namespace", { "jenkins.namespace": "longhorn-system" }, "ci-stack:jenkins.namespace", /belongs to the cluster/],
    ["Jenkins in Kyverno's namespace", { "jenkins.namespace": "kyverno" }, "ci-stack:jenkins.namespace", /is ci-stack:kyverno\.namespace's namespace/],
    ["agents in a custom Kyverno namespace", { "kyverno.namespace": "policy-engine", "agents.namespace": "policy-engine" }, "ci-stack:agents.namespace", /ci-stack:kyverno\.namespace's namespace/],
    ["Gitea in the exception namespace", { "kyverno.exceptionNamespace": "exceptions", "gitea.namespace": "exceptions" }, "ci-stack:gitea.namespace", /ci-stack:kyverno\.exceptionNamespace's namespace/],
    ["Jenkins in a declared system namespace", { "kyverno.systemNamespaces": '["kube-system","cattle-system"]', "jenkins.namespace": "cattle-system" }, "ci-stack:jenkins.namespace", /ci-stack:kyverno\.systemNamespaces's namespace/],

    // Quantities, compared as numbers.
    ["a zero CPU limit", { "jenkins.cpuLimit": "0" }, "ci-stack:jenkins.cpuLimit", /greater than zero/],
    ["a zero-sized claim", { "storage.workspaceSize": "0Gi" }, "ci-stack:storage.workspaceSize", /greater than zero/],
    ["a negative memory request", { "agents.memoryRequest": "-512Mi" }, "ci-stack:agents.memoryRequest", /greater than zero/],
    ["fractional bytes", { "gitea.memoryLimit": "1.5" }, "ci-stack:gitea.memoryLimit", /whole number of bytes/],
    ["milli-bytes of memory", { "jenkins.memoryRequest": "100m" }, "ci-stack:jenkins.memoryRequest", /whole number of bytes/],
    ["a size beyond int64", { "storage.cacheSize": "1e50" }, "ci-stack:storage.cacheSize", /out of range/],
    ["CPU request above its limit", { "agents.cpuRequest": "1500m", "agents.cpuLimit": "1" }, "ci-stack:agents.cpuRequest", /1500m is more than ci-stack:agents\.cpuLimit \(1\)/],
    ["memory request above its limit, across units", { "jenkins.memoryRequest": "2Gi", "jenkins.memoryLimit": "2G" }, "ci-stack:jenkins.memoryRequest", /more than ci-stack:jenkins\.memoryLimit/],
    ["a default request above a lowered limit", { "gitea.memoryLimit": "128Mi" }, "ci-stack:gitea.memoryRequest", /256Mi is more than ci-stack:gitea\.memoryLimit \(128Mi\)/],

    // Images: the distribution grammar, pinning, and the kaniko debug tag.
    ["upper-case repository", { "images.build": "Maven:3.9.11-eclipse-temurin-21" }, "ci-stack:images.build", /repository "Maven" must be lower case/],
    ["upper-case path under a registry", { "images.agent": "registry.lab/Jenkins/inbound-agent:3385.vf1123fb_515da_-1" }, "ci-stack:images.agent", /must be lower case/],
    ["a digest of an unknown algorithm", { "images.build": `maven@md5:${"c".repeat(32)}` }, "ci-stack:images.build", /malformed digest/],
    ["a tag over 128 characters", { "images.agent": `jenkins/inbound-agent:${"1".repeat(129)}` }, "ci-stack:images.agent", /invalid tag/],
    ["kaniko with debug only in its path", { "images.kaniko": "registry.lab/kaniko-debug/executor:v1.23.2" }, "ci-stack:images.kaniko", /tag "v1\.23\.2" is not a debug variant/],
    ["kaniko pinned by digest alone", { "images.kaniko": `gcr.io/kaniko-project/executor@sha256:${SHA}` }, "ci-stack:images.kaniko", /must name its tag/],

    // Registry names as the pipeline, the deploy manifests and Harbor need them.
    ["registry host read as a Docker Hub namespace", { "registry.server": "harbor" }, "ci-stack:registry.server", /Docker Hub namespace/],
    ["a bare IPv6 registry", { "registry.server": "fd00::28" }, "ci-stack:registry.server", /goes in brackets/],
    ["registry on an impossible IPv4", { "registry.server": "10.0.24.300:30002" }, "ci-stack:registry.server", /not an IPv4 address/],
    ["registry user with a colon", { "registry.username": "robot:ci" }, "ci-stack:registry.username", /must not contain ':'/],
    ["Harbor project with two separators", { "registry.project": "boot--camp" }, "ci-stack:registry.project", /Harbor project name/],
    ["Harbor project upper case", { "registry.project": "Bootcamp" }, "ci-stack:registry.project", /Harbor project name/],
    ["image name starting with a digit (a Service name)", { "seed.imageName": "1notes" }, "ci-stack:seed.imageName", /DNS-1035 label/],
    ["image repository over 255 characters", { "registry.project": "p".repeat(240) }, "ci-stack:registry.project", /more than the 255/],

    // Branches: git check-ref-format --branch, then Gitea's own limits.
    ["branch starting with -", { "seed.branch": "-main" }, "ci-stack:seed.branch", /must not start with '-'/],
    ["branch HEAD", { "seed.branch": "HEAD" }, "ci-stack:seed.branch", /must not be HEAD/],
    ["branch with a .lock component", { "seed.branch": "release.lock/x" }, "ci-stack:seed.branch", /\.lock/],
    ["branch with //", { "seed.branch": "feature//x" }, "ci-stack:seed.branch", /'\/\/'/],
    ["branch with a space", { "seed.branch": "my branch" }, "ci-stack:seed.branch", /spaces/],
    ["branch ending with .", { "seed.branch": "v1." }, "ci-stack:seed.branch", /must not end with '\.'/],
    ["branch @", { "seed.branch": "@" }, "ci-stack:seed.branch", /Gitea refuses/],
    ["branch with glob braces", { "seed.branch": "feat{1}" }, "ci-stack:seed.branch", /branch filter as a glob/],
    ["branch over 100 characters", { "seed.branch": "b".repeat(101) }, "ci-stack:seed.branch", /at most 100/],

    // Jenkins names.
    ["folder with a trailing dot", { "seed.folder": "ci." }, "ci-stack:seed.folder", /trailing dot/],
    ["folder ..", { "seed.folder": ".." }, "ci-stack:seed.folder", /not allowed/],
    ["folder with an unsafe character", { "seed.folder": "c#i" }, "ci-stack:seed.folder", /'#' \(Jenkins: unsafe character\)/],
    ["folder with surrounding spaces", { "seed.folder": " ci" }, "ci-stack:seed.folder", /Jenkins trims/],
    ["job name that is no credential id", { "seed.jobName": "notes app" }, "ci-stack:seed.jobName", /Jenkins credential id/],
    ["job name with a slash", { "seed.jobName": "a/b" }, "ci-stack:seed.jobName", /'\/' separates folders/],
    ["Jenkins admin anonymous", { "jenkins.adminUsername": "anonymous" }, "ci-stack:jenkins.adminUsername", /reserved by Jenkins/],
    ["Jenkins admin SYSTEM in any case", { "jenkins.adminUsername": "System" }, "ci-stack:jenkins.adminUsername", /reserved by Jenkins/],
    ["Jenkins admin with a dot", { "jenkins.adminUsername": "ci.admin" }, "ci-stack:jenkins.adminUsername", /Jenkins user id/],

    // Gitea names.
    ["Gitea admin user", { "gitea.adminUsername": "user" }, "ci-stack:gitea.adminUsername", /"user" is reserved by Gitea/],
    ["Gitea admin ghost", { "gitea.adminUsername": "Ghost" }, "ci-stack:gitea.adminUsername", /reserved by Gitea/],
    ["Gitea admin api", { "gitea.adminUsername": "api" }, "ci-stack:gitea.adminUsername", /reserved by Gitea/],
    ["Gitea admin login", { "gitea.adminUsername": "login" }, "ci-stack:gitea.adminUsername", /reserved by Gitea/],
    ["Gitea admin with a reserved suffix", { "gitea.adminUsername": "ci.keys" }, "ci-stack:gitea.adminUsername", /must not end with "\.keys"/],
    ["Gitea admin with two specials in a row", { "gitea.adminUsername": "ci..admin" }, "ci-stack:gitea.adminUsername", /no two of/],
    ["Gitea admin ending with a special", { "gitea.adminUsername": "ci-admin_" }, "ci-stack:gitea.adminUsername", /none at the end/],
    ["Gitea admin starting with a special", { "gitea.adminUsername": "_admin" }, "ci-stack:gitea.adminUsername", /starting with a letter or digit/],
    ["Gitea admin over 40 characters", { "gitea.adminUsername": "a".repeat(41) }, "ci-stack:gitea.adminUsername", /at most 40/],
    ["repository ending .git", { "seed.appRepo": "notes.git" }, "ci-stack:seed.appRepo", /must not end with "\.git"/],
    ["repository -", { "seed.deployRepo": "-" }, "ci-stack:seed.deployRepo", /reserved by Gitea/],
    ["repository with ..", { "seed.appRepo": "notes..app" }, "ci-stack:seed.appRepo", /'\.\.'/],
    ["repository over 100 characters", { "seed.appRepo": "r".repeat(101) }, "ci-stack:seed.appRepo", /1-100 characters/],
    ["repositories equal but for case", { "seed.deployRepo": "Notes-App" }, "ci-stack:seed.deployRepo", /without case/],

    // Plugins.
    ["one plugin, two versions", { "jenkins.additionalPlugins": '["gitea:1.0","gitea:2.0"]' }, "ci-stack:jenkins.additionalPlugins[1]", /repeats plugin "gitea" \(also "gitea:1\.0" at \[0\]\)/],
    ["one plugin pinned and floating", { "jenkins.installPlugins": '["blueocean:1.27","blueocean"]' }, "ci-stack:jenkins.installPlugins[1]", /one id, one version/],
    ["a replacement set without the webhook plugin", { "jenkins.installPlugins": '["kubernetes:1","workflow-aggregator:2","git:3","configuration-as-code:4"]' }, "ci-stack:jenkins.installPlugins", /must include generic-webhook-trigger/],
    ["a replacement set with a floating version", { "jenkins.installPlugins": '["kubernetes:1","workflow-aggregator:2","git:3","configuration-as-code:4","generic-webhook-trigger:latest"]' }, "ci-stack:jenkins.installPlugins", /unpinned: generic-webhook-trigger:latest/],
    ["additions next to a replacement set", { "jenkins.installPlugins": '["kubernetes:1","workflow-aggregator:2","git:3","configuration-as-code:4","generic-webhook-trigger:5"]', "jenkins.additionalPlugins": '["blueocean"]' }, "ci-stack:jenkins.additionalPlugins", /is ignored when/],

    // Node address.
    ["node address with a numeric last label", { nodeAddress: "10.0.24" }, "ci-stack:nodeAddress", /not an IPv4 address/],
    ["node address an impossible IPv4", { nodeAddress: "256.1.1.1" }, "ci-stack:nodeAddress", /not an IPv4 address/],
    ["node address a bare IPv6", { nodeAddress: "fd00::28" }, "ci-stack:nodeAddress", /in brackets, as in a URL: \[fd00::28\]/],
    ["node address a bad IPv6", { nodeAddress: "[fd00::zz]" }, "ci-stack:nodeAddress", /not an IPv6 address/],
    ["node address with an underscore", { nodeAddress: "node_1.lab" }, "ci-stack:nodeAddress", /DNS name/],
    ["node address with a port", { nodeAddress: "10.0.24.28:6443" }, "ci-stack:nodeAddress", /no scheme, port or path/],

    // Chart repositories.
    ["chart repo with a trailing space", { "jenkins.chartRepo": "https://charts.jenkins.io " }, "ci-stack:jenkins.chartRepo", /whitespace/],
    ["chart repo with a password", { "gitea.chartRepo": `https://ci:${CHART_PW}@charts.example.com/gitea/` }, "ci-stack:gitea.chartRepo", /https:\/\/\*\*\*@charts\.example\.com\/gitea\/: credentials do not belong.*helm registry login/, CHART_PW],
    ["chart repo with a token", { "jenkins.chartRepo": `https://${CHART_PW}@charts.example.com` }, "ci-stack:jenkins.chartRepo", /credentials do not belong/, CHART_PW],
    ["chart repo with an unencoded / in the password", { "jenkins.chartRepo": `https://ci:${CHART_PW}/x@charts.example.com` }, "ci-stack:jenkins.chartRepo", /credentials do not belong/, CHART_PW],
    ["OCI chart repo with credentials", { "gitea.chartRepo": `oci://robot:${CHART_PW}@registry.lab/charts` }, "ci-stack:gitea.chartRepo", /oci:\/\/\*\*\*@registry\.lab\/charts: credentials/, CHART_PW],
    ["OCI chart repo upper case", { "gitea.chartRepo": "oci://registry.lab/Charts" }, "ci-stack:gitea.chartRepo", /oci:\/\/<registry host>/],
    ["OCI chart repo without a registry host", { "jenkins.chartRepo": "oci://charts/jenkins" }, "ci-stack:jenkins.chartRepo", /oci:\/\/<registry host>/],
];

// Edge cases that must stay accepted: [what, overrides, a check on the whole program's run].
// Overrides on top of MINIMAL (undefined deletes a key).
const VALID: [string, Record<string, string | undefined>, (run: ProgramRun) => void | Promise<void>][] = [
    [
        "a bracketed IPv6 registry with a port",
        { "registry.server": "[fd00::28]:30002" },
        (run) => {
            const dockercfg = run.recorder.one("kubernetes:core/v1:Secret", (x) => x.inputs.type === "kubernetes.io/dockerconfigjson");
            assert.deepEqual(Object.keys(JSON.parse(Buffer.from(dockercfg.inputs.data[".dockerconfigjson"], "base64").toString()).auths), ["[fd00::28]:30002"]);
            assert.match(fileOf(run, "seed-app-files", "Jenkinsfile"), /IMAGE_REPO = '\[fd00::28\]:30002\/bootcamp\/notes-app'/);
            assert.match(fileOf(run, "seed-deploy-files", "k8s/deployment.yaml"), /image: "?\[fd00::28\]:30002\/bootcamp\/notes-app:0\.0\.0/);
        },
    ],
    ["a registry on localhost", { "registry.server": "localhost:5000" }, (run) => assert.match(fileOf(run, "seed-app-files", "Jenkinsfile"), /'localhost:5000\/bootcamp\/notes-app'/)],
    ["an IPv6 node address", { nodeAddress: "[fd00::28]" }, (run) => assert.equal(run.outputs?.giteaUrl, "http://[fd00::28]:30022")],
    ["a DNS node address", { nodeAddress: "node-1.lab.example" }, (run) => assert.equal(run.outputs?.jenkinsUrl, "http://node-1.lab.example:30808")],
    [
        "digest-pinned images",
        { "images.agent": `jenkins/inbound-agent@sha256:${SHA}`, "images.build": `maven:3.9.11-eclipse-temurin-21@sha256:${SHA}`, "images.kaniko": `gcr.io/kaniko-project/executor:v1.23.2-debug@sha256:${SHA}` },
        (run) => assert.match(fileOf(run, "seed-app-files", "Jenkinsfile"), new RegExp(`image: gcr\\.io/kaniko-project/executor:v1\\.23\\.2-debug@sha256:${SHA}`)),
    ],
    ["kaniko's plain debug tag", { "images.kaniko": "gcr.io/kaniko-project/executor:debug" }, (run) => assert.match(fileOf(run, "seed-app-files", "Jenkinsfile"), /executor:debug\b/)],
    [
        "long Gitea repository names Gitea accepts (100 characters, upper case, '.', '_')",
        { "seed.appRepo": `Notes_App.v2-${"x".repeat(87)}`, "seed.deployRepo": `notes.deploy_${"y".repeat(87)}` },
        (run) => assert.equal(run.recorder.named("seed-app-repo").inputs.name, `Notes_App.v2-${"x".repeat(87)}`),
    ],
    ["a 40-character Gitea admin with dots", { "gitea.adminUsername": `ci.admin-${"a".repeat(31)}` }, (run) => assert.equal(run.outputs?.giteaAdminUsername, `ci.admin-${"a".repeat(31)}`)],
    ["a Jenkins folder with a space, a job with dots", { "seed.folder": "CI jobs", "seed.jobName": "notes.app" }, (run) => assert.equal(run.recorder.named("seed-job").inputs.path, "CI jobs/notes.app")],
    ["a release branch", { "seed.branch": "release/2025.12" }, (run) => assert.match(fileOf(run, "seed-app-files", "Jenkinsfile"), /DEPLOY_BRANCH = 'release\/2025\.12'/)],
    ["quantities in every spelling, request equal to limit", { "agents.cpuRequest": "1", "agents.cpuLimit": "1000m", "agents.memoryRequest": "0.5Gi", "agents.memoryLimit": "536870912", "gitea.cpuLimit": "1.5", "jenkins.storageSize": "20e9" }, (run) => assert.ok(run.recorder.resources.length > 0)],
    ["a pre-made robot account", { "registry.robotName": "robot$bootcamp+ci", "registry.robotSecret": "Premade-Robot-1", "registry.password": undefined }, (run) => {
        const dockercfg = run.recorder.one("kubernetes:core/v1:Secret", (x) => x.inputs.type === "kubernetes.io/dockerconfigjson");
        assert.equal(JSON.parse(Buffer.from(dockercfg.inputs.data[".dockerconfigjson"], "base64").toString()).auths["10.0.24.28:30002"].username, "robot$bootcamp+ci");
    }],
    ["a Harbor manager that is itself a robot account", { "registry.username": "robot$ci-manager" }, (run) => {
        assert.equal(run.recorder.one("pulumi-nodejs:dynamic/harbor:HarborRobot").inputs.harbor.username, "robot$ci-manager");
    }],
    ["a Harbor project with separators, an image name with --", { "registry.project": "team_a.images", "seed.imageName": "notes--app" }, (run) => assert.match(fileOf(run, "seed-app-files", "Jenkinsfile"), /'10\.0\.24\.28:30002\/team_a\.images\/notes--app'/)],
    ["an OCI chart repository with a port", { "jenkins.chartRepo": "oci://registry.lab:5000/charts" }, (run) => assert.equal(run.recorder.one("kubernetes:helm.sh/v3:Release", (r) => r.name === "jenkins").inputs.chart, "oci://registry.lab:5000/charts/jenkins")],
    ["a pin of the stack's own plugin", { "jenkins.additionalPlugins": '["generic-webhook-trigger:2.3.1","blueocean"]' }, (run) => assert.ok(run.recorder.resources.length > 0)],
    ["Kyverno in a namespace of its own name", { "kyverno.namespace": "policy-engine", "kyverno.exceptionNamespace": "policy-engine" }, (run) => assert.ok(run.recorder.resources.length > 0)],
];

/** A file the seed writes into a Gitea repository (GiteaFiles inputs). */
function fileOf(run: ProgramRun, resource: string, file: string): string {
    const f = (run.recorder.named(resource).inputs.files as { path: string; content: string }[]).find((x) => x.path === file);
    assert.ok(f, `${resource} writes no ${file}`);
    return f.content;
}

describe("config", () => {
    describe("invalid configs name their key and register nothing", () => {
        for (const [what, overrides, key, text, secret] of INVALID) {
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
                if (secret !== undefined) assert.ok(!run.error.message.includes(secret), `the message echoes a secret:\n${run.error.message}`);
                assert.deepEqual(run.recorder.resources, [], "a resource was registered before config was validated");
            });
        }
    });

    describe("valid edge cases stay accepted, the whole program runs with them", () => {
        for (const [what, overrides, check] of VALID) {
            it(what, async () => {
                const values: Record<string, string> = { ...MINIMAL };
                for (const [k, v] of Object.entries(overrides)) {
                    if (v === undefined) delete values[k];
                    else values[k] = v;
                }
                const run = await runProgram(values, { secretKeys: SECRET_KEYS });
                assert.equal(run.error, undefined, String(run.error));
                await check(run);
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
            smoke: { enabled: false, timeoutSeconds: 900 },
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
            ["alpine@sha256:abc", "has a malformed digest (sha256, sha384 or sha512 with its lower-case hex)"],
        ];
        for (const [ref, want] of images) it(`imageProblem(${ref})`, () => assert.equal(imageProblem(ref), want));
        it("rejects a wildcard toleration with a value", () => assert.match(parseToleration("*=x:NoSchedule") as string, /wildcard/));
    });

    describe("declarations stay in sync with the schema", () => {
        it("Pulumi.yaml declares every key with type, default and secret flag", () => {
            const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: unknown };
            assert.deepEqual(project.config, pulumiYamlConfig(), "run `npm run config:sync`");
            // The CLI reads a declared key as a property path (pkg/workspace/config.go mergeConfig):
            // a dotted key declared there breaks every stack that sets it (see scripts/configDocs.ts).
            const declared = Object.keys(project.config as object).filter((k) => k.startsWith("ci-stack:"));
            assert.deepEqual(declared.filter((k) => k.includes(".")), []);
            assert.ok(declared.includes("ci-stack:nodeAddress"));
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
