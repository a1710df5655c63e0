// `npm run check:charts` with the real pinned Helm and Kyverno CLI, against small charts this test
// writes into a temp dir: one that passes every check, and one that fails each check. Also the whole
// command (`tsx scripts/checkCharts.ts --stack dev`) against a CHARTS_DIR of stand-in charts.
// Run: npm run test:tools. Fails when a tool is missing unless CI_STACK_SKIP_MISSING_TOOLS=1.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { CATALOGUE } from "../../policies/catalogue";
import { CONFIG_KEYS } from "../../config/keys";
import { clusterPolicyManifest, exemptList, policyExceptionManifest } from "../../components/kyvernoPolicies";
import { checkCharts, type CheckInput, type CheckResult } from "../../scripts/checkCharts";
import { formatFinding } from "../../scripts/lib/chartChecks";
import type { ChartRelease } from "../../scripts/lib/stackRun";
import { findTool, REPO_ROOT, SKIP_ENV, ToolMissingError, type ToolName } from "../../scripts/lib/tools";

const AGENTS = "jenkins-agents";
const EXEMPT = exemptList(["gitea", "jenkins", "kyverno", "kube-system", "longhorn-system"], AGENTS);

function toolOrSkip(ctx: Mocha.Context, tool: ToolName): string {
    try {
        return findTool(tool);
    } catch (e) {
        if (e instanceof ToolMissingError && process.env[SKIP_ENV] === "1") {
            console.warn(`      SKIPPED (${SKIP_ENV}=1): ${e.message.split("\n")[0]}`);
            ctx.skip();
        }
        throw e;
    }
}

const REQ = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
const LABELS = { "app.kubernetes.io/name": "demo" };

function deployment(name: string, containers: object[], extraSpec: Record<string, unknown> = {}) {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, labels: LABELS },
        spec: { selector: { matchLabels: LABELS }, template: { metadata: { labels: LABELS }, spec: { containers } }, ...extraSpec },
    };
}

const GOOD_OBJECTS = [
    deployment("web", [{ name: "web", image: "nginx:1.29", resources: REQ }]),
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config" }, data: { "app.ini": "PORT=8080" } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "web-secret" }, type: "Opaque", data: { password: Buffer.from("a-long-secret-value").toString("base64") } },
];

/** A chart directory `<dir>/<name>/` with the given templates (plain YAML, or raw template text). */
function writeChart(dir: string, name: string, templates: Record<string, unknown>, version = "1.0.0"): void {
    const root = path.join(dir, name);
    fs.mkdirSync(path.join(root, "templates"), { recursive: true });
    fs.writeFileSync(path.join(root, "Chart.yaml"), stringify({ apiVersion: "v2", name, version }));
    fs.writeFileSync(path.join(root, "values.yaml"), "{}\n");
    for (const [file, body] of Object.entries(templates)) fs.writeFileSync(path.join(root, "templates", file), typeof body === "string" ? body : stringify(body));
}

const release = (chart: string, namespace = "gitea", over: Partial<ChartRelease> = {}): ChartRelease => ({
    resource: chart,
    releaseName: chart,
    namespace,
    chart,
    version: "1.0.0",
    values: {},
    ...over,
});

