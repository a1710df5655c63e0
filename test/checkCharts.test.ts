// `npm run check:charts`, offline: the checks over rendered YAML, the Kyverno report reading, the
// report and exit status, where charts come from, and that the values are the program's own for the
// stack file. Rendering with the real Helm and Kyverno: test/tools/checkCharts.tools.ts.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import {
    containersOf,
    exemptNamespacesOf,
    exitCode,
    formatFinding,
    imagesOf,
    kyvernoVerdicts,
    parseManifests,
    renderFindings,
    resourceFindings,
    schemaFindings,
    secretFindings,
    type Finding,
} from "../scripts/lib/chartChecks";
import { chartSource, isUnreachable, packagedChartVersion, templateArgs } from "../scripts/lib/helmRender";
import type { ReportResult } from "../scripts/lib/kyvernoCli";
import { releasesOf, runStack, sentinel, stackConfig, type ChartRelease } from "../scripts/lib/stackRun";
import { formatReport } from "../scripts/checkCharts";
import { tgz } from "../scripts/lib/tar";
import { ROLLOUT_ANNOTATION } from "../components/rollout";
import { runProgram } from "./support/mocks";
import { devStackConfig, SECRET_KEYS } from "./support/fixtures";

const REQ = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
const deployment = (containers: object[], initContainers: object[] = []) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "gitea" },
    spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers, initContainers } } },
});

describe("check:charts checks (offline)", () => {
    it("parses helm template output: namespaced objects get the release namespace, cluster-scoped ones none", () => {
        const text = [
            "---\n# Source: x/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b",
            "---\n# Source: x/templates/cr.yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\nrules: []",
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: other\nspec: {}",
            "---\n# empty document\n",
        ].join("\n");
        const objs = parseManifests(text, "rel-ns");
        assert.deepEqual(objs.map((o) => [o.kind, o.metadata?.namespace]), [["ConfigMap", "rel-ns"], ["ClusterRole", undefined], ["Service", "other"]]);
        assert.throws(() => parseManifests("a: [", "x"), /does not parse/);
    });

    it("a render failure is strict and quotes helm, [PLUGIN CONFLICT] lines first", () => {
        assert.deepEqual(renderFindings("jenkins", 0, ""), []);
        const f = renderFindings("jenkins", 1, 'Error: execution error at (jenkins/templates/config.yaml:12:3): [PLUGIN CONFLICT] git is both in installPlugins and additionalPlugins\nUse --debug flag');
        assert.equal(f.length, 1);
        assert.equal(f[0]!.severity, "FAIL");
        assert.match(f[0]!.message, /\[PLUGIN CONFLICT\] git/);
        assert.deepEqual(renderFindings("x", 1, "").map((x) => x.message), ["helm exited 1"]);
    });

    it("every container, sidecars and init containers included, needs requests; missing limits warn", () => {
        const objs = [
            deployment([{ name: "app", image: "a:1", resources: REQ }, { name: "reload", image: "k8s-sidecar:1" }], [{ name: "init", image: "b:1", resources: { requests: { cpu: "1" } } }]),
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "gitea" }, data: {} },
        ];
        const lines = resourceFindings("gitea", objs).map(formatFinding);
        assert.deepEqual(lines, [
            "FAIL  resources  gitea: Deployment gitea/web container reload: no resources.requests.cpu/memory",
            "WARN  resources  gitea: Deployment gitea/web container reload: no resources.limits.cpu/memory",
            "FAIL  resources  gitea: Deployment gitea/web container init init: no resources.requests.memory",
            "WARN  resources  gitea: Deployment gitea/web container init init: no resources.limits.cpu/memory",
        ]);
        const cron = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cj", namespace: "n" }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "x:1", resources: REQ }] } } } } } };
        assert.deepEqual(containersOf(cron).map((c) => c.container.name), ["c"]);
        assert.deepEqual(resourceFindings("x", [cron]), []);
        assert.deepEqual(imagesOf([...objs, cron]), ["a:1", "b:1", "k8s-sidecar:1", "x:1"]);
    });

    it("no Secret value in a ConfigMap (decoded, at least 8 characters) and no stack secret outside a Secret or in the values", () => {
        const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "gitea" }, data: { password: Buffer.from("s3cr3t-pa55").toString("base64"), port: Buffer.from("5432").toString("base64") }, stringData: { token: "tok-abcdefgh" } };
        const cm = (data: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "gitea" }, data });
        assert.deepEqual(secretFindings("gitea", [secret, cm({ "app.ini": "PORT=5432\nHOST=db" })], {}, []), []);
        assert.deepEqual(secretFindings("gitea", [secret, cm({ "app.ini": "PASSWD=s3cr3t-pa55" })], {}, []).map(formatFinding), [
            "FAIL  secrets    gitea: ConfigMap gitea/cfg: data.app.ini contains the value of Secret gitea/db key password",
        ]);
        assert.equal(secretFindings("gitea", [secret, cm({ t: "x tok-abcdefgh" })], {}, []).length, 1);
        const s = sentinel("registry.password");
        assert.deepEqual(secretFindings("gitea", [cm({ a: `x${s}` })], { a: { b: s } }, [s]).map((f) => f.message), [
            "a stack secret is in the Helm values (charts must read it from an existing Secret)",
            "holds a stack secret outside a Secret",
        ]);
    });

    it("schema problems of core objects are strict; other API groups are noted once", async () => {
        const f = await schemaFindings("x", [
            { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "n" }, spec: { selector: {}, template: {}, replica: 1 } },
            { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m" } },
            { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m2" } },
        ]);
        assert.deepEqual(f.map(formatFinding), [
            "FAIL  schema     x: Deployment n/d: Deployment.spec.replica: unknown field (not in V1DeploymentSpec)",
            "INFO  schema     x: monitoring.coreos.com/v1 ServiceMonitor: no schema here (not a core Kubernetes kind); not checked",
        ]);
    });

    it("Kyverno's verdicts per namespace: strict in the agents namespace, warnings elsewhere, exempted findings noted", () => {
        const r = (result: ReportResult["result"], namespace: string, name = "p"): ReportResult => ({ policy: "require-resources", rule: "autogen-require-container-requests", result, message: "m", subjects: [{ kind: "Deployment", name, namespace }] });
        const v = kyvernoVerdicts("jenkins", [r("fail", "jenkins-agents"), r("fail", "default"), r("skip", "jenkins"), r("pass", "jenkins-agents", "q")], [r("fail", "jenkins")], "jenkins-agents", ["gitea", "jenkins"]);
        assert.deepEqual(v.findings.map((f) => [f.severity, f.object]), [
            ["FAIL", "Deployment jenkins-agents/p"],
            ["WARN", "Deployment default/p"],
            ["INFO", "Deployment jenkins/p"],
        ]);
        assert.deepEqual(v.namespaces, [
            { namespace: "default", pass: 0, fail: 1, skip: 0, other: 0 },
            { namespace: "jenkins", pass: 0, fail: 0, skip: 1, other: 0 },
            { namespace: "jenkins-agents", pass: 1, fail: 1, skip: 0, other: 0 },
        ]);
        assert.equal(kyvernoVerdicts("x", [r("error", "jenkins-agents")], [], "jenkins-agents", []).findings[0]!.severity, "FAIL");
    });

    it("reads the exempt namespaces off both kinds of PolicyException", () => {
        assert.deepEqual(
            exemptNamespacesOf([
                { spec: { match: { any: [{ resources: { namespaces: ["b", "a"] } }] } } },
                { spec: { matchConditions: [{ expression: "object.metadata.?namespace.orValue('') in ['c', 'a']" }] } },
            ]),
            ["a", "b", "c"],
        );
    });

    it("exits non-zero on any strict finding, and the report has one line per finding", () => {
        const warn: Finding = { severity: "WARN", check: "resources", chart: "c", object: "Pod n/p", container: "x", message: "no resources.limits.cpu" };
        assert.equal(exitCode([warn]), 0);
        assert.equal(exitCode([warn, { ...warn, severity: "FAIL" }]), 1);
        const release: ChartRelease = { resource: "gitea", releaseName: "gitea", namespace: "gitea", chart: "gitea", repo: "https://dl.gitea.com/charts/", version: "12.4.0", values: {} };
        const text = formatReport("title", { charts: [{ release, source: "somewhere", rendered: false, objects: 0, workloads: 0, containers: 0, images: [], namespaces: [], seconds: 0 }], findings: [warn, { ...warn, severity: "FAIL", message: "boom" }] }, "ClusterPolicy");
        assert.match(text, /gitea 12.4.0 \(release gitea in gitea\) from somewhere: NOT RENDERED/);
        const lines = text.split("\n");
        assert.ok(lines.indexOf("FAIL  resources  c: Pod n/p container x: boom") < lines.indexOf("WARN  resources  c: Pod n/p container x: no resources.limits.cpu"));
        assert.match(text, /1 strict failures, 1 warnings, 0 notes: FIX BEFORE `pulumi up`/);
    });
});