describe("check:charts with the real Helm and Kyverno CLI", function () {
    this.timeout(600_000);
    let helm: string;
    let kyverno: string;
    let dir: string;

    before(function () {
        helm = toolOrSkip(this, "helm");
        kyverno = toolOrSkip(this, "kyverno");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stack-check-charts-"));
        writeChart(dir, "good", Object.fromEntries(GOOD_OBJECTS.map((o, i) => [`${i}.yaml`, o])));
        writeChart(dir, "render", { "a.yaml": '{{ fail "[PLUGIN CONFLICT] git is in both lists" }}\n' });
        writeChart(dir, "schema", { "a.yaml": deployment("web", [{ name: "web", image: "nginx:1.29", resources: REQ }], { replica: 1 }) });
        writeChart(dir, "policy", { "a.yaml": deployment("latest", [{ name: "web", image: "nginx:latest", resources: REQ }]) });
        writeChart(dir, "sidecar", { "a.yaml": deployment("web", [{ name: "web", image: "nginx:1.29", resources: REQ }, { name: "reload", image: "kiwigrid/k8s-sidecar:2.10.1" }]) });
        writeChart(dir, "leak", {
            "a.yaml": GOOD_OBJECTS[2],
            "b.yaml": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "leaky" }, data: { "app.ini": "PASSWD=a-long-secret-value" } },
        });
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    const input = (releases: ChartRelease[], over: Partial<CheckInput> = {}): CheckInput => ({
        releases,
        chartsDir: dir,
        helm,
        kyverno,
        policies: CATALOGUE.map((r) => clusterPolicyManifest(r)),
        exceptions: CATALOGUE.map((r) => policyExceptionManifest(r, EXEMPT, "kyverno")),
        agentsNamespace: AGENTS,
        exemptNamespaces: EXEMPT,
        sentinels: [],
        ...over,
    });
    const strict = (r: CheckResult) => r.findings.filter((f) => f.severity === "FAIL").map(formatFinding);

    it("a chart that is fine: rendered, judged by Kyverno in its namespace, no strict finding", async () => {
        const r = await checkCharts(input([release("good", AGENTS)]));
        assert.deepEqual(strict(r), []);
        assert.equal(r.charts[0]!.rendered, true);
        assert.equal(r.charts[0]!.objects, 3);
        assert.deepEqual(r.charts[0]!.images, ["nginx:1.29"]);
        assert.deepEqual(r.charts[0]!.namespaces, [{ namespace: AGENTS, pass: CATALOGUE.length, fail: 0, skip: 0, other: 0 }]);
    });

    it("fails when the chart does not render, quoting the [PLUGIN CONFLICT]", async () => {
        const r = await checkCharts(input([release("render")]));
        assert.equal(r.charts[0]!.rendered, false);
        assert.equal(strict(r).length, 1);
        assert.match(strict(r)[0]!, /^FAIL {2}render {5}render: .*\[PLUGIN CONFLICT\] git is in both lists/);
    });

    it("fails on a Kubernetes schema error", async () => {
        assert.deepEqual(strict(await checkCharts(input([release("schema")]))), ["FAIL  schema     schema: Deployment gitea/web: Deployment.spec.replica: unknown field (not in V1DeploymentSpec)"]);
    });

    it("fails on a Kyverno failure in the agents namespace; the same chart in an exempt namespace only notes it", async () => {
        const agents = await checkCharts(input([release("policy", AGENTS)]));
        assert.deepEqual(strict(agents), [
            "FAIL  kyverno    policy: Deployment jenkins-agents/latest: disallow-latest-tag/autogen-require-pinned-image: fail in the agents namespace: " +
                agents.findings.find((f) => f.severity === "FAIL")!.message.split(": fail in the agents namespace: ")[1],
        ]);
        const exempt = await checkCharts(input([release("policy", "gitea")]));
        assert.deepEqual(strict(exempt), []);
        assert.ok(exempt.findings.some((f) => f.severity === "INFO" && f.check === "kyverno" && /would fail; exempt/.test(f.message)));
        assert.deepEqual(exempt.charts[0]!.namespaces, [{ namespace: "gitea", pass: 0, fail: 0, skip: CATALOGUE.length, other: 0 }]);
        const elsewhere = await checkCharts(input([release("policy", "default")]));
        assert.deepEqual(strict(elsewhere), []);
        assert.ok(elsewhere.findings.some((f) => f.severity === "WARN" && f.check === "kyverno"));
    });

    it("fails on a sidecar without resources, naming the object and the container", async () => {
        assert.deepEqual(strict(await checkCharts(input([release("sidecar")]))), ["FAIL  resources  sidecar: Deployment gitea/web container reload: no resources.requests.cpu/memory"]);
    });

    it("fails on a Secret value in a ConfigMap, and on a stack secret in the values", async () => {
        assert.deepEqual(strict(await checkCharts(input([release("leak")]))), ["FAIL  secrets    leak: ConfigMap gitea/leaky: data.app.ini contains the value of Secret gitea/web-secret key password"]);
        const s = "cistack-sentinel-x-Zq7";
        assert.deepEqual(strict(await checkCharts(input([release("good", "gitea", { values: { password: s } })], { sentinels: [s] }))), [
            "FAIL  secrets    good: a stack secret is in the Helm values (charts must read it from an existing Secret)",
        ]);
    });

    it("fails, saying so, when no chart source is reachable or CHARTS_DIR lacks the chart — nothing passes unrendered", async () => {
        const unreachable = await checkCharts(input([release("good", "gitea", { repo: "http://127.0.0.1:9/charts" })], { chartsDir: undefined }));
        assert.equal(unreachable.charts[0]!.rendered, false);
        assert.match(strict(unreachable).join("\n"), /^FAIL {2}source {5}good: chart source not reachable \(http:\/\/127\.0\.0\.1:9\/charts good 1\.0\.0\): .* nothing rendered; set CHARTS_DIR/);
        const missing = await checkCharts(input([release("absent")]));
        assert.match(strict(missing).join("\n"), /no chart source: CHARTS_DIR=.* holds neither absent-1\.0\.0\.tgz nor a absent\//);
    });

    it("the whole command: --stack dev against stand-in gitea/jenkins charts in CHARTS_DIR prints the report and exits 0; an empty CHARTS_DIR exits 1", () => {
        const charts = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stack-standins-"));
        try {
            // Stand-ins with the pinned versions: the command must find, render and check them.
            const standin = (name: string, version: string) =>
                writeChart(charts, name, { "cm.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: values\ndata:\n  keys: {{ keys .Values | sortAlpha | join "," | quote }}\n' }, version);
            // The dev stack leaves the chart versions at their defaults.
            const gitea = String(CONFIG_KEYS["gitea.chartVersion"].default);
            const jenkins = String(CONFIG_KEYS["jenkins.chartVersion"].default);
            standin("gitea", gitea);
            standin("jenkins", jenkins);
            const run = (env: Record<string, string>) =>
                spawnSync(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "scripts", "checkCharts.ts"), "--stack", "dev"], { encoding: "utf8", env: { ...process.env, ...env }, cwd: REPO_ROOT });
            const ok = run({ CHARTS_DIR: charts });
            assert.equal(ok.status, 0, ok.stdout + ok.stderr);
            assert.match(ok.stdout, /^check:charts: stack dev \(Pulumi\.dev\.yaml\)/);
            assert.ok(ok.stdout.includes(`gitea ${gitea} (release gitea in gitea) from CHARTS_DIR ${path.join(charts, "gitea")}: 1 objects, 0 workloads`), ok.stdout);
            assert.ok(ok.stdout.includes(`jenkins ${jenkins} (release jenkins in jenkins) from CHARTS_DIR ${path.join(charts, "jenkins")}: 1 objects`), ok.stdout);
            assert.match(ok.stdout, /0 strict failures, 0 warnings, 2 notes: ok/);
            const empty = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stack-empty-"));
            const bad = run({ CHARTS_DIR: empty });
            fs.rmSync(empty, { recursive: true, force: true });
            assert.equal(bad.status, 1, bad.stdout + bad.stderr);
            assert.match(bad.stdout, /NOT RENDERED/);
        } finally {
            fs.rmSync(charts, { recursive: true, force: true });
        }
    });
});