describe("check:charts chart sources (offline)", () => {
    const release: ChartRelease = { resource: "gitea", releaseName: "gitea", namespace: "gitea", chart: "gitea", repo: "https://dl.gitea.com/charts/", version: "12.4.0", values: {} };
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-dir-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("uses the configured repository, or the oci:// reference", () => {
        assert.deepEqual(chartSource(release), { kind: "repository", repo: "https://dl.gitea.com/charts/", chart: "gitea", description: "https://dl.gitea.com/charts/ gitea 12.4.0" });
        assert.deepEqual(templateArgs(release, chartSource(release) as never, "/v.yaml"), [
            "template", "gitea", "gitea", "--repo", "https://dl.gitea.com/charts/", "--version", "12.4.0", "--namespace", "gitea", "--values", "/v.yaml", "--skip-tests",
        ]);
        const oci = { ...release, chart: "oci://registry.example/charts/gitea", repo: undefined };
        assert.equal((chartSource(oci) as { kind: string }).kind, "oci");
        assert.deepEqual(templateArgs(oci, chartSource(oci) as never, "/v").slice(0, 5), ["template", "gitea", "oci://registry.example/charts/gitea", "--version", "12.4.0"]);
    });

    it("CHARTS_DIR: the pinned .tgz first, then a chart directory (its version reported); nothing there is a problem, not a fallback", () => {
        assert.match((chartSource(release, dir) as { problem: string }).problem, /holds neither gitea-12\.4\.0\.tgz nor a gitea\//);
        fs.mkdirSync(path.join(dir, "gitea"));
        fs.writeFileSync(path.join(dir, "gitea", "Chart.yaml"), stringify({ apiVersion: "v2", name: "gitea", version: "0.0.0" }));
        assert.deepEqual(chartSource(release, dir), { kind: "path", path: path.join(dir, "gitea"), description: `CHARTS_DIR ${path.join(dir, "gitea")}`, chartVersion: "0.0.0" });
        fs.writeFileSync(path.join(dir, "gitea-12.4.0.tgz"), "");
        assert.equal((chartSource(release, dir) as { path: string }).path, path.join(dir, "gitea-12.4.0.tgz"));
        assert.equal((chartSource(release, dir) as { chartVersion?: string }).chartVersion, undefined, "an unreadable package claims no version");
    });

    it("CHARTS_DIR .tgz: the version is the packaged top-level Chart.yaml's, not the file name's", () => {
        const pkg = (version: string) =>
            tgz([
                { path: "gitea/charts/common/Chart.yaml", content: Buffer.from(stringify({ name: "common", version: "2.31.4" })) },
                { path: "gitea/Chart.yaml", content: Buffer.from(stringify({ apiVersion: "v2", name: "gitea", version })) },
            ]);
        const file = path.join(dir, "gitea-12.4.0.tgz");
        fs.writeFileSync(file, pkg("0.0.0"));
        assert.equal(packagedChartVersion(file), "0.0.0");
        assert.equal((chartSource(release, dir) as { chartVersion?: string }).chartVersion, "0.0.0");
        fs.writeFileSync(file, pkg("12.4.0"));
        assert.equal((chartSource(release, dir) as { chartVersion?: string }).chartVersion, "12.4.0");
    });

    it("tells an unreachable source from a chart error", () => {
        assert.ok(isUnreachable('Error: looks like "https://dl.gitea.com/charts/" is not a valid chart repository or cannot be reached: Get "https://dl.gitea.com/charts/index.yaml": dial tcp: lookup dl.gitea.com: no such host'));
        assert.ok(!isUnreachable("Error: execution error at (jenkins/templates/config.yaml:12:3): [PLUGIN CONFLICT]"));
    });
});

describe("check:charts values are the program's own (offline)", function () {
    this.timeout(60_000);

    it("stack file config: plain values as strings, lists as JSON, every secret (secure or required and unset) a sentinel", () => {
        const { config, secretKeys } = stackConfig(
            "ci-stack",
            stringify({ config: { "ci-stack:nodeAddress": "10.0.0.1", "ci-stack:jenkins.nodePort": 31000, "ci-stack:jenkins.tolerations": ["*"], "ci-stack:gitea.adminPassword": { secure: "v1:abc" } } }),
        );
        assert.equal(config["ci-stack:jenkins.nodePort"], "31000");
        assert.equal(config["ci-stack:jenkins.tolerations"], '["*"]');
        assert.equal(config["ci-stack:gitea.adminPassword"], sentinel("gitea.adminPassword"));
        assert.equal(config["ci-stack:registry.password"], sentinel("registry.password"));
        assert.deepEqual(secretKeys.sort(), ["ci-stack:gitea.adminPassword", "ci-stack:registry.password"]);
        assert.equal(config["ci-stack:jenkins.adminPassword"], undefined, "optional secrets stay unset (generated)");
        // registry.password is required unless a pre-made robot (registry.robotSecret) is given.
        const premade = stackConfig("ci-stack", stringify({ config: { "ci-stack:registry.robotName": "robot$p+ci", "ci-stack:registry.robotSecret": { secure: "v1:abc" } } }));
        assert.deepEqual([premade.config["ci-stack:registry.password"], premade.secretKeys], [undefined, ["ci-stack:registry.robotSecret"]]);
    });

    it("renders with the Helm values the program registers for the stack (dev), read from Pulumi.dev.yaml", async () => {
        const run = await runStack("dev");
        const mine = releasesOf(run);
        const program = await runProgram(devStackConfig(), { secretKeys: SECRET_KEYS, stateHook: (a) => (a.type === "pulumi-nodejs:dynamic/seed:GiteaRepository" ? { owner: "gitea-admin" } : undefined) });
        if (program.error) throw program.error;
        const registered = program.recorder.ofType("kubernetes:helm.sh/v3:Release");
        assert.deepEqual(mine.map((r) => r.chart).sort(), ["gitea", "jenkins"]);
        // The rollout annotation digests the stack's secrets (components/rollout.ts): check:charts
        // runs with sentinels where this mock run has fixture passwords, so only its presence compares.
        const withoutDigest = (v: any) => {
            const c = structuredClone(v);
            for (const pod of [c.controller?.podAnnotations, c.gitea?.podAnnotations]) {
                if (pod) {
                    assert.match(pod[ROLLOUT_ANNOTATION], /^[0-9a-f]{32}$/);
                    delete pod[ROLLOUT_ANNOTATION];
                }
            }
            return c;
        };
        for (const r of mine) {
            const p = registered.find((x) => x.inputs.chart === r.chart)!;
            assert.deepEqual(withoutDigest(r.values), withoutDigest(p.inputs.values), r.chart);
            assert.deepEqual([r.releaseName, r.namespace, r.version, r.repo], [p.inputs.name, p.inputs.namespace, p.inputs.version, p.inputs.repositoryOpts.repo]);
        }
        assert.equal(run.outputs.agentNamespace, "jenkins-agents");
        assert.ok(run.sentinels.includes(sentinel("registry.password")));
        // The sentinels really reach the program (so finding none in the values means something).
        assert.ok(run.resources.some((x) => JSON.stringify(x.inputs).includes(sentinel("random-gitea-admin-password"))));
    });

    it("without the pinned Helm it says so and exits 2 before rendering anything (never a silent pass)", () => {
        const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "scripts", "checkCharts.ts")], {
            encoding: "utf8",
            env: { ...process.env, HELM_BIN: "/nonexistent/helm" },
        });
        assert.equal(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /helm \(helm\) not found; looked at:\n {2}- \$HELM_BIN=\/nonexistent\/helm \(not an executable file\)/);
        assert.match(r.stderr, /Nothing was rendered\./);
        assert.equal(r.stdout, "");
    });

    it("names the missing stack file", async () => {
        await assert.rejects(runStack("nope"), /no stack file .*Pulumi\.nope\.yaml/);
    });
});
